"""Render the template into a new folder, all or nothing."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nodeship.errors import (
    GenerationError,
    InterruptedByUserError,
    TargetExistsError,
)
from nodeship.names import check_no_jinja
from nodeship.questions import Answers
from nodeship.template_source import builtin_template_dir
from nodeship.templates.layers import (
    compose_layers,
    resolve_settings,
    template_origins,
)
from nodeship.templates.record import (
    ANSWERS_RECORD,
    ProjectRecord,
    TemplateSource,
    builtin_source,
    write_record,
)
from nodeship.templates.variables import check_choices, read_template_config

logger = logging.getLogger(__name__)

# The lockfile each package manager writes; the post-gen hook creates one of them.
LOCKFILES = {
    "npm": "package-lock.json",
    "pnpm": "pnpm-lock.yaml",
    "yarn": "yarn.lock",
}

__all__ = ["ANSWERS_RECORD", "GenerateResult", "RenderedProject", "generate"]

# Layer names --explain shows for files no template layer wrote.
HOOK_LAYER = "hook"
RECORD_LAYER = "nodeship"


@dataclass(frozen=True)
class GenerateResult:
    """A generated project: where it is and what went into it.

    ``origins`` maps each generated file (POSIX path relative to the project) to
    the layer it came from: ``builtin``, ``template``, an overlay's path, ``hook``
    for files a hook created, or ``nodeship`` for the answers record. ``warnings``
    are about the recorded overlays, for the CLI to show.
    """

    path: Path
    answers: Answers
    image_tag: str
    lockfile: bool
    origins: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class RenderedProject:
    """A project rendered into a scratch folder, and each file's layer."""

    path: Path
    origins: Mapping[str, str]


def cookiecutter_context(answers: Answers, *, install: bool) -> dict[str, Any]:
    """Map answers to the template's cookiecutter variables.

    Every value is a string except ``labels``, a dict of image label keys to values.
    """
    return {
        "project_name": answers["name"],
        "project_slug": answers["slug"],
        "package_name": answers["package_name"],
        "description": answers["description"],
        "project_version": answers["project_version"],
        "app_type": answers["type"],
        # Cookiecutter accepts only one of the listed choices, so a worker or a
        # cli gets the first one. The template reads it for an api only.
        "framework": answers.get("framework") or "fastify",
        # Records written before the language question existed lack it.
        "language": answers.get("language") or "js",
        "port": str(answers["port"] or ""),
        "node_version": answers["node"],
        "alpine_version": answers["alpine"],
        "ci": answers["ci"],
        "image": answers["image"],
        "updates": answers["updates"],
        # Records written before the package manager question existed lack it.
        "package_manager": answers.get("package_manager") or "npm",
        # Records written before these questions existed lack them.
        "runtime": answers.get("runtime") or "default",
        "native_deps": answers.get("native_deps") or "no",
        "init": answers.get("init") or "no",
        "tz": answers.get("tz") or "",
        "env_example": answers.get("env_example") or "no",
        "install": "yes" if install else "no",
        "labels": dict(answers.get("labels") or {}),
        "base_image_mirror": answers.get("base_image_mirror") or "",
    }


def image_tag(answers: Answers) -> str:
    """Return the immutable tag ``<alpine>-v<node>-<version>`` for the answers."""
    return f"{answers['alpine']}-v{answers['node']}-{answers['project_version']}"


def generate(
    *,
    answers: Answers,
    target: Path,
    template_dir: Path,
    install: bool,
    source: TemplateSource | None = None,
    overlays: Sequence[Path] = (),
    settings: Mapping[str, str] | None = None,
) -> GenerateResult:
    """Render ``template_dir`` with ``answers`` into ``target``, which must not exist.

    ``source`` describes the template for the record (default: the built-in one).
    ``overlays`` are laid over the template in order, and ``settings`` are the
    ``--set`` values of the variables they declare. The project is rendered into a
    temporary folder beside ``target`` and moved into place only when rendering and
    every hook succeeded, so a failure or Ctrl-C leaves no folder behind.
    """
    target = target.absolute()
    if target.exists() or target.is_symlink():
        raise TargetExistsError(
            f"{target} already exists; nodeship never overwrites a folder",
            hint="pass another DIRECTORY or --slug, or remove the folder yourself",
        )
    source = source or builtin_source()
    overlays = [overlay.absolute() for overlay in overlays]
    settings = dict(settings or {})
    with _created_parents(target.parent), _scratch_folder(target.parent) as scratch:
        rendered = render_project(
            answers=answers,
            template_dir=template_dir,
            source=source,
            overlays=overlays,
            settings=settings,
            install=install,
            scratch=scratch,
        )
        record = ProjectRecord(
            answers=answers,
            source=source,
            overlays=tuple(str(overlay) for overlay in overlays),
            settings=settings,
        )
        warnings = write_record(rendered.path, record)
        lockfile = any((rendered.path / name).is_file() for name in LOCKFILES.values())
        if target.exists():
            raise TargetExistsError(
                f"{target} appeared while nodeship was rendering; it was left alone",
                hint="pass another DIRECTORY",
            )
        rendered.path.rename(target)
    logger.info("generated %s", target)
    origins = dict(sorted({**rendered.origins, ANSWERS_RECORD: RECORD_LAYER}.items()))
    return GenerateResult(
        target, dict(answers), image_tag(answers), lockfile, origins, warnings
    )


def render_project(
    *,
    answers: Answers,
    template_dir: Path,
    source: TemplateSource,
    overlays: Sequence[Path],
    settings: Mapping[str, str],
    install: bool,
    scratch: Path,
) -> RenderedProject:
    """Check the answers against the template, then render it below ``scratch``.

    Every check runs before cookiecutter writes a file, and everything is written
    below ``scratch``; the template and overlays are only read.
    """
    context = cookiecutter_context(answers, install=install)
    if renders_in_place(template_dir, source, overlays, settings):
        return _render_in_place(template_dir, source, context, scratch)
    return _render_composed(
        template_dir=template_dir,
        source=source,
        overlays=overlays,
        settings=settings,
        context=context,
        scratch=scratch,
    )


def renders_in_place(
    template_dir: Path,
    source: TemplateSource,
    overlays: Sequence[Path],
    settings: Mapping[str, str],
) -> bool:
    """Return whether cookiecutter can render ``template_dir`` itself, uncopied.

    Only the built-in template without overlays or ``--set`` values qualifies. It
    ships with LF line endings, ``_new_lines`` set, its CI expressions inside raw
    blocks and exactly nodeship's variables (tests/test_speed_path.py checks each),
    so composing, normalising and checking a copy would change nothing.
    """
    return (
        source.kind == "builtin"
        and not overlays
        and not settings
        and template_dir.resolve() == builtin_template_dir().resolve()
    )


def _render_in_place(
    template_dir: Path, source: TemplateSource, context: dict[str, Any], scratch: Path
) -> RenderedProject:
    """Render the built-in template from its own folder into ``scratch``."""
    check_choices(read_template_config(template_dir), context, source.location)
    _reject_jinja_in_values(context)
    logger.debug(
        "rendering template %s in place from %s", source.location, template_dir
    )
    with _no_bytecode_written():
        project = _render(template_dir, context, scratch, name=source.location)
    layers = template_origins(template_dir, source.label)
    return RenderedProject(project, _output_origins(project, layers, context))


def _render_composed(
    *,
    template_dir: Path,
    source: TemplateSource,
    overlays: Sequence[Path],
    settings: Mapping[str, str],
    context: dict[str, Any],
    scratch: Path,
) -> RenderedProject:
    """Compose the layers in ``scratch``, check and normalise the copy, render it."""
    from nodeship.templates.normalise import (
        force_lf_output,
        keep_workflow_expressions,
    )
    from nodeship.templates.variables import check_variables

    composed = compose_layers(
        base=template_dir,
        base_label=source.label,
        overlays=overlays,
        into=scratch / "template",
        protected=context.keys(),
        confine_links=source.remote,
    )
    logger.debug("rendering template %s composed in %s", source.location, composed.path)
    check_variables(
        template=composed.path,
        template_name=source.location,
        origins=composed.origins,
        template_variables=composed.template_variables,
        provided=context.keys(),
        extra=composed.extra_variables.keys(),
        copy_without_render=composed.copy_without_render,
    )
    check_choices(composed.config, context, source.location)
    context.update(resolve_settings(composed.extra_variables, settings))
    _reject_jinja_in_values(context)
    force_lf_output(composed.path)
    keep_workflow_expressions(composed.path)
    project = _render(composed.path, context, scratch, name=source.location)
    origins = _output_origins(project, composed.origins, context)
    return RenderedProject(project, origins)


def _reject_jinja_in_values(context: Mapping[str, Any]) -> None:
    """Raise when a value, or a key of a dict value, contains Jinja delimiters."""
    for key, value in context.items():
        if isinstance(value, dict):
            for label, text in value.items():
                where = f"variable {key}[{label!r}]"
                check_no_jinja(label, field=where, flag=f"the key {label}")
                check_no_jinja(text, field=where, flag=f"the value of {label}")
        else:
            check_no_jinja(value, field=f"variable {key}", flag=f"the value of {key}")


@contextlib.contextmanager
def _no_bytecode_written() -> Iterator[None]:
    """Keep Python from writing ``__pycache__`` while cookiecutter imports modules.

    cookiecutter imports the template's ``local_extensions.py``. Rendered in place,
    its bytecode would otherwise land in the template folder, which stays unchanged.
    """
    previous = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        yield
    finally:
        sys.dont_write_bytecode = previous


@contextlib.contextmanager
def _created_parents(parent: Path) -> Iterator[None]:
    """Create missing parent folders and remove the ones created if the body fails."""
    created: list[Path] = []
    for folder in reversed([parent, *parent.parents]):
        if not folder.exists():
            try:
                folder.mkdir()
            except OSError as error:
                _remove_folders(created)
                raise GenerationError(
                    f"cannot create folder {folder}: {error.strerror}",
                    hint="check the DIRECTORY path and its permissions",
                ) from None
            created.append(folder)
    try:
        yield
    except BaseException:
        _remove_folders(created)
        raise


def _remove_folders(folders: list[Path]) -> None:
    for folder in reversed(folders):
        with contextlib.suppress(OSError):
            folder.rmdir()


@contextlib.contextmanager
def _scratch_folder(parent: Path) -> Iterator[Path]:
    """Yield a temporary folder on the target's file system, always removed after."""
    try:
        scratch = Path(tempfile.mkdtemp(prefix=".nodeship-", dir=parent))
    except OSError as error:
        raise GenerationError(
            f"cannot write in {parent}: {error.strerror}",
            hint="check the folder's permissions and free space",
        ) from None
    try:
        yield scratch
    except KeyboardInterrupt:
        raise InterruptedByUserError(
            "interrupted; nothing was written", hint=None
        ) from None
    except OSError as error:
        raise GenerationError(
            f"writing the project in {parent} failed: {_describe_os_error(error)}",
            hint="check free space and permissions; nothing was written",
        ) from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _describe_os_error(error: OSError) -> str:
    """Return one line for ``error``; shutil.Error carries one entry per failed file."""
    if isinstance(error, shutil.Error) and error.args and error.args[0]:
        first = error.args[0][0]
        count = len(error.args[0])
        return f"{first[2]} (and {count - 1} more files)" if count > 1 else first[2]
    return (
        f"{error.strerror or error} ({error.filename})"
        if error.filename
        else str(error)
    )


def _render(
    template_dir: Path, context: dict[str, Any], scratch: Path, *, name: str
) -> Path:
    """Render the composed ``template_dir``. Errors call the template ``name``."""
    # Imported here: cookiecutter pulls in much of its dependency tree, which
    # `nodeship --help` and `--version` do not need.
    from cookiecutter.exceptions import CookiecutterException, FailedHookException
    from cookiecutter.main import cookiecutter
    from jinja2 import TemplateError

    config = {
        "replay_dir": str(scratch / "replay"),
        "cookiecutters_dir": str(scratch / "cache"),
    }
    output = scratch / "out"
    try:
        with _stdout_to_stderr(), _temporary_files_in(scratch / "tmp"):
            project = cookiecutter(
                str(template_dir),
                no_input=True,
                extra_context=context,
                output_dir=str(output),
                default_config=config,
                accept_hooks=True,
            )
    except FailedHookException as error:
        raise GenerationError(
            f"a hook of template {name} failed: {error}",
            hint="read the hook's output above; nothing was written",
        ) from None
    except (CookiecutterException, TemplateError) as error:
        where = getattr(error, "filename", None) or name
        raise GenerationError(
            f"rendering {where} failed: {type(error).__name__}: {error}",
            hint="fix the template; nothing was written",
        ) from None
    except OSError as error:
        raise GenerationError(
            f"writing the project failed: {error}",
            hint="check free space and permissions; nothing was written",
        ) from None
    return Path(project)


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Send hook and subprocess output to stderr, so stdout stays clean for --json."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # stdout is closed, so there is nothing to keep clean
        yield
        return
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


@contextlib.contextmanager
def _temporary_files_in(folder: Path) -> Iterator[None]:
    """Make ``tempfile`` write below ``folder``, which is removed with the scratch.

    cookiecutter writes each rendered hook to a temporary file and never deletes
    it; those files contain the answers.
    """
    folder.mkdir()
    previous = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield
    finally:
        tempfile.tempdir = previous


def _output_origins(
    project: Path, template_origins: Mapping[str, str], context: Mapping[str, Any]
) -> dict[str, str]:
    """Map each rendered file to the layer of the template file that produced it.

    Template paths are rendered with the same context as cookiecutter renders them.
    A file with no template path behind it was written by a hook.
    """
    from jinja2 import Environment, StrictUndefined, TemplateError

    environment = Environment(undefined=StrictUndefined, keep_trailing_newline=True)
    by_output: dict[str, str] = {}
    for template_path, layer in template_origins.items():
        parts = template_path.split("/")
        if parts[0] == "hooks" or len(parts) < 2:
            continue
        inner = "/".join(parts[1:])
        if "{" not in inner:
            by_output[inner] = layer
            continue
        try:
            rendered = environment.from_string(inner).render(cookiecutter=context)
        except TemplateError:
            logger.debug("cannot render path %s for --explain", template_path)
            continue
        by_output[rendered] = layer
    origins = {}
    for path in sorted(project.rglob("*")):
        relative = path.relative_to(project)
        if path.is_file() and "node_modules" not in relative.parts:
            origins[relative.as_posix()] = by_output.get(
                relative.as_posix(), HOOK_LAYER
            )
    return origins
