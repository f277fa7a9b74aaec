"""Validate a cookiecutter context with the question model's parsers.

The template's pre-generation hook calls this, so a plain ``cookiecutter template/``
run rejects the same bad values that ``nodeship new`` rejects.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from nodeship.errors import InvalidInputError
from nodeship.questions import QUESTIONS, Answers, Context
from nodeship.refresh import load_current_table

# Cookiecutter variable for each question, where the names differ.
COOKIECUTTER_KEYS = {
    "name": "project_name",
    "slug": "project_slug",
    "type": "app_type",
    "node": "node_version",
    "alpine": "alpine_version",
}


def validate_context(variables: Mapping[str, str]) -> list[str]:
    """Return one message per invalid variable; an empty list means all are valid."""
    context = Context(table=load_current_table(), today=date.today())
    answers: Answers = {}
    problems = []
    for question in QUESTIONS:
        key = COOKIECUTTER_KEYS.get(question.name, question.name)
        if not question.applies(answers) or key not in variables:
            answers[question.name] = None
            continue
        try:
            answers[question.name] = question.parse(variables[key], answers, context)
        except InvalidInputError as error:
            problems.append(f"{key}: {error.message}")
            answers[question.name] = question.default(answers, context)
    return problems
