"""Read the versions a generated project pins: base image, .nvmrc, package.json.

A project qualifies when its Dockerfile pins ``node:<x.y.z>-alpine<a.b>`` in every
FROM that names the node image, the last FROM is such a pin (or ``alpine:<a.b>``
on the same Alpine, for a slim runtime), all pins agree, and
``.nvmrc`` names the same Node.js version. These are the rules that the project's
``scripts/image-tag.js`` checks before it computes the image tag.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nodeship.errors import InvalidInputError

DOCKERFILE = "Dockerfile"
NVMRC = ".nvmrc"
PACKAGE_JSON = "package.json"
PACKAGE_LOCK = "package-lock.json"
ANSWERS_RECORD = ".nodeship.json"
README = "README.md"

_FROM_LINE = re.compile(
    r"^\s*FROM\s+(?:--\S+\s+)*(?P<image>\S+)(?:\s+AS\s+(?P<stage>\S+))?\s*$",
    re.IGNORECASE,
)
# The official node image's repository: node, docker.io/library/node, or a Docker
# Hub mirror's host, optional port and path followed by library/node.
_NODE_REPOSITORY = (
    r"(?:(?:docker\.io/)?(?:library/)?"
    r"|[a-z0-9.-]+(?::\d+)?(?:/[a-z0-9._-]+)*/library/)node"
)
# Any reference to the official node image, pinned or not.
_NODE_IMAGE = re.compile(rf"^{_NODE_REPOSITORY}(?:[:@]|$)")
_PINNED_NODE_IMAGE = re.compile(
    rf"^{_NODE_REPOSITORY}:(?P<node>\d+\.\d+\.\d+)"
    r"-alpine(?P<alpine>\d+\.\d+)(?P<digest>@sha256:[0-9a-f]{64})?$"
)
# The official alpine image, pinned to major.minor: the final stage of a slim
# runtime, which takes the node binary from a node stage.
_PINNED_ALPINE_IMAGE = re.compile(
    r"^(?:(?:docker\.io/)?(?:library/)?"
    r"|[a-z0-9.-]+(?::\d+)?(?:/[a-z0-9._-]+)*/library/)"
    r"alpine:(?P<alpine>\d+\.\d+)$"
)
_PIN_EXAMPLE = (
    "node:<major.minor.patch>-alpine<major.minor>, such as node:24.11.1-alpine3.22"
)


@dataclass(frozen=True)
class BaseImagePin:
    """A FROM line that pins the node image."""

    line_number: int
    image: str
    node: str
    alpine: str


@dataclass(frozen=True)
class ProjectFiles:
    """The text of each project file that bump reads or may edit, by relative path."""

    directory: Path
    texts: dict[str, str]

    def text(self, name: str) -> str | None:
        return self.texts.get(name)


@dataclass(frozen=True)
class ProjectState:
    """The versions a project pins today, and its files."""

    files: ProjectFiles
    node: str
    alpine: str
    project_version: str
    pins: tuple[BaseImagePin, ...]

    @property
    def image_tag(self) -> str:
        return f"{self.alpine}-v{self.node}-{self.project_version}"


def ci_file_names(directory: Path) -> list[str]:
    """Return the CI files of ``directory`` that may name a Node.js version."""
    names = [
        str(path.relative_to(directory))
        for pattern in (".github/workflows/*.yml", ".github/workflows/*.yaml")
        for path in sorted(directory.glob(pattern))
        if path.is_file()
    ]
    if (directory / ".gitlab-ci.yml").is_file():
        names.append(".gitlab-ci.yml")
    return names


def read_project(directory: Path) -> ProjectState:
    """Read the pinned versions of the project in ``directory``.

    Raises:
        InvalidInputError: the folder is not a nodeship project, its pins disagree,
            or a file bump needs is missing or unreadable.
    """
    files = _read_files(directory)
    dockerfile = files.text(DOCKERFILE)
    if dockerfile is None:
        raise _not_a_project(directory, f"it has no {DOCKERFILE}")

    pins = find_base_image_pins(dockerfile, directory)
    node, alpine = _agreed_versions(pins, directory)
    _check_nvmrc(files, node)
    return ProjectState(
        files=files,
        node=node,
        alpine=alpine,
        project_version=_package_version(files),
        pins=tuple(pins),
    )


def find_base_image_pins(dockerfile: str, directory: Path) -> list[BaseImagePin]:
    """Return the FROM lines that pin the node image, checking each one.

    FROM lines that name an earlier stage or an image other than node are
    skipped, except that the last FROM must pin node, because it becomes the image,
    or pin ``alpine:<a.b>`` on the node image's Alpine (a slim runtime).

    Raises:
        InvalidInputError: a FROM names node without a full pin, uses a build
            argument or a digest, or the last FROM is not a node pin.
    """
    pins: list[BaseImagePin] = []
    stage_names: set[str] = set()
    last_image = ""
    last_is_pin = False
    last_alpine: str | None = None
    for line_number, line in enumerate(dockerfile.splitlines(), start=1):
        match = _FROM_LINE.match(line)
        if match is None:
            continue
        image = match["image"]
        last_image = image
        last_is_pin = False
        alpine_pin = _PINNED_ALPINE_IMAGE.match(image)
        last_alpine = alpine_pin["alpine"] if alpine_pin else None
        names_earlier_stage = image.lower() in stage_names
        if match["stage"]:
            stage_names.add(match["stage"].lower())
        if names_earlier_stage:
            continue
        if "$" in image:
            raise InvalidInputError(
                f"FROM on line {line_number} of {directory / DOCKERFILE} names "
                f"{image!r}, which uses a build argument",
                hint=f"bump edits literal versions only: write {_PIN_EXAMPLE}",
            )
        if not _NODE_IMAGE.match(image):
            continue
        pinned = _PINNED_NODE_IMAGE.fullmatch(image)
        if pinned is None:
            raise InvalidInputError(
                f"FROM on line {line_number} of {directory / DOCKERFILE} names "
                f"{image!r}, which is not a pinned node image",
                hint=f"write {_PIN_EXAMPLE}",
            )
        if pinned["digest"]:
            raise InvalidInputError(
                f"FROM on line {line_number} of {directory / DOCKERFILE} pins "
                f"{image!r} by digest, and bump cannot look up the new digest",
                hint="remove the @sha256:... digest, run nodeship bump, then pin the "
                "digest of the new image",
            )
        pins.append(BaseImagePin(line_number, image, pinned["node"], pinned["alpine"]))
        last_is_pin = True

    if not pins:
        raise _not_a_project(directory, f"no FROM in its {DOCKERFILE} pins node")
    if last_alpine is not None:
        _check_slim_runtime(last_alpine, pins, directory)
    elif not last_is_pin:
        raise InvalidInputError(
            f"the last FROM of {directory / DOCKERFILE} names {last_image!r}, but "
            "the image tag is read from it",
            hint=f"make the last stage start FROM {_PIN_EXAMPLE}",
        )
    return pins


def _check_slim_runtime(alpine: str, pins: list[BaseImagePin], directory: Path) -> None:
    """Raise unless a final ``FROM alpine:<a.b>`` matches the node image's Alpine."""
    node_alpine = pins[-1].alpine
    if alpine != node_alpine:
        raise InvalidInputError(
            f"the last FROM of {directory / DOCKERFILE} names alpine:{alpine}, but "
            f"the node image on line {pins[-1].line_number} is built on Alpine "
            f"{node_alpine}",
            hint=f"make the last stage start FROM alpine:{node_alpine}",
        )


def _agreed_versions(pins: list[BaseImagePin], directory: Path) -> tuple[str, str]:
    versions = {(pin.node, pin.alpine) for pin in pins}
    if len(versions) > 1:
        listed = ", ".join(
            f"line {pin.line_number} node:{pin.node}-alpine{pin.alpine}" for pin in pins
        )
        raise InvalidInputError(
            f"the FROM lines of {directory / DOCKERFILE} disagree: {listed}",
            hint="make every FROM name the same node image, then run nodeship bump",
        )
    return pins[0].node, pins[0].alpine


def _check_nvmrc(files: ProjectFiles, node: str) -> None:
    text = files.text(NVMRC)
    path = files.directory / NVMRC
    if text is None:
        raise InvalidInputError(
            f"{path} is missing", hint=f"write the Dockerfile's Node.js version {node}"
        )
    nvmrc_version = text.strip().removeprefix("v")
    if nvmrc_version != node:
        raise InvalidInputError(
            f"{path} names Node.js {nvmrc_version!r}, but the Dockerfile uses {node}",
            hint="make .nvmrc and every FROM name the same version, then run "
            "nodeship bump",
        )


def _package_version(files: ProjectFiles) -> str:
    path = files.directory / PACKAGE_JSON
    text = files.text(PACKAGE_JSON)
    if text is None:
        raise _not_a_project(files.directory, f"it has no {PACKAGE_JSON}")
    document = parse_json_object(text, path)
    version = document.get("version")
    if not isinstance(version, str) or not version.strip():
        raise InvalidInputError(
            f"{path} has no version", hint='add "version": "0.1.0" to it'
        )
    return version


def parse_json_object(text: str, path: Path) -> dict[str, Any]:
    """Parse ``text`` as a JSON object, raising InvalidInputError naming ``path``."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInputError(
            f"{path} is not valid JSON: {error}", hint="fix the JSON syntax"
        ) from error
    if not isinstance(document, dict):
        raise InvalidInputError(
            f"{path} is not a JSON object", hint="fix the file's contents"
        )
    return document


def _read_files(directory: Path) -> ProjectFiles:
    names = [
        DOCKERFILE,
        NVMRC,
        PACKAGE_JSON,
        PACKAGE_LOCK,
        ANSWERS_RECORD,
        README,
        *ci_file_names(directory),
    ]
    texts: dict[str, str] = {}
    for name in names:
        path = directory / name
        if not path.is_file():
            continue
        try:
            texts[name] = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise InvalidInputError(
                f"cannot read {path}: {error}",
                hint="make the file readable UTF-8 text",
            ) from error
    return ProjectFiles(directory, texts)


def _not_a_project(directory: Path, reason: str) -> InvalidInputError:
    return InvalidInputError(
        f"{directory} is not a nodeship project: {reason}",
        hint="run nodeship bump in a folder made by nodeship new, or pass its path",
    )
