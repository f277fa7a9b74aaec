"""Decide whether a template's hooks may run.

Hooks are Python or shell scripts that run on this machine with the user's rights.
The hooks of a template on a local path run like any code the user checked out. The
hooks of a template fetched from a URL run only with ``--trust`` or when the URL
matches a trusted pattern.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from pathlib import Path

from nodeship.templates.errors import UntrustedHooksError
from nodeship.templates.record import TemplateSource

HOOK_NAMES = ("pre_prompt", "pre_gen_project", "post_gen_project")


def hook_files(template: Path) -> list[Path]:
    """Return the hook scripts cookiecutter would run for ``template``."""
    hooks = template / "hooks"
    if not hooks.is_dir():
        return []
    return sorted(
        path
        for path in hooks.iterdir()
        if path.is_file() and path.name.split(".")[0] in HOOK_NAMES
    )


def is_trusted(location: str, patterns: Sequence[str]) -> bool:
    """Return whether ``location`` matches one of the shell-style ``patterns``."""
    return any(fnmatch.fnmatchcase(location, pattern) for pattern in patterns)


def require_trusted_hooks(
    template: Path,
    source: TemplateSource,
    *,
    trust: bool,
    trusted_patterns: Sequence[str] = (),
) -> None:
    """Raise UntrustedHooksError when a fetched template has hooks and is not trusted.

    ``trusted_patterns`` are shell-style patterns of template URLs, such as
    ``https://git.acme.internal/*``.
    """
    if not source.remote or trust or is_trusted(source.location, trusted_patterns):
        return
    hooks = hook_files(template)
    if not hooks:
        return
    names = ", ".join(f"hooks/{path.name}" for path in hooks)
    raise UntrustedHooksError(
        f"template {source.location} was fetched from a URL and has hooks that "
        f"would run on this machine: {names}; nothing was written",
        hint="read the hooks, then pass --trust to run them",
    )
