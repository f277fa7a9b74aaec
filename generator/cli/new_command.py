"""``nodeship new``: ask or take the answers, then generate the project."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import click

from nodeship.questions import QUESTIONS


def _question_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add one string option per question; parsing happens in the question model."""
    for question in reversed(QUESTIONS):
        command = click.option(
            question.flag,
            question.name,
            default=None,
            metavar="TEXT",
            help=question.help,
        )(command)
    return command


@click.command("new")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@_question_options
@click.option(
    "--answers",
    "answers_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="YAML or JSON file with answers keyed by question name; flags win over it.",
)
@click.option(
    "--yes",
    "-y",
    is_flag=True,
    help="Take defaults for everything not given; never prompt.",
)
@click.option(
    "--no-install", is_flag=True, help="Skip creating package-lock.json with npm."
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Company config (TOML) with [defaults] and [locked] answers; see README.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def new(
    *,
    directory: Path | None,
    answers_file: Path | None,
    config_file: Path | None,
    yes: bool,
    no_install: bool,
    as_json: bool,
    **flags: str | None,
) -> None:
    """Generate a Node.js service in DIRECTORY (default: ./<slug>).

    Asks for answers on a terminal; with --yes, or with every answer given as flags
    or in --answers, it runs without prompting.
    """
    from nodeship.answers import Preset, collect_answers
    from nodeship.answers_file import load_answers_file
    from nodeship.config import config_files, load_config
    from nodeship.generate import generate
    from nodeship.questions import Context
    from nodeship.releases import load_table
    from nodeship.template_source import builtin_template_dir

    given: dict[str, object] = load_answers_file(answers_file) if answers_file else {}
    given.update({key: value for key, value in flags.items() if value is not None})
    implicit = {"name": directory.name} if directory and directory.name else {}
    start = directory.absolute().parent if directory else Path.cwd()
    config = load_config(config_files(config_file, start))
    policy = config.node_policy
    context = Context(
        table=load_table(),
        today=date.today(),
        node_policy=str(policy.value) if policy else "any",
        policy_source=str(policy.source) if policy else "",
    )

    interactive = sys.stdin.isatty() and not yes
    asker = None
    if interactive:
        from nodeship.prompts import TerminalAsker

        asker = TerminalAsker(context)
    collected = collect_answers(
        given=given,
        implicit=implicit,
        context=context,
        asker=asker,
        assume_defaults=yes,
        defaults={
            k: Preset(v.value, str(v.source)) for k, v in config.defaults.items()
        },
        locked={k: Preset(v.value, str(v.source)) for k, v in config.locked.items()},
    )
    for warning in collected.warnings:
        click.echo(f"warning: {warning}", err=True)

    target = directory if directory else Path(collected.values["slug"])
    result = generate(
        answers=collected.values,
        target=target,
        template_dir=builtin_template_dir(),
        install=not no_install,
    )
    _render_result(result, as_json)


def _render_result(result: Any, as_json: bool) -> None:
    answers = result.answers
    if as_json:
        payload = {
            "path": str(result.path),
            "image_tag": result.image_tag,
            "lockfile": result.lockfile,
            "answers": answers,
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    click.echo(f"Created {answers['name']} in {result.path}")
    click.echo(f"  npm package  {answers['package_name']}")
    click.echo(f"  base image   node:{answers['node']}-alpine{answers['alpine']}")
    click.echo(f"  image tag    {result.image_tag}")
    click.echo("Next:")
    click.echo(f"  cd {result.path}")
    if not result.lockfile:
        click.echo("  npm install          # creates package-lock.json for npm ci")
    click.echo("  npm test")
    click.echo("  nodeship verify      # builds and checks the image on Docker")
