"""Connect to the Docker engine named by the environment."""

from __future__ import annotations

import http.client
import logging
import os

import docker
import docker.errors
import requests.exceptions
import urllib3.exceptions

from nodeship.errors import EngineUnreachableError

logger = logging.getLogger(__name__)

_DEFAULT_HOST = "unix:///var/run/docker.sock"

# Errors the SDK raises when the connection to the engine breaks. requests wraps
# most socket errors, but a streamed response (build log, archive) can let urllib3's
# or http.client's own errors through, and an APIError can carry one as its cause.
_CONNECTION_ERRORS = (
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    urllib3.exceptions.ProtocolError,
    urllib3.exceptions.NewConnectionError,
    http.client.IncompleteRead,
    http.client.RemoteDisconnected,
    ConnectionError,
)


def engine_address() -> str:
    """Return the engine address in use: ``DOCKER_HOST``, else the default socket."""
    return os.environ.get("DOCKER_HOST") or _DEFAULT_HOST


def connect_engine() -> docker.DockerClient:
    """Return a client for the engine from ``DOCKER_HOST`` and the Docker settings.

    Raises:
        EngineUnreachableError: the engine did not respond to a ping.
    """
    address = engine_address()
    logger.info("connecting to the Docker engine at %s", address)
    try:
        client = docker.from_env()
        client.ping()
    # requests' connection errors, which the SDK lets through, subclass OSError.
    except (docker.errors.DockerException, OSError) as error:
        raise EngineUnreachableError(
            f"cannot reach the Docker engine at {address}: {error}",
            hint="start Docker (Docker Desktop, or `sudo systemctl start docker`), "
            "or set DOCKER_HOST to the address of a running engine",
        ) from error
    version = client.version()
    logger.info("engine %s, API %s", version.get("Version"), version.get("ApiVersion"))
    return client


def is_connection_loss(error: BaseException) -> bool:
    """Return whether ``error`` or an error it was raised from is a lost connection."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, _CONNECTION_ERRORS):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def engine_lost_error(
    error: BaseException, *, during: str, containers: list[str], images: list[str]
) -> EngineUnreachableError:
    """Return the error for a connection to the engine that broke ``during`` a phase.

    ``containers`` and ``images`` are what verify made or was making on the engine.
    The message names them, because the cleanup cannot reach the engine either.
    """
    address = engine_address()
    # The SDK's messages can span lines, but the error must fit on one line.
    cause = " ".join(f"{type(error).__name__}: {error}".split())
    phase = f" while {during}" if during else ""
    leftovers = [f"container {name}" for name in containers]
    leftovers += [f"image {tag}" for tag in images]
    if not leftovers:
        return EngineUnreachableError(
            f"lost the connection to the Docker engine at {address}{phase} "
            f"({cause}), before verify created anything on it",
            hint="check that the engine is running (`docker info`), "
            "then run verify again",
        )
    commands = [f"docker rm -f {' '.join(containers)}"] if containers else []
    commands += [f"docker rmi {' '.join(images)}"] if images else []
    return EngineUnreachableError(
        f"lost the connection to the Docker engine at {address}{phase} ({cause}), "
        f"so these may be left on the engine: {', '.join(leftovers)}",
        hint="once the engine is back, remove them with "
        + " and ".join(f"`{command}`" for command in commands)
        + " (a name that no longer exists gives a harmless 'No such' error)",
    )
