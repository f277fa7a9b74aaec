"""Run git for template sources: clone, resolve refs and list version tags."""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from pathlib import Path

from nodeship.templates.errors import TemplateSourceError

logger = logging.getLogger(__name__)

# A clone of a large template over a slow link can take a while; this bounds a hang.
GIT_TIMEOUT_SECONDS = 300

_VERSION_TAG = re.compile(r"^v?(\d+(?:\.\d+)*)(?:-([0-9A-Za-z.-]+))?$")


def run_git(args: list[str], *, cwd: Path | None = None) -> str:
    """Run ``git ARGS`` and return its stdout, or raise TemplateSourceError."""
    git = shutil.which("git")
    if git is None:
        raise TemplateSourceError(
            "git is not on PATH, so a git template cannot be fetched",
            hint="install git, or pass --template with a folder or a zip file",
        )
    command = [git, *args]
    logger.info("running %s", " ".join(command))
    # No terminal prompt: a URL that needs a password fails instead of hanging.
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    try:
        completed = subprocess.run(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise TemplateSourceError(
            f"git {args[0]} timed out after {GIT_TIMEOUT_SECONDS} s",
            hint="check that the template URL is reachable",
        ) from None
    if completed.returncode != 0:
        detail = completed.stderr.strip().splitlines()
        raise TemplateSourceError(
            f"git {' '.join(args)} failed: {detail[-1] if detail else 'no output'}",
            hint="check the template URL or path and the --ref value",
        )
    return completed.stdout


def version_key(tag: str) -> tuple[tuple[int, ...], int, str] | None:
    """Return a sort key for a version tag such as ``v1.2.0``, or None for others.

    A pre-release (``v2.0.0-rc.1``) sorts before its release.
    """
    match = _VERSION_TAG.fullmatch(tag)
    if match is None:
        return None
    numbers = tuple(int(part) for part in match.group(1).split("."))
    prerelease = match.group(2)
    return numbers, 0 if prerelease else 1, prerelease or ""


def latest_version_tag(tags: list[str]) -> str | None:
    """Return the highest version tag, ignoring tags that are not versions."""
    keyed = [(key, tag) for tag in tags if (key := version_key(tag)) is not None]
    if not keyed:
        return None
    return max(keyed)[1]


def remote_refs(location: str) -> dict[str, str]:
    """Return ``{ref name: commit}`` for HEAD and every tag of a repository.

    Annotated tags are reported with the commit they point at.
    """
    output = run_git(["ls-remote", location, "HEAD", "refs/tags/*"])
    refs: dict[str, str] = {}
    for line in output.splitlines():
        commit, _, name = line.partition("\t")
        if name.endswith("^{}"):
            refs[name.removesuffix("^{}")] = commit
        else:
            refs.setdefault(name, commit)
    return refs


def clone(location: str, destination: Path) -> None:
    """Clone ``location`` (a URL or local path) without checking out files."""
    run_git(["clone", "--quiet", "--no-checkout", location, str(destination)])


def resolve_commit(repository: Path, ref: str) -> str:
    """Return the commit that ``ref`` (tag, branch or sha) names in a clone."""
    for candidate in (ref, f"origin/{ref}"):
        try:
            return run_git(
                ["rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}"],
                cwd=repository,
            ).strip()
        except TemplateSourceError:
            continue
    raise TemplateSourceError(
        f"ref {ref!r} not found in the template repository",
        hint="pass --ref with an existing tag, branch or commit",
    )


def tags(repository: Path) -> list[str]:
    """Return every tag name of a clone."""
    return run_git(["tag", "--list"], cwd=repository).split()


def tags_at(repository: Path, commit: str) -> list[str]:
    """Return the tags that point at ``commit``."""
    return run_git(["tag", "--points-at", commit], cwd=repository).split()


def check_out(repository: Path, commit: str, destination: Path) -> None:
    """Write the files of ``commit`` into ``destination`` as a detached worktree."""
    run_git(
        ["worktree", "add", "--quiet", "--detach", str(destination), commit],
        cwd=repository,
    )
