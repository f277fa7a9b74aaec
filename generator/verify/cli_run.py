"""Run the image of a command-line tool with arguments and record what it did."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import docker.errors
import requests.exceptions

from nodeship.verify.run import RunResult

logger = logging.getLogger(__name__)

# The generated cli prints its version with --version, so the check can compare
# the output with package.json.
VERSION_ARGUMENTS = ("--version",)
# Prints the uid that the image's USER gives a process, without a shell.
_PRINT_UID = ("node", "-e", "process.stdout.write(String(process.getuid()))")


@dataclass
class CliRun:
    """One container run of a cli image: the arguments, its exit code and output."""

    arguments: tuple[str, ...]
    exit_code: int | None
    stdout: str
    stderr: str
    seconds: float | None
    detail: str = ""


@dataclass
class CliRuns:
    """The runs verify makes of a cli image, and the uid of its processes."""

    version: CliRun
    default_command: CliRun
    process_uid: int | None
    container_id: str

    def as_run_result(self) -> RunResult:
        """Return the version run in the shape the image-wide checks read."""
        run = self.version
        return RunResult(
            container_id=self.container_id,
            up=run.exit_code == 0,
            startup_seconds=run.seconds,
            startup_detail=run.detail,
            process_uid=self.process_uid,
            exit_code=run.exit_code,
            logs_tail=run.stdout + run.stderr,
        )


def run_cli_image(
    client: docker.DockerClient,
    image_id: str,
    *,
    name_prefix: str,
    on_created: Callable[[Any], None],
    timeout: float,
) -> CliRuns:
    """Run ``image_id`` three times: with ``--version``, with no arguments, and
    with an entrypoint that prints the uid of its processes.

    Each run is a new container that ``on_created`` receives for the cleanup.
    ``timeout`` (seconds) bounds each run; a run that takes longer is killed.
    """

    def run(arguments: tuple[str, ...], entrypoint: list[str] | None = None) -> Any:
        return _run_once(
            client,
            image_id,
            arguments,
            entrypoint=entrypoint,
            name=f"{name_prefix}-{uuid.uuid4().hex[:8]}",
            on_created=on_created,
            timeout=timeout,
        )

    version_run, container = run(VERSION_ARGUMENTS)
    default_run, _ = run(())
    uid_run, _ = run((), entrypoint=list(_PRINT_UID))
    uid_text = uid_run.stdout.strip()
    uid = int(uid_text) if uid_run.exit_code == 0 and uid_text.isdigit() else None
    return CliRuns(version_run, default_run, uid, str(container.id))


def _run_once(
    client: docker.DockerClient,
    image_id: str,
    arguments: tuple[str, ...],
    *,
    entrypoint: list[str] | None,
    name: str,
    on_created: Callable[[Any], None],
    timeout: float,
) -> tuple[CliRun, Any]:
    """Create and start one container, wait for its exit and read its output."""
    # An empty command keeps the image's CMD, which is what `docker run IMAGE`
    # with no arguments does.
    command = list(arguments) or None
    logger.info("creating container %s from %s with %s", name, image_id, arguments)
    container = client.containers.create(
        image_id, command=command, entrypoint=entrypoint, name=name, detach=True
    )
    on_created(container)

    started = time.monotonic()
    container.start()
    try:
        status = container.wait(timeout=timeout)
    except requests.exceptions.ConnectionError:
        # docker-py reports a wait that timed out as a read timeout.
        logger.info("container %s timed out after %g s; killing it", name, timeout)
        _kill(container)
        detail = f"timed out after {timeout:g} s"
        return CliRun(arguments, None, "", "", None, detail), container
    seconds = time.monotonic() - started

    exit_code = int(status.get("StatusCode", -1))
    stdout = container.logs(stdout=True, stderr=False).decode("utf-8", "replace")
    stderr = container.logs(stdout=False, stderr=True).decode("utf-8", "replace")
    detail = f"exited with code {exit_code} after {seconds:.1f} s"
    return CliRun(arguments, exit_code, stdout, stderr, seconds, detail), container


def _kill(container: Any) -> None:
    try:
        container.kill()
    except docker.errors.APIError as error:
        logger.info("killing container %s failed: %s", container.name, error)
