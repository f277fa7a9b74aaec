"""Write a set of file changes so that either all of them land or none does."""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path

from nodeship.bump.edits import BumpError, FileChange

logger = logging.getLogger(__name__)


def write_changes(directory: Path, changes: Sequence[FileChange]) -> None:
    """Write every change through a temporary file and a rename.

    All new contents are written to temporary files next to their targets first,
    so a full disk or a read-only folder fails before any target changes. The
    renames follow. If one of them fails, or the process is interrupted, the
    files already renamed get their old text back.

    Raises:
        BumpError: a file changed on disk since it was read, or writing failed.
            No file is left changed, unless restoring one failed too, which the
            message then names.
    """
    targets = [(directory / change.path).resolve() for change in changes]
    for target, change in zip(targets, changes, strict=True):
        _check_unchanged(target, change)

    staged: list[Path] = []
    try:
        for target, change in zip(targets, changes, strict=True):
            staged.append(_stage(target, change.new_text))
    except BaseException as error:
        _remove(staged)
        if isinstance(error, OSError):
            raise _write_failed(error) from error
        raise

    replaced: list[tuple[Path, FileChange]] = []
    try:
        for temporary, target, change in zip(staged, targets, changes, strict=True):
            os.replace(temporary, target)
            replaced.append((target, change))
            logger.info("wrote %s", target)
    except BaseException as error:
        _remove(staged[len(replaced) :])
        not_restored = _restore(replaced)
        if isinstance(error, OSError):
            raise _write_failed(error, not_restored) from error
        raise


def _check_unchanged(target: Path, change: FileChange) -> None:
    try:
        current = target.read_bytes()
    except OSError as error:
        raise _write_failed(error) from error
    if current != change.old_text.encode("utf-8"):
        raise BumpError(
            f"{target} changed while nodeship bump was running; no file was changed",
            hint="run nodeship bump again",
        )


def _stage(target: Path, text: str) -> Path:
    """Write ``text`` to a new temporary file beside ``target`` with its mode."""
    handle, name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".nodeship-bump", dir=target.parent
    )
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(text.encode("utf-8"))
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, stat.S_IMODE(target.stat().st_mode))
    except BaseException:
        _remove([temporary])
        raise
    return temporary


def _restore(replaced: list[tuple[Path, FileChange]]) -> list[Path]:
    """Put the old text back into each replaced file; return those that failed."""
    failed: list[Path] = []
    for target, change in reversed(replaced):
        try:
            os.replace(_stage(target, change.old_text), target)
            logger.info("restored %s", target)
        except OSError as error:
            logger.error("could not restore %s: %s", target, error)
            failed.append(target)
    return failed


def _remove(paths: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink()


def _write_failed(error: OSError, not_restored: list[Path] | None = None) -> BumpError:
    if not_restored:
        names = ", ".join(str(path) for path in not_restored)
        return BumpError(
            f"writing failed ({error}), and restoring {names} failed too",
            hint="restore those files from version control",
        )
    return BumpError(
        f"writing failed ({error}); no file was changed",
        hint="check the folder's permissions and free space, then run nodeship "
        "bump again",
    )
