"""The immutable image tag ``<alpine>-v<node>-<version>`` of a generated project."""

from __future__ import annotations

import json
import re

from nodeship.errors import InvalidInputError
from nodeship.verify.dockerfile import parse_dockerfile

# The official image's prefix: docker.io/library/, or a Docker Hub mirror's host,
# optional port and path followed by library/, as in the template's
# scripts/image-tag.js. Both patterns allow a digest.
_OFFICIAL = (
    r"^(?:(?:docker\.io/)?(?:library/)?"
    r"|[a-z0-9.-]+(?::\d+)?(?:/[a-z0-9._-]+)*/library/)"
)
_DIGEST = r"(?:@sha256:[0-9a-f]{64})?$"
_NODE_IMAGE = re.compile(
    _OFFICIAL + r"node:(?P<node>\d+\.\d+\.\d+)-alpine(?P<alpine>\d+\.\d+)" + _DIGEST
)
# alpine:<major.minor>: the final stage of a slim runtime image.
_ALPINE_IMAGE = re.compile(_OFFICIAL + r"alpine:(?P<alpine>\d+\.\d+)" + _DIGEST)
# Docker's grammar for a tag: 1 to 128 characters, no leading '.' or '-'.
_DOCKER_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def compute_image_tag(dockerfile_text: str, package_json_text: str) -> str:
    """Return ``<alpine>-v<node>-<version>`` from the FROM lines and package.json.

    Raises:
        InvalidInputError: the FROM lines name no Node.js and Alpine version (see
            ``image_versions``), the package.json version is missing, or the result
            is not a valid Docker tag.
    """
    node, alpine = image_versions(dockerfile_text)
    try:
        version = json.loads(package_json_text).get("version")
    except (json.JSONDecodeError, AttributeError) as error:
        raise InvalidInputError(
            f"package.json is not a JSON object: {error}"
        ) from error
    if not isinstance(version, str) or not version.strip():
        raise InvalidInputError(
            "package.json has no version", hint='add "version": "1.0.0" to it'
        )

    tag = f"{alpine}-v{node}-{version}"
    if not _DOCKER_TAG.match(tag):
        raise InvalidInputError(
            f"the image tag {tag!r} is invalid: a Docker tag has 1 to 128 characters "
            "from [A-Za-z0-9_.-] and starts with a letter, digit or '_'",
            hint="remove semver build metadata ('+...') from the package.json version",
        )
    return tag


def image_versions(dockerfile_text: str) -> tuple[str, str]:
    """Return the Node.js and Alpine versions of the image the Dockerfile builds.

    The last FROM names ``node:<x.y.z>-alpine<a.b>``, or ``alpine:<a.b>`` for a
    slim runtime whose Node.js version is that of the last node image before it,
    built on the same Alpine version.

    Raises:
        InvalidInputError: the FROM lines do not follow that rule.
    """
    try:
        stages = parse_dockerfile(dockerfile_text).stages
    except ValueError as error:
        raise InvalidInputError(str(error)) from error
    node_images = [m for m in (_NODE_IMAGE.match(s.image) for s in stages) if m]
    distinct = {(match["node"], match["alpine"]) for match in node_images}
    if len(distinct) > 1:
        named = ", ".join(match.string for match in node_images)
        raise InvalidInputError(
            f"the FROM lines of the Dockerfile name different node images ({named})",
            hint="make every FROM name the same node:<version>-alpine<alpine>",
        )
    last = stages[-1].image
    node_match = _NODE_IMAGE.match(last)
    if node_match:
        return node_match["node"], node_match["alpine"]
    alpine_match = _ALPINE_IMAGE.match(last)
    if alpine_match is None:
        raise InvalidInputError(
            f"the last FROM in the Dockerfile names {last!r}, not "
            "node:<major.minor.patch>-alpine<major.minor> or alpine:<major.minor>",
            hint="use a base image such as node:24.11.1-alpine3.22",
        )
    if not node_images:
        raise InvalidInputError(
            f"the last FROM in the Dockerfile names {last!r}, but no earlier FROM "
            "names node:<major.minor.patch>-alpine<major.minor>",
            hint="copy the node binary from a stage such as "
            "FROM node:24.11.1-alpine3.22 AS deps",
        )
    node_image = node_images[-1]
    if node_image["alpine"] != alpine_match["alpine"]:
        raise InvalidInputError(
            f"the last FROM in the Dockerfile names {last!r}, but the node image "
            f"{node_image.string!r} is built on Alpine {node_image['alpine']}",
            hint=f"make the last stage start FROM alpine:{node_image['alpine']}",
        )
    return node_image["node"], alpine_match["alpine"]
