"""The Dependabot and Renovate files of generated projects, and .nvmrc upkeep.

Neither bot runs here. The tests check the files against the bots' schemas, check
what each groups, and walk through the fix for a Dependabot base image update
that leaves .nvmrc behind.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.template_support import render, run_tool

NODE_MANAGERS = {
    "github": ["dockerfile", "nvm"],
    "gitlab": ["dockerfile", "gitlabci", "nvm"],
    "none": ["dockerfile", "nvm"],
}


@pytest.fixture(scope="module")
def dependabot_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(
        tmp_path_factory.mktemp("dependabot"), ci="github", updates="dependabot"
    )


@pytest.fixture(scope="module", params=sorted(NODE_MANAGERS))
def renovate_project(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    return render(
        tmp_path_factory.mktemp(f"renovate-{request.param}"),
        ci=request.param,
        updates="renovate",
    )


def load_dependabot(project: Path) -> dict[str, Any]:
    text = (project / ".github/dependabot.yml").read_text(encoding="utf-8")
    config = yaml.safe_load(text)
    assert isinstance(config, dict)
    return config


def load_renovate(project: Path) -> dict[str, Any]:
    config = json.loads((project / "renovate.json").read_text(encoding="utf-8"))
    assert isinstance(config, dict)
    return config


def project_ci(project: Path) -> str:
    if (project / ".gitlab-ci.yml").exists():
        return "gitlab"
    if (project / ".github/workflows/ci.yml").exists():
        return "github"
    return "none"


def readme_text(project: Path) -> str:
    """Return the README with every run of whitespace turned into one space."""
    return " ".join((project / "README.md").read_text(encoding="utf-8").split())


def run_image_tag(project: Path, *args: str) -> tuple[int, str, str]:
    result = run_tool(["node", "scripts/image-tag.js", *args], cwd=project)
    return result.returncode, result.stdout, result.stderr


# Dependabot


def test_dependabot_schema_valid(dependabot_project: Path) -> None:
    command = [
        "check-jsonschema",
        "--builtin-schema",
        "vendor.dependabot",
        ".github/dependabot.yml",
    ]
    result = run_tool(command, cwd=dependabot_project)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dependabot_ecosystems(dependabot_project: Path) -> None:
    updates = load_dependabot(dependabot_project)["updates"]
    ecosystems = [update["package-ecosystem"] for update in updates]
    assert ecosystems == ["docker", "npm", "github-actions"]


def test_dependabot_weekly_and_grouped(dependabot_project: Path) -> None:
    for update in load_dependabot(dependabot_project)["updates"]:
        assert update["directory"] == "/"
        assert update["schedule"] == {"interval": "weekly"}
        groups = list(update["groups"].values())
        assert len(groups) == 1
        assert groups[0]["patterns"] == ["*"]


def test_dependabot_npm_groups_minor_patch(dependabot_project: Path) -> None:
    updates = load_dependabot(dependabot_project)["updates"]
    npm = next(update for update in updates if update["package-ecosystem"] == "npm")
    assert npm["groups"]["npm-minor-and-patch"]["update-types"] == ["minor", "patch"]


def test_dependabot_readme_nvmrc_note(dependabot_project: Path) -> None:
    readme = readme_text(dependabot_project)
    assert "Dependabot cannot update `.nvmrc`" in readme
    assert "node scripts/image-tag.js --sync-nvmrc" in readme
    assert "`nodeship bump --alpine <version>`" in readme


def test_dependabot_file_nvmrc_note(dependabot_project: Path) -> None:
    text = (dependabot_project / ".github/dependabot.yml").read_text(encoding="utf-8")
    assert "Dependabot cannot update .nvmrc" in text
    assert "node scripts/image-tag.js --sync-nvmrc" in text


def test_base_image_update_then_sync(tmp_path: Path) -> None:
    # What a Dependabot base image pull request changes: every FROM, not .nvmrc.
    project = render(tmp_path, ci="github", updates="dependabot")
    dockerfile = project / "Dockerfile"
    text = dockerfile.read_text(encoding="utf-8")
    dockerfile.write_text(
        text.replace("node:24.11.1-alpine3.22", "node:24.12.0-alpine3.22"),
        encoding="utf-8",
    )

    code, stdout, stderr = run_image_tag(project, "--ref", "refs/heads/dependabot")
    assert code == 1
    assert stdout == ""
    assert ".nvmrc names Node.js '24.11.1', but the Dockerfile uses 24.12.0" in stderr
    assert "--sync-nvmrc" in stderr

    code, stdout, stderr = run_image_tag(project, "--sync-nvmrc")
    assert code == 0, stderr
    assert stdout == ".nvmrc: 24.11.1 -> 24.12.0\n"
    assert (project / ".nvmrc").read_text(encoding="utf-8") == "24.12.0\n"

    code, stdout, stderr = run_image_tag(project)
    assert code == 0, stderr
    assert stdout == "3.22-v24.12.0-1.4.2\n"


def test_sync_nvmrc_unchanged(tmp_path: Path) -> None:
    project = render(tmp_path, ci="github", updates="dependabot")
    code, stdout, stderr = run_image_tag(project, "--sync-nvmrc")
    assert code == 0, stderr
    assert stdout == ".nvmrc already names Node.js 24.11.1.\n"


# Renovate


def test_renovate_schema_valid(renovate_project: Path) -> None:
    command = [
        "check-jsonschema",
        "--builtin-schema",
        "vendor.renovate",
        "renovate.json",
    ]
    result = run_tool(command, cwd=renovate_project)
    assert result.returncode == 0, result.stdout + result.stderr


def test_renovate_extends(renovate_project: Path) -> None:
    config = load_renovate(renovate_project)
    assert config["extends"] == ["config:recommended", "schedule:weekly"]


def test_renovate_groups_node_and_nvmrc(renovate_project: Path) -> None:
    rules = load_renovate(renovate_project)["packageRules"]
    node_group = next(rule for rule in rules if rule.get("groupName") == "Node.js")
    expected_managers = NODE_MANAGERS[project_ci(renovate_project)]
    assert node_group["matchManagers"] == expected_managers
    assert node_group["matchDepNames"] == ["node"]


def test_renovate_node_majors_off(renovate_project: Path) -> None:
    rules = load_renovate(renovate_project)["packageRules"]
    majors = [rule for rule in rules if rule.get("matchUpdateTypes") == ["major"]]
    assert len(majors) == 1
    assert majors[0]["matchDepNames"] == ["node"]
    assert majors[0]["enabled"] is False


def test_renovate_npm_group(renovate_project: Path) -> None:
    rules = load_renovate(renovate_project)["packageRules"]
    npm = next(rule for rule in rules if rule.get("matchManagers") == ["npm"])
    assert npm["matchUpdateTypes"] == ["minor", "patch"]
    assert "groupName" in npm


def test_renovate_ci_group(renovate_project: Path) -> None:
    rules = load_renovate(renovate_project)["packageRules"]
    groups = {rule.get("groupName") for rule in rules}
    ci = project_ci(renovate_project)
    assert ("GitHub Actions" in groups) == (ci == "github")
    assert ("Docker" in groups) == (ci == "gitlab")


def test_renovate_alpine_note(renovate_project: Path) -> None:
    description = " ".join(load_renovate(renovate_project)["description"])
    assert "keeps the -alpine3.NN suffix" in description
    assert "`nodeship bump --alpine <version>`" in description
    readme = readme_text(renovate_project)
    assert "Renovate keeps the `-alpine<version>` suffix" in readme
    assert "`nodeship bump --alpine <version>`" in readme
    assert 'one "Node.js" pull request' in readme
