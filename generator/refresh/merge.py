"""Merge release tables and fetched release facts without losing known facts.

Tables here are the JSON structure of ``releases.json``. Every merge is a union:
a version or Alpine variant that one side lists is kept, so a partial response
from the network can add facts but never remove them.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from nodeship.refresh.fetch import IndexRelease
from nodeship.releases import version_key

ReleaseData = dict[str, Any]
"""A release table in the JSON structure of ``releases.json``."""


@dataclass(frozen=True)
class MergeOutcome:
    """A merged table and what the fetched facts added to it."""

    data: ReleaseData
    added_versions: tuple[str, ...]
    added_variants: tuple[str, ...]
    unscheduled_majors: tuple[int, ...]


def union_tables(primary: ReleaseData, secondary: ReleaseData) -> ReleaseData:
    """Return ``primary`` with the versions and Alpine variants of ``secondary`` added.

    A line's schedule dates and codename come from ``primary`` when both tables
    list the line. Lines that only ``secondary`` lists are copied whole.
    """
    merged = copy.deepcopy(primary)
    lines_by_major = {int(line["major"]): line for line in merged["lines"]}
    for other_line in secondary["lines"]:
        line = lines_by_major.get(int(other_line["major"]))
        if line is None:
            merged["lines"].append(copy.deepcopy(other_line))
            continue
        for other in other_line["versions"]:
            _add_variants(line, other["version"], other["alpine"])
    _sort_table(merged)
    return merged


def merge_fetched(
    base: ReleaseData,
    index: Iterable[IndexRelease],
    alpine_pairs: Iterable[tuple[str, str]],
) -> MergeOutcome:
    """Add what the release index and the image tags show to ``base``.

    A Node.js version has an image for Alpine ``A`` when the tag ``<version>-alpineA``
    exists. A version that ``base`` does not list is added when the index lists it
    and at least one such tag exists. Versions of a major without a line in ``base``
    are left out, because the index has no end-of-life dates to build the line from.
    """
    merged = copy.deepcopy(base)
    lines_by_major = {int(line["major"]): line for line in merged["lines"]}
    variants_by_version: dict[str, set[str]] = {}
    for version, alpine in alpine_pairs:
        variants_by_version.setdefault(version, set()).add(alpine)

    added_versions: list[str] = []
    added_variants: list[str] = []
    unscheduled: set[int] = set()
    for release in index:
        variants = variants_by_version.get(release.version)
        line = lines_by_major.get(release.major)
        if line is None:
            if variants:
                unscheduled.add(release.major)
            continue
        if not line.get("codename") and release.lts_codename:
            line["codename"] = release.lts_codename
        if not variants:
            continue
        known = _find_version(line, release.version)
        new_variants = _add_variants(line, release.version, variants)
        if known is None:
            added_versions.append(release.version)
        else:
            added_variants.extend(f"{release.version}-alpine{a}" for a in new_variants)

    _sort_table(merged)
    return MergeOutcome(
        data=merged,
        added_versions=tuple(sorted(added_versions, key=version_key, reverse=True)),
        added_variants=tuple(sorted(added_variants)),
        unscheduled_majors=tuple(sorted(unscheduled, reverse=True)),
    )


def _find_version(line: dict[str, Any], version: str) -> dict[str, Any] | None:
    return next((v for v in line["versions"] if v["version"] == version), None)


def _add_variants(
    line: dict[str, Any], version: str, variants: Iterable[str]
) -> list[str]:
    """Add ``variants`` to ``version`` in ``line`` and return the ones that were new."""
    entry = _find_version(line, version)
    if entry is None:
        entry = {"version": version, "alpine": []}
        line["versions"].append(entry)
    new = sorted(set(variants) - set(entry["alpine"]), key=version_key)
    entry["alpine"] = sorted({*entry["alpine"], *new}, key=version_key)
    return new


def _sort_table(data: ReleaseData) -> None:
    data["lines"].sort(key=lambda line: int(line["major"]), reverse=True)
    for line in data["lines"]:
        line["versions"].sort(key=lambda v: version_key(v["version"]), reverse=True)
