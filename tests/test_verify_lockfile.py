"""``nodeship verify`` stops before the build when a needed lockfile is missing.

The check runs before verify connects to the engine, so it needs no Docker engine.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from nodeship.errors import ExitCode, InvalidInputError
from nodeship.verify.project import load_project
from tests.conftest import run_nodeship

NPM_DOCKERFILE = (
    "FROM node:24.11.1-alpine3.22\n"
    "WORKDIR /app\n"
    "COPY package.json package-lock.json ./\n"
    "RUN npm ci --omit=dev\n"
    "COPY src ./src\n"
)


def _write_project(
    folder: Path, dockerfile: str, package_manager: str | None = None
) -> Path:
    folder.mkdir(parents=True)
    package: dict[str, object] = {"name": "no-lock", "version": "0.1.0"}
    if package_manager:
        package["packageManager"] = package_manager
    (folder / "package.json").write_text(json.dumps(package))
    (folder / "Dockerfile").write_text(dockerfile)
    return folder


def _closed_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_verify_missing_lockfile_before_engine(tmp_path: Path) -> None:
    project = _write_project(tmp_path / "no-lock", NPM_DOCKERFILE)
    # No engine listens there, so exit 5 would mean verify tried to connect first.
    engine = f"tcp://127.0.0.1:{_closed_loopback_port()}"
    run = run_nodeship(
        "verify", str(project), "--json", cwd=tmp_path, env={"DOCKER_HOST": engine}
    )
    assert run.code == ExitCode.INVALID_INPUT, run.stderr
    assert f"error: {project / 'package-lock.json'} is missing" in run.stderr
    assert "the Dockerfile installs the dependencies from it" in run.stderr
    assert "hint: run `npm install`" in run.stderr
    assert "to create package-lock.json" in run.stderr
    assert "==> connecting" not in run.stderr
    assert "Dockerfile:" not in run.stderr
    assert "Traceback" not in run.stderr
    assert run.stdout == ""


@pytest.mark.parametrize(
    ("package_manager", "dockerfile", "lockfile"),
    [
        (
            "pnpm@9.12.0",
            "FROM node:24\nCOPY package.json pnpm-lock.yaml ./\n"
            "RUN pnpm install --frozen-lockfile --prod\n",
            "pnpm-lock.yaml",
        ),
        (
            "yarn@1.22.22",
            "FROM node:24\nCOPY package.json yarn.lock ./\n"
            "RUN yarn install --frozen-lockfile --production\n",
            "yarn.lock",
        ),
        # The lockfile is not named, but `npm ci` fails without one.
        (None, "FROM node:24\nCOPY . .\nRUN npm ci\n", "package-lock.json"),
        (
            "yarn@4.5.0",
            "FROM node:24\nCOPY . .\nRUN yarn install --immutable\n",
            "yarn.lock",
        ),
    ],
)
def test_missing_lockfile_per_manager(
    tmp_path: Path, package_manager: str | None, dockerfile: str, lockfile: str
) -> None:
    project = _write_project(tmp_path / "p", dockerfile, package_manager)
    with pytest.raises(InvalidInputError) as raised:
        load_project(project)
    manager = (package_manager or "npm").split("@")[0]
    assert raised.value.message.startswith(f"{project / lockfile} is missing")
    assert raised.value.hint is not None
    assert f"run `{manager} install` in {project} to create {lockfile}" in (
        raised.value.hint
    )


def test_lockfile_present_loads(tmp_path: Path) -> None:
    project = _write_project(tmp_path / "p", NPM_DOCKERFILE)
    (project / "package-lock.json").write_text(json.dumps({"lockfileVersion": 3}))
    assert load_project(project).name == "no-lock"


def test_shrinkwrap_replaces_lockfile(tmp_path: Path) -> None:
    # npm ci installs from npm-shrinkwrap.json as well.
    project = _write_project(tmp_path / "p", "FROM node:24\nCOPY . .\nRUN npm ci\n")
    (project / "npm-shrinkwrap.json").write_text(json.dumps({"lockfileVersion": 3}))
    assert load_project(project).name == "no-lock"


def test_dockerfile_without_lockfile_loads(tmp_path: Path) -> None:
    # A Dockerfile that neither copies a lockfile nor needs one is not checked.
    dockerfile = "FROM node:24\nCOPY package.json ./\nRUN npm install\n"
    project = _write_project(tmp_path / "p", dockerfile)
    assert load_project(project).name == "no-lock"


def test_other_manager_not_checked(tmp_path: Path) -> None:
    dockerfile = "FROM oven/bun:1\nCOPY package.json bun.lock ./\nRUN bun ci\n"
    project = _write_project(tmp_path / "p", dockerfile, "bun@1.1.0")
    assert load_project(project).name == "no-lock"
