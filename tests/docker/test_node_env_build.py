"""A TypeScript build stage that runs with NODE_ENV=production still compiles.

With NODE_ENV=production in its environment, npm and pnpm leave dev dependencies
out unless a flag includes them, and the compiler is one. The generated Dockerfile sets
NODE_ENV only in the runtime stage; these tests add ``ENV NODE_ENV=production`` to
the build stage, as a company template or a base image might, and build it with
each package manager.
"""

from __future__ import annotations

from pathlib import Path

import docker
import pytest

from tests.docker.conftest import ALPINE_VERSION, NODE_VERSION
from tests.template_support import render

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.mark.parametrize("manager", ["npm", "pnpm", "yarn"])
def test_build_stage_compiles_under_node_env_production(
    tmp_path: Path, base_image: str, docker_client: docker.DockerClient, manager: str
) -> None:
    project = render(
        tmp_path,
        install="yes",
        app_type="worker",
        language="ts",
        package_manager=manager,
        node_version=NODE_VERSION,
        alpine_version=ALPINE_VERSION,
    )
    dockerfile = project / "Dockerfile"
    text = dockerfile.read_text(encoding="utf-8")
    build_stage = "AS build\n"
    assert text.count(build_stage) == 1
    dockerfile.write_text(
        text.replace(build_stage, f"{build_stage}ENV NODE_ENV=production\n"),
        encoding="utf-8",
    )
    tag = f"nodeship-test-node-env/{manager}:1"
    docker_client.images.build(path=str(project), tag=tag, rm=True, forcerm=True)
    try:
        listing = docker_client.containers.run(
            tag, entrypoint=["ls", "dist"], remove=True
        )
        assert "worker.js" in listing.decode().split()
    finally:
        docker_client.images.remove(tag, force=True)
