"""``verify_project``: build a project's image, run it, check it, and clean up."""

from __future__ import annotations

import contextlib
import io
import logging
import shutil
import tarfile
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import docker.errors

from nodeship.verify import checks
from nodeship.verify.build import (
    BuildResult,
    build_image,
    ensure_base_images,
    image_attributes,
)
from nodeship.verify.engine import connect_engine
from nodeship.verify.project import Project, load_project, rfc3339_now
from nodeship.verify.report import (
    CheckResult,
    ProgressCallback,
    ProgressEvent,
    VerifyReport,
)
from nodeship.verify.run import RunSettings, run_container

logger = logging.getLogger(__name__)

_SOURCE_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")
# Folders left out of the copy used for the rebuild; .dockerignore files leave
# them out of the build context as well.
_COPY_IGNORED = shutil.ignore_patterns("node_modules", ".git")


def verify_project(
    project_dir: Path,
    *,
    keep: bool = False,
    progress: ProgressCallback | None = None,
    health_path: str = "/health",
    health_timeout: float = 90.0,
    check_rebuild: bool = True,
) -> VerifyReport:
    """Build the image of ``project_dir``, run it, and check the image and the run.

    The image is tagged ``nodeship-verify/<name>:<immutable tag>``. Unless ``keep``
    is true, the container and the images built here are removed at the end, also
    when a step fails.

    Raises:
        InvalidInputError: the folder is not a project (package.json or Dockerfile
            missing or invalid).
        EngineUnreachableError: no Docker engine answered.
        BaseImageUnavailableError: a base image is neither present nor pullable.
        BuildFailedError: the image build failed.
    """
    emit = _Emitter(progress)
    project = load_project(project_dir.resolve())
    emit.phase(f"connecting to the Docker engine for {project.path}")
    client = connect_engine()

    base_images = project.dockerfile.base_images()
    emit.phase(f"checking base images: {', '.join(base_images)}")
    ensure_base_images(client, base_images)

    image = f"{project.image_repository}:{project.image_tag or 'latest'}"
    with _cleanup(client, keep=keep) as created:
        emit.phase(f"building {image}")
        build = build_image(
            client,
            context=project.path,
            tag=image,
            build_args=project.build_args(),
            progress=emit,
        )
        created.images.append(image)

        rebuild, changed_file = None, None
        if check_rebuild:
            rebuild, changed_file = _rebuild_after_source_change(
                client, project, image, created, emit
            )

        emit.phase(f"running {image}")
        settings = RunSettings(
            app_type=project.app_type,
            port=project.port,
            health_path=health_path,
            health_timeout=health_timeout,
        )
        run = run_container(
            client,
            build.image_id,
            settings,
            name_prefix="nodeship-verify",
            on_created=created.containers.append,
        )
        container = created.containers[-1]
        emit.phase("checking the image")
        attributes = image_attributes(client, build.image_id)
        workdir = str((attributes.get("Config") or {}).get("WorkingDir") or "/")
        facts = checks.ImageFacts.from_inspect(
            attributes, _list_app_files(container, workdir)
        )

        report = VerifyReport(
            project_dir=str(project.path),
            image=image,
            image_id=build.image_id,
            image_tag=project.image_tag or "",
            base_images=base_images,
            container=str(container.name),
            checks=_run_checks(project, facts, build, rebuild, changed_file, run),
            kept=keep,
            build_log=build.log,
        )
    return report


def _run_checks(
    project: Project,
    facts: checks.ImageFacts,
    build: BuildResult,
    rebuild: BuildResult | None,
    changed_file: str | None,
    run: Any,
) -> list[CheckResult]:
    results = [
        checks.check_non_root(facts, run),
        checks.check_no_secret_files(facts),
        checks.check_production_dependencies(facts, project),
        checks.check_oci_labels(facts, project),
        checks.check_image_tag(project),
        *checks.check_image_size(facts),
        checks.check_startup(run),
    ]
    if project.app_type == "api":
        results.append(checks.check_health_endpoint(run))
    results += [
        checks.check_shutdown(run),
        checks.check_dependency_cache(build, rebuild, changed_file),
        checks.check_npm_config_warnings(build),
    ]
    return results


def _rebuild_after_source_change(
    client: docker.DockerClient,
    project: Project,
    image: str,
    created: _Created,
    emit: _Emitter,
) -> tuple[BuildResult | None, str | None]:
    """Rebuild a copy of the project with one source file changed.

    The rebuild gets a new creation time and revision, as the CI build of the next
    commit would, so ARGs declared above the install step also show up as a miss.
    """
    with tempfile.TemporaryDirectory(prefix="nodeship-verify-") as scratch:
        copy = Path(scratch) / project.path.name
        shutil.copytree(project.path, copy, ignore=_COPY_IGNORED, symlinks=True)
        changed = _change_one_source_file(copy)
        if changed is None:
            logger.info("no source file found to change; skipping the rebuild")
            return None, None
        rebuild_image = f"{image}-rebuild-{uuid.uuid4().hex[:8]}"
        emit.phase(f"rebuilding after a change to {changed}")
        label_values = {
            **project.label_values,
            "created": rfc3339_now(),
            "revision": "verify-rebuild",
        }
        rebuild = build_image(
            client,
            context=copy,
            tag=rebuild_image,
            build_args=project.build_args(label_values),
            progress=emit,
        )
        created.images.append(rebuild_image)
        # The rebuild image only serves the comparison, so even --keep drops it.
        created.always_removed.append(rebuild_image)
        return rebuild, changed


def _change_one_source_file(project_copy: Path) -> str | None:
    """Append a comment to the first source file under src/, else at the top level."""
    candidates = (
        sorted((project_copy / "src").rglob("*"))
        if (project_copy / "src").is_dir()
        else []
    )
    candidates += sorted(project_copy.glob("*"))
    for path in candidates:
        if path.is_file() and path.suffix in _SOURCE_SUFFIXES:
            with path.open("a", encoding="utf-8") as source:
                source.write(
                    "\n// changed by nodeship verify to test the build cache\n"
                )
            return path.relative_to(project_copy).as_posix()
    return None


def _list_app_files(container: Any, workdir: str) -> list[str]:
    """Return every path under ``workdir`` in the container, relative to it."""
    stream, _ = container.get_archive(workdir)
    paths = []
    with tarfile.open(fileobj=_ChunkReader(stream), mode="r|") as archive:
        for member in archive:
            _, _, relative = member.name.partition("/")
            if relative:
                paths.append(relative)
    return sorted(paths)


class _ChunkReader(io.RawIOBase):
    """A read-only file over an iterator of byte chunks, for streaming tar reads."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = iter(chunks)
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self._buffer:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._buffer = chunk
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


class _Emitter:
    """Send progress events to the caller's callback and to the log."""

    def __init__(self, progress: ProgressCallback | None) -> None:
        self._progress = progress

    def __call__(self, event: ProgressEvent) -> None:
        if self._progress is not None:
            self._progress(event)

    def phase(self, message: str) -> None:
        # DEBUG, not INFO: the CLI prints phases already, and -v would repeat them.
        logger.debug("%s", message)
        self(ProgressEvent("phase", message))


class _Created:
    """Containers and image tags made during one run, for the cleanup."""

    def __init__(self) -> None:
        self.containers: list[Any] = []
        self.images: list[str] = []
        self.always_removed: list[str] = []


@contextlib.contextmanager
def _cleanup(client: docker.DockerClient, *, keep: bool) -> Iterator[_Created]:
    """Remove what the body created when it ends, except what ``keep`` keeps."""
    created = _Created()
    try:
        yield created
    finally:
        if not keep:
            for container in created.containers:
                _ignore_missing(lambda c=container: c.remove(force=True))
        for image in reversed(created.images):
            if keep and image not in created.always_removed:
                continue
            logger.info("removing image tag %s", image)
            _ignore_missing(lambda i=image: client.images.remove(i))


def _ignore_missing(action: Any) -> None:
    try:
        action()
    except docker.errors.NotFound:
        pass
    except docker.errors.APIError as error:
        logger.warning("cleanup failed: %s", error)
