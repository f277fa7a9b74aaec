"""Semantic versions of a project: parse, compare and increase them as npm does."""

from __future__ import annotations

import re
from dataclasses import dataclass

# MAJOR.MINOR.PATCH with an optional pre-release and no build metadata, because
# '+' is not allowed in the image tag that the version becomes part of.
_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)

PARTS = ("major", "minor", "patch")


@dataclass(frozen=True)
class SemanticVersion:
    """A version such as ``1.4.2`` or ``2.0.0-rc.1``."""

    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> SemanticVersion:
        """Parse ``text``, raising ValueError unless it is MAJOR.MINOR.PATCH[-PRE]."""
        match = _SEMVER.fullmatch(text)
        if match is None:
            raise ValueError(f"{text!r} is not a semantic version")
        prerelease = tuple(match[4].split(".")) if match[4] else ()
        return cls(int(match[1]), int(match[2]), int(match[3]), prerelease)

    def __str__(self) -> str:
        core = f"{self.major}.{self.minor}.{self.patch}"
        return f"{core}-{'.'.join(self.prerelease)}" if self.prerelease else core

    def precedence(self) -> tuple[object, ...]:
        """Return a key that sorts versions by semver precedence.

        A pre-release sorts before its release. Numeric identifiers sort numerically
        and before alphanumeric ones.
        """
        identifiers = tuple(
            (0, int(part), "") if part.isdigit() else (1, 0, part)
            for part in self.prerelease
        )
        return (self.major, self.minor, self.patch, not self.prerelease, identifiers)

    def increment(self, part: str) -> SemanticVersion:
        """Return the next ``major``, ``minor`` or ``patch`` version as npm does.

        A pre-release of the requested release is released instead of skipped:
        ``patch`` turns ``1.2.3-rc.1`` into ``1.2.3``, and ``minor`` turns
        ``1.3.0-rc.1`` into ``1.3.0``.
        """
        if part == "major":
            if self.prerelease and self.minor == 0 and self.patch == 0:
                return SemanticVersion(self.major, 0, 0)
            return SemanticVersion(self.major + 1, 0, 0)
        if part == "minor":
            if self.prerelease and self.patch == 0:
                return SemanticVersion(self.major, self.minor, 0)
            return SemanticVersion(self.major, self.minor + 1, 0)
        if part == "patch":
            if self.prerelease:
                return SemanticVersion(self.major, self.minor, self.patch)
            return SemanticVersion(self.major, self.minor, self.patch + 1)
        raise ValueError(f"part {part!r} is not one of {', '.join(PARTS)}")
