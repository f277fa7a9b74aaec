"""A template copied with ``cp -r`` keeps a ``hooks`` link that points at nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import listing, run_nodeship
from tests.template_support import TEMPLATE_DIR


def _copy_with_links(destination: Path) -> Path:
    shutil.copytree(TEMPLATE_DIR, destination, symlinks=True)
    assert (destination / "hooks").is_symlink()
    assert not (destination / "hooks").exists()
    return destination


def test_new_names_the_broken_link(workdir: Path, tmp_path: Path) -> None:
    template = _copy_with_links(tmp_path / "copied")
    run = run_nodeship(
        "new", "svc", "--yes", "--no-install", "--template", str(template), cwd=workdir
    )
    assert run.code == 2, run.stderr
    assert "template file hooks" in run.stderr
    assert "../hooks, which does not exist" in run.stderr
    assert "nodeship template init" in run.stderr
    assert "Traceback" not in run.stderr
    assert listing(workdir) == []


def test_template_check_names_the_broken_link(workdir: Path, tmp_path: Path) -> None:
    template = _copy_with_links(tmp_path / "copied")
    run = run_nodeship("template", "check", str(template), cwd=workdir)
    assert run.code == 1, run.stderr
    assert "which does not exist" in run.stdout + run.stderr
    assert "Traceback" not in run.stderr
