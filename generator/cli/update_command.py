"""``nodeship update`` and ``nodeship check``: follow the template's new versions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click


@click.command("update")
@click.argument(
    "directory",
    required=False,
    default=".",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
)
@click.option(
    "--ref",
    metavar="REF",
    help="Tag, branch or commit of a git template to update to. Default: its "
    "newest version tag, else its default branch.",
)
@click.option(
    "--answer",
    "answer_changes",
    multiple=True,
    metavar="KEY=VALUE",
    help="Change an answer during the update, e.g. --answer port=8080; repeatable.",
)
@click.option(
    "--trust",
    is_flag=True,
    help="Run the hooks of a template fetched from a URL. Read them first.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def update(
    *,
    directory: Path,
    ref: str | None,
    answer_changes: tuple[str, ...],
    trust: bool,
    as_json: bool,
) -> None:
    """Merge the changes of the project's template into DIRECTORY (default: .).

    Renders the template at the recorded version and at the new one with the same
    answers, and merges the difference into the project with `git merge-file`, so
    the service's own changes survive. Conflicts are left as conflict markers and
    listed. The project must be a git work tree with no uncommitted change.

    A project made from the built-in template is re-rendered with the installed
    nodeship only: the built-in templates of older nodeship versions are not
    available, so this applies answer changes, not template changes.
    """
    from nodeship.cli.new_command import parse_assignments
    from nodeship.config import config_files, load_config
    from nodeship.update import UpdateConflictsError, update_project

    config = load_config(config_files(None, directory.absolute()))
    result = update_project(
        project=directory,
        ref=ref,
        answer_changes=parse_assignments(answer_changes, "--answer"),
        trust=trust,
        trusted_patterns=config.trusted_templates,
    )
    _render_update(result, as_json)
    conflicts = result.files.conflicts
    if conflicts:
        raise UpdateConflictsError(
            f"{len(conflicts)} file(s) with conflicts: {', '.join(conflicts)}",
            hint="resolve the <<<<<<< markers (binary files keep the project's "
            "version), then commit",
        )


def _render_update(result: Any, as_json: bool) -> None:
    files = result.files
    groups = {
        "added": files.added,
        "updated": files.updated,
        "removed": files.removed,
        "conflicts": files.conflicts,
        "kept": files.kept,
    }
    if as_json:
        payload = {
            "path": str(result.path),
            "old_version": result.old.version,
            "new_version": result.new.version,
            "answers": result.answers,
            "changed_answers": {
                key: {"old": old, "new": new}
                for key, (old, new) in result.changed_answers.items()
            },
            **groups,
            "notes": list(result.notes),
            "warnings": list(result.warnings),
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    click.echo(
        f"Updated {result.path} from {result.old.version} to {result.new.version}"
    )
    for key, (old, new) in result.changed_answers.items():
        click.echo(f"  answer {key}: {old!r} -> {new!r}")
    labels = {
        "added": "added",
        "updated": "updated",
        "removed": "removed",
        "conflicts": "conflict",
        "kept": "kept as the project has it (changed or deleted there)",
    }
    for group, paths in groups.items():
        for path in paths:
            click.echo(f"  {labels[group]:<8}  {path}")
    if not any(groups.values()):
        click.echo("  no file changed")
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo("Review with `git diff`, then commit.")


@click.command("check")
@click.argument(
    "directory",
    required=False,
    default=".",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
)
@click.option(
    "--ref",
    metavar="REF",
    help="Compare with this tag, branch or commit of a git template instead of "
    "its newest version tag.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def check(*, directory: Path, ref: str | None, as_json: bool) -> None:
    """Exit non-zero when DIRECTORY (default: .) is behind its template.

    For CI: exits 0 when the project records the template's newest version tag
    (or --ref), the newest commit of each git overlay's branch and, for an overlay
    in the project's repository, its folder as committed at HEAD; exits 10 when it
    is behind. Exits 2 when a recorded overlay cannot be found or fetched.
    `nodeship update` brings the project up to date.
    """
    from nodeship.update import ProjectBehindError, check_project

    result = check_project(project=directory, ref=ref)
    behind = [status for status in result.overlays if not status.current]
    if as_json:
        payload = {
            "path": str(result.path),
            "status": "current" if result.current else "behind",
            "recorded": result.recorded,
            "latest": result.latest,
            "overlays": [
                {
                    "overlay": status.overlay.to_json(),
                    "status": "current" if status.current else "behind",
                    "latest": status.latest,
                }
                for status in result.overlays
            ],
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    elif result.current:
        overlays = f" and its {len(result.overlays)} overlay(s)"
        click.echo(
            f"{result.path} is current with its template ({result.latest})"
            + (overlays if result.overlays else "")
        )
    if not result.current:
        reasons = []
        if not result.template_current:
            reasons.append(
                f"behind its template: it records {result.recorded}, the newest "
                f"is {result.latest}"
            )
        reasons.extend(_overlay_behind(status) for status in behind)
        raise ProjectBehindError(
            f"{result.path} is " + "; ".join(reasons),
            hint=f"run `nodeship update {result.path}`",
        )


def _overlay_behind(status: Any) -> str:
    overlay = status.overlay
    if overlay.git is not None:
        return (
            f"behind overlay {overlay.label}, whose branch {overlay.ref} is now at "
            f"{status.latest}"
        )
    return f"behind overlay {overlay.label}, whose folder differs at {status.latest}"
