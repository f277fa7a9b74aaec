"""Apply the change between two renders of a template to a project, file by file.

For each file: base is the render of the recorded template version and answers,
ours is the project, theirs is the render of the new version and answers. Text files
are merged with ``git merge-file``, which leaves standard conflict markers where both
sides changed the same lines.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from nodeship.errors import GenerationError

logger = logging.getLogger(__name__)

MERGE_TIMEOUT_SECONDS = 60
# git merge-file exits with the number of conflicts, capped at 127, and a negative
# status (255 in the shell) on error.
_MAX_CONFLICT_STATUS = 127


@dataclass(frozen=True)
class MergeLabels:
    """Names written after the conflict markers: project, old and new template."""

    ours: str
    base: str
    theirs: str


@dataclass
class MergeResult:
    """The outcome of the merge for each file, as paths relative to the project.

    ``kept`` lists files left as the project has them although the template changed
    them: deleted in the project but changed in the template, or changed in the
    project but removed from the template. ``conflicts`` hold conflict markers,
    except binary files, which keep the project's version.
    """

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Write:
    path: str
    content: bytes
    mode_from: Path | None


def merge_trees(
    *,
    project: Path,
    base: Path,
    theirs: Path,
    labels: MergeLabels,
    excluded: Collection[str],
) -> MergeResult:
    """Merge the change from ``base`` to ``theirs`` into ``project``.

    Files only the project has are never touched, and neither are ``excluded``
    paths. Every merge is computed before the first file is written, so a failing
    ``git merge-file`` leaves the project as it was.
    """
    base_files = _tree_files(base, excluded)
    their_files = _tree_files(theirs, excluded)
    result = MergeResult()
    writes: list[_Write] = []
    removals: list[str] = []

    for path in sorted(base_files | their_files):
        ours = project / path
        old = base / path if path in base_files else None
        new = theirs / path if path in their_files else None
        action = _action(ours, old, new)
        if action == "remove":
            removals.append(path)
            result.removed.append(path)
        elif action == "keep":
            result.kept.append(path)
        elif action in ("add", "replace") and new is not None:
            writes.append(_Write(path, new.read_bytes(), new))
            (result.added if action == "add" else result.updated).append(path)
        elif action == "merge" and new is not None:
            merged, conflicted = _merge_file(ours, old, new, labels)
            if merged is not None:
                writes.append(_Write(path, merged, None))
            (result.conflicts if conflicted else result.updated).append(path)

    for write in writes:
        _write(project / write.path, write.content, write.mode_from)
    for path in removals:
        _remove(project, path)
    return result


def _action(ours: Path, old: Path | None, new: Path | None) -> str:
    """Return what to do with one file: skip, remove, keep, add, replace or merge.

    ``old`` is None for a file the new version added, ``new`` is None for one it
    removed.
    """
    if new is None:
        if old is None or not ours.is_file():
            return "skip"
        return "remove" if _same(ours, old) else "keep"
    if old is not None and _same(old, new):
        return "skip"
    if not ours.exists():
        return "add" if old is None else "keep"
    if _same(ours, new):
        return "skip"
    if old is not None and _same(ours, old):
        return "replace"
    return "merge"


def _tree_files(root: Path, excluded: Collection[str]) -> set[str]:
    files = set()
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [name for name in subfolders if name != ".git"]
        for name in names:
            relative = (Path(folder) / name).relative_to(root).as_posix()
            if relative not in excluded:
                files.add(relative)
    return files


def _same(first: Path, second: Path) -> bool:
    return first.read_bytes() == second.read_bytes()


def _is_text(path: Path) -> bool:
    data = path.read_bytes()
    if b"\0" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _merge_file(
    ours: Path, base: Path | None, theirs: Path, labels: MergeLabels
) -> tuple[bytes | None, bool]:
    """Return the merged content and whether it has conflicts.

    A file both sides added has an empty base. A binary file is not merged: the
    result is None (keep the project's file) and counts as a conflict.
    """
    if not all(_is_text(path) for path in (ours, theirs, *(p for p in [base] if p))):
        return None, True
    git = shutil.which("git")
    if git is None:
        raise GenerationError(
            "git is not on PATH, so the template changes cannot be merged",
            hint="install git; nothing was written",
        )
    with tempfile.NamedTemporaryFile(prefix="nodeship-empty-") as empty:
        command = [
            git,
            "merge-file",
            "-p",
            "-L",
            labels.ours,
            "-L",
            labels.base,
            "-L",
            labels.theirs,
            str(ours),
            str(base or empty.name),
            str(theirs),
        ]
        logger.info("running git merge-file on %s", ours)
        completed = subprocess.run(
            command, capture_output=True, timeout=MERGE_TIMEOUT_SECONDS, check=False
        )
    if not 0 <= completed.returncode <= _MAX_CONFLICT_STATUS:
        raise GenerationError(
            f"git merge-file failed on {ours}: "
            f"{completed.stderr.decode(errors='replace').strip()}",
            hint="nothing was written; report this with the file's content",
        )
    return completed.stdout, completed.returncode > 0


def _write(path: Path, content: bytes, mode_from: Path | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    if mode_from is not None:
        shutil.copymode(mode_from, path)


def _remove(project: Path, relative: str) -> None:
    path = project / relative
    path.unlink()
    for folder in path.parents:
        if folder == project or any(folder.iterdir()):
            break
        folder.rmdir()
