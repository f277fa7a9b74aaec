"""Connect to the Docker engine named by the environment."""

from __future__ import annotations

import logging
import os

import docker
import docker.errors

from nodeship.errors import EngineUnreachableError

logger = logging.getLogger(__name__)

_DEFAULT_HOST = "unix:///var/run/docker.sock"


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
