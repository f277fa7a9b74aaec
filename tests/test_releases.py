"""Resolving Node.js requests against a release table."""

from __future__ import annotations

from datetime import date

import pytest

from nodeship.errors import InvalidInputError
from nodeship.releases import ReleaseTable, load_table, parse_table, version_key

TODAY = date(2026, 12, 4)
TABLE = parse_table(
    {
        "lines": [
            {
                "major": 26,
                "codename": None,
                "start": "2026-04-22",
                "lts": "2026-10-28",
                "maintenance": "2027-10-20",
                "end": "2029-04-30",
                "versions": [{"version": "26.1.0", "alpine": ["3.23", "3.24"]}],
            },
            {
                "major": 24,
                "codename": "Krypton",
                "start": "2025-05-06",
                "lts": "2025-10-28",
                "maintenance": "2026-10-20",
                "end": "2028-04-30",
                "versions": [
                    {"version": "24.11.1", "alpine": ["3.21", "3.22"]},
                    {"version": "24.19.0", "alpine": ["3.23", "3.24"]},
                ],
            },
            {
                "major": 20,
                "codename": "Iron",
                "start": "2023-04-18",
                "lts": "2023-10-24",
                "maintenance": "2024-10-22",
                "end": "2026-04-30",
                "versions": [{"version": "20.18.0", "alpine": ["3.19", "3.20"]}],
            },
        ]
    }
)


@pytest.mark.parametrize(
    ("request_text", "version", "alpine"),
    [
        ("lts", "26.1.0", "3.24"),
        ("LTS", "26.1.0", "3.24"),
        ("24", "24.19.0", "3.24"),
        ("24.11", "24.11.1", "3.22"),
        ("24.11.1", "24.11.1", "3.22"),
        ("v24.11.1", "24.11.1", "3.22"),
        (" 24 ", "24.19.0", "3.24"),
        ("current", "26.1.0", "3.24"),
    ],
)
def test_resolve(request_text: str, version: str, alpine: str) -> None:
    resolved = TABLE.resolve(request_text, None, TODAY)
    assert (resolved.version, resolved.alpine) == (version, alpine)


@pytest.mark.parametrize(
    ("line", "status"),
    [(26, "active LTS"), (24, "maintenance"), (20, "end of life")],
)
def test_line_status(line: int, status: str) -> None:
    found = TABLE.line(line)
    assert found is not None
    assert found.status(TODAY) == status


def test_lts_before_new_line_goes_lts() -> None:
    assert TABLE.lts_line(date(2026, 6, 1)).major == 24


def test_end_of_life_warns() -> None:
    resolved = TABLE.resolve("20", None, TODAY)
    assert len(resolved.warnings) == 1
    assert "end of life" in resolved.warnings[0]


def test_supported_line_has_no_warning() -> None:
    assert TABLE.resolve("24", None, TODAY).warnings == ()


@pytest.mark.parametrize(
    ("request_text", "message"),
    [
        ("abc", "invalid"),
        ("24.11.1.5", "invalid"),
        ("v", "invalid"),
        ("", "invalid"),
        ("19", "not in nodeship's release table"),
        ("24.12", "nearest: "),
        ("24.11.9", "nearest: 24.11.1"),
    ],
)
def test_resolve_rejects(request_text: str, message: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        TABLE.resolve(request_text, None, TODAY)
    assert message in raised.value.message


def test_alpine_pick() -> None:
    assert TABLE.resolve("24.11.1", "3.21", TODAY).alpine == "3.21"
    assert TABLE.resolve("24.11.1", "alpine3.21", TODAY).alpine == "3.21"


def test_unpublished_pair_lists_published_variants() -> None:
    with pytest.raises(InvalidInputError) as raised:
        TABLE.resolve("24.11.1", "3.19", TODAY)
    assert "never published" in raised.value.message
    assert "3.21, 3.22" in raised.value.message


def test_shipped_table_is_consistent() -> None:
    table: ReleaseTable = load_table()
    assert table.lines
    for line in table.lines:
        assert line.start < line.end
        versions = [release.version for release in line.releases]
        assert versions == sorted(versions, key=version_key, reverse=True)
        for release in line.releases:
            assert version_key(release.version)[0] == line.major
            assert release.alpine
            assert all(alpine.startswith("3.") for alpine in release.alpine)


def test_shipped_table_has_an_lts_today() -> None:
    line = load_table().lts_line(date.today())
    assert line.status(date.today()) in ("active LTS", "maintenance")


@pytest.mark.parametrize(
    ("line", "ends"),
    [(26, date(2027, 10, 20)), (24, date(2028, 4, 30)), (20, None)],
)
def test_status_ends(line: int, ends: date | None) -> None:
    found = TABLE.line(line)
    assert found is not None
    assert found.status_ends(TODAY) == ends
