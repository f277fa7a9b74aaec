"""Run the generated project's own tools: npm, its tests and lint, and the tag script.

These tests need node and npm on PATH, and access to the npm registry for the
lockfile and `npm ci`.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from cookiecutter.exceptions import FailedHookException

from tests.template_support import render, run_tool

pytestmark = pytest.mark.slow

EXPECTED_TAG = "3.22-v24.11.1-1.4.2"


@pytest.fixture(scope="module", params=["api", "worker"])
def installed_project(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A project rendered with install=yes, after `npm ci`."""
    output_dir = tmp_path_factory.mktemp(request.param)
    project = render(output_dir, app_type=request.param, install="yes")
    result = run_tool(["npm", "ci", "--no-audit", "--no-fund"], cwd=project)
    if result.returncode != 0:
        pytest.fail(f"npm ci failed:\n{result.stdout}\n{result.stderr}")
    return project


@pytest.fixture
def tag_project(tmp_path: Path) -> Path:
    """A project without node_modules, for running scripts/image-tag.js on edits."""
    return render(tmp_path)


def run_image_tag(project: Path, *args: str) -> tuple[int, str, str]:
    result = run_tool(["node", "scripts/image-tag.js", *args], cwd=project)
    return result.returncode, result.stdout, result.stderr


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


# The generated project with its dependencies


def test_lockfile_created(installed_project: Path) -> None:
    lock = json.loads((installed_project / "package-lock.json").read_text("utf-8"))
    assert lock["name"] == "@acme/orders-api"
    assert lock["lockfileVersion"] == 3


def test_npm_lint_passes(installed_project: Path) -> None:
    result = run_tool(["npm", "run", "lint"], cwd=installed_project)
    assert result.returncode == 0, result.stdout + result.stderr


def test_npm_test_passes(installed_project: Path) -> None:
    result = run_tool(["npm", "test"], cwd=installed_project)
    assert result.returncode == 0, result.stdout + result.stderr
    # node --test ends with "# pass N" from the TAP reporter or with an information
    # sign and "pass N" from the spec reporter. Which one is the default depends on
    # the Node.js version and on whether stdout is a terminal.
    summary = r"^(# |\N{INFORMATION SOURCE} )"
    assert re.search(summary + "fail 0$", result.stdout, re.MULTILINE)
    assert re.search(summary + "pass [1-9]", result.stdout, re.MULTILINE)


def test_npm_image_tag_prints_tag(installed_project: Path) -> None:
    result = run_tool(["npm", "run", "image-tag"], cwd=installed_project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == EXPECTED_TAG


# scripts/image-tag.js on good and broken projects


def test_tag_script_accepts_release_ref(tag_project: Path) -> None:
    code, stdout, stderr = run_image_tag(tag_project, "--ref", "refs/tags/v1.4.2")
    assert code == 0, stderr
    assert stdout == f"{EXPECTED_TAG}\n"


def test_tag_script_accepts_branch_ref(tag_project: Path) -> None:
    code, stdout, stderr = run_image_tag(tag_project, "--ref", "refs/heads/feature/x")
    assert code == 0, stderr
    assert stdout == f"{EXPECTED_TAG}\n"


def test_tag_script_rejects_other_tag(tag_project: Path) -> None:
    code, stdout, stderr = run_image_tag(tag_project, "--ref", "refs/tags/v9.9.9")
    assert code == 1
    assert stdout == ""
    assert "'9.9.9'" in stderr
    assert "'1.4.2'" in stderr


def test_tag_script_rejects_broken_from(tag_project: Path) -> None:
    replace_in(
        tag_project / "Dockerfile",
        "FROM node:24.11.1-alpine3.22 AS runtime",
        "FROM node:24-alpine AS runtime",
    )
    code, _, stderr = run_image_tag(tag_project)
    assert code == 1
    assert "The last FROM in the Dockerfile names 'node:24-alpine'" in stderr


def test_tag_script_reads_last_from(tag_project: Path) -> None:
    replace_in(
        tag_project / "Dockerfile",
        "FROM node:24.11.1-alpine3.22 AS deps",
        "FROM golang:1.23-alpine3.20 AS tools\nFROM node:24.11.1-alpine3.22 AS deps",
    )
    code, stdout, stderr = run_image_tag(tag_project)
    assert code == 0, stderr
    assert stdout == f"{EXPECTED_TAG}\n"


def test_tag_script_rejects_node_stages_that_differ(tag_project: Path) -> None:
    replace_in(
        tag_project / "Dockerfile",
        "FROM node:24.11.1-alpine3.22 AS deps",
        "FROM node:22.1.0-alpine3.20 AS deps",
    )
    code, _, stderr = run_image_tag(tag_project)
    assert code == 1
    assert "name different node images" in stderr


def test_tag_script_rejects_empty_version(tag_project: Path) -> None:
    replace_in(tag_project / "package.json", '"version": "1.4.2"', '"version": ""')
    code, _, stderr = run_image_tag(tag_project)
    assert code == 1
    assert "The version in package.json is missing or empty." in stderr


def test_tag_script_rejects_build_metadata(tag_project: Path) -> None:
    replace_in(
        tag_project / "package.json", '"version": "1.4.2"', '"version": "1.4.2+b1"'
    )
    code, _, stderr = run_image_tag(tag_project)
    assert code == 1
    assert "'+' is not allowed in a Docker tag" in stderr


def test_tag_script_rejects_other_nvmrc(tag_project: Path) -> None:
    (tag_project / ".nvmrc").write_text("v24.12.0\n", encoding="utf-8")
    code, _, stderr = run_image_tag(tag_project)
    assert code == 1
    assert ".nvmrc names Node.js '24.12.0', but the Dockerfile uses 24.11.1" in stderr


def test_tag_script_accepts_v_in_nvmrc(tag_project: Path) -> None:
    (tag_project / ".nvmrc").write_text("v24.11.1\n", encoding="utf-8")
    code, stdout, stderr = run_image_tag(tag_project)
    assert code == 0, stderr
    assert stdout == f"{EXPECTED_TAG}\n"


def test_tag_script_rejects_missing_nvmrc(tag_project: Path) -> None:
    (tag_project / ".nvmrc").unlink()
    code, _, stderr = run_image_tag(tag_project)
    assert code == 1
    assert "Cannot read .nvmrc" in stderr


# The post-generation hook's npm step


def test_hook_without_npm_prints_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    empty_bin = tmp_path / "empty-bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))

    project = render(tmp_path / "out", install="yes")

    assert not (project / "package-lock.json").exists()
    assert "Run `cd orders-api && npm install`" in capfd.readouterr().out


def test_hook_npm_failure_removes_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    if shutil.which("npm") is None:
        pytest.fail("npm is not on PATH")
    # Nothing listens on port 9 of the loopback address, so npm fails at once.
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:9/")
    monkeypatch.setenv("npm_config_fetch_retries", "0")
    monkeypatch.setenv("npm_config_cache", str(tmp_path / "npm-cache"))

    with pytest.raises(FailedHookException):
        render(tmp_path / "out", install="yes")

    assert not (tmp_path / "out" / "orders-api").exists()
    assert "npm install failed with exit code" in capfd.readouterr().err
