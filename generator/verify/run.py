"""Run the built image, wait until it is up, call its health endpoint and stop it."""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import docker
import docker.errors

logger = logging.getLogger(__name__)

_POLL_SECONDS = 0.2
_HTTP_TIMEOUT_SECONDS = 5
# docker stop waits this long after SIGTERM before it sends SIGKILL.
STOP_TIMEOUT_SECONDS = 10


@dataclass
class RunSettings:
    """Settings of one container run: app type, port, health path, waits (seconds)."""

    app_type: str
    port: int | None
    health_path: str = "/health"
    health_timeout: float = 90.0
    worker_settle_seconds: float = 3.0


@dataclass
class RunResult:
    """Measurements of one container run; ``None`` where a step did not get that far."""

    container_id: str
    up: bool
    startup_seconds: float | None
    startup_detail: str
    health_status: int | None = None
    health_detail: str = ""
    process_uid: int | None = None
    stop_seconds: float | None = None
    exit_code: int | None = None
    logs_tail: str = ""


def run_container(
    client: docker.DockerClient,
    image_id: str,
    settings: RunSettings,
    *,
    name_prefix: str,
    on_created: Callable[[Any], None],
) -> RunResult:
    """Start ``image_id``, wait until it is up, probe it, then stop it with SIGTERM.

    ``on_created`` receives the container as soon as it exists, so the caller can
    remove it even when a later step raises.
    """
    ports: dict[str, Any] = {}
    if settings.app_type == "api" and settings.port:
        # Publishing to an empty host port lets Docker pick a free loopback port.
        ports[f"{settings.port}/tcp"] = ("127.0.0.1", None)
    name = f"{name_prefix}-{uuid.uuid4().hex[:8]}"
    logger.info("creating container %s from %s", name, image_id)
    container = client.containers.create(image_id, name=name, ports=ports, detach=True)
    on_created(container)

    started = time.monotonic()
    container.start()
    up, detail = _wait_until_up(container, settings)
    startup_seconds = time.monotonic() - started if up else None
    result = RunResult(container.id, up, startup_seconds, detail)
    logger.info("container %s: %s", name, detail)

    if up and ports:
        host_port = _published_port(container, settings.port)
        result.health_status, result.health_detail = _call_health_endpoint(
            host_port, settings.health_path
        )
    if up:
        result.process_uid = _process_uid(container)

    result.stop_seconds, result.exit_code = _stop(container)
    result.logs_tail = container.logs(tail=30).decode("utf-8", "replace")
    return result


def _wait_until_up(container: Any, settings: RunSettings) -> tuple[bool, str]:
    """Wait for health status ``healthy``, or for a worker to keep running.

    Without a HEALTHCHECK an api counts as up once its health endpoint returns 2xx.
    """
    deadline = time.monotonic() + settings.health_timeout
    settle_until = time.monotonic() + settings.worker_settle_seconds
    while time.monotonic() < deadline:
        container.reload()
        state = container.attrs["State"]
        if state["Status"] in ("exited", "dead"):
            return False, f"the container exited with code {state['ExitCode']}"
        health = state.get("Health")
        if health:
            if health["Status"] == "healthy":
                return True, "health status healthy"
            if health["Status"] == "unhealthy":
                return False, f"health status unhealthy: {_last_probe_output(health)}"
        elif settings.app_type == "api" and settings.port:
            host_port = _published_port(container, settings.port)
            status, _ = _call_health_endpoint(host_port, settings.health_path)
            if status is not None and 200 <= status < 300:
                return (
                    True,
                    f"{settings.health_path} returned {status} (no HEALTHCHECK)",
                )
        elif time.monotonic() >= settle_until:
            return True, f"still running after {settings.worker_settle_seconds:g} s"
        time.sleep(_POLL_SECONDS)
    return False, f"not up within {settings.health_timeout:g} s"


def _last_probe_output(health: dict[str, Any]) -> str:
    probes = health.get("Log") or []
    if not probes:
        return "no probe output"
    return str(probes[-1].get("Output", "")).strip() or "no probe output"


def _published_port(container: Any, port: int | None) -> int | None:
    bindings = container.attrs["NetworkSettings"]["Ports"].get(f"{port}/tcp") or []
    for binding in bindings:
        if binding.get("HostPort"):
            return int(binding["HostPort"])
    return None


def _call_health_endpoint(host_port: int | None, path: str) -> tuple[int | None, str]:
    if host_port is None:
        return None, "the port is not published"
    url = f"http://127.0.0.1:{host_port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=_HTTP_TIMEOUT_SECONDS) as response:
            status = int(response.status)
            return status, f"GET {url} returned {status}"
    except urllib.error.HTTPError as error:
        return int(error.code), f"GET {url} returned {error.code}"
    except (urllib.error.URLError, OSError) as error:
        return None, f"GET {url} failed: {error}"


def _process_uid(container: Any) -> int | None:
    """Return the real uid of the container's PID 1, read from /proc/1/status."""
    try:
        exit_code, output = container.exec_run(["cat", "/proc/1/status"])
    except docker.errors.APIError as error:
        logger.info("reading /proc/1/status failed: %s", error)
        return None
    if exit_code != 0:
        return None
    for line in output.decode("utf-8", "replace").splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    return None


def _stop(container: Any) -> tuple[float | None, int | None]:
    """Send SIGTERM (SIGKILL after the stop timeout); return seconds and exit code."""
    container.reload()
    if container.attrs["State"]["Status"] != "running":
        return None, int(container.attrs["State"]["ExitCode"])
    logger.info("stopping container %s", container.name)
    started = time.monotonic()
    container.stop(timeout=STOP_TIMEOUT_SECONDS)
    seconds = time.monotonic() - started
    container.reload()
    return seconds, int(container.attrs["State"]["ExitCode"])
