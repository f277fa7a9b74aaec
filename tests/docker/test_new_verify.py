"""``nodeship new --verify``: generate, then build and check the image in one run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.docker.conftest import ALPINE_VERSION, NODE_VERSION, run_cli

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_new_with_verify_on_custom_port(tmp_path: Path, base_image: str) -> None:
    path = tmp_path / "port-api"
    run = run_cli(
        "new",
        str(path),
        "--yes",
        "--name",
        "Port Api",
        "--type",
        "api",
        "--port",
        "8088",
        "--node",
        NODE_VERSION,
        "--alpine",
        ALPINE_VERSION,
        "--json",
        "--verify",
    )
    assert run.code == 0, run.stderr[-3000:]
    result = json.loads(run.stdout)
    report = result["verify"]
    assert report["passed"] is True
    assert report["image_tag"] == result["image_tag"]
    checks = {check["name"]: check for check in report["checks"]}
    assert checks["health_endpoint"]["status"] == "pass"
    assert "EXPOSE 8088" in (path / "Dockerfile").read_text()


def test_new_with_verify_without_lockfile_fails_clearly(
    tmp_path: Path, base_image: str
) -> None:
    path = tmp_path / "no-lock"
    run = run_cli(
        "new",
        str(path),
        "--yes",
        "--no-install",
        "--node",
        NODE_VERSION,
        "--alpine",
        ALPINE_VERSION,
        "--verify",
    )
    assert run.code != 0
    assert "Traceback" not in run.stderr
    assert "package-lock.json" in run.stderr
