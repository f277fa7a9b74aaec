"""Collect answers from flags, an answers file, defaults and prompts, in one pass."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from nodeship.errors import InvalidInputError, MissingAnswersError
from nodeship.questions import QUESTIONS, QUESTIONS_BY_NAME, Answers, Context, Question
from nodeship.tags import check_tag, image_tag

logger = logging.getLogger(__name__)


class Asker(Protocol):
    """Asks one question interactively and returns the parsed answer."""

    def ask(self, question: Question, default: Any, answers: Answers) -> Any: ...


@dataclass(frozen=True)
class Preset:
    """An answer set outside the command line, and the file that set it."""

    value: object
    source: str


@dataclass(frozen=True)
class CollectedAnswers:
    """Every answer, parsed, plus warnings to show the user."""

    values: Answers
    warnings: tuple[str, ...]


def check_known_keys(values: Mapping[str, object], source: str) -> None:
    """Reject keys that are not question names, listing the valid ones."""
    unknown = sorted(key for key in values if key not in QUESTIONS_BY_NAME)
    if unknown:
        valid = ", ".join(QUESTIONS_BY_NAME)
        raise InvalidInputError(
            f"{source} has unknown keys: {', '.join(unknown)}",
            hint=f"use only these keys: {valid}",
        )


def collect_answers(
    *,
    given: Mapping[str, object],
    implicit: Mapping[str, object],
    context: Context,
    asker: Asker | None,
    assume_defaults: bool,
    defaults: Mapping[str, Preset] | None = None,
    locked: Mapping[str, Preset] | None = None,
) -> CollectedAnswers:
    """Parse given values and fill the rest from prompts or defaults.

    ``given`` holds explicit values (answers file merged under flags). ``implicit``
    holds values that stand in for a missing answer, such as the name taken from the
    target folder. Without an asker and without ``assume_defaults``, every required
    question left unanswered is reported in one MissingAnswersError before anything
    is written. ``defaults`` replace the built-in defaults and count as answers.
    ``locked`` answers are never asked, and a given value that differs is rejected.
    """
    check_known_keys(given, "the answers")
    collector = _Collector(
        given, implicit, context, asker, assume_defaults, defaults or {}, locked or {}
    )
    warnings: list[str] = []

    for question in QUESTIONS:
        if not question.applies(collector.answers):
            if question.name in given:
                # Still validated, so a bad value is never silently accepted.
                question.parse(given[question.name], collector.answers, context)
                warnings.append(f"{question.flag} is ignored for this app type")
            collector.answers[question.name] = None
            continue
        collector.answers[question.name] = collector.answer(question)

    if collector.missing:
        raise MissingAnswersError(
            "no terminal to ask on, and these answers are missing: "
            + ", ".join(collector.missing),
            hint="pass them as flags or in --answers FILE, or pass --yes to take "
            "the defaults",
        )
    answers = collector.answers
    resolved = context.table.resolve(answers["node"], answers["alpine"], context.today)
    warnings.extend(resolved.warnings)
    check_tag(
        image_tag(
            alpine=answers["alpine"],
            node=answers["node"],
            version=answers["project_version"],
        )
    )
    return CollectedAnswers(answers, tuple(warnings))


@dataclass
class _Collector:
    """State of one pass over the questions."""

    given: Mapping[str, object]
    implicit: Mapping[str, object]
    context: Context
    asker: Asker | None
    assume_defaults: bool
    defaults: Mapping[str, Preset]
    locked: Mapping[str, Preset]
    answers: Answers = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    def answer(self, question: Question) -> Any:
        """Return the answer from a lock, the given values, a prompt or a default."""
        if question.name in self.locked:
            return self._locked(question)
        if question.name in self.given:
            return question.parse(self.given[question.name], self.answers, self.context)

        # Derived defaults (the npm name from the name, say) go through the same
        # parser as given values, so "--name http" fails on the npm name it implies.
        default = question.parse(
            question.default(self.answers, self.context), self.answers, self.context
        )
        if question.name in self.defaults:
            default = self._preset(question, self.defaults[question.name], "defaults")
            if self.asker is None:
                return default
        if question.name in self.implicit:
            raw = self.implicit[question.name]
            default = question.parse(raw, self.answers, self.context)
            if self.asker is None:
                return default

        if self.asker is not None and question.prompted:
            return self.asker.ask(question, default, self.answers)
        if question.required and self.asker is None and not self.assume_defaults:
            self.missing.append(question.flag)
        logger.debug("default for %s: %r", question.name, default)
        return default

    def _locked(self, question: Question) -> Any:
        lock = self.locked[question.name]
        value = self._preset(question, lock, "locked")
        if question.name not in self.given:
            return value
        requested = question.parse(
            self.given[question.name], self.answers, self.context
        )
        if requested != value:
            raise InvalidInputError(
                f"{question.flag} {requested!r} contradicts the locked answer "
                f"{question.name} = {value!r} in {lock.source}",
                hint=f"leave out {question.flag}; locked answers cannot be changed",
            )
        return value

    def _preset(self, question: Question, preset: Preset, table: str) -> Any:
        try:
            return question.parse(preset.value, self.answers, self.context)
        except InvalidInputError as error:
            raise InvalidInputError(
                f"{preset.source}: [{table}] {question.name}: {error.message}",
                hint=f"{error.hint or 'fix the value'} (in {preset.source})",
            ) from None
