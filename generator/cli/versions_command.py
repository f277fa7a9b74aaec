"""``nodeship versions``: show the shipped Node.js release table."""

from __future__ import annotations

import json
from datetime import date

import click

from nodeship.releases import load_table


@click.command("versions")
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON.")
def versions(as_json: bool) -> None:
    """Show Node.js lines, their status today and the Alpine images published."""
    table = load_table()
    today = date.today()
    rows = [
        {
            "major": line.major,
            "codename": line.codename,
            "status": line.status(today),
            "end_of_life": line.end.isoformat(),
            "newest": line.newest.version,
            "alpine": list(line.newest.alpine),
            "versions": [release.version for release in line.releases],
        }
        for line in table.lines
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return

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
