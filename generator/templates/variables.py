"""Compare the variables a template uses with the ones nodeship provides.

Cookiecutter drops an extra-context value whose key is not in ``cookiecutter.json``
and stops with an undefined-variable error deep into the render, so nodeship checks
both directions first and reports every mismatch by name in one error.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from nodeship.templates.errors import TemplateMismatchError

_RAW_BLOCK = re.compile(r"{%-?\s*raw\s*-?%}.*?{%-?\s*endraw\s*-?%}", re.DOTALL)
_JINJA_COMMENT = re.compile(r"{#.*?#}", re.DOTALL)
_JINJA_SPAN = re.compile(r"{{.*?}}|{%.*?%}", re.DOTALL)
# A name followed by "-name" parts: Jinja reads `cookiecutter.service-port` as the
# subtraction `cookiecutter.service - port`, so it is reported as one invalid name.
_ATTRIBUTE = re.compile(r"\bcookiecutter\.([A-Za-z_]\w*(?:-[A-Za-z_]\w*)*)")
_SUBSCRIPT = re.compile(r"\bcookiecutter\[\s*['\"]([^'\"]+)['\"]\s*\]")
_VALID_NAME = re.compile(r"^[A-Za-z_]\w*$")


@dataclass
class VariableUsage:
    """The template-relative paths that use each ``cookiecutter.X`` name."""

    used: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, where: str) -> None:
        places = self.used.setdefault(name, [])
        if where not in places:
            places.append(where)


def project_folder(template: Path) -> Path | None:
    """Return the template's project folder, the one cookiecutter renders."""
    for child in sorted(template.iterdir()):
        if child.is_dir() and "cookiecutter" in child.name and "{{" in child.name:
            return child
    return None


def read_template_config(template: Path) -> dict[str, object]:
    """Read the template's cookiecutter.json as an object."""
    path = template / "cookiecutter.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise TemplateMismatchError(
            f"{path} cannot be read: {error}",
            hint="fix cookiecutter.json; nothing was written",
        ) from None
    if not isinstance(data, dict):
        raise TemplateMismatchError(
            f"{path} is not a JSON object",
            hint="cookiecutter.json maps variable names to default values",
        )
    return data


def find_usage(template: Path, copy_without_render: Collection[str]) -> VariableUsage:
    """Scan the files cookiecutter renders for ``cookiecutter.X`` references.

    Those are cookiecutter.json, the hooks, and the project folder's file names and
    contents, except files matched by ``_copy_without_render`` and binary files.
    """
    usage = VariableUsage()
    _scan_text(template / "cookiecutter.json", "cookiecutter.json", usage)
    hooks = template / "hooks"
    if hooks.is_dir():
        for path in sorted(hooks.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                _scan_text(path, path.relative_to(template).as_posix(), usage)
    folder = project_folder(template)
    if folder is None:
        return usage
    _scan_name(folder.name, folder.name, usage)
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(template).as_posix()
        _scan_name(path.name, relative, usage)
        inner = path.relative_to(folder).as_posix()
        if path.is_file() and not _matches_any(inner, copy_without_render):
            _scan_text(path, relative, usage)
    return usage


def check_variables(
    *,
    template: Path,
    template_name: str,
    origins: Mapping[str, str],
    template_variables: Collection[str],
    provided: Collection[str],
    extra: Collection[str],
    copy_without_render: Collection[str],
) -> None:
    """Raise TemplateMismatchError listing every mismatch, before anything renders.

    ``template_variables`` are the keys of the template's own cookiecutter.json,
    ``provided`` the variables nodeship passes and ``extra`` the ones overlays
    declare. ``origins`` maps template paths to their layer, so that a file an
    overlay added is named with its overlay. Reported: names that are not valid
    Jinja names, names the template declares or uses that nothing provides, and
    nodeship variables the template uses without declaring them (cookiecutter would
    drop their values).
    """
    usage = find_usage(template, copy_without_render)
    problems: list[str] = []
    for name in sorted(template_variables):
        if _is_private(name):
            continue
        if not _VALID_NAME.fullmatch(name):
            problems.append(
                f"cookiecutter.json declares {name!r}, which is not a valid Jinja "
                "name; use letters, digits and underscores"
            )
        elif name not in provided:
            problems.append(
                f"cookiecutter.json declares {name!r}, which nodeship does not "
                "provide; declare it with a default in an overlay's "
                "cookiecutter.json to make it settable with --set"
            )
    for name, places in sorted(usage.used.items()):
        where = ", ".join(_with_layer(place, origins) for place in places)
        if _is_private(name):
            continue
        if not _VALID_NAME.fullmatch(name):
            fixed = name.replace("-", "_")
            problems.append(
                f"{where} uses cookiecutter.{name}, which Jinja reads as a "
                f"subtraction; name the variable {fixed}"
            )
        elif name not in provided and name not in extra:
            problems.append(
                f"{where} uses cookiecutter.{name}, which nodeship does not provide"
            )
        elif name in provided and name not in template_variables:
            problems.append(
                f"{where} uses cookiecutter.{name}, but the template's "
                f'cookiecutter.json does not declare it; add "{name}": ""'
            )
    if problems:
        raise TemplateMismatchError(
            f"template {template_name} does not match nodeship's variables:\n  "
            + "\n  ".join(problems),
            hint="nodeship provides: "
            + ", ".join(sorted(provided))
            + "; fix the template, nothing was written",
        )


def check_choices(
    config: Mapping[str, object], context: Mapping[str, object], source: str
) -> None:
    """Raise when an answer is not among the choices the template offers for it."""
    problems = []
    for name, value in context.items():
        choices = config.get(name)
        if isinstance(choices, list) and value not in choices:
            offered = ", ".join(str(choice) for choice in choices)
            problems.append(f"{name} {value!r} is not one of the choices: {offered}")
    if problems:
        raise TemplateMismatchError(
            f"template {source} does not offer these answers: " + "; ".join(problems),
            hint="pass an answer the template offers, or add it to its choices",
        )


def _with_layer(place: str, origins: Mapping[str, str]) -> str:
    layer = origins.get(place)
    if layer is None or layer in ("builtin", "template"):
        return place
    return f"{place} (from overlay {layer})"


def _is_private(name: str) -> bool:
    # Cookiecutter's own keys (_extensions, _copy_without_render, __prompts__ ...)
    # and the ones it adds while rendering (_template, _output_dir ...).
    return name.startswith("_")


def _matches_any(path: str, patterns: Collection[str]) -> bool:
    return any(fnmatch.fnmatch(path, pattern) for pattern in patterns)


def _scan_name(name: str, where: str, usage: VariableUsage) -> None:
    _scan_source(name, where, usage)


def _scan_text(path: Path, where: str, usage: VariableUsage) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return
    _scan_source(text, where, usage)


def _scan_source(text: str, where: str, usage: VariableUsage) -> None:
    text = _RAW_BLOCK.sub("", text)
    text = _JINJA_COMMENT.sub("", text)
    for span in _JINJA_SPAN.findall(text):
        for pattern in (_ATTRIBUTE, _SUBSCRIPT):
            for name in pattern.findall(span):
                usage.add(name, where)
