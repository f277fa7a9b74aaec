"""Render the cookiecutter template and read the generated files, for the tests."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

REPO_DIR = Path(__file__).resolve().parent.parent
TEMPLATE_DIR = REPO_DIR / "template"

# Answers as nodeship passes them after validation. Each test overrides a few.
BASE_ANSWERS = {
    "project_name": "Orders API",
    "project_slug": "orders-api",
    "package_name": "@acme/orders-api",
    "description": "Takes and tracks orders",
    "project_version": "1.4.2",
    "app_type": "api",
    "port": "8080",
    "node_version": "24.11.1",
    "alpine_version": "3.22",
    "ci": "github",
    "image": "",
    "install": "no",
}

COMMAND_TIMEOUT_SECONDS = 600


def render(output_dir: Path, **answers: str) -> Path:
    """Render the template into ``output_dir`` and return the project folder."""
    context = {**BASE_ANSWERS, **answers}
    project = cookiecutter(
        str(TEMPLATE_DIR),
        no_input=True,
        extra_context=context,
        output_dir=str(output_dir),
    )
    return Path(project)


def project_files(project: Path) -> list[Path]:
    """Return every file of a rendered project, outside node_modules, sorted."""
    return sorted(
        path
        for path in project.rglob("*")
        if path.is_file() and "node_modules" not in path.relative_to(project).parts
    )


def run_tool(
    command: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command in ``cwd`` and return it finished, with text output.

    Fails the test when the program is not on PATH, so that a missing linter never
    counts as a clean result.
    """
    if shutil.which(command[0]) is None:
        pytest.fail(f"{command[0]} is not on PATH; install the test tools first")
    return subprocess.run(
        command,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
    )


@dataclass
class Instruction:
    """One Dockerfile instruction, with continuation lines joined."""

    keyword: str
    arguments: str

    @property
    def words(self) -> list[str]:
        return self.arguments.split()

    @property
    def flags(self) -> list[str]:
        return [word for word in self.words if word.startswith("--")]

    @property
    def operands(self) -> list[str]:
        return [word for word in self.words if not word.startswith("--")]


@dataclass
class Stage:
    """A build stage: its FROM instruction and the instructions after it."""

    base_image: str
    name: str
    instructions: list[Instruction] = field(default_factory=list)

    def find(self, keyword: str) -> list[Instruction]:
        return [item for item in self.instructions if item.keyword == keyword]


def parse_dockerfile(text: str) -> list[Stage]:
    """Split a Dockerfile into stages. Handles comments and backslash continuations.

    Enough for the template's Dockerfile. Heredocs and parser directives are not
    supported, and the template uses neither.
    """
    stages: list[Stage] = []
    pending = ""
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        pending = ""
        instruction = Instruction(keyword.upper(), arguments.strip())
        if instruction.keyword == "FROM":
            operands = instruction.operands
            name = operands[2] if len(operands) == 3 else ""
            stages.append(Stage(base_image=operands[0], name=name))
        else:
            stages[-1].instructions.append(instruction)
    return stages


def copy_sources(instruction: Instruction) -> list[str]:
    """Return the source paths of a COPY in shell form (the operands but the last)."""
    return instruction.operands[:-1]


def _dockerignore_regex(pattern: str) -> re.Pattern[str]:
    """Translate one .dockerignore pattern into a regular expression.

    Follows Docker's rules for ``*``, ``?`` and ``**``. Character classes such as
    ``[a-z]`` are not supported, and the template uses none.
    """
    parts: list[str] = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            parts.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            parts.append(".*")
            index += 2
        elif pattern[index] == "*":
            parts.append("[^/]*")
            index += 1
        elif pattern[index] == "?":
            parts.append("[^/]")
            index += 1
        else:
            parts.append(re.escape(pattern[index]))
            index += 1
    return re.compile("".join(parts))


def read_dockerignore(text: str) -> list[str]:
    """Return the patterns of a .dockerignore file, without comments and blanks."""
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def is_ignored(path: str, patterns: list[str]) -> bool:
    """Return whether Docker leaves ``path`` out of the build context.

    As in Docker, a pattern also matches every file below a matching folder, and
    the last matching pattern decides, so ``!pattern`` can bring a path back.
    """
    parts = path.split("/")
    candidates = ["/".join(parts[:end]) for end in range(1, len(parts) + 1)]
    ignored = False
    for entry in patterns:
        negated = entry.startswith("!")
        pattern = entry[1:] if negated else entry
        regex = _dockerignore_regex(pattern.strip("/"))
        if any(regex.fullmatch(candidate) for candidate in candidates):
            ignored = not negated
    return ignored
