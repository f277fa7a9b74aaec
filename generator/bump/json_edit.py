"""Replace string values in JSON text without reformatting the rest of the file.

``json.dumps`` would rewrite indentation, key order and escapes of a whole
package.json. This module finds the exact characters of the values to change and
replaces only those.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

JsonPath = tuple[str, ...]
"""Object keys from the top of the document down to a value."""


def replace_string_values(text: str, replacements: Mapping[JsonPath, str]) -> str:
    """Return ``text`` with the string value at each path replaced.

    Raises:
        ValueError: ``text`` is not a JSON object, or a path does not lead to a
            string value.
    """
    document = json.loads(text)
    if not isinstance(document, dict):
        raise ValueError("the file is not a JSON object")
    spans = _Scanner(text, set(replacements)).scan()

    missing = [".".join(path) for path in replacements if path not in spans]
    if missing:
        raise ValueError(f"no string value at {', '.join(missing)}")

    edited = text
    for path, (start, end) in sorted(spans.items(), key=lambda item: -item[1][0]):
        token = json.dumps(replacements[path], ensure_ascii=False)
        edited = edited[:start] + token + edited[end:]

    for path, value in replacements.items():
        _set(document, path, value)
    if json.loads(edited) != document:
        raise ValueError("the edit changed more than the requested values")
    return edited


def string_value(document: Mapping[str, Any], path: JsonPath) -> str | None:
    """Return the string at ``path`` in a parsed document, or None if there is none."""
    value: Any = document
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value if isinstance(value, str) else None


def _set(document: dict[str, Any], path: JsonPath, value: str) -> None:
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


class _Scanner:
    """Walk valid JSON text and record where the requested string values lie."""

    def __init__(self, text: str, paths: set[JsonPath]) -> None:
        self.text = text
        self.position = 0
        self.paths = paths
        self.spans: dict[JsonPath, tuple[int, int]] = {}

    def scan(self) -> dict[JsonPath, tuple[int, int]]:
        self._value(())
        return self.spans

    def _skip_whitespace(self) -> None:
        while self.position < len(self.text) and self.text[self.position] in " \t\r\n":
            self.position += 1

    def _value(self, path: JsonPath) -> None:
        self._skip_whitespace()
        character = self.text[self.position]
        if character == "{":
            self._object(path)
        elif character == "[":
            self._array(path)
        elif character == '"':
            start = self.position
            self._string()
            if path in self.paths:
                self.spans[path] = (start, self.position)
        else:
            while self.text[self.position] not in ",]} \t\r\n":
                self.position += 1

    def _object(self, path: JsonPath) -> None:
        self.position += 1
        self._skip_whitespace()
        if self.text[self.position] == "}":
            self.position += 1
            return
        while True:
            self._skip_whitespace()
            key = self._string()
            self._skip_whitespace()
            self.position += 1  # the ':' between key and value
            self._value((*path, key))
            self._skip_whitespace()
            separator = self.text[self.position]
            self.position += 1
            if separator == "}":
                return

    def _array(self, path: JsonPath) -> None:
        self.position += 1
        self._skip_whitespace()
        if self.text[self.position] == "]":
            self.position += 1
            return
        index = 0
        while True:
            # Arrays never hold the values this module edits; the index only keeps
            # paths inside arrays distinct from object keys.
            self._value((*path, f"[{index}]"))
            index += 1
            self._skip_whitespace()
            separator = self.text[self.position]
            self.position += 1
            if separator == "]":
                return

    def _string(self) -> str:
        start = self.position
        self.position += 1
        while self.text[self.position] != '"':
            if self.text[self.position] == "\\":
                self.position += 1
            self.position += 1
        self.position += 1
        decoded: str = json.loads(self.text[start : self.position])
        return decoded
