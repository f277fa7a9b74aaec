"""``verify_project``: build a project's image, run it, check it, and clean up."""

from __future__ import annotations

import contextlib
import functools
import logging
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import docker.errors

from nodeship.errors import NodeshipError
from nodeship.verify import checks
from nodeship.verify.build import (
    BuildResult,
    build_image,
    ensure_base_images,
    image_attributes,
)
from nodeship.verify.cli_run import CliRuns, run_cli_image
from nodeship.verify.engine import (
    connect_engine,
    engine_lost_error,
    is_connection_loss,
)
from nodeship.verify.files import list_container_files
from nodeship.verify.project import Project, load_project, rfc3339_now
from nodeship.verify.report import (
    CheckResult,
    ProgressCallback,
    ProgressEvent,
    VerifyReport,
)
from nodeship.verify.run import RunResult, RunSettings, run_container

logger = logging.getLogger(__name__)

_SOURCE_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")
# Folders left out of the copy used for the rebuild; the generated .dockerignore
# leaves them out of the build context as well.
_COPY_IGNORED = shutil.ignore_patterns("node_modules", ".git")


@dataclass
class _Rebuild:
    """The build after a source change, or why there was none."""

    result: BuildResult | None = None
    changed_file: str | None = None


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
    when a step fails. ``health_timeout`` is in seconds.

    Raises:
        InvalidInputError: the folder is not a project (package.json or Dockerfile
            missing or invalid).
        EngineUnreachableError: the Docker engine did not respond to a ping, or
            the connection to it broke later. The message names what may be left.
        BaseImageUnavailableError: a base image is neither present nor pullable.
        BuildFailedError: the image build failed.
    """
    emit = _Emitter(progress)
    project = load_project(project_dir.resolve())
    emit.phase(f"connecting to the Docker engine for {project.path}")
    client = connect_engine()

    base_images = project.dockerfile.base_images()
    emit.phase(f"checking base images: {', '.join(base_images)}")
    with _report_engine_loss(emit):
        ensure_base_images(client, base_images)

    image = f"{project.image_repository}:{project.image_tag or 'latest'}"
    with (
        _cleanup(client, keep=keep) as created,
        _report_engine_loss(emit, created, image),
    ):
        emit.phase(f"building {image}")
        build = build_image(
            client,
            context=project.path,
            tag=image,
            build_args=project.build_args(),
            progress=emit,
        )
        created.images.append(image)
        created.add_step_images(build, always_removed=False)

        rebuild = _Rebuild()
        if check_rebuild:
            rebuild = _rebuild_after_source_change(
                client, project, image=image, created=created, emit=emit
            )

        emit.phase(f"running {image}")
        cli_runs: CliRuns | None = None
        if project.app_type == "cli":
            cli_runs = run_cli_image(
                client,
                build.image_id,
                name_prefix="nodeship-verify",
                on_created=created.containers.append,
                timeout=health_timeout,
            )
            run = cli_runs.as_run_result()
            container = created.containers[0]
        else:
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
        app_files = list_container_files(container, workdir)
        facts = checks.ImageFacts.from_inspect(attributes, app_files)
        return VerifyReport(
            project_dir=str(project.path),
            image=image,
            image_id=build.image_id,
            image_tag=project.image_tag or "",
            base_images=base_images,
            container=str(container.name),
            checks=_run_checks(
                project=project,
                facts=facts,
                build=build,
                rebuild=rebuild,
                run=run,
                cli_runs=cli_runs,
            ),
            kept=keep,
            build_log=build.log,
        )


def _run_checks(
    *,
    project: Project,
    facts: checks.ImageFacts,
    build: BuildResult,
    rebuild: _Rebuild,
    run: RunResult,
    cli_runs: CliRuns | None = None,
) -> list[CheckResult]:
    results = [
        checks.check_non_root(facts, run),
        checks.check_no_secret_files(facts),
        checks.check_production_dependencies(facts, project),
        checks.check_oci_labels(facts, project),
        checks.check_image_tag(project),
        *checks.check_image_size(facts),
    ]
    if cli_runs is not None:
        # A cli exits when its command is done, so it has no startup, health
        # endpoint or SIGTERM to measure; its runs with arguments replace them.
        results += [
            checks.check_cli_version(cli_runs, project),
            checks.check_cli_default_command(cli_runs),
        ]
    else:
        results.append(checks.check_startup(run))
        if project.app_type == "api":
            results.append(checks.check_health_endpoint(run))
        results.append(checks.check_shutdown(run))
    results += [
        checks.check_dependency_cache(build, rebuild.result, rebuild.changed_file),
        checks.check_npm_config_warnings(build),
    ]
    return results


def _rebuild_after_source_change(
    client: docker.DockerClient,
    project: Project,
    *,
    image: str,
    created: _Created,
    emit: _Emitter,
) -> _Rebuild:
    """Rebuild a copy of the project with one source file changed.

    The rebuild gets a new creation time and revision, as the CI build of the next
    commit would, so label ARGs declared above the install step show up as a miss.
    """
    with tempfile.TemporaryDirectory(prefix="nodeship-verify-") as scratch:
        copy = Path(scratch) / project.path.name
        shutil.copytree(project.path, copy, ignore=_COPY_IGNORED, symlinks=True)
        changed_file = _change_one_source_file(copy)
        if changed_file is None:
            logger.info("no source file found to change; skipping the rebuild")
            return _Rebuild()

        rebuild_image = f"{image}-rebuild-{uuid.uuid4().hex[:8]}"
        # Listed before the build, so a lost engine connection names this tag too.
        # The rebuild image only serves the comparison, so even --keep drops it.
        created.images.append(rebuild_image)
        created.always_removed.append(rebuild_image)
        emit.phase(f"rebuilding after a change to {changed_file}")
        label_values = {
            **project.label_values,
            "created": rfc3339_now(),
            "revision": "verify-rebuild",
        }
        result = build_image(
            client,
            context=copy,
            tag=rebuild_image,
            build_args=project.build_args(label_values),
            progress=emit,
        )
        created.add_step_images(result, always_removed=True)
        return _Rebuild(result, changed_file)


def _change_one_source_file(project_copy: Path) -> str | None:
    """Append a comment to the first source file under src/, else at the top level."""
    source_dir = project_copy / "src"
    candidates = sorted(source_dir.rglob("*")) if source_dir.is_dir() else []
    candidates += sorted(project_copy.glob("*"))
    for path in candidates:
        if path.is_file() and path.suffix in _SOURCE_SUFFIXES:
            with path.open("a", encoding="utf-8") as source:
                source.write(
                    "\n// changed by nodeship verify to test the build cache\n"
                )
            return path.relative_to(project_copy).as_posix()
    return None


class _Emitter:
    """Send progress events to the caller's callback."""

    def __init__(self, progress: ProgressCallback | None) -> None:
        self._progress = progress
        self.last_phase = ""

    def __call__(self, event: ProgressEvent) -> None:
        if self._progress is not None:
            self._progress(event)

    def phase(self, message: str) -> None:
        # DEBUG, not INFO: the CLI prints phases already, and -v would repeat them.
        logger.debug("%s", message)
        self.last_phase = message
        self(ProgressEvent("phase", message))


@dataclass
class _Created:
    """Containers, image tags and step images made during one run, for the cleanup.

    Step images are the layers that a build made and did not take from the cache.
    Removing the final tag removes its parent layers, but not those of an earlier
    stage of a multi-stage build, which would stay behind as dangling images.
    """

    containers: list[Any] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    always_removed: list[str] = field(default_factory=list)
    step_images: list[tuple[str, bool]] = field(default_factory=list)

    def add_step_images(self, build: BuildResult, *, always_removed: bool) -> None:
        for step in build.steps:
            # A FROM step's image is the base image, which the build did not make.
            is_from = step.instruction.upper().startswith("FROM")
            if step.image_id and not step.cached and not is_from:
                self.step_images.append((step.image_id, always_removed))


@contextlib.contextmanager
def _report_engine_loss(
    emit: _Emitter, created: _Created | None = None, image: str | None = None
) -> Iterator[None]:
    """Raise EngineUnreachableError when the engine connection breaks in the body.

    The error names ``image`` and what ``created`` lists, because the cleanup
    cannot reach the engine either and they may stay on it. An image removed by
    someone else while verify runs is reported as a NodeshipError.
    """
    try:
        yield
    except NodeshipError:
        raise
    except docker.errors.ImageNotFound as error:
        # The engine is reachable, but an image that verify built is gone.
        raise NodeshipError(
            f"an image that verify built was removed from the engine while "
            f"{emit.last_phase or 'verify ran'}: {error.explanation or error}",
            hint="run verify again, and do not prune images or verify a project "
            "with the same name and version from another process at the same time",
        ) from error
    except Exception as error:
        if not is_connection_loss(error):
            raise
        containers: list[str] = []
        images = [image] if image else []
        if created is not None:
            containers = [str(container.name) for container in created.containers]
            images += [tag for tag in created.images if tag not in images]
        raise engine_lost_error(
            error, during=emit.last_phase, containers=containers, images=images
        ) from error


@contextlib.contextmanager
def _cleanup(client: docker.DockerClient, *, keep: bool) -> Iterator[_Created]:
    """Remove what the body created when it ends, except what ``keep`` keeps."""
    created = _Created()
    try:
        yield created
    finally:
        if not keep:
            for container in created.containers:
                logger.info("removing container %s", container.name)
                _ignore_missing(functools.partial(container.remove, force=True))
        for image in reversed(created.images):
            if keep and image not in created.always_removed:
                continue
            logger.info("removing image tag %s", image)
            _ignore_missing(functools.partial(client.images.remove, image))
        for image_id, always_removed in reversed(created.step_images):
            if keep and not always_removed:
                continue
            _remove_step_image(client, image_id)


def _remove_step_image(client: docker.DockerClient, image_id: str) -> None:
    """Remove a dangling step image; keep it when a tag or a child uses it."""
    try:
        # Removing an image by id also deletes its only tag, so tagged images stay.
        if client.images.get(image_id).tags:
            return
        client.images.remove(image_id, noprune=False)
    except docker.errors.NotFound:
        pass
    except docker.errors.APIError as error:
        # 409 Conflict: the image is tagged or another image builds on it.
        if error.status_code != 409:
            logger.warning("cleanup failed: %s", error)
        else:
            logger.debug("kept step image %s: %s", image_id, error.explanation)
    except OSError as error:
        # requests' connection errors subclass OSError.
        logger.warning("cleanup failed, the engine is unreachable: %s", error)


def _ignore_missing(action: Callable[[], object]) -> None:
    """Run a cleanup action; log its Docker error instead of raising it."""
    try:
        action()
    except docker.errors.NotFound:
        pass
    except docker.errors.APIError as error:
        logger.warning("cleanup failed: %s", error)
    except OSError as error:
        # requests' connection errors subclass OSError.
        logger.warning("cleanup failed, the engine is unreachable: %s", error)
