"""The ``alpine`` base image, real or stand-in, and the slim layout built on it.

A slim runtime stage starts from plain ``alpine:<version>`` and copies node, its C++
runtime libraries and the node user's files from a ``node:*-alpine*`` stage, with no
RUN step. These tests build that layout without the template.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterator

import docker
import docker.errors
import pytest

from tests.docker.conftest import ALPINE_VERSION

pytestmark = pytest.mark.docker

SLIM_TAG = "nodeship-test/slim-layout:latest"


def _run(
    client: docker.DockerClient,
    image: str,
    command: list[str],
    *,
    entrypoint: str | None = None,
) -> str:
    output: bytes = client.containers.run(
        image, command, entrypoint=entrypoint, remove=True
    )
    return output.decode().strip()


def test_alpine_shell_runs(
    docker_client: docker.DockerClient, alpine_image: str
) -> None:
    output = _run(docker_client, alpine_image, ["/bin/sh", "-c", "echo shell-ok"])
    assert output == "shell-ok"


def test_alpine_release_file(
    docker_client: docker.DockerClient, alpine_image: str
) -> None:
    release = _run(docker_client, alpine_image, ["cat", "/etc/alpine-release"])
    assert release == ALPINE_VERSION or release.startswith(f"{ALPINE_VERSION}.")


def test_alpine_has_no_node(
    docker_client: docker.DockerClient, alpine_image: str
) -> None:
    found = _run(
        docker_client,
        alpine_image,
        ["/bin/sh", "-c", "command -v node || echo absent"],
    )
    assert found == "absent"
    passwd = _run(docker_client, alpine_image, ["cat", "/etc/passwd"])
    assert passwd.startswith("root:x:0:0:")
    assert "\nnobody:x:65534:65534:" in passwd
    assert "node:" not in passwd


def test_alpine_config_runs_shell(
    docker_client: docker.DockerClient, alpine_image: str
) -> None:
    config = docker_client.images.get(alpine_image).attrs["Config"]
    assert config["Cmd"] == ["/bin/sh"]
    assert not config.get("Entrypoint")


def _slim_context(base_image: str, alpine_image: str) -> io.BytesIO:
    dockerfile = (
        f"FROM {base_image} AS node\n"
        f"FROM {alpine_image}\n"
        "COPY --from=node /usr/local/bin/node /usr/local/bin/node\n"
        "COPY --from=node /usr/lib/libstdc++* /usr/lib/libgcc_s* /usr/lib/\n"
        "COPY --from=node /etc/passwd /etc/group /etc/\n"
        "COPY --from=node /home/node /home/node\n"
        "USER 1000:1000\n"
        'CMD ["node", "-e", "console.log(process.version)"]\n'
    )
    data = dockerfile.encode()
    info = tarfile.TarInfo("Dockerfile")
    info.size = len(data)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        archive.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    return buffer


@pytest.fixture
def slim_image(
    docker_client: docker.DockerClient, base_image: str, alpine_image: str
) -> Iterator[str]:
    """Build the slim layout from the two base images and remove it afterwards."""
    image, _ = docker_client.images.build(
        fileobj=_slim_context(base_image, alpine_image),
        custom_context=True,
        tag=SLIM_TAG,
        rm=True,
        forcerm=True,
        pull=False,
    )
    yield SLIM_TAG
    docker_client.images.remove(image.id, force=True)


def test_slim_layout_runs_node(
    docker_client: docker.DockerClient, base_image: str, slim_image: str
) -> None:
    expected = _run(
        docker_client, base_image, ["node", "-e", "console.log(process.version)"]
    )
    assert expected.startswith("v")
    assert _run(docker_client, slim_image, []) == expected


def test_slim_layout_runs_as_1000(
    docker_client: docker.DockerClient, slim_image: str
) -> None:
    assert _run(docker_client, slim_image, ["-u"], entrypoint="id") == "1000"
    assert _run(docker_client, slim_image, ["-un"], entrypoint="id") == "node"
