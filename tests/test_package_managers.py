"""Projects rendered with --package-manager npm, pnpm and yarn.

The fast tests render without a lockfile and run the linters. The slow ones run the
real post-generation hook, which fetches pnpm or Yarn through npx, then the
manager's frozen install and the project's tests.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from nodeship.errors import InvalidInputError
from nodeship.questions import QUESTIONS_BY_NAME, Context
from nodeship.refresh import load_current_table
from tests.template_support import load_gitlab_ci, render, run_tool

LOCKFILES = {"npm": "package-lock.json", "pnpm": "pnpm-lock.yaml", "yarn": "yarn.lock"}
# Versions pinned in the template's package.json, Dockerfile and CI files.
PINS = {"pnpm": "pnpm@10.34.8", "yarn": "yarn@4.18.1"}
# The command that runs each manager without a global pnpm or Yarn install, and the
# frozen install that fails when the lockfile does not match package.json.
RUNNERS = {
    "npm": ["npm"],
    "pnpm": ["npx", "--yes", "pnpm@10.34.8"],
    "yarn": ["npx", "--yes", "@yarnpkg/cli-dist@4.18.1"],
}
FROZEN_INSTALL = {
    "npm": ["ci"],
    "pnpm": ["install", "--frozen-lockfile"],
    "yarn": ["install", "--immutable"],
}
MANAGERS = ["npm", "pnpm", "yarn"]
CONTEXT = Context(table=load_current_table(), today=date.today())


@pytest.fixture(scope="module", params=MANAGERS)
def github_project(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    manager = request.param
    return render(tmp_path_factory.mktemp(f"github-{manager}"), package_manager=manager)


@pytest.fixture(scope="module", params=MANAGERS)
def gitlab_ts_project(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    manager = request.param
    return render(
        tmp_path_factory.mktemp(f"gitlab-{manager}"),
        package_manager=manager,
        language="ts",
        ci="gitlab",
    )


def manager_of(project: Path) -> str:
    package = json.loads((project / "package.json").read_text(encoding="utf-8"))
    return str(package.get("packageManager", "npm")).split("@", 1)[0]


# Question model


@pytest.mark.parametrize("raw", ["npm", "pnpm", "yarn", " PNPM "])
def test_question_accepts_manager(raw: str) -> None:
    question = QUESTIONS_BY_NAME["package_manager"]
    assert question.parse(raw, {}, CONTEXT) == raw.strip().lower()


def test_question_rejects_bun() -> None:
    question = QUESTIONS_BY_NAME["package_manager"]
    with pytest.raises(InvalidInputError) as raised:
        question.parse("bun", {}, CONTEXT)
    assert "--package-manager 'bun'" in raised.value.message


def test_question_default_npm() -> None:
    question = QUESTIONS_BY_NAME["package_manager"]
    assert question.default({}, CONTEXT) == "npm"


# Rendered files


def test_package_manager_field(github_project: Path) -> None:
    package = json.loads((github_project / "package.json").read_text(encoding="utf-8"))
    manager = manager_of(github_project)
    assert package.get("packageManager") == PINS.get(manager)


def test_yarnrc_only_for_yarn(github_project: Path) -> None:
    yarnrc = github_project / ".yarnrc.yml"
    if manager_of(github_project) == "yarn":
        assert yarnrc.read_text(encoding="utf-8").splitlines()[-1] == (
            "nodeLinker: node-modules"
        )
    else:
        assert not yarnrc.exists()


def test_dockerfile_copies_lockfile(github_project: Path) -> None:
    manager = manager_of(github_project)
    dockerfile = (github_project / "Dockerfile").read_text(encoding="utf-8")
    assert f"COPY package.json {LOCKFILES[manager]}" in dockerfile
    for other in set(MANAGERS) - {manager}:
        assert LOCKFILES[other] not in dockerfile


def test_dockerfile_frozen_production_install(github_project: Path) -> None:
    manager = manager_of(github_project)
    dockerfile = (github_project / "Dockerfile").read_text(encoding="utf-8")
    expected = {
        "npm": "npm ci --omit=dev",
        "pnpm": "pnpm install --frozen-lockfile --prod ",
        "yarn": "yarn workspaces focus --production",
    }
    assert expected[manager] in dockerfile
    if manager == "yarn":
        assert "yarn install --immutable" in dockerfile
    if manager != "npm":
        assert "npm install -g" in dockerfile
        assert "corepack enable" not in dockerfile


def test_ts_build_stage_uses_manager(gitlab_ts_project: Path) -> None:
    manager = manager_of(gitlab_ts_project)
    dockerfile = (gitlab_ts_project / "Dockerfile").read_text(encoding="utf-8")
    build_stage = dockerfile.split(" AS build", 1)[1].split(" AS runtime", 1)[0]
    expected = {
        "npm": "npm ci --include=dev",
        "pnpm": "pnpm install --frozen-lockfile --prod=false",
        "yarn": "yarn install --immutable",
    }
    assert expected[manager] in build_stage
    assert f"COPY package.json {LOCKFILES[manager]}" in build_stage


def test_hadolint_clean(github_project: Path) -> None:
    result = run_tool(["hadolint", "Dockerfile"], cwd=github_project)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_clean_ts(gitlab_ts_project: Path) -> None:
    result = run_tool(["hadolint", "Dockerfile"], cwd=gitlab_ts_project)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_clean(github_project: Path) -> None:
    result = run_tool(["actionlint", ".github/workflows/ci.yml"], cwd=github_project)
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflow_schema_valid(github_project: Path) -> None:
    command = [
        "check-jsonschema",
        "--builtin-schema",
        "vendor.github-workflows",
        ".github/workflows/ci.yml",
    ]
    result = run_tool(command, cwd=github_project)
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflow_uses_manager(github_project: Path) -> None:
    manager = manager_of(github_project)
    workflow = (github_project / ".github/workflows/ci.yml").read_text(encoding="utf-8")
    assert f"cache: {manager}" in workflow
    assert " ".join([manager, *FROZEN_INSTALL[manager]]) in workflow
    assert f"run: {manager} test" in workflow


def test_gitlab_schema_valid(gitlab_ts_project: Path) -> None:
    command = [
        "check-jsonschema",
        "--builtin-schema",
        "vendor.gitlab-ci",
        "--data-transform",
        "gitlab-ci",
        "--regex-variant",
        "nonunicode",
        ".gitlab-ci.yml",
    ]
    result = run_tool(command, cwd=gitlab_ts_project)
    assert result.returncode == 0, result.stdout + result.stderr


def test_gitlab_cache_key_lockfile(gitlab_ts_project: Path) -> None:
    manager = manager_of(gitlab_ts_project)
    test_job = load_gitlab_ci(gitlab_ts_project)["test"]
    assert test_job["cache"]["key"]["files"] == [LOCKFILES[manager]]
    install = " ".join([manager, *FROZEN_INSTALL[manager]])
    assert any(line.startswith(install) for line in test_job["script"])
    assert f"{manager} test" in test_job["script"]


# The real hook, install and tests


@pytest.mark.slow
@pytest.mark.parametrize("manager", MANAGERS)
def test_hook_lockfile_installs_and_tests(tmp_path: Path, manager: str) -> None:
    project = render(tmp_path, package_manager=manager, install="yes")
    lockfiles = {name for name in LOCKFILES.values() if (project / name).exists()}
    assert lockfiles == {LOCKFILES[manager]}
    assert not (project / ".yarn").exists()

    install = run_tool([*RUNNERS[manager], *FROZEN_INSTALL[manager]], cwd=project)
    assert install.returncode == 0, install.stdout + install.stderr
    tests = run_tool([*RUNNERS[manager], "test"], cwd=project)
    assert tests.returncode == 0, tests.stdout + tests.stderr
