"""The ``.nodeship.json`` record: answers, template source and version, layers."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from nodeship import __version__
from nodeship.errors import InvalidInputError
from nodeship.questions import Answers
from nodeship.templates.overlay_record import (
    RecordedOverlay,
    describe_overlay,
    read_overlay,
)

logger = logging.getLogger(__name__)

ANSWERS_RECORD = ".nodeship.json"
BUILTIN = "builtin"

TemplateKind = Literal["builtin", "path", "git", "zip"]


@dataclass(frozen=True)
class TemplateSource:
    """The origin of a template and the version of it that was rendered.

    ``location`` is ``builtin``, an absolute path or a URL without credentials.
    ``commit`` and ``tag`` are set for git templates, ``sha256`` for zip files and
    ``nodeship_version`` for the built-in template, whose versions are nodeship's.
    ``remote`` is true when the template was fetched from a URL, not a local path.
    """

    kind: TemplateKind
    location: str
    remote: bool = False
    ref: str | None = None
    commit: str | None = None
    tag: str | None = None
    sha256: str | None = None
    nodeship_version: str | None = None

    @property
    def label(self) -> str:
        """Return the layer name shown by --explain for this template's files."""
        return BUILTIN if self.kind == "builtin" else "template"

    @property
    def version(self) -> str:
        """Return the version in a form for messages: tag, commit, digest or none."""
        if self.kind == "builtin":
            return f"nodeship {self.nodeship_version}"
        if self.commit:
            return f"{self.tag} ({self.commit[:12]})" if self.tag else self.commit[:12]
        if self.sha256:
            return f"sha256 {self.sha256[:12]}"
        return "unversioned"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "remote": self.remote,
            "ref": self.ref,
            "commit": self.commit,
            "tag": self.tag,
            "sha256": self.sha256,
            "nodeship_version": self.nodeship_version,
        }


def builtin_source() -> TemplateSource:
    """Return the source of the built-in template of the running nodeship."""
    return TemplateSource(
        kind="builtin", location=BUILTIN, nodeship_version=__version__
    )


@dataclass(frozen=True)
class ProjectRecord:
    """Everything needed to render a project again: answers, template, layers.

    ``overlays`` holds recorded overlays, or local paths that ``write_record``
    turns into recorded overlays (see ``nodeship.templates.overlay_record``).
    ``settings`` holds the ``--set`` values for overlay variables. They are stored
    in plain text in the project, so they must not be secrets.
    """

    answers: Answers
    source: TemplateSource
    overlays: tuple[str | RecordedOverlay, ...] = ()
    settings: Mapping[str, str] = field(default_factory=dict)

    def to_json(self, overlays: list[RecordedOverlay]) -> dict[str, Any]:
        return {
            "nodeship_version": __version__,
            "template": self.source.location,
            "template_version": self.source.to_json(),
            "overlays": [overlay.to_json() for overlay in overlays],
            "settings": dict(self.settings),
            "answers": self.answers,
        }


def write_record(project: Path, record: ProjectRecord) -> tuple[str, ...]:
    """Write ``record`` as ``.nodeship.json`` in ``project``.

    Each overlay given as a local path is recorded by the rule of
    ``nodeship.templates.overlay_record``, judged from ``project``. Returns the
    warnings of that rule, such as an overlay commit that was never pushed.
    """
    overlays = []
    warnings: list[str] = []
    for entry in record.overlays:
        if isinstance(entry, RecordedOverlay):
            overlays.append(entry)
            continue
        described = describe_overlay(Path(entry), project)
        overlays.append(described.overlay)
        warnings.extend(described.warnings)
    data = record.to_json(overlays)
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    (project / ANSWERS_RECORD).write_text(text, encoding="utf-8")
    for warning in warnings:
        logger.info("record warning: %s", warning)
    return tuple(warnings)


def read_record(project: Path) -> ProjectRecord:
    """Read ``.nodeship.json`` from ``project``.

    Records written before the template version was stored hold only
    ``template: "builtin"``; they read as the built-in template of the nodeship
    version that wrote them.
    """
    path = project / ANSWERS_RECORD
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInputError(
            f"{path} not found, so {project} is not a project nodeship generated",
            hint="pass the folder of a project made with `nodeship new`",
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInputError(
            f"{path} cannot be read: {error}",
            hint="restore the file from git history",
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("answers"), dict):
        raise InvalidInputError(
            f"{path} has no answers object",
            hint="restore the file from git history",
        )
    return ProjectRecord(
        answers=data["answers"],
        source=_read_source(data, path),
        overlays=tuple(read_overlay(item, path) for item in data.get("overlays", [])),
        settings={str(k): str(v) for k, v in data.get("settings", {}).items()},
    )


def _read_source(data: Mapping[str, Any], path: Path) -> TemplateSource:
    location = data.get("template", BUILTIN)
    version = data.get("template_version")
    if not isinstance(version, dict):
        if location != BUILTIN:
            raise InvalidInputError(
                f"{path} names template {location!r} but no template_version",
                hint="restore the file from git history",
            )
        return TemplateSource(
            kind="builtin",
            location=BUILTIN,
            nodeship_version=str(data.get("nodeship_version")),
        )
    kind = version.get("kind")
    if kind not in ("builtin", "path", "git", "zip"):
        raise InvalidInputError(
            f"{path}: template_version.kind {kind!r} is not one of "
            "builtin, path, git, zip",
            hint="restore the file from git history",
        )
    return TemplateSource(
        kind=kind,
        location=str(location),
        remote=bool(version.get("remote", False)),
        ref=version.get("ref"),
        commit=version.get("commit"),
        tag=version.get("tag"),
        sha256=version.get("sha256"),
        nodeship_version=version.get("nodeship_version"),
    )
