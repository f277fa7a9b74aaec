"""Test tooling that provides the base images the Docker tests build on."""
