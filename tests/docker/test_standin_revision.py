"""``ensure_base_image`` replaces outdated stand-ins and leaves real images alone.

The tests tag small images as ``alpine:0.<n>``, a version no registry publishes, so
a pull always fails and no image that others use is touched.
"""

from __future__ import annotations

import contextlib
import io
import tarfile
from collections.abc import Iterator

import docker
import docker.errors
import pytest

from tests.standin.build import (
    REVISION_LABEL,
    STANDIN_LABEL,
    STANDIN_REVISION,
    ensure_base_image,
)

pytestmark = pytest.mark.docker

OUTDATED_TAG = "alpine:0.1"
NEWER_TAG = "alpine:0.2"
REAL_TAG = "alpine:0.3"


def _labelled_image(
    client: docker.DockerClient, tag: str, labels: dict[str, str]
) -> str:
    """Build an empty image with ``labels`` under ``tag`` and return its id."""
    label_lines = "".join(f'LABEL {key}="{value}"\n' for key, value in labels.items())
    data = f"FROM scratch\n{label_lines}".encode()
    info = tarfile.TarInfo("Dockerfile")
    info.size = len(data)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        archive.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    image, _ = client.images.build(
        fileobj=buffer, custom_context=True, tag=tag, rm=True, pull=False
    )
    return str(image.id)


@pytest.fixture
def created(docker_client: docker.DockerClient) -> Iterator[list[str]]:
    """Collect the tags and image ids a test creates, and remove them in order."""
    references: list[str] = []
    yield references
    for reference in references:
        with contextlib.suppress(docker.errors.ImageNotFound):
            docker_client.images.remove(reference, force=True)


def test_outdated_standin_is_rebuilt(
    docker_client: docker.DockerClient, created: list[str]
) -> None:
    created.append(OUTDATED_TAG)
    # A stand-in from before revisions existed: the label without a revision.
    old_id = _labelled_image(docker_client, OUTDATED_TAG, {STANDIN_LABEL: "true"})
    created.append(old_id)

    outcome = ensure_base_image(docker_client, OUTDATED_TAG)

    assert outcome == "standin"
    rebuilt = docker_client.images.get(OUTDATED_TAG)
    assert rebuilt.id != old_id
    assert rebuilt.labels[REVISION_LABEL] == str(STANDIN_REVISION)


def test_newer_standin_is_kept(
    docker_client: docker.DockerClient, created: list[str]
) -> None:
    created.append(NEWER_TAG)
    labels = {STANDIN_LABEL: "true", REVISION_LABEL: str(STANDIN_REVISION + 1)}
    image_id = _labelled_image(docker_client, NEWER_TAG, labels)

    assert ensure_base_image(docker_client, NEWER_TAG) == "present"
    assert docker_client.images.get(NEWER_TAG).id == image_id


def test_real_image_is_never_replaced(
    docker_client: docker.DockerClient, created: list[str]
) -> None:
    created.append(REAL_TAG)
    image_id = _labelled_image(docker_client, REAL_TAG, {"maintainer": "tests"})

    assert ensure_base_image(docker_client, REAL_TAG) == "present"
    assert docker_client.images.get(REAL_TAG).id == image_id
