"""The Node.js release table shipped with nodeship, and resolving version requests.

``releases.json`` lists each Node.js line with its schedule dates and, per released
version, the Alpine variants the official ``node`` image was published with. A line's
status (current, active LTS, maintenance, end of life) is computed from those dates on
the day nodeship runs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources

from nodeship.errors import InvalidInputError

_VERSION_REQUEST = re.compile(r"^\d+(?:\.\d+){0,2}$")


def version_key(version: str) -> tuple[int, ...]:
    """Return a sortable key for a dotted version such as ``24.11.1`` or ``3.22``."""
    return tuple(int(part) for part in version.split("."))


@dataclass(frozen=True)
class NodeRelease:
    """One released Node.js version and the Alpine variants of its official image."""

    version: str
    alpine: tuple[str, ...]

    @property
    def newest_alpine(self) -> str:
        return max(self.alpine, key=version_key)


@dataclass(frozen=True)
class ReleaseLine:
    """A Node.js major line with its schedule and released versions, newest first."""

    major: int
    codename: str | None
    start: date
    lts: date | None
    maintenance: date | None
    end: date
    releases: tuple[NodeRelease, ...]

    def status(self, today: date) -> str:
        """Return ``current``, ``active LTS``, ``maintenance`` or ``end of life``."""
        if today >= self.end:
            return "end of life"
        if self.maintenance and today >= self.maintenance:
            return "maintenance"
        if self.lts and today >= self.lts:
            return "active LTS"
        return "current"

    def status_ends(self, today: date) -> date | None:
        """Return the day the line's current status ends; None at end of life."""
        status = self.status(today)
        if status == "current":
            return self.lts or self.maintenance or self.end
        if status == "active LTS":
            return self.maintenance or self.end
        if status == "maintenance":
            return self.end
        return None

    @property
    def newest(self) -> NodeRelease:
        return self.releases[0]


@dataclass(frozen=True)
class ResolvedNode:
    """A Node.js request resolved to a full version and an Alpine variant."""

    version: str
    alpine: str
    line: ReleaseLine
    warnings: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class ReleaseTable:
    """All known release lines, newest major first."""

    lines: tuple[ReleaseLine, ...]

    def line(self, major: int) -> ReleaseLine | None:
        return next((line for line in self.lines if line.major == major), None)

    def lts_line(self, today: date) -> ReleaseLine:
        """Return the newest line in active LTS, else the newest line in maintenance."""
        for status in ("active LTS", "maintenance"):
            for line in self.lines:
                if line.status(today) == status:
                    return line
        return self.lines[0]

    def resolve(self, request: str, alpine: str | None, today: date) -> ResolvedNode:
        """Resolve ``lts``, ``24``, ``24.11``, ``24.11.1`` or ``v24.11.1``.

        ``alpine`` picks a published Alpine variant; None picks the newest.
        """
        release, line = self._find_release(request, today)
        chosen_alpine = _pick_alpine(release, alpine)
        warnings: list[str] = []
        if line.status(today) == "end of life":
            warnings.append(
                f"Node.js {line.major} reached end of life on {line.end.isoformat()} "
                f"and gets no security fixes; choose --node lts "
                f"({self.lts_line(today).newest.version})"
            )
        return ResolvedNode(release.version, chosen_alpine, line, tuple(warnings))

    def _find_release(
        self, request: str, today: date
    ) -> tuple[NodeRelease, ReleaseLine]:
        text = request.strip().lower()
        if text == "lts":
            line = self.lts_line(today)
            return line.newest, line
        if text in ("current", "latest"):
            return self.lines[0].newest, self.lines[0]
        text = text.removeprefix("v")
        if not _VERSION_REQUEST.fullmatch(text):
            raise InvalidInputError(
                f"Node.js version {request!r} is invalid",
                hint="pass --node lts, a major such as 24, 24.11 or a full version "
                "such as 24.11.1",
            )
        major = int(text.split(".")[0])
        found = self.line(major)
        if found is None:
            known = ", ".join(str(known.major) for known in self.lines)
            raise InvalidInputError(
                f"Node.js {major} is not in nodeship's release table (known: {known})",
                hint="pass one of the known majors, or --node lts",
            )
        matches = [r for r in found.releases if _matches(r.version, text)]
        if not matches:
            nearest = ", ".join(r.version for r in _nearest(found.releases, text))
            raise InvalidInputError(
                f"Node.js {text} has no official Alpine image in the release table "
                f"(nearest: {nearest})",
                hint=f"pass one of those, or --node {major} for the newest {major}.x",
            )
        return matches[0], found


def _matches(version: str, request: str) -> bool:
    return version == request or version.startswith(request + ".")


def _nearest(releases: tuple[NodeRelease, ...], request: str) -> list[NodeRelease]:
    padded = (*version_key(request), 0, 0)[:3]
    by_distance = sorted(
        releases,
        key=lambda r: [
            abs(a - b) for a, b in zip(version_key(r.version), padded, strict=False)
        ],
    )
    return by_distance[:3]


def _pick_alpine(release: NodeRelease, alpine: str | None) -> str:
    if alpine is None or not alpine.strip():
        return release.newest_alpine
    requested = alpine.strip().removeprefix("alpine")
    if requested in release.alpine:
        return requested
    published = ", ".join(sorted(release.alpine, key=version_key))
    raise InvalidInputError(
        f"node:{release.version}-alpine{requested} was never published "
        f"(node {release.version} exists for Alpine {published})",
        hint=f"pass --alpine with one of {published}, or leave it out for the newest",
    )


def parse_table(data: dict[str, object]) -> ReleaseTable:
    """Build a table from the JSON structure of ``releases.json``."""
    lines = []
    for raw in data["lines"]:  # type: ignore[attr-defined]
        releases = tuple(
            NodeRelease(str(item["version"]), tuple(str(a) for a in item["alpine"]))
            for item in raw["versions"]
            if item["alpine"]
        )
        if not releases:
            continue
        lines.append(
            ReleaseLine(
                major=int(raw["major"]),
                codename=raw.get("codename"),
                start=date.fromisoformat(raw["start"]),
                lts=_optional_date(raw.get("lts")),
                maintenance=_optional_date(raw.get("maintenance")),
                end=date.fromisoformat(raw["end"]),
                releases=tuple(
                    sorted(releases, key=lambda r: version_key(r.version), reverse=True)
                ),
            )
        )
    lines.sort(key=lambda line: line.major, reverse=True)
    return ReleaseTable(tuple(lines))


def _optional_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@cache
def load_table() -> ReleaseTable:
    """Load the release table shipped inside the nodeship package."""
    text = resources.files("nodeship").joinpath("releases.json").read_text("utf-8")
    return parse_table(json.loads(text))
