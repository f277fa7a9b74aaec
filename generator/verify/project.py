"""Read what verify needs from a project folder: manifests, Dockerfile, app type."""

from __future__ import annotations

import json
import logging
import re
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nodeship.errors import InvalidInputError
from nodeship.verify.dockerfile import Dockerfile, parse_dockerfile
from nodeship.verify.tag import compute_image_tag

logger = logging.getLogger(__name__)

# The record of answers that `nodeship new` writes into each project.
ANSWERS_RECORD = ".nodeship.json"

# Build argument names that carry each OCI label value, in order of preference. Only
# names that the Dockerfile declares are passed, so the builder warns about none.
LABEL_BUILD_ARGS = {
    "version": ("VERSION", "APP_VERSION", "IMAGE_VERSION"),
    "revision": ("REVISION", "VCS_REF", "GIT_COMMIT", "GIT_SHA"),
    "created": ("CREATED", "BUILD_DATE"),
}


# The lockfiles each package manager installs from, the first being the one its
# install command writes. The manager comes from package.json's "packageManager"
# field, such as "pnpm@9.12.0", and is npm when the field is missing.
LOCKFILES = {
    "npm": ("package-lock.json", "npm-shrinkwrap.json"),
    "pnpm": ("pnpm-lock.yaml",),
    "yarn": ("yarn.lock",),
}
# Install options that fail without a lockfile: `npm ci`, pnpm and Yarn 1
# `--frozen-lockfile`, Yarn 2+ `--immutable`.
_LOCKFILE_ONLY_INSTALL = re.compile(r"\bnpm\s+ci\b|--frozen-lockfile|--immutable\b")


@dataclass(frozen=True)
class Project:
    """A project folder with its parsed package.json, lockfile and Dockerfile."""

    path: Path
    name: str
    version: str
    dependencies: dict[str, str]
    dev_dependencies: dict[str, str]
    lock_packages: dict[str, Any]
    dockerfile: Dockerfile
    image_tag: str | None
    image_tag_error: str
    app_type: str
    port: int | None
    revision: str
    label_values: dict[str, str] = field(default_factory=dict)

    @property
    def image_repository(self) -> str:
        """Return the repository verify tags its image with, e.g. nodeship-verify/x."""
        bare_name = self.name.rsplit("/", 1)[-1]
        slug = re.sub(r"[^a-z0-9._-]+", "-", bare_name.lower()).strip("-._")
        return f"nodeship-verify/{slug or 'project'}"

    def build_args(self, label_values: dict[str, str] | None = None) -> dict[str, str]:
        """Return the label build arguments the Dockerfile declares, with values."""
        values = label_values or self.label_values
        arguments: dict[str, str] = {}
        for label, names in LABEL_BUILD_ARGS.items():
            for name in names:
                if name in self.dockerfile.arg_names:
                    arguments[name] = values[label]
                    break
        return arguments


def load_project(path: Path) -> Project:
    """Read ``path`` as a project to verify.

    Raises:
        InvalidInputError: the folder, its package.json or its Dockerfile is missing
            or unreadable.
    """
    if not path.is_dir():
        raise InvalidInputError(
            f"{path} is not a folder", hint="pass the folder of a generated project"
        )
    package_text = _read_required(path / "package.json")
    dockerfile_text = _read_required(path / "Dockerfile")
    package = _parse_json_object(path / "package.json", package_text)
    try:
        dockerfile = parse_dockerfile(dockerfile_text)
    except ValueError as error:
        raise InvalidInputError(f"{path / 'Dockerfile'}: {error}") from error
    _require_lockfile(path, package, dockerfile)

    lock_path = path / "package-lock.json"
    lock: dict[str, Any] = {}
    if lock_path.exists():
        lock = _parse_json_object(lock_path, _read_required(lock_path))
    app_type, port = _app_type_and_port(path, dockerfile)
    version = str(package.get("version", ""))
    image_tag: str | None = None
    image_tag_error = ""
    try:
        image_tag = compute_image_tag(dockerfile_text, package_text)
    except InvalidInputError as error:
        image_tag_error = error.message
    revision = git_revision(path)
    return Project(
        path=path,
        name=str(package.get("name") or path.name),
        version=version,
        dependencies=dict(package.get("dependencies") or {}),
        dev_dependencies=dict(package.get("devDependencies") or {}),
        lock_packages=dict(lock.get("packages") or {}),
        dockerfile=dockerfile,
        image_tag=image_tag,
        image_tag_error=image_tag_error,
        app_type=app_type,
        port=port,
        revision=revision,
        label_values={
            "version": version,
            "revision": revision,
            "created": rfc3339_now(),
        },
    )


def _require_lockfile(
    path: Path, package: dict[str, Any], dockerfile: Dockerfile
) -> None:
    """Raise when the Dockerfile installs from a lockfile that the project lacks.

    The Dockerfile needs the lockfile when an instruction names it or a RUN step
    uses an install that fails without one. Managers other than npm, pnpm and
    Yarn are not checked.

    Raises:
        InvalidInputError: the lockfile is missing; the hint gives the command
            that creates it.
    """
    manager = str(package.get("packageManager") or "npm").split("@", 1)[0]
    lockfiles = LOCKFILES.get(manager)
    if lockfiles is None or any((path / name).is_file() for name in lockfiles):
        return
    instructions = [
        instruction for stage in dockerfile.stages for instruction in stage.instructions
    ]
    named = any(
        name in instruction.arguments
        for instruction in instructions
        for name in lockfiles
    )
    installs = any(
        instruction.keyword == "RUN"
        and _LOCKFILE_ONLY_INSTALL.search(instruction.arguments)
        for instruction in instructions
    )
    if not (named or installs):
        return
    lockfile = lockfiles[0]
    raise InvalidInputError(
        f"{path / lockfile} is missing, and the Dockerfile installs the "
        f"dependencies from it",
        hint=f"run `{manager} install` in {path} to create {lockfile}, commit it, "
        "and run verify again",
    )


def _read_required(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise InvalidInputError(
            f"{path} is missing", hint="run verify on a folder made by `nodeship new`"
        ) from error
    except OSError as error:
        raise InvalidInputError(f"cannot read {path}: {error}") from error


def _parse_json_object(path: Path, text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInputError(f"{path} is not valid JSON: {error}") from error
    if not isinstance(data, dict):
        raise InvalidInputError(f"{path} does not contain a JSON object")
    return data


def _app_type_and_port(path: Path, dockerfile: Dockerfile) -> tuple[str, int | None]:
    """Return the app type and port from the answers record, else from EXPOSE.

    A project without the record is an api when its final stage exposes a port,
    a cli when its ENTRYPOINT runs node, and a worker otherwise.
    """
    record_path = path / ANSWERS_RECORD
    exposed = dockerfile.exposed_ports()
    if record_path.exists():
        record = _parse_json_object(record_path, _read_required(record_path))
        answers = record.get("answers", record)
        app_type = str(answers.get("type") or ("api" if exposed else "worker"))
        port = answers.get("port") or (exposed[0] if exposed else None)
        return app_type, int(port) if app_type == "api" and port else None
    if exposed:
        return "api", exposed[0]
    entrypoints = [
        item.arguments
        for item in dockerfile.final_stage.instructions
        if item.keyword == "ENTRYPOINT"
    ]
    # An init process such as tini is an ENTRYPOINT too; a cli's runs node.
    if entrypoints and '"node"' in entrypoints[-1]:
        return "cli", None
    return "worker", None


def git_revision(path: Path) -> str:
    """Return ``git rev-parse HEAD`` in ``path``, or ``"unknown"`` outside a repo."""
    command = ["git", "rev-parse", "HEAD"]
    logger.info("running %s in %s", " ".join(command), path)
    try:
        completed = subprocess.run(
            command, cwd=path, capture_output=True, text=True, check=False, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        logger.info("git rev-parse failed (%s); revision is unknown", error)
        return "unknown"
    if completed.returncode != 0:
        logger.info("not a git work tree with commits; revision is unknown")
        return "unknown"
    return completed.stdout.strip()


def rfc3339_now() -> str:
    """Return the current UTC time in RFC 3339, e.g. 2025-01-31T12:00:00Z."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
