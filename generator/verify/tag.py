"""The immutable image tag ``<alpine>-v<node>-<version>`` of a generated project."""

from __future__ import annotations

import json
import re

from nodeship.errors import InvalidInputError
from nodeship.verify.dockerfile import parse_dockerfile

# node:<major.minor.patch>-alpine<major.minor>, with an optional digest and an
# optional prefix (docker.io/library/, or a Docker Hub mirror's host, optional port
# and path followed by library/), as in the template's scripts/image-tag.js.
_BASE_IMAGE = re.compile(
    r"^(?:(?:docker\.io/)?(?:library/)?"
    r"|[a-z0-9.-]+(?::\d+)?(?:/[a-z0-9._-]+)*/library/)"
    r"node:(?P<node>\d+\.\d+\.\d+)"
    r"-alpine(?P<alpine>\d+\.\d+)(?:@sha256:[0-9a-f]{64})?$"
)
# Docker's grammar for a tag: 1 to 128 characters, no leading '.' or '-'.
_DOCKER_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def compute_image_tag(dockerfile_text: str, package_json_text: str) -> str:
    """Return ``<alpine>-v<node>-<version>`` from the last FROM and package.json.

    Raises:
        InvalidInputError: the last FROM is not ``node:<x.y.z>-alpine<a.b>``, the
            package.json version is missing, or the result is not a valid Docker tag.
    """
    try:
        base_image = parse_dockerfile(dockerfile_text).final_stage.image
    except ValueError as error:
        raise InvalidInputError(str(error)) from error
    match = _BASE_IMAGE.match(base_image)
    if match is None:
        raise InvalidInputError(
            f"the last FROM in the Dockerfile names {base_image!r}, not "
            "node:<major.minor.patch>-alpine<major.minor>",
            hint="use a base image such as node:24.11.1-alpine3.22",
        )

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

    tag = f"{match['alpine']}-v{match['node']}-{version}"
    if not _DOCKER_TAG.match(tag):
        raise InvalidInputError(
            f"the image tag {tag!r} is invalid: a Docker tag has 1 to 128 characters "
            "from [A-Za-z0-9_.-] and starts with a letter, digit or '_'",
            hint="remove semver build metadata ('+...') from the package.json version",
        )
    return tag
