"""Interactive prompts for the question model, drawn with questionary."""

from __future__ import annotations

from typing import Any

import questionary

from nodeship.errors import InvalidInputError
from nodeship.questions import Answers, Context, Question

_OTHER = "__other__"


class TerminalAsker:
    """Asks questions on the terminal, validating each answer as it is typed.

    Ctrl-C raises KeyboardInterrupt, which the CLI turns into exit code 130.
    """

    def __init__(self, context: Context) -> None:
        self.context = context

    def ask(self, question: Question, default: Any, answers: Answers) -> Any:
        choices = question.choices(answers, self.context) if question.choices else None
        if choices and len(choices) == 1:
            return question.parse(next(iter(choices)), answers, self.context)
        if choices:
            raw = self._select(question, choices, default, answers)
        else:
            raw = self._text(question, default, answers)
        return question.parse(raw, answers, self.context)

    def _select(
        self,
        question: Question,
        choices: dict[str, str],
        default: Any,
        answers: Answers,
    ) -> str:
        options = [
            questionary.Choice(title=f"{value:<10} {label}", value=value)
            for value, label in choices.items()
        ]
        free_text = question.name == "node"
        if free_text:
            options.append(questionary.Choice(title="other version…", value=_OTHER))
        selected = questionary.select(
            question.prompt,
            choices=options,
            default=str(default) if str(default) in choices else None,
            instruction="(arrow keys, Enter)",
        ).unsafe_ask()
        if selected == _OTHER:
            return self._text(question, default, answers)
        return str(selected)

    def _text(self, question: Question, default: Any, answers: Answers) -> str:
        def validate(text: str) -> bool | str:
            try:
                question.parse(text, answers, self.context)
            except InvalidInputError as error:
                return error.message
            return True

        answer = questionary.text(
            question.prompt,
            default="" if default is None else str(default),
            validate=validate,
            instruction=f"({question.help})",
        ).unsafe_ask()
        return str(answer)
