"""The fast path of ``nodeship new``: the built-in template rendered in place.

Without overlays, ``--set`` values or a custom template, nodeship renders the
installed template folder directly instead of composing, normalising and checking a
copy of it. These tests pin what that shortcut relies on: the shipped template needs
none of those steps, only the built-in template takes the shortcut, and both paths
write the same project.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import click
import pytest

from nodeship.answers import collect_answers
from nodeship.cli.main import SUBCOMMANDS, cli
from nodeship.generate import GenerateResult, cookiecutter_context, generate
from nodeship.questions import Answers, Context
from nodeship.releases import load_table
from nodeship.template_source import builtin_template_dir
from nodeship.templates.layers import compose_layers
from nodeship.templates.normalise import force_lf_output, keep_workflow_expressions
from nodeship.templates.record import builtin_source
from nodeship.templates.variables import (
    check_choices,
    check_variables,
    read_template_config,
)
from tests.conftest import listing, run_nodeship

IN_PLACE = "in place"
COMPOSED = "composed"


def answers_for(**given: str) -> Answers:
    context = Context(table=load_table(), today=date.today())
    collected = collect_answers(
        given={"name": "Orders API", **given},
        implicit={},
        context=context,
        asker=None,
        assume_defaults=True,
    )
    return collected.values


def template_files(template: Path) -> dict[str, bytes]:
    """Return every file of ``template`` by relative path, links followed."""
    files = {}
    for folder, subfolders, names in os.walk(template, followlinks=True):
        subfolders[:] = [name for name in subfolders if name != "__pycache__"]
        for name in names:
            path = Path(folder) / name
            files[path.relative_to(template).as_posix()] = path.read_bytes()
    return files


def project_files(project: Path) -> dict[str, tuple[bytes, bool]]:
    """Return each file's content and whether it is executable, by relative path."""
    return {
        path.relative_to(project).as_posix(): (
            path.read_bytes(),
            os.access(path, os.X_OK),
        )
        for path in sorted(project.rglob("*"))
        if path.is_file()
    }


def generate_logged(
    caplog: pytest.LogCaptureFixture,
    target: Path,
    answers: Answers,
    *,
    template_dir: Path | None = None,
    overlays: Sequence[Path] = (),
) -> tuple[GenerateResult, str]:
    """Generate ``target`` and return the result and nodeship.generate's log."""
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="nodeship.generate"):
        result = generate(
            answers=answers,
            target=target,
            template_dir=template_dir or builtin_template_dir(),
            install=False,
            overlays=overlays,
        )
    messages = "\n".join(
        record.getMessage()
        for record in caplog.records
        if record.name == "nodeship.generate"
    )
    return result, messages


def test_builtin_template_renders_in_place(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _, log = generate_logged(caplog, tmp_path / "orders-api", answers_for())

    assert IN_PLACE in log
    assert COMPOSED not in log


def test_in_place_render_leaves_template_unchanged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = builtin_template_dir()
    before = listing(template)
    # Make cookiecutter import local_extensions.py anew with bytecode writing on,
    # the case that would write __pycache__ into the template folder.
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.delitem(sys.modules, "local_extensions", raising=False)

    generate_logged(caplog, tmp_path / "orders-api", answers_for())

    assert listing(template) == before
    assert sys.dont_write_bytecode is False


def test_overlay_takes_composed_path(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    overlay = tmp_path / "overlay"
    overlay.mkdir()

    _, log = generate_logged(
        caplog, tmp_path / "orders-api", answers_for(), overlays=[overlay]
    )

    assert COMPOSED in log
    assert IN_PLACE not in log


def test_template_copy_takes_composed_path(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    copy = tmp_path / "template"
    shutil.copytree(builtin_template_dir(), copy, symlinks=False)

    _, log = generate_logged(
        caplog, tmp_path / "orders-api", answers_for(), template_dir=copy
    )

    assert COMPOSED in log
    assert IN_PLACE not in log


@pytest.mark.parametrize(
    "given",
    [
        {},
        {"type": "worker", "ci": "gitlab", "updates": "renovate"},
        {"language": "ts", "framework": "express", "package_manager": "pnpm"},
    ],
    ids=["defaults", "worker-gitlab", "ts-express-pnpm"],
)
def test_both_paths_write_same_project(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, given: dict[str, str]
) -> None:
    answers = answers_for(**given)
    empty_overlay = tmp_path / "overlay"
    empty_overlay.mkdir()

    in_place, in_place_log = generate_logged(
        caplog, tmp_path / "a" / "orders-api", answers
    )
    composed, composed_log = generate_logged(
        caplog, tmp_path / "b" / "orders-api", answers, overlays=[empty_overlay]
    )

    assert IN_PLACE in in_place_log
    assert COMPOSED in composed_log
    in_place_files = project_files(in_place.path)
    composed_files = project_files(composed.path)
    in_place_record = json.loads(in_place_files.pop(".nodeship.json")[0])
    composed_record = json.loads(composed_files.pop(".nodeship.json")[0])
    assert in_place_files == composed_files
    assert len(composed_record.pop("overlays")) == 1
    assert in_place_record.pop("overlays") == []
    assert in_place_record == composed_record
    assert in_place.origins == composed.origins


def test_builtin_template_has_no_crlf() -> None:
    files = template_files(builtin_template_dir())

    with_crlf = sorted(path for path, data in files.items() if b"\r\n" in data)

    assert files
    assert with_crlf == []


def test_builtin_template_sets_lf_output() -> None:
    config = read_template_config(builtin_template_dir())

    assert config.get("_new_lines") == "\n"


def test_normalising_builtin_copy_changes_nothing(tmp_path: Path) -> None:
    template = builtin_template_dir()
    copy = tmp_path / "template"
    shutil.copytree(template, copy, symlinks=False)

    keep_workflow_expressions(copy)
    force_lf_output(copy)

    config = read_template_config(copy)
    original = read_template_config(template)
    files = template_files(copy)
    original_files = template_files(template)
    del files["cookiecutter.json"], original_files["cookiecutter.json"]
    assert files == original_files
    assert config == original


@pytest.mark.parametrize("install", [False, True])
def test_builtin_variables_match_context(tmp_path: Path, install: bool) -> None:
    context = cookiecutter_context(answers_for(), install=install)
    composed = compose_layers(
        base=builtin_template_dir(),
        base_label="builtin",
        overlays=[],
        into=tmp_path / "template",
        protected=context.keys(),
        confine_links=False,
    )

    check_variables(
        template=composed.path,
        template_name=builtin_source().location,
        origins=composed.origins,
        template_variables=composed.template_variables,
        provided=context.keys(),
        extra=(),
        copy_without_render=composed.copy_without_render,
    )
    check_choices(composed.config, context, builtin_source().location)


def test_subcommand_table_names_match() -> None:
    context = click.Context(cli)

    for name in SUBCOMMANDS:
        command = cli.get_command(context, name)
        assert command is not None, name
        assert command.name == name


def test_new_loads_only_its_command(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from nodeship.cli.main import run\n"
        "code = run(['new', 'svc', '--yes', '--no-install'])\n"
        "print(code)\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('nodeship'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    exit_line, modules_line = result.stdout.strip().splitlines()[-2:]
    modules = modules_line.split()

    assert exit_line == "0"
    assert (tmp_path / "svc" / "package.json").is_file()
    assert "nodeship.cli.new_command" in modules
    for unused in (
        "nodeship.cli.verify_command",
        "nodeship.cli.bump_command",
        "nodeship.verify",
        "nodeship.answers_file",
        "nodeship.templates.normalise",
    ):
        assert unused not in modules


def test_warns_for_project_inside_git_repository(tmp_path: Path) -> None:
    repository = tmp_path / "monorepo"
    repository.mkdir()
    subprocess.run(["git", "init", "-q", str(repository)], check=True)

    run = run_nodeship("new", "services/svc", "--yes", "--no-install", cwd=repository)

    assert run.code == 0, run.stderr
    assert f"inside the git repository {repository}" in run.stderr


def test_no_warning_outside_git_repository(tmp_path: Path) -> None:
    if any((folder / ".git").exists() for folder in [tmp_path, *tmp_path.parents]):
        pytest.skip(f"{tmp_path} is inside a git repository")

    run = run_nodeship("new", "svc", "--yes", "--no-install", cwd=tmp_path)

    assert run.code == 0, run.stderr
    assert "git repository" not in run.stderr


def test_git_dir_variable_still_warns(tmp_path: Path) -> None:
    repository = tmp_path / "repository"
    repository.mkdir()
    subprocess.run(["git", "init", "-q", str(repository)], check=True)
    work = tmp_path / "work"
    work.mkdir()
    environment = {
        "GIT_DIR": str(repository / ".git"),
        "GIT_WORK_TREE": str(tmp_path),
    }

    run = run_nodeship("new", "svc", "--yes", "--no-install", cwd=work, env=environment)

    assert run.code == 0, run.stderr
    assert "inside the git repository" in run.stderr
