"""``nodeship verify``: build and check a project's image, then render the report."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click

from nodeship.errors import ExitCode
from nodeship.verify.report import ProgressEvent, Status, VerifyReport

_STATUS_STYLES = {Status.PASS: "green", Status.FAIL: "bold red", Status.INFO: "cyan"}


@click.command("verify")
@click.argument(
    "directory",
    required=False,
    default=".",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
)
@click.option(
    "--keep",
    is_flag=True,
    help="Keep the built image and the stopped container for inspection.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the report as JSON on stdout."
)
@click.pass_context
def verify(ctx: click.Context, directory: Path, keep: bool, as_json: bool) -> None:
    """Build DIRECTORY's image (default: .) on Docker, run it and check it.

    Checks the user, secret files, production dependencies, OCI labels, the
    immutable tag, startup, health endpoint, SIGTERM shutdown and the build cache.
    Exits 1 when a check fails. `nodeship -v verify` also shows the whole build log.
    """
    from nodeship.verify import verify_project

    report = verify_project(directory, keep=keep, progress=print_progress)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        render_table(report)
    if not report.passed:
        ctx.exit(int(ExitCode.CHECK_FAILED))


def print_progress(event: ProgressEvent) -> None:
    """Print phases and build steps on stderr, and the other build output with -v."""
    if event.kind == "phase":
        click.echo(f"==> {event.message}", err=True)
        return
    verbose = logging.getLogger("nodeship").isEnabledFor(logging.INFO)
    if event.kind == "step" or verbose:
        click.echo(f"    {event.message}", err=True)


def render_table(report: VerifyReport) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("check", "result", "value", "detail", title=report.image)
    for check in report.checks:
        style = _STATUS_STYLES[check.status]
        table.add_row(
            check.name, f"[{style}]{check.status.value}[/]", check.value, check.detail
        )
    console = Console()
    console.print(table)

    failed = len(report.failed_checks)
    passed = sum(check.status is Status.PASS for check in report.checks)
    console.print(f"{passed} passed, {failed} failed")
    if report.kept:
        console.print(
            f"kept image {report.image} and container {report.container}; remove them "
            f"with: docker rm {report.container} && docker rmi {report.image}"
        )
