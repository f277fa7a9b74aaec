"""Record where an overlay came from, so ``update`` and ``check`` find it anywhere.

An overlay is recorded in ``.nodeship.json`` in the first form that applies:

1. Inside the git repository that contains the project (a monorepo): its path
   relative to that repository's root, so every clone of the repository finds it,
   and the commit of HEAD when the overlay folder had no uncommitted change.
2. Inside another git repository with an ``origin`` remote (the usual company
   overlay repository, checked out in a different place on every machine): the
   remote's URL without credentials, the branch checked out, the commit, and the
   overlay's folder inside the repository. ``update`` and ``check`` fetch it from
   that URL, so no local checkout is needed.
3. Otherwise: its absolute path, which only the machine that generated the project
   can resolve.

Records written before these forms existed hold plain absolute paths, read as form 3.
Form 1 records written before the commit was recorded have none, so ``update``
merges no change of that overlay and ``check`` reports it as current.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

from nodeship.errors import InvalidInputError

logger = logging.getLogger(__name__)

GIT_TIMEOUT_SECONDS = 60
RECORD_NAME = ".nodeship.json"


@dataclass(frozen=True)
class RecordedOverlay:
    """One overlay entry of ``.nodeship.json``.

    ``path`` is set for a local overlay: absolute, or relative to the root of the
    project's git repository when ``in_repository`` is true. ``git``, ``ref``,
    ``commit`` and ``folder`` are set for an overlay fetched from a repository URL.
    ``ref`` is None when the overlay's checkout had no branch (a detached HEAD).
    ``commit`` is also set for an overlay in the project's repository whose folder
    was committed when the project was rendered from it.
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
            where = f"{self.path} (relative to the project's repository root)"
            return f"{where} at {self.commit[:12]}" if self.commit else where
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
            entry: dict[str, Any] = {"path": self.path, "relative_to": "repository"}
            if self.commit:
                entry["commit"] = self.commit
            return entry
        return {"path": self.path}


@dataclass(frozen=True)
class DescribedOverlay:
    """An overlay's entry for ``.nodeship.json``, and warnings to show the user."""

    overlay: RecordedOverlay
    warnings: tuple[str, ...] = ()


def describe_overlay(overlay: Path, project: Path) -> DescribedOverlay:
    """Return the recorded form of ``overlay`` for a project written in ``project``.

    ``project`` may be the scratch folder the project is rendered in, because it
    lies beside the final folder and so in the same git repository. A warning is
    returned when a later ``update`` may not render what this project was
    rendered from.
    """
    overlay = Path(os.path.abspath(overlay))
    overlay_root = _git_output(["rev-parse", "--show-toplevel"], overlay)
    if overlay_root is None:
        return DescribedOverlay(RecordedOverlay(path=str(overlay)))
    root = Path(overlay_root)
    folder = overlay.resolve().relative_to(root.resolve()).as_posix()
    project_root = _git_output(["rev-parse", "--show-toplevel"], project)
    if project_root is not None and Path(project_root).resolve() == root.resolve():
        return _describe_in_repository(overlay, root, folder)
    return _describe_remote(overlay, root, folder)


def _describe_in_repository(overlay: Path, root: Path, folder: str) -> DescribedOverlay:
    """Record an overlay in the project's own repository, with HEAD if it is clean."""
    unversioned = RecordedOverlay(path=folder, in_repository=True)
    commit = _git_output(["rev-parse", "--verify", "--quiet", "HEAD"], root)
    if commit is None:
        problem = f"overlay {overlay} is in a git repository without commits"
    elif _git_output(["status", "--porcelain", "--", "."], overlay):
        problem = f"overlay {overlay} has uncommitted changes"
    else:
        return DescribedOverlay(replace(unversioned, commit=commit))
    warning = (
        f"{problem}, so {RECORD_NAME} records no commit for it and `nodeship "
        "update` will not merge the overlay's later changes; commit the overlay "
        "and generate the project again, or add the commit the project was "
        f'rendered from to the overlay\'s entry in {RECORD_NAME} as "commit"'
    )
    return DescribedOverlay(unversioned, (warning,))


def _describe_remote(overlay: Path, root: Path, folder: str) -> DescribedOverlay:
    """Record an overlay in another repository by its origin URL and HEAD."""
    # Imported here: source imports record, which imports this module.
    from nodeship.templates.source import public_location

    url = _git_output(["config", "--get", "remote.origin.url"], root)
    commit = _git_output(["rev-parse", "--verify", "--quiet", "HEAD"], root)
    if url is None or commit is None:
        return DescribedOverlay(RecordedOverlay(path=str(overlay)))
    location = public_location(url)
    warnings = []
    if _git_output(["status", "--porcelain", "--", "."], overlay):
        # NOTE: the project was rendered from these uncommitted files, but
        # update renders the recorded commit, so the first update shows the gap.
        warnings.append(
            f"overlay {overlay} has uncommitted changes; {RECORD_NAME} records "
            f"commit {commit[:12]} only, so commit them, push, and generate the "
            "project again"
        )
    if not _on_remote_branch(root, commit):
        warnings.append(
            f"overlay commit {commit[:12]} of {root} is on no branch of origin "
            f"({location}) as last fetched, but `nodeship update` and `nodeship "
            f"check` fetch the overlay from there; push it with "
            f"`git -C {root} push` before updating the project"
        )
    recorded = RecordedOverlay(
        git=location,
        ref=_remote_branch(root),
        commit=commit,
        folder="" if folder == "." else folder,
    )
    return DescribedOverlay(recorded, tuple(warnings))


def _on_remote_branch(root: Path, commit: str) -> bool:
    """Return whether a remote-tracking branch of origin contains ``commit``.

    Reads only the local remote-tracking refs, so it needs no network but is only
    as fresh as the checkout's last fetch or push.
    """
    args = ["branch", "--remotes", "--list", "origin/*", "--contains", commit]
    return _git_output(args, root) is not None


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
        if not in_repository:
            return RecordedOverlay(path=entry["path"])
        _reject_escaping(entry["path"], where)
        commit = entry.get("commit")
        if commit is not None and not isinstance(commit, str):
            raise InvalidInputError(
                f"{where}: overlay {entry['path']!r} has commit {commit!r}, "
                "which is not a string",
                hint="set it to the full commit hash, or restore the file from "
                "git history",
            )
        return RecordedOverlay(path=entry["path"], in_repository=True, commit=commit)
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
