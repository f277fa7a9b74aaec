"""Build a generated project's image on a Docker engine and check it.

``verify_project`` is the entry point; the CLI's ``nodeship verify`` renders its
``VerifyReport``.
"""

from nodeship.verify.report import CheckResult, ProgressEvent, Status, VerifyReport
from nodeship.verify.tag import compute_image_tag
from nodeship.verify.verify import verify_project

__all__ = [
    "CheckResult",
    "ProgressEvent",
    "Status",
    "VerifyReport",
    "compute_image_tag",
    "verify_project",
]
