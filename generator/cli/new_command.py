"""``nodeship new``: ask or take the answers, then generate the project."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from nodeship.questions import QUESTIONS

if TYPE_CHECKING:
    from nodeship.config import Config


def _question_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add one string option per question; parsing happens in the question model.

    A switch's flag takes an optional value: ``--init`` alone means ``--init yes``.
    """
    for question in reversed(QUESTIONS):
        if question.switch:
            option = click.option(
                question.flag,
                question.name,
                default=None,
                metavar="[yes|no]",
                is_flag=False,
                flag_value="yes",
                help=question.help,
            )
        else:
            option = click.option(
                question.flag,
                question.name,
                default=None,
                metavar="TEXT",
                help=question.help,
            )
        command = option(command)
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
    "--no-install",
    is_flag=True,
    help="Skip creating the lockfile with the package manager.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Company config (TOML) with [defaults] and [locked] answers; see README.",
)
@click.option(
    "--template",
    "template",
    metavar="PATH|URL",
    help="Company template to render instead of the built-in one: a folder, a zip "
    "file or URL, or a git repository (URL or local path).",
)
@click.option(
    "--ref",
    metavar="REF",
    help="Tag, branch or commit of a git --template. Default: its newest version "
    "tag, else its default branch.",
)
@click.option(
    "--overlay",
    "overlays",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder laid over the template, adding or replacing files; repeat to "
    "apply several in order (company, then team).",
)
@click.option(
    "--set",
    "settings",
    multiple=True,
    metavar="KEY=VALUE",
    help="Value of a variable an overlay declares; repeatable. Stored in "
    ".nodeship.json, so never pass a secret.",
)
@click.option(
    "--trust",
    is_flag=True,
    help="Run the hooks of a template fetched from a URL. Read them first.",
)
@click.option(
    "--explain",
    is_flag=True,
    help="List each generated file with the layer it came from.",
)
@click.option(
    "--verify",
    "verify_image",
    is_flag=True,
    help="Then build and check the image on Docker, as `nodeship verify` does.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def new(
    ctx: click.Context,
    /,
    *,
    directory: Path | None,
    answers_file: Path | None,
    config_file: Path | None,
    yes: bool,
    no_install: bool,
    template: str | None,
    ref: str | None,
    overlays: tuple[Path, ...],
    settings: tuple[str, ...],
    trust: bool,
    explain: bool,
    verify_image: bool,
    as_json: bool,
    **flags: str | None,
) -> None:
    """Generate a Node.js service in DIRECTORY (default: ./<slug>).

    Asks for answers on a terminal; with --yes, or with every answer given as flags
    or in --answers, it runs without prompting.
    """
    from nodeship.config import config_files, load_config
    from nodeship.generate import generate
    from nodeship.templates.source import open_template
    from nodeship.templates.trust import require_trusted_hooks

    set_values = parse_assignments(settings, "--set")
    if directory is not None:
        _reject_existing(directory)
    start = directory.absolute().parent if directory else Path.cwd()
    config = load_config(config_files(config_file, start))
    if template is None and config.template is not None:
        template = str(config.template.value)
        if ref is None and config.template_ref is not None:
            ref = str(config.template_ref.value)
    with open_template(template, ref=ref) as fetched:
        require_trusted_hooks(
            fetched.path,
            fetched.source,
            trust=trust,
            trusted_patterns=config.trusted_templates,
        )
        answers = _collect(directory, answers_file, config, yes, flags)
        labels = config.image_labels()
        if labels:
            # Kept with the answers, so .nodeship.json records them and
            # nodeship update renders them again.
            answers["labels"] = labels
        if config.base_image_mirror is not None:
            answers["base_image_mirror"] = str(config.base_image_mirror.value)
        target = directory if directory else Path(answers["slug"])
        result = generate(
            answers=answers,
            target=target,
            template_dir=fetched.path,
            install=not no_install,
            source=fetched.source,
            overlays=overlays,
            settings=set_values,
        )
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if result.answers.get("ci") == "github":
        _warn_nested_workflows(result.path)
    if verify_image:
        _verify_generated(ctx, result, as_json, explain)
        return
    _render_result(result, as_json, explain)


def _verify_generated(
    ctx: click.Context, result: Any, as_json: bool, explain: bool
) -> None:
    """Run verify on the new project; with --json, print one document for both."""
    from nodeship.cli.verify_command import print_progress, render_table
    from nodeship.errors import ExitCode
    from nodeship.verify import verify_project

    if not as_json:
        _render_result(result, as_json, explain)
    report = verify_project(result.path, keep=False, progress=print_progress)
    if as_json:
        payload = _result_payload(result, explain)
        payload["verify"] = report.to_dict()
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        render_table(report)
    if not report.passed:
        ctx.exit(int(ExitCode.CHECK_FAILED))


def _warn_nested_workflows(project: Path) -> None:
    """Warn when the project sits below the root of an enclosing git repository.

    GitHub runs workflows only from the repository root's .github/workflows, so a
    service generated into a subfolder of a monorepo gets workflows that never run.
    """
    import shutil
    import subprocess

    if not _may_be_in_git_repository(project.parent):
        return
    git = shutil.which("git")
    if git is None:
        return
    found = subprocess.run(
        [git, "-C", str(project.parent), "rev-parse", "--show-toplevel"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if found.returncode != 0:
        return
    root = Path(found.stdout.strip())
    click.echo(
        f"warning: {project} is inside the git repository {root}; GitHub runs "
        f"only workflows in {root / '.github' / 'workflows'}, so move "
        f"{project.name}/.github/workflows/ci.yml there and set its "
        "working-directory, or generate with --ci none",
        err=True,
    )


def _may_be_in_git_repository(folder: Path) -> bool:
    """Return whether git could find a repository from ``folder``.

    git finds one through ``$GIT_DIR`` or a ``.git`` entry in ``folder`` or one of
    its parents. Without either, running git to ask would only cost time.
    """
    if os.environ.get("GIT_DIR"):
        return True
    return any((parent / ".git").exists() for parent in [folder, *folder.parents])


def _reject_existing(directory: Path) -> None:
    """Fail before any prompt when DIRECTORY exists, so no answer is typed in vain."""
    from nodeship.errors import TargetExistsError

    if directory.exists() or directory.is_symlink():
        raise TargetExistsError(
            f"{directory.absolute()} already exists; nodeship never overwrites it",
            hint="pass a DIRECTORY that does not exist yet",
        )


def parse_assignments(values: tuple[str, ...], flag: str) -> dict[str, str]:
    """Split ``KEY=VALUE`` option values into a dict, rejecting malformed ones."""
    from nodeship.errors import InvalidInputError

    parsed = {}
    for value in values:
        key, separator, text = value.partition("=")
        if not separator or not key.strip():
            raise InvalidInputError(
                f"{flag} {value!r} is not KEY=VALUE",
                hint=f"write {flag} team=payments",
            )
        parsed[key.strip()] = text
    return parsed


def _collect(
    directory: Path | None,
    answers_file: Path | None,
    config: Config,
    yes: bool,
    flags: dict[str, str | None],
) -> dict[str, Any]:
    """Collect the answers from flags, files, company config and prompts."""
    from nodeship.answers import Preset, collect_answers
    from nodeship.questions import Context
    from nodeship.refresh import load_current_table

    given: dict[str, object] = {}
    if answers_file:
        from nodeship.answers_file import load_answers_file

        given = load_answers_file(answers_file)
    given.update({key: value for key, value in flags.items() if value is not None})
    implicit = {"name": directory.name} if directory and directory.name else {}
    policy = config.node_policy
    context = Context(
        table=load_current_table(),
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
    return collected.values


def _result_payload(result: Any, explain: bool) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "path": str(result.path),
        "image_tag": result.image_tag,
        "lockfile": result.lockfile,
        "answers": result.answers,
    }
    if explain:
        payload["files"] = [
            {"path": path, "layer": layer} for path, layer in result.origins.items()
        ]
    return payload


def _render_result(result: Any, as_json: bool, explain: bool) -> None:
    answers = result.answers
    if as_json:
        payload = _result_payload(result, explain)
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    click.echo(f"Created {answers['name']} in {result.path}")
    click.echo(f"  npm package  {answers['package_name']}")
    if answers.get("runtime") == "slim":
        click.echo(
            f"  base image   alpine:{answers['alpine']}, with node from "
            f"node:{answers['node']}-alpine{answers['alpine']}"
        )
    else:
        click.echo(f"  base image   node:{answers['node']}-alpine{answers['alpine']}")
    click.echo(f"  image tag    {result.image_tag}")
    click.echo("Next:")
    click.echo(f"  cd {result.path}")
    manager = answers.get("package_manager") or "npm"
    install = {
        "npm": "npm ci",
        "pnpm": "pnpm install --frozen-lockfile",
        "yarn": "yarn install --immutable",
    }[manager]
    if result.lockfile:
        click.echo(f"  {install:<32} # installs the locked dependencies")
    else:
        click.echo(f"  {manager + ' install':<32} # creates the lockfile")
    click.echo(f"  {manager} test")
    click.echo("  nodeship verify      # builds and checks the image on Docker")
    if explain:
        click.echo("Files and the layer each came from:")
        width = max(len(path) for path in result.origins)
        for path, layer in result.origins.items():
            click.echo(f"  {path:<{width}}  {layer}")
