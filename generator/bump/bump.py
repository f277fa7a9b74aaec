"""Move a generated project to a newer Node.js or Alpine image and a new version."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from nodeship.bump.edits import FileChange, ImageVersions, plan_file_changes
from nodeship.bump.project import ProjectState, read_project
from nodeship.bump.semver import SemanticVersion
from nodeship.bump.write import write_changes
from nodeship.errors import InvalidInputError
from nodeship.questions import QUESTIONS, Context
from nodeship.releases import ReleaseTable, ResolvedNode, version_key

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BumpResult:
    """The changes of a bump, or the changes it would make with ``dry_run``.

    ``changes`` is empty and ``notice`` gives the reason when the project already
    uses the requested image.
    """

    directory: Path
    old: ImageVersions
    new: ImageVersions
    changes: tuple[FileChange, ...]
    unchanged_files: tuple[str, ...]
    dry_run: bool
    written: bool
    notice: str | None = None
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        """Return the result as JSON-ready data."""
        return {
            "directory": str(self.directory),
            "dry_run": self.dry_run,
            "changed": bool(self.changes),
            "written": self.written,
            "old": _versions_dict(self.old),
            "new": _versions_dict(self.new),
            "files": [
                {
                    "path": change.path,
                    "changes": list(change.summary),
                    "diff": change.diff(),
                }
                for change in self.changes
            ],
            "unchanged_files": list(self.unchanged_files),
            "notice": self.notice,
            "warnings": list(self.warnings),
        }


def bump_project(
    directory: Path,
    *,
    table: ReleaseTable,
    today: date,
    node: str | None = None,
    alpine: str | None = None,
    part: str | None = None,
    project_version: str | None = None,
    allow_downgrade: bool = False,
    dry_run: bool = False,
) -> BumpResult:
    """Move the project in ``directory`` to a newer base image and project version.

    ``node`` is resolved like ``nodeship new --node``; None picks the newest release
    of the project's Node.js major. ``alpine`` None picks the newest Alpine variant
    published for that release. The project version goes up by ``part`` (default
    ``patch``), or becomes ``project_version``. Every file is computed before any
    is written, and then all are written or none.

    Raises:
        InvalidInputError: the folder is not a nodeship project, its pins disagree,
            the image was never published, or a version would go down without
            ``allow_downgrade``.
        BumpError: an edit could not be made safely, or writing failed.
    """
    if part is not None and project_version is not None:
        raise InvalidInputError(
            f"--part {part} and --project-version {project_version} exclude each other",
            hint="pass one of them",
        )
    state = read_project(directory)
    old = ImageVersions(state.node, state.alpine, state.project_version)
    resolved = _resolve_image(
        state=state,
        table=table,
        today=today,
        node=node,
        alpine=alpine,
        allow_downgrade=allow_downgrade,
    )
    warnings = resolved.warnings

    if (resolved.version, resolved.alpine) == (state.node, state.alpine):
        if node or alpine:
            notice = f"{old.base_image} is already the requested image"
        else:
            major = state.node.split(".")[0]
            notice = (
                f"{old.base_image} is already the newest Node.js {major} image in "
                "the release table (nodeship versions --refresh looks for newer ones)"
            )
        return BumpResult(
            directory=directory,
            old=old,
            new=old,
            changes=(),
            unchanged_files=(),
            dry_run=dry_run,
            written=False,
            notice=f"{notice}; nothing was changed",
            warnings=warnings,
        )

    new_version = _next_project_version(
        state=state,
        table=table,
        today=today,
        part=part,
        requested=project_version,
        allow_downgrade=allow_downgrade,
    )
    new = ImageVersions(resolved.version, resolved.alpine, new_version)
    changes, unchanged = plan_file_changes(state, new)
    if not dry_run:
        write_changes(directory, changes)
    logger.info("bump %s: %s -> %s", directory, old.image_tag, new.image_tag)
    return BumpResult(
        directory=directory,
        old=old,
        new=new,
        changes=tuple(changes),
        unchanged_files=tuple(unchanged),
        dry_run=dry_run,
        written=not dry_run,
        warnings=warnings,
    )


def _resolve_image(
    *,
    state: ProjectState,
    table: ReleaseTable,
    today: date,
    node: str | None,
    alpine: str | None,
    allow_downgrade: bool,
) -> ResolvedNode:
    request = node if node is not None else state.node.split(".")[0]
    resolved = table.resolve(request, None, today)
    resolved = table.resolve(resolved.version, alpine, today)

    if version_key(resolved.version) < version_key(state.node) and not allow_downgrade:
        if node is None:
            raise InvalidInputError(
                f"the newest Node.js {request} in the release table is "
                f"{resolved.version}, older than the project's {state.node}",
                hint="run nodeship versions --refresh to fetch newer releases, or "
                "pass --node with the version you want",
            )
        raise InvalidInputError(
            f"--node {node} gives Node.js {resolved.version}, older than the "
            f"project's {state.node}",
            hint="pass a newer --node, or add --allow-downgrade to move back",
        )
    if version_key(resolved.alpine) < version_key(state.alpine) and not allow_downgrade:
        if alpine:
            raise InvalidInputError(
                f"--alpine {alpine} is older than the project's Alpine {state.alpine}",
                hint=f"pass --alpine {state.alpine} or newer, or add "
                "--allow-downgrade to move back",
            )
        raise InvalidInputError(
            f"the newest Alpine for node {resolved.version} is {resolved.alpine}, "
            f"older than the project's Alpine {state.alpine}",
            hint="pass a Node.js version published for a newer Alpine, or add "
            "--allow-downgrade to move back",
        )
    return resolved


def _next_project_version(
    *,
    state: ProjectState,
    table: ReleaseTable,
    today: date,
    part: str | None,
    requested: str | None,
    allow_downgrade: bool,
) -> str:
    package_json = state.files.directory / "package.json"
    try:
        current = SemanticVersion.parse(state.project_version)
    except ValueError as error:
        raise InvalidInputError(
            f"the version {state.project_version!r} in {package_json} is not a "
            "semantic version without build metadata",
            hint="set it to MAJOR.MINOR.PATCH, such as 1.4.2, or pass "
            "--project-version",
        ) from error

    if requested is None:
        return str(current.increment(part or "patch"))

    question = next(q for q in QUESTIONS if q.name == "project_version")
    parsed = str(question.parse(requested, {}, Context(table=table, today=today)))
    chosen = SemanticVersion.parse(parsed)
    if chosen.precedence() < current.precedence() and not allow_downgrade:
        raise InvalidInputError(
            f"--project-version {parsed} is older than the project's version {current}",
            hint="pass a newer --project-version, or add --allow-downgrade",
        )
    return parsed


def _versions_dict(versions: ImageVersions) -> dict[str, str]:
    return {
        "node": versions.node,
        "alpine": versions.alpine,
        "project_version": versions.project_version,
        "base_image": versions.base_image,
        "image_tag": versions.image_tag,
    }
