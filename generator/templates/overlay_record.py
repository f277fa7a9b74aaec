"""Record where an overlay came from, so ``update`` and ``check`` find it anywhere.

An overlay is recorded in ``.nodeship.json`` in the first form that applies:

1. Inside the git repository that contains the project (a monorepo): its path
   relative to that repository's root, so every clone of the repository finds it.
2. Inside another git repository with an ``origin`` remote (the usual company
   overlay repository, checked out in a different place on every machine): the
   remote's URL without credentials, the branch checked out, the commit, and the
   overlay's folder inside the repository. ``update`` and ``check`` fetch it from
   that URL, so no local checkout is needed.
3. Otherwise: its absolute path, which only the machine that generated the project
   can resolve.

Records written before these forms existed hold plain absolute paths, read as form 3.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from nodeship.errors import InvalidInputError

logger = logging.getLogger(__name__)

GIT_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class RecordedOverlay:
    """One overlay entry of ``.nodeship.json``.

    ``path`` is set for a local overlay: absolute, or relative to the root of the
    project's git repository when ``in_repository`` is true. ``git``, ``ref``,
    ``commit`` and ``folder`` are set for an overlay fetched from a repository URL.
    ``ref`` is None when the overlay's checkout had no branch (a detached HEAD).
    """

    path: str | None = None
    in_repository: bool = False
    git: str | None = None
    ref: str | None = None
    commit: str | None = None
    folder: str = ""

    @property
    def label(self) -> str:
        """Return the overlay as messages name it."""
        if self.git is not None:
            where = f"{self.git} folder {self.folder or '.'}"
            return f"{where} at {(self.commit or '')[:12]}"
        if self.in_repository:
            return f"{self.path} (relative to the project's repository root)"
        return str(self.path)

    def to_json(self) -> dict[str, Any]:
        if self.git is not None:
            return {
                "git": self.git,
                "ref": self.ref,
                "commit": self.commit,
                "folder": self.folder,
            }
        if self.in_repository:
            return {"path": self.path, "relative_to": "repository"}
        return {"path": self.path}


def describe_overlay(overlay: Path, project: Path) -> RecordedOverlay:
    """Return the recorded form of ``overlay`` for a project written in ``project``.

    ``project`` may be the scratch folder the project is rendered in, because it
    lies beside the final folder and so in the same git repository.
    """
    # Imported here: source imports record, which imports this module.
    from nodeship.templates.source import public_location

    overlay = Path(os.path.abspath(overlay))
    overlay_root = _git_output(["rev-parse", "--show-toplevel"], overlay)
    if overlay_root is None:
        return RecordedOverlay(path=str(overlay))
    root = Path(overlay_root)
    folder = overlay.resolve().relative_to(root.resolve()).as_posix()
    project_root = _git_output(["rev-parse", "--show-toplevel"], project)
    if project_root is not None and Path(project_root).resolve() == root.resolve():
        return RecordedOverlay(path=folder, in_repository=True)
    url = _git_output(["config", "--get", "remote.origin.url"], root)
    commit = _git_output(["rev-parse", "--verify", "--quiet", "HEAD"], root)
    if url is None or commit is None:
        return RecordedOverlay(path=str(overlay))
    if _git_output(["status", "--porcelain", "--", "."], overlay):
        # NOTE: the project was rendered from these uncommitted files, but
        # update renders the recorded commit, so the first update shows the gap.
        logger.warning(
            "overlay %s has uncommitted changes; %s records commit %s only",
            overlay,
            ".nodeship.json",
            commit[:12],
        )
    return RecordedOverlay(
        git=public_location(url),
        ref=_remote_branch(root),
        commit=commit,
        folder="" if folder == "." else folder,
    )


def _remote_branch(root: Path) -> str | None:
    """Return the branch on origin that the checkout follows, else its own branch.

    None means a detached HEAD, so the overlay stays at its recorded commit.
    """
    upstream = _git_output(
        ["rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}"], root
    )
    if upstream is not None and upstream.startswith("origin/"):
        return upstream.removeprefix("origin/")
    return _git_output(["symbolic-ref", "--quiet", "--short", "HEAD"], root)


def read_overlay(entry: object, where: Path) -> RecordedOverlay:
    """Parse one entry of the record's ``overlays`` list; ``where`` names the file."""
    if isinstance(entry, str):
        return RecordedOverlay(path=entry)
    if isinstance(entry, dict) and isinstance(entry.get("git"), str):
        folder = str(entry.get("folder") or "")
        _reject_escaping(folder, where)
        return RecordedOverlay(
            git=entry["git"],
            ref=entry.get("ref"),
            commit=entry.get("commit"),
            folder=folder,
        )
    if isinstance(entry, dict) and isinstance(entry.get("path"), str):
        in_repository = entry.get("relative_to") == "repository"
        if in_repository:
            _reject_escaping(entry["path"], where)
        return RecordedOverlay(path=entry["path"], in_repository=in_repository)
    raise InvalidInputError(
        f"{where}: overlay entry {entry!r} has neither a path nor a git URL",
        hint="restore the file from git history",
    )


def _reject_escaping(folder: str, where: Path) -> None:
    posix = PurePosixPath(folder)
    if posix.is_absolute() or ".." in posix.parts:
        raise InvalidInputError(
            f"{where}: overlay folder {folder!r} leaves its repository",
            hint="restore the file from git history",
        )


def _git_output(args: list[str], cwd: Path) -> str | None:
    """Return git's stripped stdout in ``cwd``, or None when git fails or is absent."""
    executable = shutil.which("git")
    if executable is None or not cwd.is_dir():
        return None
    logger.debug("running git %s in %s", " ".join(args), cwd)
    completed = subprocess.run(
        [executable, *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=GIT_TIMEOUT_SECONDS,
        check=False,
    )
    if completed.returncode != 0:
        return None
    return completed.stdout.strip() or None
