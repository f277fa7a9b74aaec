"""Build, size, start and stop one benchmark image on the local Docker engine.

The Docker SDK's build endpoint runs the classic builder, which logs each step as
``Step 3/9 : RUN npm ci``, then `` ---> Using cache`` when the layer came from the
cache, and `` ---> <image id>`` for the step's result.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import docker.errors

# The names of the images and containers this benchmark creates start with this
# prefix. Untagged step images are removed by the ids its own builds logged.
NAME_PREFIX = "nodeship-bench-"
# docker stop sends SIGKILL this many seconds after SIGTERM.
STOP_TIMEOUT_SECONDS = 10
# Seconds to wait for the health endpoint and the health status.
START_TIMEOUT_SECONDS = 60.0
POLL_SECONDS = 0.05

_STEP_LINE = re.compile(r"^Step \d+/\d+ : (?P<instruction>.*)$")
_LAYER_LINE = re.compile(r"^ ---> (?P<id>[0-9a-f]{12,64})$")
_RUNNING_LINE = re.compile(r"^ ---> Running in (?P<id>[0-9a-f]{12,64})$")

# Sums the sizes of the non-directory entries under each path given as an argument,
# each inode once, and prints {path: bytes or null when the path is missing}. It
# uses lstat, so a symlink counts its own length. This is the rule by which Docker's
# overlay2 driver sizes a layer (Size in moby's pkg/directory), so these sums and
# the image size are in the same units. CommonJS, because `node -e` evaluates
# CommonJS unless --input-type=module is given.
_SIZE_SCRIPT = r"""
const fs = require('node:fs');
const path = require('node:path');

function apparentSize(start) {
  const seen = new Set();
  let total = 0;
  const pending = [start];
  while (pending.length > 0) {
    const current = pending.pop();
    const stats = fs.lstatSync(current);
    if (stats.isDirectory()) {
      for (const name of fs.readdirSync(current)) {
        pending.push(path.join(current, name));
      }
    } else if (stats.size > 0 && !seen.has(stats.ino)) {
      seen.add(stats.ino);
      total += stats.size;
    }
  }
  return total;
}

const sizes = {};
for (const target of process.argv.slice(1)) {
  sizes[target] = fs.existsSync(target) ? apparentSize(target) : null;
}
console.log(JSON.stringify(sizes));
"""


@dataclass
class BuildOutcome:
    """One build: wall time, the image or the error, and which steps ran."""

    seconds: float
    image_id: str | None
    error: str = ""
    # Whether the build was still running at its time limit and was stopped.
    stopped_at_limit: bool = False
    # Instructions of the steps that ran instead of coming from the build cache.
    executed_steps: list[str] = field(default_factory=list)
    # Images this build created (not taken from the cache), for cleanup.
    created_images: list[str] = field(default_factory=list)
    # Images of the steps taken from the build cache, FROM steps excepted.
    cached_images: list[str] = field(default_factory=list)


@dataclass
class ImageSizes:
    """Image size and the apparent sizes of parts of its file system, in bytes."""

    image: int
    node_modules: int
    # package.json and src/: the files the service reads at run time.
    app_files: int
    working_dir: int
    npm_cache: int
    # /tmp, where npm 11.6.2 leaves Node.js's compile cache (node-compile-cache).
    tmp: int


@dataclass
class RunOutcome:
    """One container run, timed from the start request; ``None`` where not reached."""

    endpoint_seconds: float | None
    healthy_seconds: float | None
    stop_seconds: float | None
    exit_code: int | None
    detail: str
    # The command line of the container's PID 1, which receives docker stop's SIGTERM.
    pid1_command: str = ""


def build_image(
    client: docker.DockerClient,
    context: Path,
    tag: str,
    *,
    nocache: bool,
    network_mode: str | None = None,
    time_limit: float | None = None,
) -> BuildOutcome:
    """Build ``context`` as ``tag`` with the classic builder and time the build.

    ``network_mode="none"`` runs every RUN step without a network. After
    ``time_limit`` seconds the build's running RUN container is killed, which fails
    the build. A failed build returns the error in the outcome instead of raising.
    """
    started = time.perf_counter()
    log = _BuildLog()
    watchdog = _Watchdog(client, log, time_limit)
    error = ""
    image_id: str | None = None
    try:
        stream = client.api.build(
            path=str(context),
            tag=tag,
            nocache=nocache,
            pull=False,
            rm=True,
            forcerm=True,
            network_mode=network_mode,
            decode=True,
        )
        for chunk in stream:
            if "stream" in chunk:
                log.feed(str(chunk["stream"]))
            elif "error" in chunk:
                error = str(chunk["error"]).strip()
            elif "aux" in chunk and isinstance(chunk["aux"], dict):
                image_id = str(chunk["aux"].get("ID", image_id))
    except docker.errors.APIError as api_error:
        error = str(api_error.explanation or api_error)
    finally:
        watchdog.cancel()
    seconds = time.perf_counter() - started
    log.close()
    if error:
        image_id = None
    elif image_id is None:
        image_id = str(client.images.get(tag).id)
    return BuildOutcome(
        seconds=seconds,
        image_id=image_id,
        error=error,
        stopped_at_limit=watchdog.killed,
        executed_steps=log.executed_steps(),
        created_images=log.created_images(),
        cached_images=log.cached_images(),
    )


class _Watchdog:
    """Kill the build's running RUN container once the time limit has passed.

    When no RUN step is running at the limit, it tries again every second until
    the build ends.
    """

    def __init__(
        self, client: docker.DockerClient, log: _BuildLog, time_limit: float | None
    ) -> None:
        self.client = client
        self.log = log
        self.killed = False
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._done = False
        if time_limit is not None:
            self._arm(time_limit)

    def _arm(self, seconds: float) -> None:
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            container_id = self.log.running_container
            if container_id:
                try:
                    self.client.api.kill(container_id)
                    self.killed = True
                    return
                except docker.errors.APIError:
                    pass
            self._arm(1.0)

    def cancel(self) -> None:
        with self._lock:
            self._done = True
            if self._timer is not None:
                self._timer.cancel()


@dataclass
class _BuildStep:
    instruction: str
    cached: bool = False
    image_id: str = ""


class _BuildLog:
    """Split the build stream into lines and record each step and its result."""

    def __init__(self) -> None:
        self.steps: list[_BuildStep] = []
        # The container of the step that is running now, if it runs in one.
        self.running_container = ""
        self._partial = ""

    def feed(self, text: str) -> None:
        self._partial += text
        *complete, self._partial = self._partial.split("\n")
        for line in complete:
            self._handle(line.rstrip("\r"))

    def close(self) -> None:
        if self._partial:
            self._handle(self._partial)
            self._partial = ""

    def _handle(self, line: str) -> None:
        step = _STEP_LINE.match(line)
        if step:
            self.steps.append(_BuildStep(step["instruction"]))
            self.running_container = ""
            return
        running = _RUNNING_LINE.match(line)
        if running:
            self.running_container = running["id"]
            return
        if not self.steps:
            return
        if line == " ---> Using cache":
            self.steps[-1].cached = True
            return
        layer = _LAYER_LINE.match(line)
        if layer:
            self.steps[-1].image_id = layer["id"]
            self.running_container = ""

    def _own_steps(self) -> list[_BuildStep]:
        # A FROM step's id is the base image's, which is never this build's to remove.
        return [
            step
            for step in self.steps
            if not step.cached and not _is_from(step.instruction)
        ]

    def executed_steps(self) -> list[str]:
        return [step.instruction for step in self._own_steps()]

    def cached_images(self) -> list[str]:
        return [
            step.image_id
            for step in self.steps
            if step.cached and step.image_id and not _is_from(step.instruction)
        ]

    def created_images(self) -> list[str]:
        return [step.image_id for step in self._own_steps() if step.image_id]


def _is_from(instruction: str) -> bool:
    return instruction.upper().startswith("FROM")


def measure_sizes(client: docker.DockerClient, image_id: str) -> ImageSizes:
    """Measure the image and, inside a container of it, node_modules and the app."""
    attributes = client.api.inspect_image(image_id)
    working_dir = attributes["Config"].get("WorkingDir") or "/"
    targets = [
        f"{working_dir}/node_modules",
        f"{working_dir}/package.json",
        f"{working_dir}/src",
        working_dir,
        "/root/.npm",
        "/tmp",
    ]
    # root, so that /root/.npm is readable in images that run as the node user.
    output = client.containers.run(
        image_id,
        command=["node", "-e", _SIZE_SCRIPT, *targets],
        name=f"{NAME_PREFIX}size-{uuid.uuid4().hex[:8]}",
        user="root",
        network_disabled=True,
        remove=True,
    )
    sizes: dict[str, int | None] = json.loads(output)
    node_modules, package_json, src, working_total, npm_cache, tmp = (
        sizes[target] or 0 for target in targets
    )
    return ImageSizes(
        image=int(attributes["Size"]),
        node_modules=node_modules,
        app_files=package_json + src,
        working_dir=working_total,
        npm_cache=npm_cache,
        tmp=tmp,
    )


def run_and_stop(client: docker.DockerClient, image_id: str, port: int) -> RunOutcome:
    """Start the image, time until it serves /health (and is healthy), then stop it.

    The health endpoint is polled from the host through a published loopback port.
    For an image with a HEALTHCHECK the run also waits for Docker's health status
    ``healthy``. The container is removed afterwards.
    """
    has_healthcheck = bool(
        client.api.inspect_image(image_id)["Config"].get("Healthcheck")
    )
    container = client.containers.create(
        image_id,
        name=f"{NAME_PREFIX}run-{uuid.uuid4().hex[:8]}",
        ports={f"{port}/tcp": ("127.0.0.1", None)},
        detach=True,
    )
    try:
        started = time.perf_counter()
        container.start()
        endpoint_seconds, healthy_seconds, detail = _wait_until_up(
            container, port, started, has_healthcheck
        )
        pid1_command = _pid1_command(container)
        stop_seconds, exit_code = _stop(container)
        return RunOutcome(
            endpoint_seconds,
            healthy_seconds,
            stop_seconds,
            exit_code,
            detail,
            pid1_command,
        )
    finally:
        container.remove(force=True)


def _wait_until_up(
    container: Any, port: int, started: float, has_healthcheck: bool
) -> tuple[float | None, float | None, str]:
    endpoint_seconds: float | None = None
    healthy_seconds: float | None = None
    url = ""
    deadline = started + START_TIMEOUT_SECONDS
    while time.perf_counter() < deadline:
        container.reload()
        state = container.attrs["State"]
        if state["Status"] in ("exited", "dead"):
            return None, None, f"the container exited with code {state['ExitCode']}"
        if not url:
            url = _health_url(container, port)
        if endpoint_seconds is None and url and _endpoint_answers(url):
            endpoint_seconds = time.perf_counter() - started
        health = state.get("Health") or {}
        if healthy_seconds is None and health.get("Status") == "healthy":
            healthy_seconds = time.perf_counter() - started
        if endpoint_seconds is not None and (
            healthy_seconds is not None or not has_healthcheck
        ):
            return endpoint_seconds, healthy_seconds, "up"
        time.sleep(POLL_SECONDS)
    return (
        endpoint_seconds,
        healthy_seconds,
        f"not up within {START_TIMEOUT_SECONDS:g} s",
    )


def _health_url(container: Any, port: int) -> str:
    bindings = container.attrs["NetworkSettings"]["Ports"].get(f"{port}/tcp") or []
    for binding in bindings:
        if binding.get("HostPort"):
            return f"http://127.0.0.1:{binding['HostPort']}/health"
    return ""


def _endpoint_answers(url: str) -> bool:
    """Return whether GET ``url`` returns a 2xx status within one second."""
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return 200 <= int(response.status) < 300
    # Docker's userland proxy accepts the connection before the service listens and
    # then closes it, which surfaces as a reset or a closed connection.
    except (urllib.error.URLError, http.client.HTTPException, OSError):
        return False


def _pid1_command(container: Any) -> str:
    try:
        exit_code, output = container.exec_run(["cat", "/proc/1/cmdline"])
    except docker.errors.APIError:
        return ""
    if exit_code != 0:
        return ""
    return " ".join(output.decode("utf-8", "replace").split("\0")).strip()


def _stop(container: Any) -> tuple[float | None, int | None]:
    container.reload()
    if container.attrs["State"]["Status"] != "running":
        return None, int(container.attrs["State"]["ExitCode"])
    started = time.perf_counter()
    container.stop(timeout=STOP_TIMEOUT_SECONDS)
    seconds = time.perf_counter() - started
    container.reload()
    return seconds, int(container.attrs["State"]["ExitCode"])


def remove_images(client: docker.DockerClient, tag: str, image_ids: list[str]) -> None:
    """Remove ``tag`` and the images this benchmark's builds created.

    Images are removed newest first and without force, so an image that another
    image or container still uses stays, and one already gone is skipped.
    """
    with contextlib.suppress(docker.errors.ImageNotFound):
        client.images.remove(tag, force=True)
    for image_id in reversed(image_ids):
        try:
            client.images.remove(image_id)
        except docker.errors.ImageNotFound:
            continue
        except docker.errors.APIError as error:
            if error.status_code != 409:
                raise
