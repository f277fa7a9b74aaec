"""Render the cookiecutter template and read the generated files, for the tests."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
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


# CI files of a rendered project, and running their shell steps as CI would.

# Environment variables that CI runners set. They are removed from the
# environment of a step run here, so that the runner of these tests cannot leak
# its own values into the step.
_CI_VARIABLE_PREFIXES = ("GITHUB_", "RUNNER_", "CI_", "GITLAB_")


class GitLabCiLoader(yaml.SafeLoader):
    """A YAML loader that reads GitLab's ``!reference [job, key]`` tags."""


@dataclass(frozen=True)
class GitLabReference:
    """A ``!reference`` tag: the path of the value it refers to."""

    path: tuple[str, ...]


def _construct_reference(
    loader: yaml.SafeLoader, node: yaml.SequenceNode
) -> GitLabReference:
    return GitLabReference(tuple(str(item) for item in loader.construct_sequence(node)))


GitLabCiLoader.add_constructor("!reference", _construct_reference)


def load_gitlab_ci(project: Path) -> dict[str, Any]:
    """Parse the project's ``.gitlab-ci.yml``, keeping ``!reference`` tags."""
    text = (project / ".gitlab-ci.yml").read_text(encoding="utf-8")
    # GitLabCiLoader extends SafeLoader, so it builds no arbitrary objects.
    config = yaml.load(text, Loader=GitLabCiLoader)
    assert isinstance(config, dict)
    return config


def gitlab_script(config: dict[str, Any], job: str) -> list[str]:
    """Return the ``script`` lines of ``job`` with ``!reference`` tags resolved.

    GitLab flattens a referenced list into the script, and so does this.
    """
    lines: list[str] = []
    for entry in config[job]["script"]:
        if isinstance(entry, GitLabReference):
            value: Any = config
            for key in entry.path:
                value = value[key]
            lines.extend(value)
        else:
            lines.append(entry)
    return lines


def ci_environment(**variables: str) -> dict[str, str]:
    """Return this process's environment without CI variables, plus ``variables``."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(_CI_VARIABLE_PREFIXES) and name != "CI"
    }
    return {**environment, **variables}


def run_gitlab_script(
    lines: list[str], cwd: Path, variables: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run script lines in one ``sh -e`` shell, as a GitLab runner does.

    ``variables`` are the job's CI/CD variables. A failing line stops the script.
    """
    return subprocess.run(
        ["sh", "-e", "-c", "\n".join(lines)],
        cwd=cwd,
        env=ci_environment(**variables),
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
    )


def run_github_step(
    step: dict[str, Any], cwd: Path, variables: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run the ``run`` script of a workflow step with ``bash -eo pipefail``.

    That is the shell GitHub Actions uses on Linux runners. ``variables`` are the
    runner's variables (GITHUB_REF, GITHUB_OUTPUT, ...) and the step's ``env``
    is added on top, as on GitHub. The step's ``env`` values must contain no
    ``${{ }}`` expressions.
    """
    step_env = {name: str(value) for name, value in step.get("env", {}).items()}
    assert not any("${{" in value for value in step_env.values()), step_env
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=cwd,
        env=ci_environment(**variables, **step_env),
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
    )


def read_key_values(path: Path) -> dict[str, str]:
    """Read ``KEY=value`` lines, as in a dotenv report or ``$GITHUB_OUTPUT``."""
    pairs = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, separator, value = line.partition("=")
        assert separator, f"{path}: not a KEY=value line: {line!r}"
        pairs[key] = value
    return pairs
