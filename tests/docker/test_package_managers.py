"""``nodeship new --verify`` with pnpm and Yarn Berry, each using its own lockfile."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.docker.conftest import ALPINE_VERSION, NODE_VERSION, run_cli

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.mark.parametrize("manager", ["pnpm", "yarn"])
def test_new_verify_with_manager(tmp_path: Path, base_image: str, manager: str) -> None:
    path = tmp_path / f"{manager}-api"
    run = run_cli(
        "new",
        str(path),
        "--yes",
        "--package-manager",
        manager,
        "--node",
        NODE_VERSION,
        "--alpine",
        ALPINE_VERSION,
        "--json",
        "--verify",
    )
    assert run.code == 0, run.stderr[-3000:]
    report = json.loads(run.stdout)["verify"]
    failed = [check for check in report["checks"] if check["status"] == "fail"]
    assert failed == []
    assert report["passed"] is True
