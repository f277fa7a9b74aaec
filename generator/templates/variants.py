"""Choose the answers ``nodeship template check`` renders: a covering set.

Every choice of every question in ``nodeship.questions`` that declares choices
appears in at least one variant, a question whose default is a bool counts as two
choices, and the free-text questions in FREE_TEXT_SAMPLES count each sample as a
choice. Combinations of choices are not covered: a line that renders only for slim
and api together may never be rendered. The set is built greedily, one variant at
a time, so it grows with the number of choices instead of their product, but it is
not always the smallest possible. A question added to the model is covered as soon
as its choices are declared there.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nodeship.errors import InvalidInputError
from nodeship.questions import QUESTIONS, QUESTIONS_BY_NAME, Answers, Context, Question

logger = logging.getLogger(__name__)

# Their choices come from the release table, and the template only writes the
# chosen versions into FROM lines and .nvmrc, so each variant takes the default.
NOT_COVERED = frozenset({"node", "alpine"})
# Free-text questions whose empty and non-empty answers render different lines:
# each sample counts as one choice.
FREE_TEXT_SAMPLES: Mapping[str, Sequence[str]] = {"tz": ("", "Europe/Berlin")}

Choice = tuple[str, object]
"""A question name and one of its choices."""


@dataclass(frozen=True)
class Variant:
    """One set of answers to render, named by the choices it makes."""

    name: str
    choices: Mapping[str, object]


@dataclass(frozen=True)
class CoveringSet:
    """The variants to render, and the choices that no variant could take."""

    variants: tuple[Variant, ...]
    unreachable: tuple[Choice, ...]


def covering_variants(context: Context, given: Mapping[str, object]) -> CoveringSet:
    """Build variants until every choice is taken by at least one of them.

    ``given`` contains fixed answers, such as the name, used in every variant. A
    choice that every variant's earlier answers reject (for example Dependabot
    without GitHub, if no variant could pick GitHub) is returned as unreachable.
    """
    uncovered = set(_all_choices(context, given))
    variants: list[Variant] = []
    while uncovered:
        chosen = _build_variant(uncovered, context, given)
        newly = {item for item in chosen.items() if item in uncovered}
        if not newly:
            break
        uncovered -= newly
        variants.append(Variant(_variant_name(chosen), chosen))
    unreachable = tuple(sorted(uncovered, key=lambda item: (item[0], str(item[1]))))
    if unreachable:
        logger.warning("no variant can take these choices: %s", unreachable)
    return CoveringSet(tuple(variants), unreachable)


def _all_choices(context: Context, given: Mapping[str, object]) -> list[Choice]:
    """List every (question, choice) pair, reading the choices with the defaults.

    Every question is answered here, even one that does not apply to the default
    answers, so that its choices are listed too.
    """
    pairs: list[Choice] = []
    answers = _default_answers(context, given, apply_all=True)
    for question in QUESTIONS:
        options = _options(question, answers, context)
        if options is not None:
            pairs.extend((question.name, option) for option in options)
    return pairs


def _default_answers(
    context: Context, given: Mapping[str, object], *, apply_all: bool
) -> Answers:
    answers: Answers = {}
    for question in QUESTIONS:
        if not apply_all and not question.applies(answers):
            answers[question.name] = None
            continue
        raw = given.get(question.name, question.default(answers, context))
        answers[question.name] = question.parse(raw, answers, context)
    return answers


def _options(
    question: Question, answers: Answers, context: Context
) -> list[object] | None:
    """Return the choices of ``question``, or None when it is not covered."""
    if question.name in NOT_COVERED:
        return None
    if question.choices is not None:
        return list(question.choices(answers, context))
    if question.name in FREE_TEXT_SAMPLES:
        return list(FREE_TEXT_SAMPLES[question.name])
    if isinstance(question.default(answers, context), bool):
        return [True, False]
    return None


def _build_variant(
    uncovered: set[Choice], context: Context, given: Mapping[str, object]
) -> dict[str, object]:
    """Answer every question in order, picking the most useful valid choice."""
    answers: Answers = {}
    chosen: dict[str, object] = {}
    for position, question in enumerate(QUESTIONS):
        if not question.applies(answers):
            answers[question.name] = None
            continue
        options = _options(question, answers, context)
        if options is None:
            raw = given.get(question.name, question.default(answers, context))
            answers[question.name] = question.parse(raw, answers, context)
            continue
        later = QUESTIONS[position + 1 :]
        value, parsed = _pick(
            question, options, answers, context, uncovered=uncovered, later=later
        )
        answers[question.name] = parsed
        chosen[question.name] = value
    return chosen


def _pick(
    question: Question,
    options: list[object],
    answers: Answers,
    context: Context,
    *,
    uncovered: set[Choice],
    later: Sequence[Question],
) -> tuple[object, object]:
    """Return the valid option that covers a new choice, else opens the most.

    An option "opens" an uncovered choice of a later question when that question
    applies after it and accepts the choice, so a worker is not picked while an
    api is still needed for an uncovered framework.
    """
    best: tuple[tuple[int, int], object, object] | None = None
    for option in options:
        parsed = _parse_or_none(question, option, answers, context)
        if parsed is None:
            continue
        trial = {**answers, question.name: parsed}
        score = (
            int((question.name, option) in uncovered),
            _opened(trial, context, uncovered, later),
        )
        if best is None or score > best[0]:
            best = (score, option, parsed)
    if best is None:
        raise InvalidInputError(
            f"question {question.name} accepts none of its own choices "
            f"{options} after the answers {answers}",
            hint="fix the question's choices or parser in nodeship.questions",
        )
    return best[1], best[2]


def _opened(
    trial: Answers,
    context: Context,
    uncovered: set[Choice],
    later: Sequence[Question],
) -> int:
    names = {question.name for question in later}
    count = 0
    for name, option in uncovered:
        if name not in names:
            continue
        question = QUESTIONS_BY_NAME[name]
        if question.applies(trial):
            count += _parse_or_none(question, option, trial, context) is not None
    return count


def _parse_or_none(
    question: Question, option: object, answers: Answers, context: Context
) -> object | None:
    try:
        parsed: object = question.parse(option, answers, context)
    except InvalidInputError:
        return None
    except LookupError:
        # A later question's parser may read an answer that is not chosen yet.
        return None
    return parsed


def _variant_name(chosen: Mapping[str, object]) -> str:
    parts = []
    for name, value in chosen.items():
        text = str(value).lower() if isinstance(value, bool) else str(value)
        parts.append(f"{name}={text}")
    return " ".join(parts)
