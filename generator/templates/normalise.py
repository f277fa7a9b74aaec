"""Adjust a composed template copy before cookiecutter renders it.

Both functions change only the scratch copy that nodeship renders, never the
template or overlay folders themselves.
"""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path

_WORKFLOW_EXPRESSION = re.compile(r"\$\{\{.*?\}\}")
_WORKFLOW_SUFFIXES = (".yml", ".yaml")


def force_lf_output(template: Path) -> None:
    """Make cookiecutter write every rendered file with LF line endings.

    A template checked out with CRLF (``core.autocrlf=true``) would otherwise give
    shell scripts whose shebang ends in ``\\r``, which Alpine cannot execute.
    """
    config_path = template / "cookiecutter.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["_new_lines"] = "\n"
    config_path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")


def keep_workflow_expressions(template: Path) -> None:
    """Wrap CI expressions such as ``${{ github.ref }}`` in Jinja raw blocks.

    Jinja would otherwise read them as its own variables and fail on ``github``
    being undefined. Files that already use ``{% raw %}``, files copied without
    rendering, and expressions that contain a cookiecutter variable are left alone.
    """
    config = json.loads((template / "cookiecutter.json").read_text(encoding="utf-8"))
    unrendered = config.get("_copy_without_render", [])
    for project in template.glob("*cookiecutter*"):
        if not project.is_dir():
            continue
        for path in project.rglob("*"):
            relative = path.relative_to(project).as_posix()
            if not path.is_file() or not path.name.endswith(_WORKFLOW_SUFFIXES):
                continue
            if any(fnmatch.fnmatch(relative, pattern) for pattern in unrendered):
                continue
            _wrap_expressions(path)


def _wrap_expressions(path: Path) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return
    if "{% raw" in text or "{%- raw" in text or "${{" not in text:
        return

    def wrap(match: re.Match[str]) -> str:
        expression = match.group(0)
        if "cookiecutter." in expression:
            return expression
        return "{% raw %}" + expression + "{% endraw %}"

    path.write_text(_WORKFLOW_EXPRESSION.sub(wrap, text), encoding="utf-8")
