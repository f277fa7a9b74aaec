"""Locate the built-in cookiecutter template."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def builtin_template_dir() -> Path:
    """Return the template folder: inside the installed package, else the source tree.

    A wheel ships the template as ``nodeship/template`` with its hooks inside. In a
    source checkout the package is ``generator/`` and the template sits beside it, its
    ``hooks`` folder a link to the top-level ``hooks/``.
    """
    installed = PACKAGE_DIR / "template"
    if (installed / "cookiecutter.json").is_file():
        return installed
    return PACKAGE_DIR.parent / "template"
