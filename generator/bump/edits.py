"""Compute the new text of each project file for a bump, without writing anything.

Every edit replaces the exact old version strings with regular expressions, or the
exact JSON string values, so formatting, comments and unrelated text stay as they
are. Text that only looks like the old version, such as the example versions in
the project's tests, is not touched.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from nodeship.bump.json_edit import JsonPath, replace_string_values, string_value
from nodeship.bump.project import (
    ANSWERS_RECORD,
    DOCKERFILE,
    NVMRC,
    PACKAGE_JSON,
    PACKAGE_LOCK,
    README,
    ProjectState,
    ci_file_names,
    find_base_image_pins,
)
from nodeship.errors import NodeshipError

# Build arguments that carry the project version into the image's OCI version
# label; the same names that nodeship verify passes.
_VERSION_BUILD_ARGS = ("VERSION", "APP_VERSION", "IMAGE_VERSION")


class BumpError(NodeshipError):
    """A bump could not be computed safely or its files could not be written."""


@dataclass(frozen=True)
class ImageVersions:
    """The Node.js, Alpine and project versions that make up an image tag."""

    node: str
    alpine: str
    project_version: str

    @property
    def image_tag(self) -> str:
        return f"{self.alpine}-v{self.node}-{self.project_version}"

    @property
    def base_image(self) -> str:
        return f"node:{self.node}-alpine{self.alpine}"


@dataclass(frozen=True)
class FileChange:
    """The old and new text of one file, with a line per kind of edit."""

    path: str
    old_text: str
    new_text: str
    summary: tuple[str, ...]

    def diff(self) -> str:
        """Return a unified diff from the old to the new text, as git prints it."""
        lines = difflib.unified_diff(
            self.old_text.splitlines(keepends=True),
            self.new_text.splitlines(keepends=True),
            fromfile=f"a/{self.path}",
            tofile=f"b/{self.path}",
        )
        return "".join(
            line if line.endswith("\n") else f"{line}\n\\ No newline at end of file\n"
            for line in lines
        )


def plan_file_changes(
    state: ProjectState, new: ImageVersions
) -> tuple[list[FileChange], list[str]]:
    """Return the files that change, and the files checked that have nothing to change.

    Raises:
        BumpError: an edit did not give the expected result, for example a FROM
            line that the replacement missed.
    """
    old = ImageVersions(state.node, state.alpine, state.project_version)
    editors = {
        DOCKERFILE: _edit_dockerfile,
        NVMRC: _edit_nvmrc,
        PACKAGE_JSON: _edit_package_json,
        PACKAGE_LOCK: _edit_package_lock,
        ANSWERS_RECORD: _edit_answers_record,
        README: _edit_readme,
    }
    for name in ci_file_names(state.files.directory):
        editors[name] = _edit_ci_file

    changes: list[FileChange] = []
    unchanged: list[str] = []
    for name, editor in editors.items():
        text = state.files.text(name)
        if text is None:
            continue
        try:
            new_text, summary = editor(text, old, new)
        except ValueError as error:
            raise BumpError(
                f"could not edit {state.files.directory / name}: {error}",
                hint="edit the versions in that file by hand; no file was changed",
            ) from error
        if new_text == text:
            unchanged.append(name)
        else:
            changes.append(FileChange(name, text, new_text, tuple(summary)))

    if (old.node, old.alpine) != (new.node, new.alpine):
        _check_dockerfile(changes, new, state.files.directory)
    return changes, unchanged


def _image_reference(versions: ImageVersions) -> re.Pattern[str]:
    """Match ``node:<node>-alpine<alpine>`` as a whole reference, with any prefix.

    A digest after the reference stops the match, because the digest would be
    wrong for the new version.
    """
    return re.compile(
        rf"(?<![\w.-])node:{re.escape(versions.node)}"
        rf"-alpine{re.escape(versions.alpine)}(?![\w.@-])"
    )


def _replace_image_references(
    text: str, old: ImageVersions, new: ImageVersions
) -> tuple[str, int]:
    if (old.node, old.alpine) == (new.node, new.alpine):
        return text, 0
    return _image_reference(old).subn(new.base_image, text)


def _replace_alpine_references(
    text: str, old: ImageVersions, new: ImageVersions
) -> tuple[str, int]:
    """Replace ``alpine:<old>``, the final stage of a slim runtime, as a whole word."""
    if old.alpine == new.alpine:
        return text, 0
    pattern = re.compile(rf"(?<![\w.-])alpine:{re.escape(old.alpine)}(?![\w.@-])")
    return pattern.subn(f"alpine:{new.alpine}", text)


def _edit_dockerfile(
    text: str, old: ImageVersions, new: ImageVersions
) -> tuple[str, list[str]]:
    summary: list[str] = []
    text, count = _replace_image_references(text, old, new)
    if count:
        summary.append(f"{old.base_image} -> {new.base_image} ({_places(count)})")
    text, count = _replace_alpine_references(text, old, new)
    if count:
        summary.append(f"alpine:{old.alpine} -> alpine:{new.alpine} ({_places(count)})")

    for label, old_value, new_value in (
        ("org.nodeship.node.version", old.node, new.node),
        ("org.nodeship.alpine.version", old.alpine, new.alpine),
    ):
        pattern = re.compile(rf'({re.escape(label)}="){re.escape(old_value)}(?=")')
        text, count = pattern.subn(rf"\g<1>{new_value}", text)
        if count and old_value != new_value:
            summary.append(f"label {label} {old_value} -> {new_value}")

    if old.project_version != new.project_version:
        names = "|".join(_VERSION_BUILD_ARGS)
        pattern = re.compile(
            rf"^(\s*ARG\s+(?:{names})=)([\"']?){re.escape(old.project_version)}\2"
            r"(?=\s*$)",
            re.MULTILINE,
        )
        text, count = pattern.subn(
            lambda match: f"{match[1]}{match[2]}{new.project_version}{match[2]}", text
        )
        if count:
            summary.append(
                f"ARG default {old.project_version} -> {new.project_version}"
            )
    return text, summary


def _edit_nvmrc(
    text: str, old: ImageVersions, new: ImageVersions
) -> tuple[str, list[str]]:
    pattern = re.compile(rf"^(\s*v?){re.escape(old.node)}(?=\s*$)")
    edited, count = pattern.subn(rf"\g<1>{new.node}", text, count=1)
    if count != 1:
        raise ValueError(f"it does not contain Node.js {old.node} alone")
    summary = [f"{old.node} -> {new.node}"] if old.node != new.node else []
    return edited, summary


def _edit_package_json(
    text: str, old: ImageVersions, new: ImageVersions
) -> tuple[str, list[str]]:
    document = json.loads(text)
    replacements: dict[JsonPath, str] = {}
    summary: list[str] = []
    if old.project_version != new.project_version:
        replacements[("version",)] = new.project_version
        summary.append(f"version {old.project_version} -> {new.project_version}")

    # nodeship new writes engines.node as >=<major>; other ranges are the
    # project's own choice and stay as they are.
    old_major, new_major = old.node.split(".")[0], new.node.split(".")[0]
    engines = string_value(document, ("engines", "node"))
    if old_major != new_major and engines == f">={old_major}":
        replacements[("engines", "node")] = f">={new_major}"
        summary.append(f"engines.node >={old_major} -> >={new_major}")
    return _apply_json(text, replacements), summary


def _edit_package_lock(
    text: str, old: ImageVersions, new: ImageVersions
) -> tuple[str, list[str]]:
    if old.project_version == new.project_version:
        return text, []
    document = json.loads(text)
    replacements: dict[JsonPath, str] = {}
    summary: list[str] = []
    # The root version, and the root package's entry in lockfile versions 2 and 3.
    for path, label in (
        (("version",), "version"),
        (("packages", "", "version"), 'packages[""].version'),
    ):
        current = string_value(document, path)
        if current is not None and current != new.project_version:
            replacements[path] = new.project_version
            summary.append(f"{label} {current} -> {new.project_version}")
    return _apply_json(text, replacements), summary


def _edit_answers_record(
    text: str, old: ImageVersions, new: ImageVersions
) -> tuple[str, list[str]]:
    document = json.loads(text)
    replacements: dict[JsonPath, str] = {}
    summary: list[str] = []
    for key, value in (
        ("node", new.node),
        ("alpine", new.alpine),
        ("project_version", new.project_version),
    ):
        current = string_value(document, ("answers", key))
        if current is not None and current != value:
            replacements[("answers", key)] = value
            summary.append(f"answers.{key} {current} -> {value}")
    return _apply_json(text, replacements), summary


def _edit_readme(
    text: str, old: ImageVersions, new: ImageVersions
) -> tuple[str, list[str]]:
    # The sentence naming the tag the project started at stays as it is, because
    # it records where the project began, and `npm run image-tag` prints the
    # current tag.
    summary: list[str] = []
    text, count = _replace_image_references(text, old, new)
    if count:
        summary.append(f"{old.base_image} -> {new.base_image} ({_places(count)})")
    text, count = _replace_alpine_references(text, old, new)
    if count:
        summary.append(f"alpine:{old.alpine} -> alpine:{new.alpine} ({_places(count)})")
    if old.node != new.node:
        # The sentence nodeship new writes: Use the Node.js version in `.nvmrc` (X).
        pattern = re.compile(rf"(`\.nvmrc` \(){re.escape(old.node)}(\))")
        text, count = pattern.subn(rf"\g<1>{new.node}\g<2>", text)
        if count:
            summary.append(f".nvmrc version {old.node} -> {new.node}")
    return text, summary


def _edit_ci_file(
    text: str, old: ImageVersions, new: ImageVersions
) -> tuple[str, list[str]]:
    summary: list[str] = []
    text, count = _replace_image_references(text, old, new)
    if count:
        summary.append(f"{old.base_image} -> {new.base_image} ({_places(count)})")
    if old.node != new.node:
        pattern = re.compile(
            rf"^(\s*-?\s*node-version:\s*[\"']?){re.escape(old.node)}"
            r"(?=[\"']?\s*(?:#.*)?$)",
            re.MULTILINE,
        )
        text, count = pattern.subn(rf"\g<1>{new.node}", text)
        if count:
            summary.append(f"node-version {old.node} -> {new.node} ({_places(count)})")
    return text, summary


def _places(count: int) -> str:
    return "1 place" if count == 1 else f"{count} places"


def _apply_json(text: str, replacements: dict[JsonPath, str]) -> str:
    return replace_string_values(text, replacements) if replacements else text


def _check_dockerfile(
    changes: list[FileChange], new: ImageVersions, directory: Path
) -> None:
    """Raise BumpError unless every FROM of the new Dockerfile pins the new image."""
    change = next((c for c in changes if c.path == DOCKERFILE), None)
    if change is None:
        raise BumpError(
            f"the FROM lines of {directory / DOCKERFILE} were not changed",
            hint="edit the FROM lines by hand; no file was changed",
        )
    pins = find_base_image_pins(change.new_text, directory)
    stale = [pin for pin in pins if (pin.node, pin.alpine) != (new.node, new.alpine)]
    if stale:
        lines = ", ".join(str(pin.line_number) for pin in stale)
        raise BumpError(
            f"FROM lines {lines} of {directory / DOCKERFILE} still name the old "
            "image after the edit",
            hint="edit the FROM lines by hand; no file was changed",
        )
