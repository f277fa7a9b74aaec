"""User-facing errors and the exit codes the CLI maps them to."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, one per kind of failure a script may want to tell apart."""

    OK = 0
    CHECK_FAILED = 1
    INVALID_INPUT = 2
    TARGET_EXISTS = 3
    GENERATION_FAILED = 4
    ENGINE_UNREACHABLE = 5
    BUILD_FAILED = 6
    BASE_IMAGE_UNAVAILABLE = 7
    NEEDS_TRUST = 8
    UPDATE_CONFLICTS = 9
    PROJECT_BEHIND = 10
    INTERRUPTED = 130


class NodeshipError(Exception):
    """Base of every error shown to the user as a message instead of a traceback.

    Each message names the value that failed and the next thing to try.
    """

    exit_code: ExitCode = ExitCode.GENERATION_FAILED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class InvalidInputError(NodeshipError):
    """An answer, flag, answers file or option value failed validation."""

    exit_code = ExitCode.INVALID_INPUT


class MissingAnswersError(InvalidInputError):
    """Answers are missing and no prompt can ask for them."""


class TargetExistsError(NodeshipError):
    """The output folder already exists; nodeship never overwrites it."""

    exit_code = ExitCode.TARGET_EXISTS


class GenerationError(NodeshipError):
    """Rendering the template or running one of its hooks failed."""

    exit_code = ExitCode.GENERATION_FAILED


class EngineUnreachableError(NodeshipError):
    """No Docker engine responded."""

    exit_code = ExitCode.ENGINE_UNREACHABLE


class BuildFailedError(NodeshipError):
    """The image build failed."""

    exit_code = ExitCode.BUILD_FAILED


class BaseImageUnavailableError(NodeshipError):
    """The base image named in the Dockerfile could not be pulled."""

    exit_code = ExitCode.BASE_IMAGE_UNAVAILABLE


class InterruptedByUserError(NodeshipError):
    """The user pressed Ctrl-C; whatever was half-written has been removed."""

    exit_code = ExitCode.INTERRUPTED
