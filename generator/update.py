"""Keep a generated project current with its template: ``update`` and ``check``.

``update`` renders the template twice with the project's recorded answers, once at
the recorded version and once at the new one, and merges the difference into the
project, so the service's own edits survive.

A git template's versions are its commits, named by tags. The built-in template's
versions are nodeship's versions, and only the installed one is available: both
renders use today's built-in template, so an update of a built-in project applies
answer changes only. Folder and zip templates have no older versions either and
behave the same way. An overlay recorded with a git URL moves from its recorded
commit to the newest commit of its branch in the same merge, and an overlay in the
project's own repository from its recorded commit to HEAD.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from nodeship import __version__
from nodeship.errors import ExitCode, InvalidInputError, NodeshipError
from nodeship.generate import render_project
from nodeship.questions import QUESTIONS_BY_NAME, Answers
from nodeship.templates import git
from nodeship.templates.merge import MergeLabels, MergeResult, merge_trees
from nodeship.templates.overlay_fetch import (
    OverlayStatus,
    OverlayVersions,
    fetch_overlays,
    overlay_statuses,
)
from nodeship.templates.overlay_record import RecordedOverlay
from nodeship.templates.record import (
    ANSWERS_RECORD,
    ProjectRecord,
    TemplateSource,
    builtin_source,
    read_record,
    write_record,
)
from nodeship.templates.source import (
    FetchedTemplate,
    check_out_version,
    fetch_template,
)
from nodeship.templates.trust import require_trusted_hooks

logger = logging.getLogger(__name__)

GIT_STATUS_TIMEOUT_SECONDS = 60
_DIRTY_FILES_SHOWN = 10


class UpdateConflictsError(NodeshipError):
    """The update left conflict markers in files that need a person's decision."""

    exit_code = ExitCode.UPDATE_CONFLICTS


class ProjectBehindError(NodeshipError):
    """The project was rendered from an older version than its template's newest."""

    exit_code = ExitCode.PROJECT_BEHIND


@dataclass(frozen=True)
class UpdateResult:
    """The versions before and after an update, and the files it changed.

    ``warnings`` name what the update left out, such as an overlay's uncommitted
    changes.
    """

    path: Path
    old: TemplateSource
    new: TemplateSource
    answers: Answers
    changed_answers: Mapping[str, tuple[object, object]]
    files: MergeResult
    notes: tuple[str, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckResult:
    """Whether a project matches its template's newest version.

    ``current`` is false when the template or any git overlay is behind;
    ``template_current`` covers the template alone.
    """

    path: Path
    current: bool
    recorded: str
    latest: str
    overlays: tuple[OverlayStatus, ...] = ()
    template_current: bool = True


def update_project(
    *,
    project: Path,
    ref: str | None = None,
    answer_changes: Mapping[str, str] | None = None,
    trust: bool = False,
    trusted_patterns: Sequence[str] = (),
) -> UpdateResult:
    """Update ``project`` to its template's newest version tag, or ``ref``.

    ``answer_changes`` maps question names to new raw values, parsed by the question
    model. The project must be a clean git work tree, so the update can be reviewed
    with ``git diff`` and undone with ``git checkout``.
    """
    project = project.absolute()
    record = read_record(project)
    require_clean_git(project)
    # Answers of questions added since the project was generated get their
    # defaults in both renders, so only the requested changes differ.
    base_answers = updated_answers(record.answers, {})
    answers = updated_answers(record.answers, answer_changes or {})
    changed = {
        key: (base_answers.get(key), value)
        for key, value in answers.items()
        if base_answers.get(key) != value
    }

    with tempfile.TemporaryDirectory(prefix="nodeship-update-") as folder:
        scratch = Path(folder)
        layers = fetch_overlays(_overlays(record), project, scratch / "overlays")
        with _template_versions(record.source, ref, scratch) as (old, new, notes):
            for template in (old, new):
                require_trusted_hooks(
                    template.path,
                    template.source,
                    trust=trust,
                    trusted_patterns=trusted_patterns,
                )
            renders = []
            for name, template, rendered_answers, overlays in (
                ("base", old, base_answers, [layer.base for layer in layers]),
                ("theirs", new, answers, [layer.newest for layer in layers]),
            ):
                (scratch / name).mkdir()
                renders.append(
                    render_project(
                        answers=rendered_answers,
                        template_dir=template.path,
                        source=template.source,
                        overlays=overlays,
                        settings=record.settings,
                        install=False,
                        scratch=scratch / name,
                    )
                )
            labels = MergeLabels(
                ours="project",
                base=f"template {record.source.version}",
                theirs=f"template {new.source.version}",
            )
            files = merge_trees(
                project=project,
                base=renders[0].path,
                theirs=renders[1].path,
                labels=labels,
                excluded={ANSWERS_RECORD, "package-lock.json"},
            )
    updated_overlays = tuple(layer.updated for layer in layers)
    write_record(
        project,
        ProjectRecord(answers, new.source, updated_overlays, record.settings),
    )
    notes = (*notes, *_overlay_notes(layers))
    touched = {*files.added, *files.updated, *files.conflicts}
    if "package.json" in touched:
        # Both renders skip npm, so the merge never changes package-lock.json.
        notes = (*notes, "package.json changed; run `npm install` to update the lock")
    warnings = tuple(warning for layer in layers for warning in layer.warnings)
    logger.info("updated %s to %s", project, new.source.version)
    return UpdateResult(
        project, record.source, new.source, answers, changed, files, notes, warnings
    )


def check_project(*, project: Path, ref: str | None = None) -> CheckResult:
    """Compare the project's recorded template and overlays with the newest ones.

    Raises OverlayNotFoundError first when an overlay cannot be found. Reads the
    template's tags without cloning it. A zip template is downloaded and compared
    by its SHA-256 digest.
    """
    project = project.absolute()
    record = read_record(project)
    overlays = tuple(overlay_statuses(_overlays(record), project))
    result = _check_template(project, record.source, ref)
    current = result.current and all(status.current for status in overlays)
    return replace(
        result, current=current, template_current=result.current, overlays=overlays
    )


def _check_template(
    project: Path, source: TemplateSource, ref: str | None
) -> CheckResult:
    if source.kind == "builtin":
        _reject_ref(ref, source)
        latest = builtin_source()
        current = source.nodeship_version == latest.nodeship_version
        return CheckResult(project, current, source.version, latest.version)
    if source.kind == "git":
        commit, name = _latest_commit(source.location, ref)
        latest_label = f"{name} ({commit[:12]})" if name else commit[:12]
        return CheckResult(
            project, commit == source.commit, source.version, latest_label
        )
    if source.kind == "zip":
        _reject_ref(ref, source)
        with tempfile.TemporaryDirectory(prefix="nodeship-check-") as folder:
            fetched = fetch_template(source.location, ref=None, into=Path(folder))
        latest_sha = fetched.source.sha256 or ""
        return CheckResult(
            project,
            latest_sha == source.sha256,
            source.version,
            fetched.source.version,
        )
    raise InvalidInputError(
        f"template {source.location} is a folder without git history, so it has no "
        "versions to compare",
        hint="publish the template as a git repository with version tags",
    )


CARRIED_SETTINGS = ("labels", "base_image_mirror")


def updated_answers(recorded: Answers, changes: Mapping[str, str]) -> Answers:
    """Return the recorded answers with ``changes`` applied, parsed again.

    Every answer goes through its question's parser again, in question order, so a
    change that affects later answers is checked against them (a worker has no
    port; a new Node.js version needs an Alpine version published for it). A
    question the record lacks gets its default.
    """
    from nodeship.answers import check_known_keys, collect_answers
    from nodeship.questions import Context
    from nodeship.refresh import load_current_table

    check_known_keys(changes, "--answer")
    given: dict[str, object] = {
        key: value
        for key, value in recorded.items()
        if value is not None and key in QUESTIONS_BY_NAME
    }
    given.update(_legacy_answers(recorded))
    given.update(changes)
    context = Context(table=load_current_table(), today=date.today())
    collected = collect_answers(
        given=given, implicit={}, context=context, asker=None, assume_defaults=True
    )
    # Company settings recorded beside the answers, such as image labels and a base
    # image mirror, are not questions; they carry over unchanged.
    carried = {key: recorded[key] for key in CARRIED_SETTINGS if recorded.get(key)}
    return {**collected.values, **carried}


def _legacy_answers(recorded: Answers) -> dict[str, object]:
    """Return answers for what older records lack but their projects already have.

    Services generated before the env_example question existed got a .env.example;
    taking the question's default ("no") would delete it on update.
    """
    if "env_example" not in recorded and recorded.get("type") in {"api", "worker"}:
        return {"env_example": "yes"}
    return {}


def _overlays(record: ProjectRecord) -> list[RecordedOverlay]:
    # read_record returns only recorded overlays; a bare path is a local folder.
    return [
        entry if isinstance(entry, RecordedOverlay) else RecordedOverlay(path=entry)
        for entry in record.overlays
    ]


def _overlay_notes(layers: Sequence[OverlayVersions]) -> list[str]:
    notes = []
    for layer in layers:
        overlay = layer.recorded
        old, new = overlay.commit, layer.updated.commit
        if not old or not new or old == new:
            continue
        if overlay.git is not None:
            name = f"{overlay.git} folder {overlay.folder or '.'}"
        else:
            name = str(overlay.path)
        notes.append(f"overlay {name} moved from {old[:12]} to {new[:12]}")
    return notes


def require_clean_git(project: Path) -> None:
    """Raise unless ``project`` is in a git work tree with no uncommitted change."""
    inside = _git(project, ["rev-parse", "--is-inside-work-tree"])
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        raise InvalidInputError(
            f"{project} is not in a git repository; nodeship update changes files "
            "in place and needs git to show and undo its changes",
            hint="run `git init && git add -A && git commit -m 'Generated'` there",
        )
    status = _git(
        project, ["status", "--porcelain", "--untracked-files=all", "--", "."]
    )
    if status.returncode != 0:
        raise InvalidInputError(
            f"git status failed in {project}: {status.stderr.strip()}",
            hint="fix the repository, then run the update again",
        )
    changed = status.stdout.splitlines()
    if changed:
        shown = ", ".join(line[3:] for line in changed[:_DIRTY_FILES_SHOWN])
        more = len(changed) - _DIRTY_FILES_SHOWN
        suffix = f" and {more} more" if more > 0 else ""
        raise InvalidInputError(
            f"{project} has uncommitted changes: {shown}{suffix}",
            hint="commit or stash them first, so the update can be reviewed alone",
        )


def _git(project: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("git")
    if executable is None:
        raise InvalidInputError(
            "git is not on PATH; nodeship update needs it",
            hint="install git",
        )
    return subprocess.run(
        [executable, *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=GIT_STATUS_TIMEOUT_SECONDS,
        check=False,
    )


@contextlib.contextmanager
def _template_versions(
    source: TemplateSource, ref: str | None, scratch: Path
) -> Iterator[tuple[FetchedTemplate, FetchedTemplate, tuple[str, ...]]]:
    """Yield the template at the recorded version, at the new one, and notes."""
    if source.kind == "git":
        repository = scratch / "repository"
        git.clone(source.location, repository)
        old = check_out_version(
            repository,
            location=source.location,
            ref=source.commit,
            into=scratch / "old",
            remote=source.remote,
        )
        new = check_out_version(
            repository,
            location=source.location,
            ref=ref,
            into=scratch / "new",
            remote=source.remote,
        )
        yield old, new, ()
        return

    _reject_ref(ref, source)
    if source.kind == "builtin":
        from nodeship.template_source import builtin_template_dir

        current = FetchedTemplate(builtin_template_dir(), builtin_source())
        notes = []
        if source.nodeship_version != __version__:
            notes.append(
                f"the built-in template of nodeship {source.nodeship_version} is not "
                f"available, so its changes up to nodeship {__version__} were not "
                "merged; only answer changes were applied"
            )
        yield current, current, tuple(notes)
        return
    fetched = fetch_template(source.location, ref=None, into=scratch / "fetched")
    note = (
        f"a {source.kind} template has no older versions to compare with, so only "
        "answer changes were applied"
    )
    yield fetched, fetched, (note,)


def _latest_commit(location: str, ref: str | None) -> tuple[str, str | None]:
    """Return the commit of ``ref``, else of the newest version tag, else of HEAD."""
    refs = git.remote_refs(location)
    if ref is not None:
        for name in (f"refs/tags/{ref}", f"refs/heads/{ref}"):
            if name in refs:
                return refs[name], ref
        if ref in refs.values():
            return ref, None
        raise InvalidInputError(
            f"ref {ref!r} not found in template {location}",
            hint="pass --ref with an existing tag or branch, or a full commit",
        )
    tags = {
        name.removeprefix("refs/tags/"): commit
        for name, commit in refs.items()
        if name.startswith("refs/tags/")
    }
    tag = git.latest_version_tag(list(tags))
    if tag is not None:
        return tags[tag], tag
    return refs["HEAD"], "HEAD"


def _reject_ref(ref: str | None, source: TemplateSource) -> None:
    if ref is not None:
        raise InvalidInputError(
            f"--ref {ref!r} needs a git template, but the project's template is "
            f"{source.location} ({source.kind})",
            hint="leave out --ref",
        )
