"""Build company templates as git repositories in tmp_path, and run nodeship."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import TEMPLATE_DIR, Run

PROJECT_FOLDER = "{{cookiecutter.project_slug}}"
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Template Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Template Author",
    "GIT_COMMITTER_EMAIL": "author@example.com",
}
NO_INSTALL = ("--yes", "--no-install")

# Registers the commands that the CLI group may not list yet, then runs nodeship
# through the same error handling as the installed `nodeship` script.
_CLI_SCRIPT = """
import sys
from nodeship.cli.main import cli, run
from nodeship.cli.update_command import check, update
from nodeship.cli.template_command import template
for command in (update, check, template):
    if command.name not in cli.commands:
        cli.add_command(command)
sys.exit(run(sys.argv[1:]))
"""


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300
) -> Run:
    """Run nodeship ARGS in a subprocess with no terminal on stdin."""
    completed = subprocess.run(
        [sys.executable, "-c", _CLI_SCRIPT, *args],
        cwd=cwd,
        env={**os.environ, **GIT_IDENTITY, **(env or {})},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Run(completed.returncode, completed.stdout, completed.stderr)


def git(*args: str, cwd: Path) -> str:
    """Run git in ``cwd`` with a fixed identity and return its stdout."""
    completed = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **GIT_IDENTITY},
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout


def copy_builtin_template(destination: Path) -> Path:
    """Copy the built-in template, with its hooks as real files."""
    shutil.copytree(
        TEMPLATE_DIR,
        destination,
        symlinks=False,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return destination


def commit_all(repository: Path, message: str, tag: str | None = None) -> str:
    """Commit every change in ``repository``, tag it, and return the commit."""
    git("add", "-A", cwd=repository)
    git("commit", "-q", "-m", message, cwd=repository)
    if tag:
        git("tag", tag, cwd=repository)
    return git("rev-parse", "HEAD", cwd=repository).strip()


def git_template(destination: Path) -> Path:
    """Create a git repository holding a copy of the built-in template, tagged v1."""
    copy_builtin_template(destination)
    git("init", "-q", "-b", "main", cwd=destination)
    commit_all(destination, "Template v1", tag="v1")
    return destination


def project_file(template: Path, relative: str) -> Path:
    """Return a file of the template's project folder."""
    return template / PROJECT_FOLDER / relative


def commit_project(project: Path, message: str) -> None:
    """Make ``project`` a git repository if needed and commit everything in it."""
    if not (project / ".git").exists():
        git("init", "-q", "-b", "main", cwd=project)
    commit_all(project, message)
