"""Result objects of ``verify_project``: one result per check, and the whole report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

# Numbers and strings a check measured, keyed by what they are, e.g. "seconds".
Measurements = dict[str, float | int | str | None]


class Status(StrEnum):
    """Outcome of one check. ``INFO`` records a measurement that has no limit."""

    PASS = "pass"
    FAIL = "fail"
    INFO = "info"


@dataclass(frozen=True)
class CheckResult:
    """One check: its name, outcome, the measured value and an optional detail.

    ``value`` is the measurement as text for people; ``measurements`` contains
    the same numbers for programs, e.g. ``{"seconds": 0.13, "exit_code": 0}``.
    """

    name: str
    status: Status
    value: str
    detail: str = ""
    measurements: Measurements = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.status is Status.FAIL


@dataclass(frozen=True)
class ProgressEvent:
    """A progress message sent to the caller while verify runs.

    ``kind`` is ``"phase"`` for each stage of the run, ``"step"`` for each build
    step line (``Step 3/9 : RUN npm ci``) and ``"output"`` for every other line of
    the build log.
    """

    kind: str
    message: str


ProgressCallback = Callable[[ProgressEvent], None]


@dataclass
class VerifyReport:
    """Everything ``verify_project`` measured, JSON-serialisable with ``to_dict``."""

    project_dir: str
    image: str
    image_id: str
    image_tag: str
    base_images: list[str]
    container: str = ""
    checks: list[CheckResult] = field(default_factory=list)
    kept: bool = False
    build_log: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not any(check.failed for check in self.checks)

    @property
    def failed_checks(self) -> list[CheckResult]:
        return [check for check in self.checks if check.failed]

    def check(self, name: str) -> CheckResult:
        """Return the result of the check called ``name``; ``KeyError`` if absent."""
        for result in self.checks:
            if result.name == name:
                return result
        raise KeyError(name)

    def to_dict(self, *, include_build_log: bool = False) -> dict[str, Any]:
        """Return the report as plain data; the build log only when asked for."""
        data = asdict(self)
        data["checks"] = [
            {**asdict(check), "status": check.status.value} for check in self.checks
        ]
        data["passed"] = self.passed
        if not include_build_log:
            del data["build_log"]
        return data
