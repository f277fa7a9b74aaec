"""Read an answers file (YAML or JSON) into raw answers keyed by question name."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from nodeship.answers import check_known_keys
from nodeship.errors import InvalidInputError


def load_answers_file(path: Path) -> dict[str, object]:
    """Return the answers in ``path``; keys may use dashes or underscores.

    A ``.json`` file is read with the strict JSON parser; anything else as YAML.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInputError(
            f"answers file {str(path)!r} not found", hint="check the --answers path"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInputError(
            f"answers file {str(path)!r} cannot be read: {error}",
            hint="pass a UTF-8 YAML or JSON file to --answers",
        ) from None
    data = _parse(path, text)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InvalidInputError(
            f"answers file {str(path)!r} holds a {type(data).__name__}, not a mapping",
            hint="write one key per answer, such as 'name: Orders API'",
        )
    answers = {str(key).replace("-", "_"): value for key, value in data.items()}
    check_known_keys(answers, f"answers file {str(path)!r}")
    return answers


def _parse(path: Path, text: str) -> object:
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except RecursionError:
            raise InvalidInputError(
                f"answers file {str(path)!r} is nested too deeply",
                hint='write one flat object such as {"name": "Orders API"}',
            ) from None
        except json.JSONDecodeError as error:
            where = f" at line {error.lineno}, column {error.colno}: {error.msg}"
            raise InvalidInputError(
                f"answers file {str(path)!r} is not valid JSON{where}",
                hint="fix the syntax; the file holds one object such as "
                '{"name": "Orders API"}',
            ) from None
    try:
        return yaml.safe_load(text)
    except RecursionError:
        raise InvalidInputError(
            f"answers file {str(path)!r} is nested too deeply",
            hint="write one flat mapping such as 'name: Orders API'",
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InvalidInputError(
            f"answers file {str(path)!r} is not valid YAML{where}",
            hint="fix the syntax; the file holds one mapping such as "
            "'name: Orders API'",
        ) from None
