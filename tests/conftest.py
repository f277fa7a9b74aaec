"""Shared helpers: run the real nodeship CLI in a subprocess, as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TEMPLATE_DIR = REPO / "template"


@dataclass(frozen=True)
class Run:
    """A finished nodeship process."""

    code: int
    stdout: str
    stderr: str

    def json(self) -> object:
        return json.loads(self.stdout)


def run_nodeship(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> Run:
    """Run ``python -m nodeship ARGS`` with no terminal on stdin."""
    completed = subprocess.run(
        [sys.executable, "-m", "nodeship", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Run(completed.returncode, completed.stdout, completed.stderr)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """An empty folder to run nodeship in."""
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


def listing(folder: Path) -> list[str]:
    """Return every path under ``folder``, relative, sorted, hidden files included."""
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


@pytest.fixture(autouse=True)
def isolated_config(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Keep the user's own nodeship config and release cache out of every test."""
    folder = tmp_path_factory.mktemp("xdg-config")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
    monkeypatch.delenv("NODESHIP_CONFIG", raising=False)
    monkeypatch.setenv("NODESHIP_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    return folder
