"""Building the CLI imports nothing heavy, so --help and --version stay fast."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY_MODULES = [
    "cookiecutter",
    "docker",
    "jinja2",
    "questionary",
    "prompt_toolkit",
    "rich",
    "urllib.request",
    "yaml",
]


@pytest.mark.parametrize("module", HEAVY_MODULES)
def test_cli_import_skips_module(module: str) -> None:
    code = f"import sys, nodeship.cli.main; print({module!r} in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_versions_defaults_match_refresh() -> None:
    from nodeship.cli import versions_command
    from nodeship.refresh import fetch, refresh

    assert versions_command.DEFAULT_NODE_INDEX_URL == fetch.DEFAULT_NODE_INDEX_URL
    assert versions_command.DEFAULT_REGISTRY_TAGS_URL == fetch.DEFAULT_REGISTRY_TAGS_URL
    assert versions_command.DEFAULT_TIMEOUT_SECONDS == refresh.DEFAULT_TIMEOUT_SECONDS
