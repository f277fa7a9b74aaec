"""``nodeship verify`` when the connection to the engine breaks partway through.

verify talks to the engine through a TCP proxy on 127.0.0.1 that forwards to the
engine's unix socket. The test closes the proxy, and every connection through it,
during the build or while the container runs, and then cleans up through the
socket itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import docker.errors
import pytest

from nodeship.errors import ExitCode
from tests.docker.conftest import generate_project

ENGINE_SOCKET = "/var/run/docker.sock"
# Upper bound on one verify run and on the proxy's lifetime, in seconds.
RUN_TIMEOUT = 600


class EngineProxy:
    """A TCP proxy from 127.0.0.1 to the engine's unix socket, run in a thread.

    ``close`` stops accepting and closes every open connection at once, as an engine
    that goes away would. The thread also stops by itself after ``lifetime`` seconds.
    """

    def __init__(self, socket_path: str, lifetime: float) -> None:
        self._socket_path = socket_path
        self._deadline = time.monotonic() + lifetime
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.setblocking(False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ)
        # Each socket maps to the socket its data is forwarded to.
        self._peers: dict[socket.socket, socket.socket] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        assert not self._thread.is_alive(), "the proxy thread did not stop"

    def _serve(self) -> None:
        try:
            while not self._stop.is_set() and time.monotonic() < self._deadline:
                for key, _ in self._selector.select(timeout=0.1):
                    sock = key.fileobj
                    assert isinstance(sock, socket.socket)
                    if sock is self._listener:
                        self._accept()
                    else:
                        self._forward(sock)
        finally:
            self._close_all()

    def _accept(self) -> None:
        client, _ = self._listener.accept()
        engine = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        engine.connect(self._socket_path)
        for sock, peer in ((client, engine), (engine, client)):
            sock.setblocking(False)
            self._peers[sock] = peer
            self._selector.register(sock, selectors.EVENT_READ)

    def _forward(self, sock: socket.socket) -> None:
        peer = self._peers.get(sock)
        if peer is None:
            return
        try:
            data = sock.recv(65536)
            if data:
                # Both ends are local, so a blocking send keeps the copy simple.
                peer.setblocking(True)
                peer.sendall(data)
                peer.setblocking(False)
                return
        except OSError:
            pass
        self._drop(sock)
        self._drop(peer)

    def _drop(self, sock: socket.socket) -> None:
        if self._peers.pop(sock, None) is None:
            return
        self._selector.unregister(sock)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def _close_all(self) -> None:
        for sock in list(self._peers):
            self._drop(sock)
        self._selector.unregister(self._listener)
        self._listener.close()
        self._selector.close()


@contextlib.contextmanager
def engine_proxy() -> Iterator[EngineProxy]:
    proxy = EngineProxy(ENGINE_SOCKET, lifetime=RUN_TIMEOUT)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.close()


def _start_verify(project: Path, port: int) -> subprocess.Popen[str]:
    env = {**os.environ, "DOCKER_HOST": f"tcp://127.0.0.1:{port}"}
    return subprocess.Popen(
        [sys.executable, "-m", "nodeship", "verify", str(project), "--json"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _read_stderr_until(
    process: subprocess.Popen[str], prefix: str, lines: list[str]
) -> None:
    """Read stderr lines into ``lines`` until one starts with ``prefix``."""
    assert process.stderr is not None
    for line in process.stderr:
        lines.append(line)
        if line.startswith(prefix):
            return
    pytest.fail(f"verify ended before printing {prefix!r}:\n{''.join(lines)}")


def _finish(process: subprocess.Popen[str], lines: list[str]) -> tuple[int, str, str]:
    """Wait for verify to exit, and return its exit code, stdout and whole stderr."""
    stdout, rest = process.communicate(timeout=RUN_TIMEOUT)
    return process.returncode, stdout, "".join(lines) + rest


def _remove_left(
    client: docker.DockerClient, containers: list[str], image: str
) -> None:
    """Remove what verify could not, through the engine's socket itself.

    That is the containers, ``image`` and the rebuild tags made from its name.
    """
    for name in containers:
        with contextlib.suppress(docker.errors.NotFound):
            client.containers.get(name).remove(force=True)
    if not image:
        return
    repository = image.rsplit(":", 1)[0]
    tags = [
        tag
        for found in client.images.list(name=repository)
        for tag in found.tags
        if tag == image or tag.startswith(f"{image}-rebuild-")
    ]
    for tag in tags:
        with contextlib.suppress(docker.errors.NotFound):
            client.images.remove(tag, force=True)


def _error_line(stderr: str) -> str:
    errors = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, stderr[-3000:]
    return errors[0]


def _image_repository(project: Path) -> str:
    """Return the repository verify tags the image of ``project`` with."""
    name = json.loads((project / "package.json").read_text())["name"]
    return f"nodeship-verify/{name}"


@pytest.mark.docker
@pytest.mark.slow
def test_engine_lost_during_build(
    tmp_path: Path, base_image: str, docker_client: docker.DockerClient
) -> None:
    name = f"engine-loss-build-{uuid.uuid4().hex[:8]}"
    project = generate_project(tmp_path, name=name, app_type="api")
    lines: list[str] = []
    image = ""
    with engine_proxy() as proxy:
        process = _start_verify(project, proxy.port)
        try:
            _read_stderr_until(process, "==> building ", lines)
            image = lines[-1].removeprefix("==> building ").strip()
            # A build step line shows that the engine is building.
            _read_stderr_until(process, "    Step ", lines)
        except BaseException:
            process.kill()
            raise
    code, stdout, stderr = _finish(process, lines)
    try:
        assert image.startswith(_image_repository(project) + ":")
        assert code == ExitCode.ENGINE_UNREACHABLE, stderr[-3000:]
        assert "Traceback" not in stderr
        assert stdout == ""
        error = _error_line(stderr)
        assert "lost the connection to the Docker engine at tcp://127.0.0.1:" in error
        assert f"while building {image}" in error
        assert f"may be left on the engine: image {image}" in error
        assert (
            f"hint: once the engine is back, remove them with `docker rmi {image}`"
            in (stderr)
        )
    finally:
        _remove_left(docker_client, [], image)


@pytest.mark.docker
@pytest.mark.slow
def test_engine_lost_while_container_runs(
    tmp_path: Path, base_image: str, docker_client: docker.DockerClient
) -> None:
    name = f"engine-loss-run-{uuid.uuid4().hex[:8]}"
    project = generate_project(tmp_path, name=name, app_type="api")
    lines: list[str] = []
    running: list[str] = []
    image = ""
    with engine_proxy() as proxy:
        process = _start_verify(project, proxy.port)
        try:
            _read_stderr_until(process, "==> running ", lines)
            image = lines[-1].removeprefix("==> running ").strip()
            # Close the proxy once the container exists and runs, as the real
            # engine reports it.
            deadline = time.monotonic() + 60
            while not running and time.monotonic() < deadline:
                found = docker_client.containers.list(filters={"ancestor": image})
                running = [str(container.name) for container in found]
                time.sleep(0.2)
        except BaseException:
            process.kill()
            raise
    code, stdout, stderr = _finish(process, lines)
    try:
        assert running, f"no container of {image} started:\n{stderr[-3000:]}"
        assert len(running) == 1
        container = running[0]
        assert code == ExitCode.ENGINE_UNREACHABLE, stderr[-3000:]
        assert "Traceback" not in stderr
        assert stdout == ""
        error = _error_line(stderr)
        assert "lost the connection to the Docker engine at tcp://127.0.0.1:" in error
        assert f"while running {image}" in error
        assert f"container {container}" in error
        assert f"image {image}" in error
        assert f"`docker rm -f {container}`" in stderr
        assert f"`docker rmi {image}" in stderr
        # verify could not remove them, so they are still there.
        assert docker_client.containers.get(container).name == container
        assert docker_client.images.get(image).tags
    finally:
        _remove_left(docker_client, running, image)
    with pytest.raises(docker.errors.NotFound):
        docker_client.containers.get(running[0])
    assert docker_client.images.list(name=image.rsplit(":", 1)[0]) == []
