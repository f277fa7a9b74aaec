"""Fixtures for tests that need a Docker engine: the client, the base image, projects.

Tests marked ``docker`` get an engine or are skipped with the reason. With
``CI=true`` the skip becomes a failure, so CI cannot pass by silently running none
of them. ``.ci/docker-engine.sh start`` starts a local engine.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import docker.errors
import pytest
from cookiecutter.main import cookiecutter

from tests.standin.build import ensure_base_image

REPO = Path(__file__).resolve().parents[2]
TEMPLATE_DIR = REPO / "template"

# Node.js 24.11.1 has a musllinux wheel on PyPI, so the stand-in can be built with
# exactly this version when the engine cannot pull the real image.
NODE_VERSION = "24.11.1"
ALPINE_VERSION = "3.22"
BASE_IMAGE = f"node:{NODE_VERSION}-alpine{ALPINE_VERSION}"
# The final stage of a slim runtime image: plain Alpine, onto which node is copied.
ALPINE_IMAGE = f"alpine:{ALPINE_VERSION}"

# Files that must never reach an image. The tests put them into projects first.
SECRET_FILES = {
    ".env": "DATABASE_PASSWORD=not-a-real-password\n",
    ".env.production": "API_KEY=not-a-real-key\n",
    ".npmrc": "//registry.npmjs.org/:_authToken=npm_FAKE000000000000000000000\n",
    "key.pem": "-----BEGIN PRIVATE KEY-----\nfake\n-----END PRIVATE KEY-----\n",
}


def _unavailable(reason: str) -> None:
    """Skip the test, or fail it when ``CI=true``."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true turns this skip into a failure)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def _engine() -> Iterator[docker.DockerClient | str]:
    """Connect once per session, then yield the client or the reason it failed."""
    try:
        client = docker.from_env()
        client.ping()
    except (docker.errors.DockerException, OSError) as error:
        yield (
            f"no Docker engine reachable ({error}); run `.ci/docker-engine.sh start` "
            "or set DOCKER_HOST"
        )
        return
    yield client
    client.close()


@pytest.fixture(scope="session", autouse=True)
def _remove_untagged_images(_engine: Any) -> Iterator[None]:
    """Remove the untagged images made during the session when it ends.

    ``verify --keep`` keeps the step images of its build, and removing the kept tag
    leaves them behind. Images that existed before the session stay, and so do
    images that others still build on (the engine returns 409 Conflict).
    """
    if isinstance(_engine, str):
        yield
        return
    before = {image.id for image in _engine.images.list(all=True)}
    yield
    session_images = [
        image
        for image in _engine.images.list(all=True)
        if image.id not in before and not image.tags
    ]
    # Newest first, so children go before the images they build on.
    session_images.sort(
        key=lambda image: str(image.attrs.get("Created", "")), reverse=True
    )
    for image in session_images:
        with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
            _engine.images.remove(image.id)


@pytest.fixture
def docker_client(request: pytest.FixtureRequest, _engine: Any) -> docker.DockerClient:
    """A client for the engine, for tests with the ``docker`` marker only."""
    if request.node.get_closest_marker("docker") is None:
        pytest.fail("tests that use docker_client need @pytest.mark.docker")
    if isinstance(_engine, str):
        _unavailable(_engine)
    return _engine


@pytest.fixture(autouse=True)
def _require_engine_for_docker_marker(request: pytest.FixtureRequest) -> None:
    """Skip (or, in CI, fail) every ``docker``-marked test when no engine responds."""
    if request.node.get_closest_marker("docker") is not None:
        request.getfixturevalue("docker_client")


@pytest.fixture(scope="session")
def base_image(_engine: Any) -> str:
    """Make the base image available: present, pulled, or a local stand-in."""
    if isinstance(_engine, str):
        _unavailable(_engine)
    outcome = ensure_base_image(_engine, BASE_IMAGE)
    print(f"\nbase image {BASE_IMAGE}: {outcome}", file=sys.stderr)
    return BASE_IMAGE


@pytest.fixture(scope="session")
def alpine_image(_engine: Any) -> str:
    """Make ``alpine:<ALPINE_VERSION>`` available: present, pulled, or a stand-in."""
    if isinstance(_engine, str):
        _unavailable(_engine)
    outcome = ensure_base_image(_engine, ALPINE_IMAGE)
    print(f"\nbase image {ALPINE_IMAGE}: {outcome}", file=sys.stderr)
    return ALPINE_IMAGE


def generate_project(
    output_dir: Path, *, name: str, app_type: str, version: str = "1.2.0"
) -> Path:
    """Render the template with cookiecutter's API and return the project folder.

    The post-generation hook runs npm to create package-lock.json.
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    project = cookiecutter(
        str(TEMPLATE_DIR),
        no_input=True,
        output_dir=str(output_dir),
        extra_context={
            "project_name": name,
            "description": f"Docker test project ({app_type})",
            "project_version": version,
            "app_type": app_type,
            "port": "3000",
            "node_version": NODE_VERSION,
            "alpine_version": ALPINE_VERSION,
            "ci": "none",
            "image": "",
            "install": "yes",
        },
    )
    return Path(project)


def add_secret_files(project: Path) -> list[str]:
    """Write the secret files at the top level and in src/, and return their paths."""
    written = []
    for folder in (project, project / "src"):
        for name, content in SECRET_FILES.items():
            (folder / name).write_text(content)
            written.append((folder / name).relative_to(project).as_posix())
    return written


def commit_all(project: Path) -> str:
    """Make ``project`` a git repository with one commit and return the commit id."""
    git = ["git", "-c", "user.name=nodeship tests", "-c", "user.email=tests@invalid"]
    subprocess.run([*git, "init", "-q"], cwd=project, check=True)
    subprocess.run([*git, "add", "-A"], cwd=project, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "initial"], cwd=project, check=True)
    completed = subprocess.run(
        ["git", "rev-parse", "HEAD"],
        cwd=project,
        check=True,
        capture_output=True,
        text=True,
    )
    return completed.stdout.strip()


@dataclass(frozen=True)
class CliRun:
    """A finished ``python -m nodeship`` process."""

    code: int
    stdout: str
    stderr: str


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 600
) -> CliRun:
    """Run ``python -m nodeship ARGS`` as a user would, with no terminal on stdin."""
    completed = subprocess.run(
        [sys.executable, "-m", "nodeship", *args],
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return CliRun(completed.returncode, completed.stdout, completed.stderr)


def remove_kept(client: docker.DockerClient, container: str, image: str) -> None:
    """Remove a container and an image tag that ``verify --keep`` left behind."""
    with contextlib.suppress(docker.errors.NotFound):
        client.containers.get(container).remove(force=True)
    with contextlib.suppress(docker.errors.NotFound):
        client.images.remove(image)
