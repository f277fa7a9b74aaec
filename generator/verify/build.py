"""Check the base images, then build the project image with the classic builder.

The Docker SDK's build endpoint runs the classic builder, not BuildKit, so the build
log has the classic shape: ``Step 3/9 : RUN npm ci``, then the step's output, then
`` ---> Using cache`` when the layer came from the cache, and `` ---> <image id>``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import docker.errors

from nodeship.errors import BaseImageUnavailableError, BuildFailedError
from nodeship.verify.report import ProgressCallback, ProgressEvent

logger = logging.getLogger(__name__)

_STEP_LINE = re.compile(r"^Step (?P<number>\d+)/\d+ : (?P<instruction>.*)$")
_LAYER_LINE = re.compile(r"^ ---> (?P<id>[0-9a-f]{12,64})$")
# npm and the builder colour some lines; the log keeps plain text.
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# Lines of the failing step's output shown in a BuildFailedError.
_FAILED_STEP_TAIL = 40


@dataclass
class BuildStep:
    """One step of a classic build: its instruction, result layer and cache use."""

    number: int
    instruction: str
    image_id: str = ""
    cached: bool = False
    output: list[str] = field(default_factory=list)


@dataclass
class BuildResult:
    """A finished build: the image id, every log line and the steps."""

    image_id: str
    log: list[str]
    steps: list[BuildStep]


def ensure_base_images(client: docker.DockerClient, images: list[str]) -> None:
    """Pull each base image that the engine does not have.

    Raises:
        BaseImageUnavailableError: an image is neither present nor pullable.
    """
    for image in images:
        try:
            client.images.get(image)
        except docker.errors.ImageNotFound:
            pass
        else:
            logger.info("base image %s is present", image)
            continue
        logger.info("pulling base image %s", image)
        try:
            client.images.pull(image)
        except docker.errors.APIError as error:
            raise BaseImageUnavailableError(
                f"the base image {image} is not in the engine and cannot be pulled: "
                f"{error.explanation or error}",
                hint=f"{image} must be pullable from its registry or present in the "
                f"engine (docker pull {image}, or docker load it from a file)",
            ) from error


def build_image(
    client: docker.DockerClient,
    *,
    context: Path,
    tag: str,
    build_args: dict[str, str],
    progress: ProgressCallback | None = None,
) -> BuildResult:
    """Build ``context`` as ``tag`` and stream the build log to ``progress``.

    Raises:
        BuildFailedError: a step failed; the message contains that step's output.
    """
    logger.info("building %s from %s with build args %s", tag, context, build_args)
    stream = client.api.build(
        path=str(context),
        tag=tag,
        buildargs=build_args,
        rm=True,
        forcerm=True,
        pull=False,
        decode=True,
    )
    parser = _BuildLogParser(progress)
    error_message = ""
    image_id = ""
    for chunk in stream:
        if "stream" in chunk:
            parser.feed(str(chunk["stream"]))
        elif "error" in chunk:
            error_message = str(chunk["error"]).strip()
        elif "aux" in chunk and isinstance(chunk["aux"], dict):
            image_id = str(chunk["aux"].get("ID", image_id))
    parser.close()

    if error_message:
        raise _build_failed(tag, error_message, parser.steps)
    if not image_id:
        image_id = str(client.images.get(tag).id)
    logger.info("built %s as %s", tag, image_id)
    return BuildResult(image_id=image_id, log=parser.lines, steps=parser.steps)


def _build_failed(
    tag: str, error_message: str, steps: list[BuildStep]
) -> BuildFailedError:
    if not steps:
        return BuildFailedError(f"building {tag} failed: {error_message}")
    step = steps[-1]
    output = "\n".join(step.output[-_FAILED_STEP_TAIL:])
    return BuildFailedError(
        f"building {tag} failed at step {step.number} ({step.instruction}): "
        f"{error_message}\n--- output of that step ---\n{output}",
        hint="fix the step in the Dockerfile, then run verify again; "
        "`nodeship -v verify` shows the whole build log",
    )


class _BuildLogParser:
    """Split the build stream into lines and record the steps as they go by."""

    def __init__(self, progress: ProgressCallback | None) -> None:
        self.progress = progress
        self.lines: list[str] = []
        self.steps: list[BuildStep] = []
        self._partial = ""

    def feed(self, text: str) -> None:
        self._partial += text
        *complete, self._partial = self._partial.split("\n")
        for line in complete:
            self._handle(line)

    def close(self) -> None:
        if self._partial:
            self._handle(self._partial)
            self._partial = ""

    def _handle(self, raw_line: str) -> None:
        line = _ANSI_ESCAPE.sub("", raw_line).rstrip("\r")
        self.lines.append(line)
        logger.debug("build: %s", line)
        step_match = _STEP_LINE.match(line)
        if step_match:
            self.steps.append(
                BuildStep(int(step_match["number"]), step_match["instruction"])
            )
            self._emit("step", line)
            return
        self._emit("output", line)
        if not self.steps:
            return
        step = self.steps[-1]
        layer_match = _LAYER_LINE.match(line)
        if line == " ---> Using cache":
            step.cached = True
        elif layer_match:
            step.image_id = layer_match["id"]
        elif not line.startswith(
            (" ---> Running in", "Removing intermediate container")
        ):
            step.output.append(line)

    def _emit(self, kind: str, message: str) -> None:
        if self.progress is not None:
            self.progress(ProgressEvent(kind, message))


def dependency_install_steps(steps: list[BuildStep]) -> list[BuildStep]:
    """Return the RUN steps that install dependencies (npm ci, npm install, ...)."""
    installers = ("npm ci", "npm install", "npm i ", "yarn install", "pnpm install")
    return [
        step
        for step in steps
        if step.instruction.upper().startswith("RUN")
        and any(installer in step.instruction for installer in installers)
    ]


def image_attributes(client: docker.DockerClient, image_id: str) -> dict[str, Any]:
    """Return ``docker image inspect`` data for ``image_id``."""
    return dict(client.api.inspect_image(image_id))
