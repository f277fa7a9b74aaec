"""``nodeship template init`` and ``nodeship template check``: company templates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click


@click.group("template")
def template() -> None:
    """Start and test a company template for `nodeship new --template`."""


@template.command("init")
@click.argument("directory", type=click.Path(path_type=Path))
def init(*, directory: Path) -> None:
    """Copy the built-in template to DIRECTORY as a starting point.

    DIRECTORY must not exist. The hooks are copied as files, not links.
    """
    from nodeship.templates.check import init_template

    path = init_template(directory)
    click.echo(f"Copied the built-in template to {path}")
    click.echo("Next:")
    click.echo(f"  nodeship template check {path}")


@template.command("check")
@click.argument(
    "directory", type=click.Path(path_type=Path, file_okay=False, exists=True)
)
@click.option(
    "--npm",
    is_flag=True,
    help="Also run `npm ci && npm test` in each render (needs the npm registry).",
)
@click.option(
    "--overlay",
    "overlays",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Overlay to lay over the template before checking; repeatable.",
)
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="KEY=VALUE",
    help="Value of a variable an overlay declares; repeatable.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the outcomes as JSON.")
def check(
    *,
    directory: Path,
    npm: bool,
    overlays: tuple[Path, ...],
    settings: tuple[str, ...],
    as_json: bool,
) -> None:
    """Render DIRECTORY for a covering set of answers and lint every render.

    Every choice of every question (app type, framework, language, CI, update bot,
    package manager and the rest) is rendered in at least one variant, and each
    variant is named by its answers. Checks that no template syntax is left, that
    workflow ${{ }} expressions survive, and runs hadolint, actionlint and
    check-jsonschema where installed. A missing tool is listed as skipped. Exits 1
    when any check failed.
    """
    from nodeship.cli.new_command import parse_assignments
    from nodeship.templates.check import TemplateCheckFailedError, check_template

    report = check_template(
        template=directory,
        npm=npm,
        overlays=overlays,
        settings=parse_assignments(settings, "--set"),
    )
    _render_report(report, as_json)
    failures = report.failures
    if failures:
        names = "; ".join(f"{item.check} in [{item.variant}]" for item in failures)
        raise TemplateCheckFailedError(
            f"template {report.template}: {len(failures)} check(s) failed: {names}",
            hint="read the details above, fix the template, and run the check again",
        )


def _render_report(report: Any, as_json: bool) -> None:
    if as_json:
        payload = {
            "template": str(report.template),
            "variants": list(report.variants),
            "seconds": round(report.seconds, 1),
            "outcomes": [
                {
                    "variant": item.variant,
                    "check": item.check,
                    "status": item.status,
                    "detail": item.detail,
                }
                for item in report.outcomes
            ],
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    current_variant = None
    for item in report.outcomes:
        if item.variant != current_variant:
            click.echo(f"variant {item.variant}")
            current_variant = item.variant
        click.echo(f"  {item.status:<7}  {item.check}")
        if item.detail and item.status != "passed":
            for line in item.detail.splitlines():
                click.echo(f"           {line}")
    click.echo(
        f"{len(report.variants)} variants checked in {report.seconds:.1f} s",
        err=True,
    )
