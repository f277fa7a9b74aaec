"""Order rules for a template's Dockerfile that hadolint does not enforce.

Each stage that runs a package manager needs a WORKDIR first: without one, npm runs
in ``/`` and fails ("Tracker idealTree already exists"). A non-root USER before that
WORKDIR makes Docker create the folder owned by root, so ``npm ci`` as that user
fails with EACCES.
"""

from __future__ import annotations

import re

_PACKAGE_MANAGER = re.compile(r"\b(npm|npx|pnpm|yarn|corepack)\b")
_ROOT_USERS = {"root", "0", "0:0", "root:root"}


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """Return (INSTRUCTION, arguments) pairs, with continuation lines joined."""
    joined = re.sub(r"\\\r?\n", " ", dockerfile)
    pairs = []
    for line in joined.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        keyword, _, arguments = stripped.partition(" ")
        pairs.append((keyword.upper(), arguments.strip()))
    return pairs


def order_problems(dockerfile: str) -> list[str]:
    """Return one message per stage that runs a package manager out of order."""
    problems = []
    stage = 0
    workdir_seen = False
    user: str | None = None
    for keyword, arguments in instructions(dockerfile):
        if keyword == "FROM":
            stage += 1
            workdir_seen, user = False, None
        elif keyword == "WORKDIR":
            if user is not None and user not in _ROOT_USERS:
                problems.append(
                    f"stage {stage}: USER {user} comes before WORKDIR {arguments}, "
                    "so the folder is owned by root and npm cannot write to it"
                )
            workdir_seen = True
        elif keyword == "USER":
            user = arguments
        elif (
            keyword == "RUN" and _PACKAGE_MANAGER.search(arguments) and not workdir_seen
        ):
            problems.append(
                f"stage {stage}: {arguments.split()[0]} runs before any WORKDIR"
            )
            workdir_seen = True
    return problems
