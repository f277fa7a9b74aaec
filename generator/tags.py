"""The immutable image tag ``<alpine>-v<node>-<version>`` and Docker's tag grammar."""

from __future__ import annotations

import re

from nodeship.errors import InvalidInputError

MAX_TAG_LENGTH = 128
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def image_tag(*, alpine: str, node: str, version: str) -> str:
    """Return the tag for an Alpine version, a Node.js version and a project version."""
    return f"{alpine}-v{node}-{version}"


def check_tag(tag: str) -> str:
    """Reject a tag that Docker would refuse: over 128 characters or bad characters."""
    if len(tag) > MAX_TAG_LENGTH:
        raise InvalidInputError(
            f"image tag {tag!r} is {len(tag)} characters, more than {MAX_TAG_LENGTH}",
            hint="pass a shorter --project-version (its pre-release part makes the tag "
            "long)",
        )
    if not _TAG.fullmatch(tag):
        raise InvalidInputError(
            f"image tag {tag!r} is invalid: tags use letters, digits, '_', '.' and '-'",
            hint="pass a --project-version with only those characters",
        )
    return tag
