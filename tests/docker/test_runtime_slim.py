"""``--runtime slim`` built on a real engine, and the extras that need ``apk``.

The slim image is compared with the default image of the same project and with the
node base image alone, because slim is meant to be smaller than that base. The
extras --init, --tz and --native-deps add ``apk add`` lines, which need Alpine's
package servers. The stand-in base has no apk, so their build runs only on the real
image and is skipped, by name, on the stand-in.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import docker.errors
import pytest

from tests.docker.conftest import ALPINE_VERSION, NODE_VERSION, run_cli
from tests.standin.build import is_standin

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def _new(path: Path, *flags: str) -> None:
    run = run_cli(
        "new",
        str(path),
        "--yes",
        "--node",
        NODE_VERSION,
        "--alpine",
        ALPINE_VERSION,
        *flags,
    )
    assert run.code == 0, run.stderr[-3000:]


def _verify(path: Path) -> dict[str, Any]:
    run = run_cli("verify", str(path), "--json")
    assert run.code == 0, run.stderr[-3000:]
    report: dict[str, Any] = json.loads(run.stdout)
    assert [check for check in report["checks"] if check["status"] == "fail"] == []
    return report


@pytest.fixture(scope="module")
def built(
    _engine: docker.DockerClient,
    base_image: str,
    alpine_image: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, str]]:
    """Build the same api with the default and the slim runtime, and a slim cli.

    ``base_image`` has made sure that ``_engine`` is a client, not a skip reason.
    """
    folder = tmp_path_factory.mktemp("slim")
    variants = {
        "default": ("--type", "api"),
        "slim": ("--type", "api", "--runtime", "slim"),
        "slim-cli": ("--type", "cli", "--runtime", "slim"),
    }
    tags = {}
    for name, flags in variants.items():
        project = folder / name
        _new(project, *flags)
        tag = f"nodeship-test-runtime/{name}:1"
        _engine.images.build(path=str(project), tag=tag, rm=True)
        tags[name] = tag
    yield tags
    for tag in tags.values():
        _engine.images.remove(tag, force=True)


def _size(client: docker.DockerClient, tag: str) -> int:
    return int(client.images.get(tag).attrs["Size"])


def _shell(client: docker.DockerClient, tag: str, script: str) -> str:
    output: bytes = client.containers.run(
        tag, ["-c", script], entrypoint="/bin/sh", remove=True
    )
    return output.decode().strip()


def test_slim_api_passes_verify(
    tmp_path: Path, base_image: str, alpine_image: str
) -> None:
    project = tmp_path / "slim-api"
    _new(project, "--runtime", "slim")
    _verify(project)


def test_slim_is_smaller_than_the_default_runtime(
    docker_client: docker.DockerClient, built: dict[str, str]
) -> None:
    assert _size(docker_client, built["slim"]) < _size(docker_client, built["default"])


def test_slim_cli_is_smaller_than_the_base_image(
    docker_client: docker.DockerClient, built: dict[str, str], base_image: str
) -> None:
    assert _size(docker_client, built["slim-cli"]) < _size(docker_client, base_image)


def test_slim_has_node_but_no_package_managers(
    docker_client: docker.DockerClient, built: dict[str, str]
) -> None:
    script = (
        "node --version; id -u; "
        "for tool in npm npx yarn corepack; do command -v $tool || echo no-$tool; done"
    )
    lines = _shell(docker_client, built["slim"], script).splitlines()
    assert lines == [
        f"v{NODE_VERSION}",
        "1000",
        "no-npm",
        "no-npx",
        "no-yarn",
        "no-corepack",
    ]


def test_slim_cli_runs_with_arguments(
    docker_client: docker.DockerClient, built: dict[str, str]
) -> None:
    output: bytes = docker_client.containers.run(
        built["slim-cli"], ["Ada"], remove=True
    )
    assert "Ada" in output.decode()


def test_slim_app_files_belong_to_root(
    docker_client: docker.DockerClient, built: dict[str, str]
) -> None:
    owners = _shell(
        docker_client, built["slim"], "stat -c %u /app/src/server.js /app/node_modules"
    )
    assert owners.split() == ["0", "0"]


def test_extras_with_apk_build_on_the_real_base(
    docker_client: docker.DockerClient,
    base_image: str,
    alpine_image: str,
    tmp_path: Path,
) -> None:
    if is_standin(docker_client, base_image) or is_standin(docker_client, alpine_image):
        pytest.skip(
            "--init, --tz and --native-deps run apk add, which the offline stand-in "
            "base image does not have; tests/test_runtime_extras.py checks their text "
            "and hadolint"
        )
    project = tmp_path / "extras"
    _new(
        project, "--runtime", "slim", "--init", "--tz", "Europe/Berlin", "--native-deps"
    )
    report = _verify(project)
    assert report["passed"] is True
