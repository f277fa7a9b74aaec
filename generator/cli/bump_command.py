"""``nodeship bump``: move a project to a newer Node.js or Alpine image."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from nodeship.bump import BumpResult


@click.command("bump")
@click.argument(
    "directory",
    required=False,
    default=".",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
)
@click.option(
    "--node",
    metavar="VERSION",
    help="Node.js version to move to: lts, a major such as 24, 24.11 or 24.11.1. "
    "Default: the newest release of the project's major.",
)
@click.option(
    "--alpine",
    metavar="VERSION",
    help="Alpine variant of the node image, such as 3.24. Default: the newest "
    "published for the chosen Node.js version.",
)
@click.option(
    "--part",
    type=click.Choice(["major", "minor", "patch"]),
    help="Part of the project version to increase.  [default: patch]",
)
@click.option(
    "--project-version",
    metavar="X.Y.Z",
    help="Set the project version instead of increasing it.",
)
@click.option(
    "--allow-downgrade",
    is_flag=True,
    help="Allow an older Node.js, Alpine or project version than the current one.",
)
@click.option("--dry-run", is_flag=True, help="Show the changes; write no file.")
@click.option("--json", "as_json", is_flag=True, help="Print what changed as JSON.")
def bump(
    *,
    directory: Path,
    node: str | None,
    alpine: str | None,
    part: str | None,
    project_version: str | None,
    allow_downgrade: bool,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Move DIRECTORY (default: .) to a newer Node.js or Alpine base image.

    Updates every FROM in the Dockerfile, .nvmrc, CI files, the README and
    .nodeship.json, and increases the version in package.json (and
    package-lock.json), so the image gets a new <alpine>-v<node>-<version> tag.
    Writes every file or none.
    """
    from nodeship.bump import bump_project
    from nodeship.refresh import load_current_table

    result = bump_project(
        directory,
        table=load_current_table(),
        today=date.today(),
        node=node,
        alpine=alpine,
        part=part,
        project_version=project_version,
        allow_downgrade=allow_downgrade,
        dry_run=dry_run,
    )
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if result.notice:
        click.echo(f"notice: {result.notice}", err=True)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    if result.changes:
        _render_text(result)


def _render_text(result: BumpResult) -> None:
    verb = "Would change" if result.dry_run else "Changed"
    click.echo(
        f"{verb} {result.directory}: image tag {result.old.image_tag} -> "
        f"{result.new.image_tag}"
    )
    width = max(len(change.path) for change in result.changes)
    for change in result.changes:
        click.echo(f"  {change.path:<{width}}  {'; '.join(change.summary)}")
    if result.unchanged_files:
        names = ", ".join(result.unchanged_files)
        click.echo(f"  No version to change in: {names}")
    if result.dry_run:
        click.echo("Dry run: no file was written. The changes:")
        for change in result.changes:
            click.echo(change.diff(), nl=False)
