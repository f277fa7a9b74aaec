"""Find recorded overlays again for ``nodeship update`` and ``nodeship check``.

A local overlay is looked up at its recorded path. An overlay recorded with a git
URL is cloned: ``update`` renders it at the recorded commit and at the newest
commit of the recorded branch, and ``check`` compares those two commits without a
clone. A branch-less overlay (recorded from a detached HEAD) stays at its commit.

An overlay in the project's own repository with a recorded commit is read from
that repository. ``update`` renders its folder as committed at the recorded commit
and at HEAD, so uncommitted changes are left out. ``check`` compares the folder's
tree at those two commits. Without a recorded commit the overlay is rendered from
the work tree on both sides, so none of its changes is merged.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
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
    ``warnings`` name what the update leaves out, such as uncommitted changes.
    """

    recorded: RecordedOverlay
    base: Path
    newest: Path
    updated: RecordedOverlay
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class OverlayStatus:
    """Whether a recorded overlay is at the newest commit of its branch.

    ``latest`` describes the newest version: a commit, ``HEAD (commit)`` for an
    overlay in the project's repository, or ``local folder``.
    """

    overlay: RecordedOverlay
    current: bool
    latest: str


def fetch_overlays(
    overlays: Sequence[RecordedOverlay], project: Path, scratch: Path
) -> list[OverlayVersions]:
    """Locate or check out every overlay, writing files only below ``scratch``."""
    fetched = []
    for index, overlay in enumerate(overlays):
        into = scratch / f"overlay-{index}"
        if overlay.git is not None:
            fetched.append(_clone(overlay, into))
        elif overlay.in_repository and overlay.commit:
            fetched.append(_repository_versions(overlay, project, into))
        else:
            path = local_path(overlay, project)
            fetched.append(OverlayVersions(overlay, path, path, overlay))
    return fetched


def overlay_statuses(
    overlays: Sequence[RecordedOverlay], project: Path
) -> list[OverlayStatus]:
    """Check that every overlay can be found, and compare recorded commits."""
    statuses = []
    for overlay in overlays:
        if overlay.git is not None:
            commit = _newest_commit(overlay)
            current = commit == overlay.commit
            statuses.append(OverlayStatus(overlay, current, commit[:12]))
        elif overlay.in_repository and overlay.commit:
            _, head, changed = _compare_with_head(overlay, project)
            latest = f"HEAD ({head[:12]})"
            statuses.append(OverlayStatus(overlay, not changed, latest))
        else:
            local_path(overlay, project)
            statuses.append(OverlayStatus(overlay, True, "local folder"))
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
    except TemplateSourceError as error:
        raise OverlayNotFoundError(
            f"overlay {overlay.label}, recorded in {RECORD_NAME}, cannot be "
            f"fetched: {error.message}",
            hint=_git_hint(overlay),
        ) from None
    base_commit = _resolve_recorded_commit(repository, overlay)
    newest_commit = base_commit
    if overlay.ref:
        newest_commit = _resolve_branch(repository, overlay)
    try:
        git.check_out(repository, base_commit, into / "base")
        git.check_out(repository, newest_commit, into / "newest")
    except TemplateSourceError as error:
        raise OverlayNotFoundError(
            f"overlay {overlay.label}, recorded in {RECORD_NAME}, cannot be "
            f"checked out: {error.message}",
            hint=_git_hint(overlay),
        ) from None
    base = _folder(into / "base", overlay, base_commit)
    newest = _folder(into / "newest", overlay, newest_commit)
    logger.info("overlay %s: %s to %s", url, base_commit[:12], newest_commit[:12])
    updated = replace(overlay, commit=newest_commit)
    return OverlayVersions(overlay, base, newest, updated)


def _resolve_recorded_commit(repository: Path, overlay: RecordedOverlay) -> str:
    """Return the recorded commit from a clone of the overlay's repository."""
    try:
        return git.resolve_commit(repository, str(overlay.commit))
    except TemplateSourceError:
        raise OverlayNotFoundError(
            f"overlay {overlay.label}: recorded commit {overlay.commit} not found "
            f"in the overlay repository {overlay.git}",
            hint="push that commit from the overlay checkout the project was "
            f"generated with (`git push`) to {overlay.git}, then run the command "
            "again",
        ) from None


def _resolve_branch(repository: Path, overlay: RecordedOverlay) -> str:
    """Return the newest commit of the overlay's recorded branch in a clone."""
    try:
        return git.resolve_commit(repository, f"origin/{overlay.ref}")
    except TemplateSourceError:
        raise OverlayNotFoundError(
            f"overlay {overlay.label}: branch {overlay.ref!r} not found in the "
            f"overlay repository {overlay.git}",
            hint=_git_hint(overlay),
        ) from None


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


def _repository_versions(
    overlay: RecordedOverlay, project: Path, into: Path
) -> OverlayVersions:
    """Check out an in-repository overlay at its recorded commit and at HEAD."""
    root, head, changed = _compare_with_head(overlay, project)
    recorded = str(overlay.commit)
    _check_out_folder(root, overlay, recorded, into / "base")
    _check_out_folder(root, overlay, head, into / "newest")
    warnings = []
    status = ["status", "--porcelain", "--", str(overlay.path)]
    if git.run_git(status, cwd=root):
        warnings.append(
            f"overlay {overlay.path} has uncommitted changes, which the update "
            f"leaves out because it merges the overlay as committed at HEAD "
            f"({head[:12]}); commit them, then run the update again"
        )
    updated = replace(overlay, commit=head) if changed else overlay
    logger.info("overlay %s: %s to %s", overlay.path, recorded[:12], head[:12])
    return OverlayVersions(
        overlay, into / "base", into / "newest", updated, tuple(warnings)
    )


def _compare_with_head(
    overlay: RecordedOverlay, project: Path
) -> tuple[Path, str, bool]:
    """Return the repository root, HEAD's commit, and whether the folder changed.

    Compares the folder's git tree at the recorded commit and at HEAD, so commits
    that leave the folder alone do not count.
    """
    local_path(overlay, project)
    root = _repository_root(project)
    assert root is not None  # local_path raised otherwise
    recorded = str(overlay.commit)
    try:
        git.run_git(["rev-parse", "--verify", f"{recorded}^{{commit}}"], cwd=root)
    except TemplateSourceError:
        raise OverlayNotFoundError(
            f"overlay {overlay.label}: recorded commit {recorded} not found in "
            f"the repository at {root}",
            hint="in a shallow clone, fetch the history first (`git fetch "
            "--unshallow`); if the commit was rewritten, set the overlay's "
            f"commit in {RECORD_NAME} to the one the project was last rendered "
            "from",
        ) from None
    head = git.run_git(["rev-parse", "--verify", "HEAD^{commit}"], cwd=root).strip()
    recorded_tree = _folder_tree(root, overlay, recorded)
    head_tree = _folder_tree(root, overlay, head)
    return root, head, recorded_tree != head_tree


def _folder_tree(root: Path, overlay: RecordedOverlay, commit: str) -> str:
    try:
        spec = _tree_spec(overlay, commit)
        return git.run_git(["rev-parse", "--verify", spec], cwd=root).strip()
    except TemplateSourceError:
        raise OverlayNotFoundError(
            f"overlay {overlay.label}: folder {overlay.path} not found in commit "
            f"{commit[:12]} of the repository at {root}",
            hint=f"commit the overlay folder, or change its entry in {RECORD_NAME} "
            "to where the folder is now",
        ) from None


def _tree_spec(overlay: RecordedOverlay, commit: str) -> str:
    """Return git's name for the overlay folder's tree in ``commit``."""
    folder = "" if overlay.path in (None, ".") else str(overlay.path)
    return f"{commit}:{folder}"


def _check_out_folder(
    root: Path, overlay: RecordedOverlay, commit: str, destination: Path
) -> None:
    """Write the overlay folder as committed in ``commit`` into ``destination``.

    A private index file keeps the repository's own index and work tree untouched.
    """
    index = destination.with_name(f"{destination.name}.index")
    environment = {**os.environ, "GIT_INDEX_FILE": str(index)}
    steps = (
        ["read-tree", _tree_spec(overlay, commit)],
        ["checkout-index", "--all", f"--prefix={destination}{os.sep}"],
    )
    destination.parent.mkdir(parents=True, exist_ok=True)
    for args in steps:
        logger.info("running git %s in %s", " ".join(args), root)
        completed = subprocess.run(
            [shutil.which("git") or "git", *args],
            cwd=root,
            env=environment,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=git.GIT_TIMEOUT_SECONDS,
            check=False,
        )
        if completed.returncode != 0:
            raise OverlayNotFoundError(
                f"overlay {overlay.label}: git {' '.join(args)} failed in {root}: "
                f"{completed.stderr.strip() or 'no output'}",
                hint="check that the repository is readable (`git fsck`), then "
                "run the command again",
            )
