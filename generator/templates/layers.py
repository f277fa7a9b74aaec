"""Lay overlays over a template in a scratch copy, remembering each file's layer.

An overlay is a folder that mirrors the template's layout: its files are added to
the template or replace the file at the same path. Its ``cookiecutter.json`` may
declare new variables with defaults, which ``--set KEY=VALUE`` then sets. The
source template and the overlays are only read; all changes go to the copy.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from nodeship.errors import InvalidInputError
from nodeship.templates.errors import TemplateSourceError
from nodeship.templates.variables import project_folder, read_template_config

TEMPLATE_CONFIG = "cookiecutter.json"
_IGNORED = (".git", "__pycache__")
# Cookiecutter keys an overlay may extend; their list values are appended.
_MERGED_LISTS = ("_extensions", "_copy_without_render")
_VALID_NAME = re.compile(r"^[A-Za-z_]\w*$")


@dataclass(frozen=True)
class OverlayVariable:
    """A variable an overlay declares, with its default and its choices (if any)."""

    name: str
    default: str
    choices: tuple[str, ...]
    overlay: str


@dataclass(frozen=True)
class ComposedTemplate:
    """The scratch copy to render, with the layer each template file came from.

    ``origins`` maps template-relative POSIX paths (under the project folder and
    ``hooks/``) to a layer label: ``builtin``, ``template`` or an overlay's path.
    ``template_variables`` are the keys of the base template's own cookiecutter.json.
    """

    path: Path
    origins: Mapping[str, str]
    template_variables: tuple[str, ...]
    extra_variables: Mapping[str, OverlayVariable]
    config: Mapping[str, object]

    @property
    def copy_without_render(self) -> tuple[str, ...]:
        patterns = self.config.get("_copy_without_render", [])
        return tuple(str(p) for p in patterns) if isinstance(patterns, list) else ()


def compose_layers(
    *,
    base: Path,
    base_label: str,
    overlays: Sequence[Path],
    into: Path,
    protected: Collection[str],
    confine_links: bool,
) -> ComposedTemplate:
    """Copy ``base`` into ``into``, then lay each overlay over it in order.

    ``protected`` names the variables nodeship sets, which an overlay may not
    declare. With ``confine_links`` (templates fetched from a URL), a symbolic link
    that points outside the template is rejected, so rendering cannot copy a local
    file into the project.
    """
    if confine_links:
        _reject_outside_links(base)
    _reject_broken_links(base)
    ignore = shutil.ignore_patterns(*_IGNORED)
    shutil.copytree(base, into, symlinks=False, ignore=ignore)
    config = read_template_config(into)
    template_variables = tuple(config)
    folder = project_folder(into)
    origins = {path: base_label for path in _layer_files(into)}
    extra: dict[str, OverlayVariable] = {}

    for overlay in overlays:
        _check_overlay(overlay, folder.name if folder else None)
        label = str(overlay)
        for relative in _layer_files(overlay, include_root=True):
            if relative == TEMPLATE_CONFIG:
                continue
            destination = into / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(overlay / relative, destination)
            shutil.copymode(overlay / relative, destination)
            origins[relative] = label
        if (overlay / TEMPLATE_CONFIG).is_file():
            _merge_overlay_config(overlay, config, extra, protected)

    (into / TEMPLATE_CONFIG).write_text(
        json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return ComposedTemplate(into, origins, template_variables, extra, config)


def resolve_settings(
    extra: Mapping[str, OverlayVariable], settings: Mapping[str, str]
) -> dict[str, str]:
    """Return every overlay variable's value: the ``--set`` value, else its default."""
    unknown = sorted(key for key in settings if key not in extra)
    if unknown:
        valid = ", ".join(sorted(extra)) or "none (no overlay declares variables)"
        raise InvalidInputError(
            f"--set has unknown keys: {', '.join(unknown)}",
            hint=f"variables the overlays declare: {valid}",
        )
    values = {}
    for name, variable in extra.items():
        value = settings.get(name, variable.default)
        if variable.choices and value not in variable.choices:
            raise InvalidInputError(
                f"--set {name}={value!r} is not one of: {', '.join(variable.choices)}",
                hint=f"pick a value that {variable.overlay}/cookiecutter.json offers",
            )
        values[name] = value
    return values


def template_origins(template: Path, label: str) -> dict[str, str]:
    """Map each file of an uncomposed template to ``label``, as compose_layers does.

    Links to folders are followed, as in the copy that compose_layers renders.
    """
    return {path: label for path in _layer_files(template, follow_links=True)}


def _layer_files(
    root: Path, *, include_root: bool = False, follow_links: bool = False
) -> list[str]:
    """Return the files of a layer that reach the render, as POSIX paths."""
    files = []
    for folder, subfolders, names in os.walk(root, followlinks=follow_links):
        subfolders[:] = sorted(name for name in subfolders if name not in _IGNORED)
        for name in sorted(names):
            relative = (Path(folder) / name).relative_to(root)
            in_root = len(relative.parts) == 1
            if in_root and not include_root:
                continue
            files.append(relative.as_posix())
    return files


def _check_overlay(overlay: Path, folder_name: str | None) -> None:
    if not overlay.is_dir():
        raise TemplateSourceError(
            f"overlay {str(overlay)!r} is not a folder",
            hint="pass --overlay with a folder that mirrors the template's layout",
        )
    for child in overlay.iterdir():
        if child.is_dir() and "{{" in child.name and child.name != folder_name:
            raise TemplateSourceError(
                f"overlay {overlay} has folder {child.name!r}, but the template's "
                f"project folder is {folder_name!r}",
                hint="rename the overlay's folder to match the template exactly",
            )


def _merge_overlay_config(
    overlay: Path,
    config: dict[str, object],
    extra: dict[str, OverlayVariable],
    protected: Collection[str],
) -> None:
    source = overlay / TEMPLATE_CONFIG
    data = read_template_config(overlay)
    for key, value in data.items():
        if key in _MERGED_LISTS:
            config[key] = _merged_list(config.get(key, []), value, key, source)
        elif key == "__prompts__" or key.startswith("_"):
            # nodeship never prompts for overlay variables and sets cookiecutter's
            # other options itself, so these keys would have no effect.
            raise InvalidInputError(
                f"{source}: key {key!r} is not supported in an overlay",
                hint="an overlay may declare variables, _extensions and "
                "_copy_without_render",
            )
        elif key in protected:
            raise InvalidInputError(
                f"{source}: {key!r} is one of nodeship's variables; an overlay "
                "cannot redeclare it",
                hint="set nodeship's answers with flags or the company config",
            )
        elif not _VALID_NAME.fullmatch(key):
            raise InvalidInputError(
                f"{source}: variable name {key!r} is not a valid Jinja name",
                hint="use letters, digits and underscores, e.g. "
                + key.replace("-", "_"),
            )
        else:
            extra[key] = _overlay_variable(key, value, source, overlay)
            config[key] = value


def _merged_list(current: object, added: object, key: str, source: Path) -> list[str]:
    if not isinstance(added, list) or not all(isinstance(v, str) for v in added):
        raise InvalidInputError(
            f"{source}: {key} must be a list of strings",
            hint=f'write "{key}": ["..."]',
        )
    merged = [str(v) for v in current] if isinstance(current, list) else []
    merged.extend(value for value in added if value not in merged)
    return merged


def _overlay_variable(
    name: str, value: object, source: Path, overlay: Path
) -> OverlayVariable:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return OverlayVariable(name, str(value), (), str(overlay))
    if (
        isinstance(value, list)
        and value
        and all(isinstance(choice, str) for choice in value)
    ):
        return OverlayVariable(name, value[0], tuple(value), str(overlay))
    raise InvalidInputError(
        f"{source}: variable {name!r} has default {value!r}",
        hint="give a text default, or a non-empty list of text choices",
    )


def _reject_broken_links(root: Path) -> None:
    """Raise when a symbolic link in the template points at nothing.

    A template copied with ``cp -r`` from nodeship's source tree has such a link:
    ``hooks`` points at ``../hooks``, which the copy lacks.
    """
    for folder, subfolders, names in os.walk(root):
        for name in [*subfolders, *names]:
            path = Path(folder) / name
            if path.is_symlink() and not path.exists():
                raise TemplateSourceError(
                    f"template file {path.relative_to(root)} in {root} is a link to "
                    f"{os.readlink(path)}, which does not exist",
                    hint="copy the template with `nodeship template init DIR`, or "
                    "replace the link with what it should point at",
                )


def _reject_outside_links(root: Path) -> None:
    resolved_root = root.resolve()
    for folder, subfolders, names in os.walk(root):
        for name in [*subfolders, *names]:
            path = Path(folder) / name
            if path.is_symlink() and not path.resolve().is_relative_to(resolved_root):
                raise TemplateSourceError(
                    f"template file {path.relative_to(root)} is a link to "
                    f"{os.readlink(path)}, outside the template",
                    hint="replace the link with the file itself",
                )
