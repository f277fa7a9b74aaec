"""Build a generated project's image on a Docker engine and check it.

``verify_project`` is the entry point; the CLI's ``nodeship verify`` renders its
``VerifyReport``. It is imported on first use, because it loads the Docker SDK and
``nodeship --help`` should not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nodeship.verify.report import CheckResult, ProgressEvent, Status, VerifyReport
from nodeship.verify.tag import compute_image_tag

if TYPE_CHECKING:
    from nodeship.verify.verify import verify_project

__all__ = [
    "CheckResult",
    "ProgressEvent",
    "Status",
    "VerifyReport",
    "compute_image_tag",
    "verify_project",
]


def __getattr__(name: str) -> Any:
    if name == "verify_project":
        from nodeship.verify.verify import verify_project

        return verify_project
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
