"""``nodeship verify`` failures: each kind ends with its own exit code and message."""

from __future__ import annotations

import json
import socket
import uuid
from pathlib import Path
from typing import Any

import docker
import pytest

from nodeship.errors import ExitCode
from tests.docker.conftest import BASE_IMAGE, remove_kept, run_cli

PACKAGE_JSON = json.dumps({"name": "hand-made", "version": "0.1.0", "private": True})


def _write_project(folder: Path, dockerfile: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "package.json").write_text(PACKAGE_JSON)
    (folder / "Dockerfile").write_text(dockerfile)
    return folder


def _closed_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_unreachable_engine_exit_code(tmp_path: Path) -> None:
    project = _write_project(tmp_path / "p", f"FROM {BASE_IMAGE}\n")
    port = _closed_loopback_port()
    run = run_cli(
        "verify", str(project), env={"DOCKER_HOST": f"tcp://127.0.0.1:{port}"}
    )
    assert run.code == ExitCode.ENGINE_UNREACHABLE
    assert f"cannot reach the Docker engine at tcp://127.0.0.1:{port}" in run.stderr
    assert "DOCKER_HOST" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.docker
@pytest.mark.slow
def test_broken_run_step_exit_code(tmp_path: Path, base_image: str) -> None:
    dockerfile = (
        f"FROM {base_image}\n"
        "WORKDIR /app\n"
        "RUN echo 'nodeship-test: about to fail' && ls /no-such-folder\n"
    )
    project = _write_project(tmp_path / "broken", dockerfile)
    run = run_cli("verify", str(project))
    assert run.code == ExitCode.BUILD_FAILED
    assert "failed at step 3 (RUN echo" in run.stderr
    # The failing step's own output is part of the message.
    assert "nodeship-test: about to fail" in run.stderr
    assert "/no-such-folder" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.docker
def test_absent_base_image_exit_code(tmp_path: Path) -> None:
    # Neither present in the engine nor pullable from any registry.
    image = "nodeship-test/absent-base:never-published"
    project = _write_project(tmp_path / "absent", f"FROM {image}\n")
    run = run_cli("verify", str(project))
    assert run.code == ExitCode.BASE_IMAGE_UNAVAILABLE
    assert f"the base image {image} is not in the engine and cannot be pulled" in (
        run.stderr
    )
    assert "must be pullable" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.docker
@pytest.mark.slow
def test_failing_checks_exit_code(
    tmp_path: Path, base_image: str, docker_client: docker.DockerClient
) -> None:
    # Runs as root, has no labels, no source file, and ignores SIGTERM (node as
    # PID 1 without a handler), so docker stop waits 10 s and kills it.
    dockerfile = (
        f"FROM {base_image}\n"
        "WORKDIR /app\n"
        "COPY package.json ./\n"
        'CMD ["node", "-e", "setInterval(() => {}, 1000)"]\n'
    )
    project = _write_project(tmp_path / "failing", dockerfile)
    run = run_cli("verify", str(project), "--json", "--keep")
    data: dict[str, Any] = json.loads(run.stdout)
    # --keep leaves the stopped container and the image for inspection.
    assert data["kept"] is True
    kept_container = docker_client.containers.get(data["container"])
    assert kept_container.status == "exited"
    assert docker_client.images.get(data["image"]).id == data["image_id"]
    remove_kept(docker_client, data["container"], data["image"])

    assert run.code == ExitCode.CHECK_FAILED
    assert data["passed"] is False
    statuses = {check["name"]: check["status"] for check in data["checks"]}
    assert statuses["non_root_user"] == "fail"
    assert statuses["oci_labels"] == "fail"
    assert statuses["graceful_shutdown"] == "fail"
    # No source file to change, so the cache check is not measured.
    assert statuses["dependency_layer_cached"] == "info"
    assert statuses["image_tag"] == "pass"
    assert statuses["startup"] == "pass"


@pytest.mark.docker
def test_cleanup_removes_container_and_images(
    tmp_path: Path, base_image: str, docker_client: docker.DockerClient
) -> None:
    # The label comes first, so every image this build makes carries it, and the
    # check ignores images that other work on the same engine creates meanwhile.
    marker = uuid.uuid4().hex
    dockerfile = (
        f"FROM {base_image}\n"
        f"LABEL nodeship.test.run={marker}\n"
        "USER node\n"
        'CMD ["node", "-e", "process.on(\'SIGTERM\', () => process.exit(0)); '
        'setInterval(() => {}, 1000)"]\n'
    )
    project = _write_project(tmp_path / "clean", dockerfile)
    run = run_cli("verify", str(project), "--json")
    assert run.code == ExitCode.CHECK_FAILED, run.stderr[-2000:]

    data = json.loads(run.stdout)
    assert data["kept"] is False
    with pytest.raises(docker.errors.NotFound):
        docker_client.containers.get(data["container"])
    with pytest.raises(docker.errors.ImageNotFound):
        docker_client.images.get(data["image"])
    left = docker_client.images.list(
        all=True, filters={"label": f"nodeship.test.run={marker}"}
    )
    assert left == []
