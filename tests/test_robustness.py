"""Generation under hostile conditions: CRLF, no npm, failing npm, a full disk."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nodeship.errors import GenerationError
from nodeship.generate import generate
from tests.conftest import TEMPLATE_DIR, listing, run_nodeship
from tests.test_generate import default_answers

TEXT_SUFFIXES = {".js", ".json", ".md", ".yml", ".yaml", ".sh", ".py", ""}


def crlf_template(tmp_path: Path) -> Path:
    """Copy the template and convert every text file to CRLF, as autocrlf=true does."""
    copy = tmp_path / "crlf-template"
    shutil.copytree(TEMPLATE_DIR, copy, symlinks=False)
    for path in copy.rglob("*"):
        if path.is_file() and path.suffix in TEXT_SUFFIXES | {".example"}:
            data = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
            path.write_bytes(data)
    return copy


def test_crlf_template_renders_lf(tmp_path: Path) -> None:
    template = crlf_template(tmp_path)
    assert (
        b"\r\n"
        in (template / "{{cookiecutter.project_slug}}" / "Dockerfile").read_bytes()
    )
    result = generate(
        answers=default_answers(),
        target=tmp_path / "out" / "orders-api",
        template_dir=template,
        install=False,
    )
    with_cr = [
        str(path.relative_to(result.path))
        for path in result.path.rglob("*")
        if path.is_file() and b"\r" in path.read_bytes()
    ]
    assert with_cr == []


def test_crlf_answers_file(workdir: Path, tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_bytes(b"name: Orders API\r\ntype: worker\r\nci: none\r\n")
    run = run_nodeship(
        "new", "--answers", str(answers), "--yes", "--no-install", "--json", cwd=workdir
    )
    assert run.code == 0, run.stderr
    assert run.json()["answers"]["name"] == "Orders API"  # type: ignore[index]


def path_without_npm(tmp_path: Path) -> str:
    """Return a PATH with python and git but no npm or node."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("git", "sh"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    (bin_dir / "python").symlink_to(sys.executable)
    return str(bin_dir)


def test_missing_npm_says_what_to_run(workdir: Path, tmp_path: Path) -> None:
    run = run_nodeship(
        "new",
        "--name",
        "No Npm",
        "--yes",
        cwd=workdir,
        env={"PATH": path_without_npm(tmp_path)},
    )
    assert run.code == 0, run.stderr
    assert "npm install" in run.stderr + run.stdout
    assert not (workdir / "no-npm" / "package-lock.json").exists()
    assert (workdir / "no-npm" / "package.json").is_file()


@pytest.mark.slow
def test_failing_npm_leaves_nothing(workdir: Path) -> None:
    # Port 9 (discard) on loopback refuses at once, so npm fails fast.
    run = run_nodeship(
        "new",
        "--name",
        "Bad Npm",
        "--yes",
        cwd=workdir,
        env={
            "npm_config_registry": "http://127.0.0.1:9/",
            "npm_config_fetch_retries": "0",
            "npm_config_cache": str(workdir.parent / "empty-npm-cache"),
            "npm_config_offline": "false",
        },
    )
    assert run.code == 4, run.stderr
    assert "hook" in run.stderr
    assert listing(workdir) == []


@pytest.fixture
def small_disk(tmp_path: Path) -> Path:
    """A 300 KiB tmpfs, too small for a generated project with its scratch copy."""
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        if os.environ.get("CI") == "true":
            pytest.fail(f"cannot mount a tmpfs in CI: {mounted.stderr.strip()}")
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    # Fill it so that only a few KiB remain for nodeship.
    filler = mount_point / "filler"
    with filler.open("wb") as stream:
        stream.write(b"\0" * (280 * 1024))
    yield mount_point
    subprocess.run(["umount", str(mount_point)], check=False)


def test_full_disk_leaves_nothing(small_disk: Path) -> None:
    before = listing(small_disk)
    with pytest.raises(GenerationError) as raised:
        generate(
            answers=default_answers(),
            target=small_disk / "orders-api",
            template_dir=TEMPLATE_DIR,
            install=False,
        )
    assert "No space left on device" in raised.value.message
    assert listing(small_disk) == before


def test_full_disk_cli_exit_code(small_disk: Path) -> None:
    before = listing(small_disk)
    run = run_nodeship("new", "orders", "--yes", "--no-install", cwd=small_disk)
    assert run.code == 4, run.stderr
    assert "Traceback" not in run.stderr
    assert "No space left on device" in run.stderr
    assert listing(small_disk) == before
