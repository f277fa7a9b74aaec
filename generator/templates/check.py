"""Start a company template from the built-in one, and test a template's renders.

``check_template`` renders the template for a covering set of answers, in which
every choice of every question is taken at least once (see
``nodeship.templates.variants``). On each render it runs the checks nodeship's own
tests run on its built-in template, with the linters that are installed. A linter
that is missing is reported as skipped, never as passed.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from nodeship.errors import ExitCode, NodeshipError, TargetExistsError
from nodeship.questions import Context
from nodeship.template_source import builtin_template_dir
from nodeship.templates.dockerfile_rules import order_problems
from nodeship.templates.record import TemplateSource
from nodeship.templates.variants import CoveringSet, covering_variants

CHECK_NAME = "Template Check"
LEFTOVERS = ("{{cookiecutter", "{{ cookiecutter", "{%", "%}")
LINT_TIMEOUT_SECONDS = 120
# npm ci downloads every dependency; this bounds a hung registry connection.
NPM_TIMEOUT_SECONDS = 900
_EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}")
_OUTPUT_LINES_SHOWN = 15

logger = logging.getLogger(__name__)

Status = Literal["passed", "failed", "skipped"]


class TemplateCheckFailedError(NodeshipError):
    """At least one check of ``nodeship template check`` failed."""

    exit_code = ExitCode.CHECK_FAILED


@dataclass(frozen=True)
class CheckOutcome:
    """The result of one check on one render, e.g. hadolint on api-github."""

    variant: str
    check: str
    status: Status
    detail: str = ""


@dataclass(frozen=True)
class TemplateCheckReport:
    """Every outcome of ``check_template``, in the order the checks ran.

    ``variants`` names every variant rendered, in order, and ``seconds`` is the
    wall-clock time of the whole check.
    """

    template: Path
    variants: tuple[str, ...]
    outcomes: tuple[CheckOutcome, ...]
    seconds: float

    @property
    def failures(self) -> list[CheckOutcome]:
        return [outcome for outcome in self.outcomes if outcome.status == "failed"]


def init_template(destination: Path) -> Path:
    """Copy the built-in template to ``destination``, which must not exist.

    The hooks are copied as files, so the copy works outside nodeship's source tree.
    """
    destination = destination.absolute()
    if destination.exists() or destination.is_symlink():
        raise TargetExistsError(
            f"{destination} already exists; nodeship never overwrites a folder",
            hint="pass a new folder name",
        )
    shutil.copytree(
        builtin_template_dir(),
        destination,
        symlinks=False,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return destination


def check_template(
    *,
    template: Path,
    npm: bool,
    overlays: Sequence[Path] = (),
    settings: Mapping[str, str] | None = None,
) -> TemplateCheckReport:
    """Render ``template`` for every variant of the covering set; check each."""
    from nodeship.generate import render_project

    started = time.monotonic()
    template = template.absolute()
    source = TemplateSource(kind="path", location=str(template))
    context = _context()
    covering = covering_variants(context, {"name": CHECK_NAME})
    outcomes = _unreachable_outcomes(covering)
    for variant in covering.variants:
        logger.info("rendering variant %s", variant.name)
        with tempfile.TemporaryDirectory(prefix="nodeship-check-") as folder:
            try:
                rendered = render_project(
                    answers=_answers(variant.choices, context),
                    template_dir=template,
                    source=source,
                    overlays=[overlay.absolute() for overlay in overlays],
                    settings=dict(settings or {}),
                    install=npm,
                    scratch=Path(folder),
                )
            except NodeshipError as error:
                outcomes.append(
                    CheckOutcome(variant.name, "render", "failed", error.message)
                )
                continue
            outcomes.append(CheckOutcome(variant.name, "render", "passed"))
            outcomes.extend(_check_render(rendered.path, variant.name, npm))
    names = tuple(variant.name for variant in covering.variants)
    elapsed = time.monotonic() - started
    return TemplateCheckReport(template, names, tuple(outcomes), elapsed)


def _context() -> Context:
    from nodeship.refresh import load_current_table

    return Context(table=load_current_table(), today=date.today())


def _answers(choices: Mapping[str, object], context: Context) -> dict[str, object]:
    from nodeship.answers import collect_answers

    collected = collect_answers(
        given={"name": CHECK_NAME, **choices},
        implicit={},
        context=context,
        asker=None,
        assume_defaults=True,
    )
    return collected.values


def _unreachable_outcomes(covering: CoveringSet) -> list[CheckOutcome]:
    """Report each choice no variant could take, so a gap is never silent."""
    return [
        CheckOutcome(
            "coverage",
            f"{name}={choice}",
            "skipped",
            "no combination of the other answers accepts this choice",
        )
        for name, choice in covering.unreachable
    ]


# Files checked against check-jsonschema's built-in schemas, when a variant has them.
_SCHEMAS = {
    # --data-transform reads GitLab's !reference tags, which plain YAML rejects, and
    # --regex-variant matches nodeship's own GitLab CI schema test.
    ".gitlab-ci.yml": [
        "vendor.gitlab-ci",
        "--data-transform",
        "gitlab-ci",
        "--regex-variant",
        "nonunicode",
    ],
    ".github/dependabot.yml": ["vendor.dependabot"],
    "renovate.json": ["vendor.renovate"],
    "compose.yaml": ["vendor.compose-spec"],
}


def _check_render(project: Path, variant: str, npm: bool) -> list[CheckOutcome]:
    outcomes = [_leftovers(project, variant)]
    workflows = sorted(
        path.relative_to(project).as_posix()
        for pattern in ("*.yml", "*.yaml")
        for path in (project / ".github" / "workflows").glob(pattern)
    )
    if workflows:
        outcomes.append(_workflow_expressions(project, workflows, variant))
        outcomes.append(_tool(project, variant, "actionlint", workflows))
        outcomes.append(
            _tool(
                project,
                variant,
                "check-jsonschema",
                ["--builtin-schema", "vendor.github-workflows", *workflows],
            )
        )
    for name, schema_args in _SCHEMAS.items():
        if (project / name).is_file():
            args = ["--builtin-schema", *schema_args, name]
            outcomes.append(_tool(project, variant, "check-jsonschema", args))
    if (project / "Dockerfile").is_file():
        outcomes.append(_tool(project, variant, "hadolint", ["Dockerfile"]))
        outcomes.append(_dockerfile_order(project, variant))
    if npm:
        outcomes.append(_npm(project, variant))
    return outcomes


def _dockerfile_order(project: Path, variant: str) -> CheckOutcome:
    problems = order_problems((project / "Dockerfile").read_text(encoding="utf-8"))
    if problems:
        return CheckOutcome(variant, "Dockerfile order", "failed", "; ".join(problems))
    return CheckOutcome(variant, "Dockerfile order", "passed")


def _leftovers(project: Path, variant: str) -> CheckOutcome:
    found = []
    for path in sorted(project.rglob("*")):
        relative = path.relative_to(project).as_posix()
        if "node_modules" in path.parts:
            continue
        if "{{" in path.name:
            found.append(f"{relative} (file name)")
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for marker in LEFTOVERS:
            if marker in text:
                found.append(f"{relative} contains {marker!r}")
                break
    if found:
        return CheckOutcome(
            variant, "no template syntax left", "failed", "; ".join(found)
        )
    return CheckOutcome(variant, "no template syntax left", "passed")


def _workflow_expressions(
    project: Path, workflows: list[str], variant: str
) -> CheckOutcome:
    """Check that GitHub's ``${{ }}`` expressions survived rendering intact."""
    problems = []
    for workflow in workflows:
        for number, line in enumerate(
            (project / workflow).read_text(encoding="utf-8").splitlines(), start=1
        ):
            closed = _EXPRESSION.findall(line)
            if line.count("${{") != len(closed):
                problems.append(f"{workflow}:{number} has an unclosed ${{{{")
            if any(not inner.strip() for inner in closed):
                problems.append(f"{workflow}:{number} has an empty ${{{{ }}}}")
    name = "workflow ${{ }} expressions"
    if problems:
        return CheckOutcome(variant, name, "failed", "; ".join(problems))
    return CheckOutcome(variant, name, "passed")


def _tool(project: Path, variant: str, tool: str, args: list[str]) -> CheckOutcome:
    executable = shutil.which(tool)
    if executable is None:
        return CheckOutcome(variant, tool, "skipped", f"{tool} is not installed")
    completed = subprocess.run(
        [executable, *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=LINT_TIMEOUT_SECONDS,
        check=False,
    )
    if completed.returncode != 0:
        return CheckOutcome(variant, tool, "failed", _tail(completed))
    return CheckOutcome(variant, tool, "passed")


def _npm(project: Path, variant: str) -> CheckOutcome:
    npm = shutil.which("npm")
    if npm is None:
        return CheckOutcome(
            variant, "npm ci && npm test", "skipped", "npm is not installed"
        )
    env = {**os.environ, "CI": "true"}
    for args in (["ci", "--no-audit", "--no-fund"], ["test"]):
        completed = subprocess.run(
            [npm, *args],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT_SECONDS,
            check=False,
        )
        if completed.returncode != 0:
            return CheckOutcome(
                variant,
                "npm ci && npm test",
                "failed",
                f"npm {args[0]}: {_tail(completed)}",
            )
    return CheckOutcome(variant, "npm ci && npm test", "passed")


def _tail(completed: subprocess.CompletedProcess[str]) -> str:
    lines = (completed.stdout + completed.stderr).strip().splitlines()
    return "\n".join(lines[-_OUTPUT_LINES_SHOWN:])
