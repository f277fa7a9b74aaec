"""``nodeship template check`` renders a covering set of variants and names them."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from nodeship.questions import QUESTIONS, Context
from nodeship.refresh import load_current_table
from nodeship.templates.variants import NOT_COVERED, covering_variants
from tests.template_repos import project_file, run_cli

# Full product of the six questions the check must cover, as of this test.
PRODUCT_OF_MAIN_QUESTIONS = 3 * 3 * 2 * 3 * 3 * 3


@pytest.fixture
def started(workdir: Path) -> Path:
    run = run_cli("template", "init", "acme-template", cwd=workdir)
    assert run.code == 0, run.stderr
    return workdir / "acme-template"


def context() -> Context:
    return Context(table=load_current_table(), today=date.today())


def declared_choices() -> set[tuple[str, object]]:
    """Read every choice from the question model, with the default answers."""
    answers: dict[str, object] = {}
    pairs = set()
    for question in QUESTIONS:
        default = question.default(answers, context())
        answers[question.name] = question.parse(default, answers, context())
        if question.name in NOT_COVERED:
            continue
        if question.choices is not None:
            pairs |= {(question.name, c) for c in question.choices(answers, context())}
        elif isinstance(default, bool):
            pairs |= {(question.name, True), (question.name, False)}
    return pairs


def test_covering_set_takes_every_choice() -> None:
    covering = covering_variants(context(), {"name": "Check"})
    taken = {item for variant in covering.variants for item in variant.choices.items()}
    assert covering.unreachable == ()
    assert declared_choices() <= taken
    for name, values in (
        ("type", {"api", "worker", "cli"}),
        ("framework", {"fastify", "express", "http"}),
        ("language", {"js", "ts"}),
        ("ci", {"github", "gitlab", "none"}),
        ("package_manager", {"npm", "pnpm", "yarn"}),
        ("updates", {"none", "dependabot", "renovate"}),
    ):
        assert {value for key, value in taken if key == name} == values, name


def test_covering_set_is_bounded() -> None:
    covering = covering_variants(context(), {"name": "Check"})
    widest = max(
        len([pair for pair in declared_choices() if pair[0] == question.name])
        for question in QUESTIONS
    )
    # Three frameworks need three api variants, plus a worker and a cli.
    assert len(covering.variants) >= 5
    assert len(covering.variants) <= widest + 3
    assert len(covering.variants) < PRODUCT_OF_MAIN_QUESTIONS


def test_covering_set_answers_are_valid() -> None:
    covering = covering_variants(context(), {"name": "Check"})
    for variant in covering.variants:
        if variant.choices.get("updates") == "dependabot":
            assert variant.choices["ci"] == "github", variant.name
        if variant.choices["type"] != "api":
            assert "framework" not in variant.choices, variant.name


def test_variant_names_are_distinct() -> None:
    covering = covering_variants(context(), {"name": "Check"})
    names = [variant.name for variant in covering.variants]
    assert len(set(names)) == len(names)
    for variant in covering.variants:
        for key, value in variant.choices.items():
            assert f"{key}={value}" in variant.name


def break_when(template: Path, condition: str) -> None:
    """Add a file whose render fails only when ``condition`` holds."""
    project_file(template, "BROKEN.md").write_text(
        f"{{% if {condition} %}}{{{{ cookiecutter.project_name.missing.attribute }}}}"
        "{% endif %}\n"
    )


@pytest.mark.parametrize(
    ("condition", "marker"),
    [
        ("cookiecutter.language == 'ts'", "language=ts"),
        ("cookiecutter.app_type == 'cli'", "type=cli"),
        ("cookiecutter.ci == 'gitlab'", "ci=gitlab"),
        ("cookiecutter.package_manager == 'yarn'", "package_manager=yarn"),
    ],
)
def test_check_names_only_broken_variant(
    started: Path, condition: str, marker: str
) -> None:
    break_when(started, condition)

    run = run_cli("template", "check", str(started), "--json", cwd=started.parent)

    assert run.code == 1, run.stdout + run.stderr
    report = json.loads(run.stdout)
    failed = {
        item["variant"] for item in report["outcomes"] if item["status"] == "failed"
    }
    assert failed
    assert all(marker in variant for variant in failed)
    rendered = set(report["variants"]) - failed
    assert rendered
    assert not any(marker in variant for variant in rendered)
    for variant in failed:
        assert f"render in [{variant}]" in run.stderr


def test_check_text_lists_every_variant(started: Path) -> None:
    run = run_cli("template", "check", str(started), cwd=started.parent)

    assert run.code == 0, run.stdout + run.stderr
    headers = [line for line in run.stdout.splitlines() if line.startswith("variant ")]
    assert len(headers) >= 5
    assert any("type=cli" in line for line in headers)
    assert any("language=ts" in line for line in headers)
    assert "variants checked in" in run.stderr
