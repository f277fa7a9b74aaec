"""The base image the Docker tests build on, real or stand-in, behaves like node:alpine.

Generated Dockerfiles rely on these properties: node and npm on PATH, a node user
with uid and gid 1000, /etc/alpine-release, and npm ci reaching the registry.
"""

from __future__ import annotations

import io
import json
import tarfile

import docker
import pytest

from tests.docker.conftest import ALPINE_VERSION, NODE_VERSION

pytestmark = pytest.mark.docker

# One locked dependency, which npm ci inside the build downloads from the registry.
PROBE_PACKAGE = {
    "name": "npm-ci-probe",
    "version": "1.0.0",
    "private": True,
    "dependencies": {"ms": "2.1.3"},
}
PROBE_LOCK = {
    "name": "npm-ci-probe",
    "version": "1.0.0",
    "lockfileVersion": 3,
    "requires": True,
    "packages": {
        "": {
            "name": "npm-ci-probe",
            "version": "1.0.0",
            "dependencies": {"ms": "2.1.3"},
        },
        "node_modules/ms": {
            "version": "2.1.3",
            "integrity": "sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/"
            "s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA==",
            "license": "MIT",
        },
    },
}


def _run(client: docker.DockerClient, image: str, *command: str) -> str:
    output: bytes = client.containers.run(image, list(command), remove=True)
    return output.decode().strip()


def test_node_version(docker_client: docker.DockerClient, base_image: str) -> None:
    version = _run(
        docker_client, base_image, "node", "-e", "console.log(process.version)"
    )
    # A stand-in built from the newest wheel of the major may differ in the patch.
    assert version.startswith(f"v{NODE_VERSION.split('.')[0]}.")
    labels = docker_client.images.get(base_image).labels or {}
    if labels.get("org.nodeship.standin") != "true":
        assert version == f"v{NODE_VERSION}"


def test_npm_and_npx_on_path(
    docker_client: docker.DockerClient, base_image: str
) -> None:
    npm = _run(docker_client, base_image, "npm", "--version")
    npx = _run(docker_client, base_image, "npx", "--version")
    assert npm.split(".")[0].isdigit()
    assert npx == npm


def test_node_user_uid_1000(
    docker_client: docker.DockerClient, base_image: str
) -> None:
    output = _run(docker_client, base_image, "id", "node")
    assert output.startswith("uid=1000(node) gid=1000(node)")
    home = _run(docker_client, base_image, "sh", "-c", "ls -ld /home/node")
    assert " node " in home


def test_alpine_release(docker_client: docker.DockerClient, base_image: str) -> None:
    release = _run(docker_client, base_image, "cat", "/etc/alpine-release")
    assert release == ALPINE_VERSION or release.startswith(f"{ALPINE_VERSION}.")


def _probe_context(base_image: str) -> io.BytesIO:
    dockerfile = (
        f"FROM {base_image}\n"
        "WORKDIR /app\n"
        "RUN chown node:node /app\n"
        "USER node\n"
        "COPY --chown=node:node package.json package-lock.json ./\n"
        "RUN npm ci --omit=dev\n"
    )
    files = {
        "Dockerfile": dockerfile,
        "package.json": json.dumps(PROBE_PACKAGE),
        "package-lock.json": json.dumps(PROBE_LOCK),
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    return buffer


@pytest.mark.slow
def test_npm_ci_inside_build(
    docker_client: docker.DockerClient, base_image: str
) -> None:
    tag = "nodeship-test/npm-ci-probe:latest"
    image, log = docker_client.images.build(
        fileobj=_probe_context(base_image),
        custom_context=True,
        tag=tag,
        rm=True,
        forcerm=True,
        nocache=True,
    )
    try:
        lines = "".join(str(chunk.get("stream", "")) for chunk in log)
        assert "added 1 package" in lines
        duration = _run(
            docker_client, tag, "node", "-e", "console.log(require('ms')(90000))"
        )
        assert duration == "2m"
    finally:
        docker_client.images.remove(image.id, force=True)
