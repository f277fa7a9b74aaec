"""Collecting answers: one model for flags, answers files, defaults and prompts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nodeship.answers import collect_answers
from nodeship.answers_file import load_answers_file
from nodeship.errors import InvalidInputError, MissingAnswersError
from nodeship.questions import Answers, Context, Question
from tests.test_releases import TABLE, TODAY

CONTEXT = Context(table=TABLE, today=TODAY)


class TypedAnswers:
    """Answers prompts the way a user would: types text, or presses Enter."""

    def __init__(self, typed: dict[str, str]) -> None:
        self.typed = typed
        self.asked: list[str] = []

    def ask(self, question: Question, default: Any, answers: Answers) -> Any:
        self.asked.append(question.name)
        raw = self.typed.get(question.name, default)
        return question.parse(raw, answers, CONTEXT)


def collect(given: dict[str, object], **options: Any) -> Answers:
    options.setdefault("implicit", {})
    options.setdefault("asker", None)
    options.setdefault("assume_defaults", True)
    return collect_answers(given=given, context=CONTEXT, **options).values


def test_defaults_derive_from_name() -> None:
    answers = collect({"name": "Orders API"})
    assert answers["slug"] == "orders-api"
    assert answers["package_name"] == "orders-api"
    assert answers["name"] == "Orders API"
    assert answers["node"] == "26.1.0"
    assert answers["alpine"] == "3.24"
    assert answers["port"] == 3000


def test_derived_values_same_when_prompted() -> None:
    asker = TypedAnswers({"name": "Orders API"})
    prompted = collect({}, asker=asker, assume_defaults=False)
    flagged = collect({"name": "Orders API"})
    assert prompted == flagged
    assert "slug" not in asker.asked
    assert "name" in asker.asked


def test_worker_has_no_port() -> None:
    answers = collect({"name": "Jobs", "type": "worker"})
    assert answers["port"] is None


def test_port_for_worker_is_ignored_with_warning() -> None:
    result = collect_answers(
        given={"name": "Jobs", "type": "worker", "port": "8080"},
        implicit={},
        context=CONTEXT,
        asker=None,
        assume_defaults=True,
    )
    assert result.values["port"] is None
    assert any("--port is ignored" in warning for warning in result.warnings)


def test_missing_answers_listed_together() -> None:
    with pytest.raises(MissingAnswersError) as raised:
        collect({}, assume_defaults=False)
    message = raised.value.message
    for flag in ("--name", "--type", "--port", "--node", "--ci"):
        assert flag in message
    assert "--description" not in message


def test_missing_answers_respect_worker_type() -> None:
    with pytest.raises(MissingAnswersError) as raised:
        collect({"type": "worker"}, assume_defaults=False)
    assert "--port" not in raised.value.message


def test_implicit_name_counts_as_given() -> None:
    answers = collect(
        {"type": "worker", "node": "24", "ci": "none"},
        implicit={"name": "OrdersService"},
        assume_defaults=False,
    )
    assert answers["slug"] == "orders-service"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("port", "99999"),
        ("port", "abc"),
        ("port", "0"),
        ("port", True),
        ("port", "-1"),
        ("node", "abc"),
        ("alpine", "3"),
        ("type", "maybe"),
        ("type", False),
        ("ci", "circleci"),
        ("updates", "greenkeeper"),
        ("ci", "jenkins"),
        ("project_version", "1.0"),
        ("project_version", "1.0.0+build.5"),
        ("name", "   "),
        ("name", "🚀"),
        ("image", "ghcr.io/Acme/orders"),
        ("package_name", "@acme"),
        ("description", "x" * 201),
    ],
)
def test_bad_value_rejected(key: str, value: object) -> None:
    with pytest.raises(InvalidInputError) as raised:
        collect({"name": "Orders", key: value})
    assert raised.value.hint


def test_unknown_key_lists_valid_keys() -> None:
    with pytest.raises(InvalidInputError) as raised:
        collect({"name": "Orders", "team": "payments"})
    assert "team" in raised.value.message
    assert raised.value.hint is not None
    assert "package_name" in raised.value.hint


def test_dependabot_needs_github() -> None:
    with pytest.raises(InvalidInputError) as raised:
        collect({"name": "Orders", "ci": "gitlab", "updates": "dependabot"})
    assert "--ci github" in raised.value.message


def test_renovate_with_gitlab() -> None:
    answers = collect({"name": "Orders", "ci": "gitlab", "updates": "renovate"})
    assert answers["updates"] == "renovate"


def test_port_accepts_number_from_file() -> None:
    assert collect({"name": "Orders", "port": 8080})["port"] == 8080


def test_answers_file_yaml(tmp_path: Path) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text("name: Orders API\npackage-name: '@acme/orders'\nport: 8080\n")
    assert load_answers_file(path) == {
        "name": "Orders API",
        "package_name": "@acme/orders",
        "port": 8080,
    }


def test_answers_file_json(tmp_path: Path) -> None:
    path = tmp_path / "answers.json"
    path.write_text('{"name": "Orders API", "type": "worker"}')
    assert load_answers_file(path) == {"name": "Orders API", "type": "worker"}


@pytest.mark.parametrize(
    ("filename", "text", "message"),
    [
        ("answers.yaml", "name: x\n  port: [1\n", "line 2"),
        ("answers.yaml", "name: 'unclosed\n", "not valid YAML"),
        ("answers.yaml", "- a\n- b\n", "not a mapping"),
        ("answers.yaml", "team: payments\n", "unknown keys: team"),
        ("answers.json", '{"name": "x",}', "not valid JSON at line 1"),
        ("answers.json", "[1]", "not a mapping"),
    ],
)
def test_answers_file_rejected(
    tmp_path: Path, filename: str, text: str, message: str
) -> None:
    path = tmp_path / filename
    path.write_text(text)
    with pytest.raises(InvalidInputError) as raised:
        load_answers_file(path)
    assert message in raised.value.message


def test_answers_file_missing(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError) as raised:
        load_answers_file(tmp_path / "nope.yaml")
    assert "not found" in raised.value.message
