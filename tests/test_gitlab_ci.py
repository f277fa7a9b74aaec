"""The generated .gitlab-ci.yml: its schema, its jobs, and its meta job run locally.

The meta job's script runs here in ``sh -e`` with the variables a GitLab runner
sets, so the tag and image name it computes are the ones a pipeline would get.
tests/docker/test_registry_guard.py runs the publish job's script against a real
registry.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.template_support import (
    gitlab_script,
    load_gitlab_ci,
    parse_dockerfile,
    read_key_values,
    render,
    run_gitlab_script,
    run_tool,
)

EXPECTED_TAG = "3.22-v24.11.1-1.4.2"
NODE_IMAGE = "node:24.11.1-alpine3.22"
MIXED_CASE_IMAGE = "registry.gitlab.com/AcmeCorp/Orders-API"
ANSWER_IMAGE = "registry.example.com/acme/orders-api"
DOCKER_IMAGE = re.compile(r"^docker:(?P<version>\d+\.\d+\.\d+)$")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(tmp_path_factory.mktemp("gitlab"), ci="gitlab")


@pytest.fixture(scope="module")
def registry_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(
        tmp_path_factory.mktemp("gitlab-registry"), ci="gitlab", image=ANSWER_IMAGE
    )


@pytest.fixture(scope="module")
def config(project: Path) -> dict[str, Any]:
    return load_gitlab_ci(project)


def readme_text(project: Path) -> str:
    """Return the README with every run of whitespace turned into one space."""
    return " ".join((project / "README.md").read_text(encoding="utf-8").split())


def run_meta(
    project: Path, tmp_path: Path, **variables: str
) -> tuple[int, str, dict[str, str]]:
    """Run the meta job's script with GitLab's variables in a copy of ``project``.

    Return the exit code, stderr and the dotenv report (empty when none was
    written).
    """
    job_variables = {
        name: str(value)
        for name, value in load_gitlab_ci(project)["meta"]["variables"].items()
    }
    runner_variables = {
        "CI": "true",
        "GITLAB_CI": "true",
        "CI_COMMIT_SHA": "c" * 40,
        "CI_DEFAULT_BRANCH": "main",
        "CI_REGISTRY_IMAGE": MIXED_CASE_IMAGE,
    }
    work_dir = tmp_path / "build"
    work_dir.mkdir()
    for name in ("Dockerfile", ".nvmrc", "package.json", "scripts/image-tag.js"):
        target = work_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((project / name).read_bytes())

    result = run_gitlab_script(
        gitlab_script(load_gitlab_ci(project), "meta"),
        work_dir,
        {**runner_variables, **job_variables, **variables},
    )
    report = work_dir / "image.env"
    dotenv = read_key_values(report) if report.exists() else {}
    return result.returncode, result.stderr, dotenv


# Schema and layout


def test_schema_valid(project: Path) -> None:
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
    result = run_tool(command, cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_valid_registry(registry_project: Path) -> None:
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
    result = run_tool(command, cwd=registry_project)
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflow_rules(config: dict[str, Any]) -> None:
    conditions = [rule["if"] for rule in config["workflow"]["rules"]]
    assert conditions == [
        '$CI_PIPELINE_SOURCE == "merge_request_event"',
        "$CI_COMMIT_TAG =~ /^v/",
        "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH",
    ]


def test_stages_in_order(config: dict[str, Any]) -> None:
    assert config["stages"] == ["test", "meta", "publish"]
    stages = {job: config[job]["stage"] for job in ("test", "meta", "build", "publish")}
    assert stages == {
        "test": "test",
        "meta": "meta",
        "build": "publish",
        "publish": "publish",
    }


def test_node_jobs_use_dockerfile_base(project: Path, config: dict[str, Any]) -> None:
    dockerfile = (project / "Dockerfile").read_text(encoding="utf-8")
    runtime_base = parse_dockerfile(dockerfile)[-1].base_image
    assert runtime_base == NODE_IMAGE
    assert config["test"]["image"] == runtime_base
    assert config["meta"]["image"] == runtime_base


def test_test_job_npm_cache(config: dict[str, Any]) -> None:
    job = config["test"]
    assert job["cache"] == {
        "key": {"files": ["package-lock.json"]},
        "paths": [".npm/"],
    }
    assert job["script"] == [
        "npm ci --cache .npm --prefer-offline",
        "npm run lint",
        "npm test",
    ]


def test_meta_job_dotenv_report(config: dict[str, Any]) -> None:
    job = config["meta"]
    assert job["artifacts"] == {"reports": {"dotenv": "image.env"}}
    assert job["script"][0] == (
        'node scripts/image-tag.js --git-tag "${CI_COMMIT_TAG:-}" --dotenv image.env'
    )


def test_docker_images_pinned(config: dict[str, Any]) -> None:
    docker = config[".docker"]
    match = DOCKER_IMAGE.match(docker["image"])
    assert match is not None, docker["image"]
    assert docker["services"] == [f"docker:{match['version']}-dind"]
    assert docker["variables"] == {"DOCKER_TLS_CERTDIR": "/certs"}
    for job in ("build", "publish"):
        assert config[job]["extends"] == ".docker"


def test_no_kaniko_or_latest(project: Path) -> None:
    text = (project / ".gitlab-ci.yml").read_text(encoding="utf-8")
    assert "kaniko" not in text
    assert "latest" not in text


def test_build_job_merge_requests_only(config: dict[str, Any]) -> None:
    job = config["build"]
    assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert job["needs"] == ["test", "meta"]
    script = gitlab_script(config, "build")
    assert not any("docker push" in line for line in script)
    assert not any("docker login" in line for line in script)


def test_publish_job_rules(config: dict[str, Any]) -> None:
    job = config["publish"]
    assert job["rules"] == [
        {"if": "$CI_COMMIT_TAG", "variables": {"RUN_KIND": "release"}},
        {
            "if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH",
            "variables": {"RUN_KIND": "branch"},
        },
    ]
    assert job["needs"] == ["test", "meta"]
    assert job["resource_group"] == "publish-image"


def test_publish_script_order(config: dict[str, Any]) -> None:
    script = gitlab_script(config, "publish")
    steps = [
        next(index for index, line in enumerate(script) if marker in line)
        for marker in (
            "docker login",
            "check-tag-free.sh",
            "docker build",
            "docker push",
        )
    ]
    assert steps == sorted(steps)


def test_publish_login_ci_registry(config: dict[str, Any]) -> None:
    login = next(
        line for line in gitlab_script(config, "publish") if "docker login" in line
    )
    assert login == (
        'echo "$CI_REGISTRY_PASSWORD" | docker login --username "$CI_REGISTRY_USER"'
        ' --password-stdin "$CI_REGISTRY"'
    )


def test_publish_login_image_answer(registry_project: Path) -> None:
    script = gitlab_script(load_gitlab_ci(registry_project), "publish")
    login = next(line for line in script if "docker login" in line)
    assert login == (
        'echo "$REGISTRY_PASSWORD" | docker login --username "$REGISTRY_USERNAME"'
        ' --password-stdin "registry.example.com"'
    )
    assert not any("CI_REGISTRY_PASSWORD" in line for line in script)


def test_publish_runs_guard(config: dict[str, Any]) -> None:
    script = gitlab_script(config, "publish")
    guard = (
        "sh scripts/check-tag-free.sh --output-file guard.env"
        ' "${IMAGE_NAME}:${IMAGE_TAG}" "$RUN_KIND"'
    )
    assert guard in script
    push = next(line for line in script if "docker push" in line)
    assert push.startswith("if grep -qx 'publish=true' guard.env; then")


def test_build_args_fill_labels(config: dict[str, Any]) -> None:
    build = next(
        line for line in gitlab_script(config, "publish") if "docker build" in line
    )
    for argument in (
        '--build-arg "VERSION=${IMAGE_VERSION}"',
        '--build-arg "REVISION=${CI_COMMIT_SHA}"',
        '--build-arg "SOURCE=${CI_PROJECT_URL}"',
        '--build-arg "CREATED=${CI_COMMIT_TIMESTAMP}"',
        '--tag "$IMAGE_REF"',
    ):
        assert argument in build


def test_scripts_need_no_bash(config: dict[str, Any]) -> None:
    # The docker and node:alpine images have only busybox sh.
    for job in ("test", "meta", "build", "publish"):
        for line in gitlab_script(config, job):
            assert "bash" not in line
            assert ",," not in line


def test_shallow_clone_is_enough(project: Path) -> None:
    lines = (project / ".gitlab-ci.yml").read_text(encoding="utf-8").splitlines()
    code = [line for line in lines if not line.lstrip().startswith("#")]
    comments = " ".join(line.strip("# ") for line in lines if line not in code)
    assert not any("git describe" in line for line in code)
    assert not any("GIT_DEPTH" in line for line in code)
    assert "no job sets GIT_DEPTH" in comments


# The meta job's script, run as in a pipeline


def test_meta_tag_pipeline_version(project: Path, tmp_path: Path) -> None:
    code, stderr, dotenv = run_meta(project, tmp_path, CI_COMMIT_TAG="v1.4.2")
    assert code == 0, stderr
    assert dotenv["IMAGE_VERSION"] == "1.4.2"
    assert dotenv["IMAGE_TAG"] == EXPECTED_TAG
    assert "vv" not in dotenv["IMAGE_TAG"]


def test_meta_dotenv_variables(project: Path, tmp_path: Path) -> None:
    code, stderr, dotenv = run_meta(project, tmp_path, CI_COMMIT_BRANCH="main")
    assert code == 0, stderr
    assert dotenv == {
        "IMAGE_TAG": EXPECTED_TAG,
        "IMAGE_NODE_VERSION": "24.11.1",
        "IMAGE_ALPINE_VERSION": "3.22",
        "IMAGE_VERSION": "1.4.2",
        "IMAGE_NAME": "registry.gitlab.com/acmecorp/orders-api",
    }


@pytest.mark.parametrize("branch", ["Dev/Feature-X", "feature/x"])
def test_meta_branch_name_ignored(project: Path, tmp_path: Path, branch: str) -> None:
    code, stderr, dotenv = run_meta(
        project,
        tmp_path,
        CI_COMMIT_BRANCH=branch,
        CI_COMMIT_REF_NAME=branch,
        CI_COMMIT_REF_SLUG=branch.lower().replace("/", "-"),
        CI_PIPELINE_SOURCE="merge_request_event",
    )
    assert code == 0, stderr
    assert dotenv["IMAGE_TAG"] == EXPECTED_TAG
    assert "feature" not in dotenv["IMAGE_TAG"].lower()


def test_meta_mismatched_tag_fails(project: Path, tmp_path: Path) -> None:
    code, stderr, dotenv = run_meta(project, tmp_path, CI_COMMIT_TAG="v1.2.0")
    assert code == 1
    assert "The git tag refs/tags/v1.2.0 gives version '1.2.0'" in stderr
    assert "package.json has '1.4.2'" in stderr
    assert dotenv == {}


def test_meta_empty_version_fails(project: Path, tmp_path: Path) -> None:
    copy = render(tmp_path / "render", ci="gitlab", project_version="1.4.2")
    package_path = copy / "package.json"
    package = json.loads(package_path.read_text(encoding="utf-8"))
    package["version"] = ""
    package_path.write_text(json.dumps(package), encoding="utf-8")

    code, stderr, dotenv = run_meta(copy, tmp_path, CI_COMMIT_BRANCH="main")

    assert code == 1
    assert "The version in package.json is missing or empty." in stderr
    assert dotenv == {}


def test_meta_lowercases_registry_image(project: Path, tmp_path: Path) -> None:
    code, stderr, dotenv = run_meta(project, tmp_path, CI_COMMIT_BRANCH="main")
    assert code == 0, stderr
    assert dotenv["IMAGE_NAME"] == "registry.gitlab.com/acmecorp/orders-api"


def test_meta_uses_image_answer(registry_project: Path, tmp_path: Path) -> None:
    code, stderr, dotenv = run_meta(registry_project, tmp_path, CI_COMMIT_BRANCH="main")
    assert code == 0, stderr
    assert dotenv["IMAGE_NAME"] == ANSWER_IMAGE


def test_meta_fails_without_registry(project: Path, tmp_path: Path) -> None:
    code, stderr, _ = run_meta(
        project, tmp_path, CI_COMMIT_BRANCH="main", CI_REGISTRY_IMAGE=""
    )
    assert code == 1
    assert "error: no image repository" in stderr


# README of the GitLab variant


@pytest.mark.parametrize(
    "fact",
    [
        "`.gitlab-ci.yml` runs pipelines for merge requests, for the default branch",
        "`IMAGE_NAME`, `IMAGE_TAG`, `IMAGE_VERSION`, `IMAGE_NODE_VERSION` and "
        "`IMAGE_ALPINE_VERSION`",
        "the tag `v1.4.2` must match version `1.4.2` in `package.json`",
        "branch names never become part of a tag",
        "`resource_group: publish-image`",
        '`DOCKER_TLS_CERTDIR: "/certs"`',
        "`CI_COMMIT_SHA`, `CI_PROJECT_URL` and `CI_COMMIT_TIMESTAMP`",
        "`AcmeCorp/Orders-API` publishes `registry.gitlab.com/acmecorp/orders-api`",
        "`CI_REGISTRY_USER` and `CI_REGISTRY_PASSWORD`",
        "Settings > Repository > Protected tags, protect `v*`",
        "comes from `package.json` and not from `git describe`, a shallow clone is "
        "enough",
    ],
)
def test_readme_covers_gitlab(project: Path, fact: str) -> None:
    assert fact in readme_text(project)


def test_readme_registry_variables(registry_project: Path) -> None:
    readme = readme_text(registry_project)
    assert "`REGISTRY_USERNAME` and `REGISTRY_PASSWORD`" in readme
    assert "`CI_REGISTRY_USER` and `CI_REGISTRY_PASSWORD`" not in readme


def test_readme_has_no_github_section(project: Path) -> None:
    readme = readme_text(project)
    assert ".github/workflows" not in readme
    assert "Manage Actions access" not in readme
