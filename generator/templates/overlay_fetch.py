"""Find recorded overlays again for ``nodeship update`` and ``nodeship check``.

A local overlay is looked up at its recorded path. An overlay recorded with a git
URL is cloned: ``update`` renders it at the recorded commit and at the newest
commit of the recorded branch, and ``check`` compares those two commits without a
clone. A branch-less overlay (recorded from a detached HEAD) stays at its commit.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from nodeship.templates import git
from nodeship.templates.errors import TemplateSourceError
from nodeship.templates.overlay_record import RecordedOverlay

logger = logging.getLogger(__name__)

RECORD_NAME = ".nodeship.json"


class OverlayNotFoundError(TemplateSourceError):
    """An overlay recorded in ``.nodeship.json`` cannot be found or fetched."""


@dataclass(frozen=True)
class OverlayVersions:
    """An overlay's folder at its recorded version and at the newest one.

    ``updated`` is the entry to record once the project is rendered at ``newest``.
    """

    recorded: RecordedOverlay
    base: Path
    newest: Path
    updated: RecordedOverlay


@dataclass(frozen=True)
class OverlayStatus:
    """Whether a recorded overlay is at the newest commit of its branch."""

    overlay: RecordedOverlay
    current: bool
    latest: str


def fetch_overlays(
    overlays: Sequence[RecordedOverlay], project: Path, scratch: Path
) -> list[OverlayVersions]:
    """Locate or clone every overlay, writing clones only below ``scratch``."""
    fetched = []
    for index, overlay in enumerate(overlays):
        if overlay.git is None:
            path = local_path(overlay, project)
            fetched.append(OverlayVersions(overlay, path, path, overlay))
        else:
            fetched.append(_clone(overlay, scratch / f"overlay-{index}"))
    return fetched


def overlay_statuses(
    overlays: Sequence[RecordedOverlay], project: Path
) -> list[OverlayStatus]:
    """Check that every overlay can be found, and compare git overlays' commits."""
    statuses = []
    for overlay in overlays:
        if overlay.git is None:
            local_path(overlay, project)
            statuses.append(OverlayStatus(overlay, True, "local folder"))
            continue
        commit = _newest_commit(overlay)
        statuses.append(OverlayStatus(overlay, commit == overlay.commit, commit[:12]))
    return statuses


def local_path(overlay: RecordedOverlay, project: Path) -> Path:
    """Return the folder of a local overlay, or raise OverlayNotFoundError."""
    recorded = str(overlay.path)
    if overlay.in_repository:
        root = _repository_root(project)
        if root is None:
            raise OverlayNotFoundError(
                f"overlay {recorded!r} is recorded relative to the project's git "
                f"repository root, but {project} is not in a git repository",
                hint="run nodeship in the repository the project was generated in",
            )
        path = root / recorded
    else:
        path = Path(recorded)
    if not path.is_dir():
        raise OverlayNotFoundError(
            f"overlay {overlay.label}, recorded in {RECORD_NAME}, not found at {path}",
            hint=f"put the overlay folder back at {path}, or change its entry in "
            f"{project / RECORD_NAME} to where the folder is now",
        )
    return path


def _clone(overlay: RecordedOverlay, into: Path) -> OverlayVersions:
    url = str(overlay.git)
    repository = into / "repository"
    try:
        git.clone(url, repository)
        base_commit = git.resolve_commit(repository, str(overlay.commit))
        newest_commit = git.resolve_commit(repository, overlay.ref or base_commit)
        git.check_out(repository, base_commit, into / "base")
        git.check_out(repository, newest_commit, into / "newest")
    except TemplateSourceError as error:
        raise OverlayNotFoundError(
            f"overlay {overlay.label}, recorded in {RECORD_NAME}, cannot be "
            f"fetched: {error.message}",
            hint=_git_hint(overlay),
        ) from None
    base = _folder(into / "base", overlay, base_commit)
    newest = _folder(into / "newest", overlay, newest_commit)
    logger.info("overlay %s: %s to %s", url, base_commit[:12], newest_commit[:12])
    updated = replace(overlay, commit=newest_commit)
    return OverlayVersions(overlay, base, newest, updated)


def _folder(tree: Path, overlay: RecordedOverlay, commit: str) -> Path:
    path = tree / overlay.folder if overlay.folder else tree
    if not path.is_dir():
        raise OverlayNotFoundError(
            f"overlay {overlay.label}: folder {overlay.folder!r} not found in "
            f"{overlay.git} at commit {commit[:12]}",
            hint=_git_hint(overlay),
        )
    return path


def _newest_commit(overlay: RecordedOverlay) -> str:
    """Return the commit of the overlay's branch on its remote, via ls-remote."""
    url = str(overlay.git)
    name = f"refs/heads/{overlay.ref}" if overlay.ref else "HEAD"
    try:
        output = git.run_git(["ls-remote", url, name])
    except TemplateSourceError as error:
        raise OverlayNotFoundError(
            f"overlay {overlay.label}, recorded in {RECORD_NAME}, cannot be "
            f"reached: {error.message}",
            hint=_git_hint(overlay),
        ) from None
    commits = [line.partition("\t")[0] for line in output.splitlines() if line]
    if not commits:
        raise OverlayNotFoundError(
            f"overlay {overlay.label}: branch {overlay.ref!r} not found in {url}",
            hint=_git_hint(overlay),
        )
    if overlay.ref is None:
        # A detached overlay is pinned: the remote's HEAD only proves it answers.
        return str(overlay.commit)
    return commits[0]


def _git_hint(overlay: RecordedOverlay) -> str:
    return (
        f"check that {overlay.git} is reachable with git and still has branch "
        f"{overlay.ref or '(none)'} and folder {overlay.folder or '.'}; if the "
        f"overlay moved, change its entry in {RECORD_NAME}"
    )


def _repository_root(project: Path) -> Path | None:
    try:
        output = git.run_git(["rev-parse", "--show-toplevel"], cwd=project)
    except TemplateSourceError:
        return None
    return Path(output.strip())
