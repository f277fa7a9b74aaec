"""``nodeship verify`` on generated api and worker projects, on a real Docker engine.

Each project gets secret files before it is built and verified once per module.
The api project is rendered with cookiecutter's API and verified in-process with
``keep=True``, so the tests can also look into the image themselves. The worker
goes through the CLI as a user would: ``nodeship new``, then ``nodeship verify``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import docker
import pytest

from nodeship.verify import Status, VerifyReport, verify_project
from tests.docker.conftest import (
    ALPINE_VERSION,
    NODE_VERSION,
    SECRET_FILES,
    add_secret_files,
    commit_all,
    generate_project,
    remove_kept,
    run_cli,
)

pytestmark = [pytest.mark.docker, pytest.mark.slow]

PROJECT_VERSION = "1.2.0"
EXPECTED_TAG = f"{ALPINE_VERSION}-v{NODE_VERSION}-{PROJECT_VERSION}"
DEV_DEPENDENCIES = ("eslint", "@eslint/js", "globals")


@dataclass(frozen=True)
class VerifiedProject:
    """A generated project and the report of one verify run on it."""

    path: Path
    report: VerifyReport
    revision: str


@pytest.fixture(scope="module")
def api_project(
    tmp_path_factory: pytest.TempPathFactory, base_image: str, _engine: Any
) -> Iterator[VerifiedProject]:
    path = generate_project(
        tmp_path_factory.mktemp("api"),
        name="Verify Api",
        app_type="api",
        version=PROJECT_VERSION,
    )
    add_secret_files(path)
    revision = commit_all(path)
    report = verify_project(path, keep=True)
    yield VerifiedProject(path, report, revision)
    remove_kept(_engine, report.container, report.image)


@pytest.fixture(scope="module")
def worker_run(
    tmp_path_factory: pytest.TempPathFactory, base_image: str
) -> dict[str, Any]:
    """Run ``nodeship new`` then ``nodeship verify --json`` on a worker, as a user.

    Returns both exit codes, the tag that ``new`` printed, verify's stderr and the
    parsed report.
    """
    path = tmp_path_factory.mktemp("worker") / "verify-worker"
    new = run_cli(
        "new",
        str(path),
        "--yes",
        "--name",
        "Verify Worker",
        "--type",
        "worker",
        "--node",
        NODE_VERSION,
        "--alpine",
        ALPINE_VERSION,
        "--ci",
        "none",
        "--project-version",
        PROJECT_VERSION,
        "--json",
    )
    assert new.code == 0, new.stderr
    add_secret_files(path)
    run = run_cli("verify", str(path), "--json")
    return {
        "new_tag": json.loads(new.stdout)["image_tag"],
        "code": run.code,
        "stderr": run.stderr,
        "report": json.loads(run.stdout) if run.stdout.strip() else {},
    }


def _failed(report: VerifyReport) -> list[str]:
    return [f"{c.name}: {c.value} ({c.detail})" for c in report.failed_checks]


def test_api_every_check_passes(api_project: VerifiedProject) -> None:
    report = api_project.report
    assert _failed(report) == []
    assert report.passed


def test_api_runs_all_checks(api_project: VerifiedProject) -> None:
    names = {check.name for check in api_project.report.checks}
    assert names == {
        "non_root_user",
        "no_secret_files",
        "production_dependencies",
        "oci_labels",
        "image_tag",
        "image_size",
        "layer_count",
        "startup",
        "health_endpoint",
        "graceful_shutdown",
        "dependency_layer_cached",
        "npm_config_warnings",
    }


def test_api_stops_fast_with_exit_zero(api_project: VerifiedProject) -> None:
    shutdown = api_project.report.check("graceful_shutdown")
    assert shutdown.measurements["exit_code"] == 0
    seconds = shutdown.measurements["seconds"]
    assert isinstance(seconds, float)
    assert seconds < 2.0


def test_api_healthy_and_endpoint_ok(api_project: VerifiedProject) -> None:
    startup = api_project.report.check("startup")
    assert startup.detail == "health status healthy"
    assert api_project.report.check("health_endpoint").measurements["status"] == 200


def test_api_runs_as_uid_1000(api_project: VerifiedProject) -> None:
    check = api_project.report.check("non_root_user")
    assert check.measurements["uid"] == 1000


def test_api_image_has_no_secret_files(
    api_project: VerifiedProject, docker_client: docker.DockerClient
) -> None:
    assert api_project.report.check("no_secret_files").status is Status.PASS
    # A second look from inside the image, independent of verify's own listing.
    output = docker_client.containers.run(
        api_project.report.image,
        ["find", "/app", "-path", "/app/node_modules", "-prune", "-o", "-print"],
        remove=True,
    ).decode()
    names = {Path(line).name for line in output.split()}
    assert "server.js" in names
    for secret in SECRET_FILES:
        assert secret not in names
    assert "test" not in names
    assert ".git" not in names


def test_api_node_modules_production_only(
    api_project: VerifiedProject, docker_client: docker.DockerClient
) -> None:
    check = api_project.report.check("production_dependencies")
    assert check.measurements["dev_only"] == 0
    output = docker_client.containers.run(
        api_project.report.image,
        ["sh", "-c", "ls /app/node_modules; ls /app/node_modules/@eslint || true"],
        remove=True,
    ).decode()
    installed = set(output.split())
    assert "fastify" in installed
    for name in DEV_DEPENDENCIES:
        assert name.rsplit("/", 1)[-1] not in installed


def test_api_dependency_layer_reused(api_project: VerifiedProject) -> None:
    check = api_project.report.check("dependency_layer_cached")
    assert check.status is Status.PASS
    assert check.measurements["reused"] == check.measurements["install_steps"]
    assert check.measurements["changed_file"] == "src/app.js"


def test_api_build_log_clean(api_project: VerifiedProject) -> None:
    log = api_project.report.build_log
    assert any(line.startswith("Step ") for line in log)
    assert [line for line in log if "npm warn config" in line.lower()] == []


def test_api_labels_match_project(
    api_project: VerifiedProject, docker_client: docker.DockerClient
) -> None:
    labels = docker_client.images.get(api_project.report.image).labels
    assert labels["org.opencontainers.image.version"] == PROJECT_VERSION
    assert labels["org.opencontainers.image.revision"] == api_project.revision
    assert labels["org.opencontainers.image.title"] == "verify-api"
    created = labels["org.opencontainers.image.created"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", created)
    assert datetime.fromisoformat(created).tzinfo is not None


def test_api_image_tag(api_project: VerifiedProject) -> None:
    report = api_project.report
    assert report.image_tag == EXPECTED_TAG
    assert report.image == f"nodeship-verify/verify-api:{EXPECTED_TAG}"


def test_api_report_json_serialisable(api_project: VerifiedProject) -> None:
    data = json.loads(json.dumps(api_project.report.to_dict()))
    assert data["passed"] is True
    assert "build_log" not in data
    assert {check["status"] for check in data["checks"]} <= {"pass", "info"}


def test_worker_cli_exit_code_zero(worker_run: dict[str, Any]) -> None:
    assert worker_run["code"] == 0, worker_run["stderr"][-3000:]
    assert worker_run["report"]["passed"] is True


def test_worker_tag_matches_new(worker_run: dict[str, Any]) -> None:
    assert worker_run["report"]["image_tag"] == EXPECTED_TAG
    assert worker_run["new_tag"] == EXPECTED_TAG


def test_worker_every_check_passes(worker_run: dict[str, Any]) -> None:
    failed = [
        f"{check['name']}: {check['value']} ({check['detail']})"
        for check in worker_run["report"]["checks"]
        if check["status"] == "fail"
    ]
    assert failed == []


def test_worker_has_no_health_check(worker_run: dict[str, Any]) -> None:
    checks = {check["name"]: check for check in worker_run["report"]["checks"]}
    assert "health_endpoint" not in checks
    assert checks["startup"]["detail"].startswith("still running after")


def test_worker_stops_fast_with_exit_zero(worker_run: dict[str, Any]) -> None:
    checks = {check["name"]: check for check in worker_run["report"]["checks"]}
    shutdown = checks["graceful_shutdown"]["measurements"]
    assert shutdown["exit_code"] == 0
    assert shutdown["seconds"] < 2.0


def test_worker_progress_on_stderr(worker_run: dict[str, Any]) -> None:
    assert "==> building nodeship-verify/verify-worker:" in worker_run["stderr"]
    assert "Step 1/" in worker_run["stderr"]
