"""The wheel ships the template, and plain cookiecutter renders the template."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, TEMPLATE_DIR, listing


def _run(command: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=cwd,
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.slow
def test_wheel_generates_from_installed_template(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    built = _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-w",
            str(wheels),
            str(REPO),
        ],
        cwd=tmp_path,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("nodeship-*.whl")

    venv = tmp_path / "venv"
    created = _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    installed = _run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
        cwd=tmp_path,
    )
    assert installed.returncode == 0, installed.stderr

    work = tmp_path / "work"
    work.mkdir()
    # PYTHONPATH is cleared so the venv's own copy is the one imported.
    run = _run(
        [
            str(venv / "bin" / "nodeship"),
            "new",
            "--name",
            "From Wheel",
            "--yes",
            "--no-install",
            "--json",
        ],
        cwd=work,
        PYTHONPATH="",
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert str(venv) not in result["path"]
    assert (work / "from-wheel" / "Dockerfile").is_file()
    template_used = _run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "from nodeship.template_source import builtin_template_dir; "
            "print(builtin_template_dir())",
        ],
        cwd=work,
        PYTHONPATH="",
    )
    assert template_used.stdout.strip().startswith(str(venv))


def test_plain_cookiecutter_renders_defaults(tmp_path: Path) -> None:
    run = _run(
        [
            sys.executable,
            "-m",
            "cookiecutter",
            "--no-input",
            str(TEMPLATE_DIR),
            "-o",
            str(tmp_path),
        ],
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    project = tmp_path / "my-service"
    package = json.loads((project / "package.json").read_text())
    assert package["name"] == "my-service"
    assert (project / "Dockerfile").is_file()


def test_plain_cookiecutter_slug_matches_nodeship(tmp_path: Path) -> None:
    run = _run(
        [
            sys.executable,
            "-m",
            "cookiecutter",
            "--no-input",
            str(TEMPLATE_DIR),
            "-o",
            str(tmp_path),
            "project_name=OrdersAPI",
            "install=no",
        ],
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "orders-api" / "package.json").is_file()


def test_plain_cookiecutter_rejects_bad_port(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    run = _run(
        [
            sys.executable,
            "-m",
            "cookiecutter",
            "--no-input",
            str(TEMPLATE_DIR),
            "-o",
            str(out),
            "port=abc",
            "install=no",
        ],
        cwd=tmp_path,
    )
    assert run.returncode != 0
    assert "port" in run.stderr + run.stdout
    assert listing(out) == []
