"""``nodeship versions``: show the Node.js release table, optionally refreshed."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from nodeship.refresh import RefreshResult
    from nodeship.releases import ReleaseTable

# The same values as nodeship.refresh's defaults, written here so that building
# the CLI does not import the HTTP code; a test checks that they agree.
DEFAULT_NODE_INDEX_URL = "https://nodejs.org/dist/index.json"
DEFAULT_REGISTRY_TAGS_URL = (
    "https://hub.docker.com/v2/repositories/library/node/tags?page_size=100&name=alpine"
)
DEFAULT_TIMEOUT_SECONDS = 5.0


@click.command("versions")
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON.")
@click.option(
    "--refresh",
    is_flag=True,
    help="Fetch new releases and Alpine images from the network and cache them. "
    "Offline, the table shipped with nodeship is shown with a notice.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_TIMEOUT_SECONDS,
    show_default=True,
    envvar="NODESHIP_REFRESH_TIMEOUT",
    help="Seconds each --refresh request may take before nodeship gives up.",
)
@click.option(
    "--index-url",
    default=DEFAULT_NODE_INDEX_URL,
    show_default=True,
    envvar="NODESHIP_NODE_INDEX_URL",
    help="URL of the Node.js release index (index.json) for --refresh.",
)
@click.option(
    "--tags-url",
    default=DEFAULT_REGISTRY_TAGS_URL,
    show_default=True,
    envvar="NODESHIP_REGISTRY_TAGS_URL",
    help="URL of the first page of node image tags for --refresh, in the Docker "
    "Hub API format.",
)
def versions(
    as_json: bool, refresh: bool, timeout: float, index_url: str, tags_url: str
) -> None:
    """Show Node.js lines, their status today and the Alpine images published.

    The table is the one shipped with nodeship plus the versions that the last
    --refresh found.
    """
    today = date.today()
    if refresh:
        from nodeship.refresh import refresh_release_table

        result = refresh_release_table(
            index_url=index_url, tags_url=tags_url, timeout=timeout, today=today
        )
        _report_refresh(result)
        table = result.table
    else:
        from nodeship.refresh import load_current_table

        table = load_current_table()

    if as_json:
        click.echo(json.dumps(_table_rows(table, today), indent=2))
        return
    _print_table(table, today)


def _report_refresh(result: RefreshResult) -> None:
    """Print what the refresh did on stderr, so stdout stays the table."""
    if result.notice:
        click.echo(f"notice: {result.notice}", err=True)
        return
    added = ", ".join(result.added_versions) or "none"
    message = f"Refreshed the release table: new versions: {added}"
    if result.added_variants:
        message += f"; new Alpine images: {', '.join(result.added_variants)}"
    if result.cache_written:
        message += f". Saved to {result.cache_path}"
    click.echo(message, err=True)
    for major in result.unscheduled_majors:
        click.echo(
            f"notice: Node.js {major} has Alpine images but no line in nodeship's "
            "schedule, so it is left out; upgrade nodeship to use it",
            err=True,
        )
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)


def _table_rows(table: ReleaseTable, today: date) -> list[dict[str, object]]:
    return [
        {
            "major": line.major,
            "codename": line.codename,
            "status": line.status(today),
            "end_of_life": line.end.isoformat(),
            "newest": line.newest.version,
            "alpine": list(line.newest.alpine),
            "versions": [release.version for release in line.releases],
            "releases": [
                {"version": release.version, "alpine": list(release.alpine)}
                for release in line.releases
            ],
        }
        for line in table.lines
    ]


def _print_table(table: ReleaseTable, today: date) -> None:
    from rich.console import Console
    from rich.table import Table

    view = Table("Node.js", "status", "end of life", "newest", "Alpine variants")
    for line in table.lines:
        view.add_row(
            f"{line.major} {line.codename or ''}".strip(),
            line.status(today),
            line.end.isoformat(),
            line.newest.version,
            ", ".join(line.newest.alpine),
        )
    Console().print(view)
