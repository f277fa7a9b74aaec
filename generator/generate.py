"""Render the template into a new folder, all or nothing."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from nodeship import __version__
from nodeship.errors import (
    GenerationError,
    InterruptedByUserError,
    TargetExistsError,
)
from nodeship.questions import Answers

logger = logging.getLogger(__name__)

ANSWERS_RECORD = ".nodeship.json"


@dataclass(frozen=True)
class GenerateResult:
    """A generated project: where it is and what went into it."""

    path: Path
    answers: Answers
    image_tag: str
    lockfile: bool


def cookiecutter_context(answers: Answers, *, install: bool) -> dict[str, str]:
    """Map answers to the template's cookiecutter variables (all strings)."""
    return {
        "project_name": answers["name"],
        "project_slug": answers["slug"],
        "package_name": answers["package_name"],
        "description": answers["description"],
        "project_version": answers["project_version"],
        "app_type": answers["type"],
        "port": str(answers["port"] or ""),
        "node_version": answers["node"],
        "alpine_version": answers["alpine"],
        "ci": answers["ci"],
        "image": answers["image"],
        "install": "yes" if install else "no",
    }


def image_tag(answers: Answers) -> str:
    """Return the immutable tag ``<alpine>-v<node>-<version>`` for the answers."""
    return f"{answers['alpine']}-v{answers['node']}-{answers['project_version']}"


def generate(
    *, answers: Answers, target: Path, template_dir: Path, install: bool
) -> GenerateResult:
    """Render ``template_dir`` with ``answers`` into ``target``, which must not exist.

    The project is rendered into a temporary folder beside ``target`` and moved into
    place only when rendering and every hook succeeded, so a failure or Ctrl-C leaves
    no folder behind.
    """
    target = target.absolute()
    if target.exists() or target.is_symlink():
        raise TargetExistsError(
            f"{target} already exists; nodeship never overwrites a folder",
            hint="pass another DIRECTORY or --slug, or remove the folder yourself",
        )
    context = cookiecutter_context(answers, install=install)
    with _created_parents(target.parent), _scratch_folder(target.parent) as scratch:
        rendered = _render(template_dir, context, scratch)
        _write_answers_record(rendered, answers)
        lockfile = (rendered / "package-lock.json").is_file()
        if target.exists():
            raise TargetExistsError(
                f"{target} appeared while nodeship was rendering; it was left alone",
                hint="pass another DIRECTORY",
            )
        rendered.rename(target)
    logger.info("generated %s", target)
    return GenerateResult(target, dict(answers), image_tag(answers), lockfile)


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
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _render(template_dir: Path, context: dict[str, str], scratch: Path) -> Path:
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
        with _stdout_to_stderr():
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
            f"a hook of template {template_dir} failed: {error}",
            hint="read the hook's output above; nothing was written",
        ) from None
    except (CookiecutterException, TemplateError) as error:
        where = getattr(error, "filename", None) or template_dir
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
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _write_answers_record(project: Path, answers: Answers) -> None:
    record = {
        "nodeship_version": __version__,
        "template": "builtin",
        "answers": answers,
    }
    text = json.dumps(record, indent=2, ensure_ascii=False) + "\n"
    (project / ANSWERS_RECORD).write_text(text, encoding="utf-8")
