"""Generation under hostile conditions: CRLF, no npm, failing npm, a full disk."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
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


@pytest.mark.parametrize(
    "flag",
    [
        "--name=Orders {{ 7*7 }}",
        "--description=cwd {{ cycler.__init__.__globals__.os.getcwd() }}",
        "--description={% raw %}",
        "--description=a {# comment #}",
    ],
)
def test_jinja_in_answers_rejected(workdir: Path, flag: str) -> None:
    run = run_nodeship("new", "svc", "--yes", "--no-install", flag, cwd=workdir)
    assert run.code == 2, run.stderr
    assert "Jinja" in run.stderr
    assert listing(workdir) == []


def test_jinja_in_config_default_rejected(workdir: Path) -> None:
    proof = workdir.parent / "proof-dir"
    payload = f"cycler.__init__.__globals__.os.mkdir('{proof}')"
    (workdir / ".nodeship.toml").write_text(
        f'[defaults]\ndescription = "x{{{{ {payload} }}}}"\n'
    )
    run = run_nodeship("new", "svc", "--yes", "--no-install", cwd=workdir)
    assert run.code == 2, run.stderr
    assert not proof.exists()
    assert listing(workdir) == [".nodeship.toml"]


def test_overlay_workflow_expressions_kept(workdir: Path, tmp_path: Path) -> None:
    overlay = tmp_path / "overlay"
    workflows = overlay / "{{cookiecutter.project_slug}}" / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "release.yml").write_text(
        "name: release {{ cookiecutter.project_slug }}\n"
        "on: push\n"
        "jobs:\n"
        "  release:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - run: echo ${{ github.ref_name }} ${{ secrets.REGISTRY_TOKEN }}\n"
        "      - run: echo '${{ toJson(matrix) }}'\n"
    )
    run = run_nodeship(
        "new", "svc", "--overlay", str(overlay), "--yes", "--no-install", cwd=workdir
    )
    assert run.code == 0, run.stderr
    text = (workdir / "svc" / ".github" / "workflows" / "release.yml").read_text()
    assert "name: release svc" in text
    assert "${{ github.ref_name }} ${{ secrets.REGISTRY_TOKEN }}" in text
    assert "${{ toJson(matrix) }}" in text
    assert "{% raw %}" not in text


def test_custom_crlf_template_renders_lf(workdir: Path, tmp_path: Path) -> None:
    template = crlf_template(tmp_path)
    entrypoint = template / "{{cookiecutter.project_slug}}" / "docker-entrypoint.sh"
    entrypoint.write_bytes(b'#!/bin/sh\r\nexec "$@"\r\n')
    entrypoint.chmod(0o755)
    run = run_nodeship(
        "new", "svc", "--template", str(template), "--yes", "--no-install", cwd=workdir
    )
    assert run.code == 0, run.stderr
    generated = workdir / "svc" / "docker-entrypoint.sh"
    assert generated.read_bytes() == b'#!/bin/sh\nexec "$@"\n'
    assert generated.stat().st_mode & 0o777 == 0o755
    assert b"\r" not in (workdir / "svc" / "Dockerfile").read_bytes()


def test_closed_stdin_with_yes(workdir: Path) -> None:
    command = [sys.executable, "-m", "nodeship", "new", "svc", "--yes", "--no-install"]
    run = subprocess.run(
        command,
        cwd=workdir,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
        close_fds=True,
        preexec_fn=lambda: os.close(0),
    )
    assert run.returncode == 0, run.stderr
    assert (workdir / "svc" / "package.json").is_file()


def test_closed_stdout(workdir: Path) -> None:
    command = [sys.executable, "-m", "nodeship", "new", "svc", "--yes", "--no-install"]
    run = subprocess.run(
        command,
        cwd=workdir,
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
        preexec_fn=lambda: os.close(1),
    )
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr


def test_deeply_nested_answers_file(workdir: Path, tmp_path: Path) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text("name: " + "[" * 10_000 + "]" * 10_000 + "\n")
    run = run_nodeship("new", "--answers", str(answers), "--yes", cwd=workdir)
    assert run.code == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert listing(workdir) == []


def test_hook_scripts_not_left_in_tmpdir(workdir: Path, tmp_path: Path) -> None:
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    run = run_nodeship(
        "new", "svc", "--yes", "--no-install", cwd=workdir, env={"TMPDIR": str(tmpdir)}
    )
    assert run.code == 0, run.stderr
    assert listing(tmpdir) == []


def test_sigterm_stops_hook_and_leaves_nothing(workdir: Path, tmp_path: Path) -> None:
    template = tmp_path / "slow-template"
    shutil.copytree(TEMPLATE_DIR, template, symlinks=False)
    pid_file = tmp_path / "hook.pid"
    (template / "hooks" / "post_gen_project.py").write_text(
        "import os, pathlib, time\n"
        f"pathlib.Path({str(pid_file)!r}).write_text(str(os.getpid()))\n"
        "time.sleep(60)\n"
    )

    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nodeship",
            "new",
            "svc",
            "--template",
            str(template),
            "--yes",
            "--no-install",
        ],
        cwd=workdir,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    hook_pid = int(pid_file.read_text())

    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert listing(workdir) == []

    time.sleep(0.5)  # lets the killed hook process be reaped
    with pytest.raises(ProcessLookupError):
        os.kill(hook_pid, 0)
