"""Render the template for each app type and CI choice, and check the output files.

These tests need no npm and no network: they render with install=no and run the
linters (hadolint, actionlint, check-jsonschema, shellcheck) on the result.
"""

from __future__ import annotations

import json
import re
import shlex
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.template_support import (
    Stage,
    copy_sources,
    is_ignored,
    parse_dockerfile,
    project_files,
    read_dockerignore,
    read_key_values,
    render,
    run_github_step,
    run_tool,
)

# Every valid (app type, CI provider, update bot): Dependabot needs GitHub.
VARIANTS = [
    (app_type, ci, updates)
    for app_type in ("api", "worker")
    for ci in ("github", "gitlab", "none")
    for updates in ("none", "dependabot", "renovate")
    if updates != "dependabot" or ci == "github"
]
BASE_IMAGE = "node:24.11.1-alpine3.22"

API_ONLY_FILES = [
    "src/app.js",
    "src/healthcheck.js",
    "src/server.js",
    "test/app.test.js",
    "test/server.test.js",
]
WORKER_ONLY_FILES = [
    "src/job.js",
    "src/loop.js",
    "src/worker.js",
    "test/loop.test.js",
    "test/worker.test.js",
]

# Every ${{ ... }} of the workflow, in order of appearance, for the default image
# (ghcr.io of the repository). Only these may reach the output.
WORKFLOW_EXPRESSIONS = [
    "steps.image.outputs.image",
    "steps.tag.outputs.tag",
    "steps.tag.outputs.version",
    "needs.meta.outputs.image",
    "needs.meta.outputs.tag",
    "needs.meta.outputs.image",
    "needs.meta.outputs.tag",
    "github.ref == format('refs/heads/{0}', github.event.repository.default_branch)"
    " || startsWith(github.ref, 'refs/tags/v')",
    "github.actor",
    "secrets.GITHUB_TOKEN",
    "startsWith(github.ref, 'refs/tags/v') && 'release' || 'branch'",
    "steps.guard.outputs.publish == 'true'",
    "env.IMAGE_REF",
    "needs.meta.outputs.version",
    "github.sha",
    "github.server_url",
    "github.repository",
    "steps.commit.outputs.created",
]
REGISTRY_SECRET_EXPRESSIONS = ["secrets.REGISTRY_USERNAME", "secrets.REGISTRY_PASSWORD"]

DOCKERIGNORE_ENTRIES = [
    "node_modules",
    ".git",
    "**/.env",
    "**/.env.*",
    "!**/.env.example",
    "**/.npmrc",
    "**/*.pem",
    "**/*.key",
    "**/id_rsa*",
    "**/npm-debug.log*",
    "**/*.log",
    "coverage",
    "test",
    ".vscode",
    ".idea",
]
# Files that must stay out of the build context, so out of any image.
CONTEXT_SECRETS = [
    ".env",
    ".env.production",
    "src/.env",
    ".npmrc",
    "key.pem",
    "certs/server.key",
    "id_rsa",
    "id_rsa.pub",
    "npm-debug.log.1",
    "logs/app.log",
    "node_modules/fastify/package.json",
    ".git/config",
    "coverage/lcov.info",
    "test/app.test.js",
    ".vscode/settings.json",
    ".idea/workspace.xml",
]
TEMPLATE_LEFTOVERS = ["{{cookiecutter", "{{ cookiecutter", "{%", "%}"]


@pytest.fixture(scope="module", params=VARIANTS, ids=["-".join(v) for v in VARIANTS])
def project(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    app_type, ci, updates = request.param
    output_dir = tmp_path_factory.mktemp(f"{app_type}-{ci}-{updates}")
    return render(output_dir, app_type=app_type, ci=ci, updates=updates)


@pytest.fixture(scope="module")
def api_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(tmp_path_factory.mktemp("api"), app_type="api")


@pytest.fixture(scope="module")
def worker_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(tmp_path_factory.mktemp("worker"), app_type="worker")


@pytest.fixture(scope="module")
def registry_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(
        tmp_path_factory.mktemp("registry"),
        image="registry.example.com/acme/orders-api",
    )


def load_stages(project: Path) -> list[Stage]:
    return parse_dockerfile((project / "Dockerfile").read_text(encoding="utf-8"))


def load_workflow(project: Path) -> dict[str, Any]:
    text = (project / ".github/workflows/ci.yml").read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)
    assert isinstance(workflow, dict)
    return workflow


def workflow_step(job: dict[str, Any], uses_prefix: str) -> dict[str, Any]:
    """Return the first step of ``job`` whose ``uses`` starts with ``uses_prefix``."""
    steps = [
        step for step in job["steps"] if step.get("uses", "").startswith(uses_prefix)
    ]
    assert steps, f"no step uses {uses_prefix}"
    return steps[0]


def workflow_expressions(project: Path) -> list[str]:
    text = (project / ".github/workflows/ci.yml").read_text(encoding="utf-8")
    return [match.strip() for match in re.findall(r"\$\{\{(.*?)\}\}", text)]


# Files of every variant


def test_no_template_syntax_left(project: Path) -> None:
    leftovers = [
        f"{path.relative_to(project)}: {marker}"
        for path in project_files(project)
        for marker in TEMPLATE_LEFTOVERS
        if marker in path.read_text(encoding="utf-8")
    ]
    assert leftovers == []


def test_no_carriage_returns(project: Path) -> None:
    with_cr = [
        str(path.relative_to(project))
        for path in project_files(project)
        if b"\r" in path.read_bytes()
    ]
    assert with_cr == []


def test_files_end_with_one_newline(project: Path) -> None:
    bad_endings = []
    for path in project_files(project):
        text = path.read_text(encoding="utf-8")
        if not text.endswith("\n") or text.endswith("\n\n"):
            bad_endings.append(str(path.relative_to(project)))
    assert bad_endings == []


def test_type_files_removed(project: Path) -> None:
    app_type = "api" if (project / "src/server.js").exists() else "worker"
    unused = WORKER_ONLY_FILES if app_type == "api" else API_ONLY_FILES
    left = [name for name in unused if (project / name).exists()]
    assert left == []


def test_type_files_kept(project: Path) -> None:
    app_type = "api" if (project / "src/server.js").exists() else "worker"
    used = API_ONLY_FILES if app_type == "api" else WORKER_ONLY_FILES
    missing = [name for name in used if not (project / name).exists()]
    assert missing == []


def test_ci_none_has_no_github_folder(tmp_path: Path) -> None:
    project = render(tmp_path, ci="none")
    assert not (project / ".github").exists()
    assert not (project / ".gitlab-ci.yml").exists()


def test_ci_gitlab_has_no_github_folder(tmp_path: Path) -> None:
    project = render(tmp_path, ci="gitlab")
    assert (project / ".gitlab-ci.yml").is_file()
    assert not (project / ".github").exists()


def test_ci_github_has_no_gitlab_file(tmp_path: Path) -> None:
    project = render(tmp_path, ci="github")
    assert (project / ".github/workflows/ci.yml").is_file()
    assert not (project / ".gitlab-ci.yml").exists()


@pytest.mark.parametrize(
    ("ci", "updates", "expected"),
    [
        ("github", "none", []),
        ("github", "dependabot", [".github/dependabot.yml"]),
        ("github", "renovate", ["renovate.json"]),
        ("gitlab", "renovate", ["renovate.json"]),
        ("none", "renovate", ["renovate.json"]),
    ],
)
def test_update_bot_files(
    tmp_path: Path, ci: str, updates: str, expected: list[str]
) -> None:
    project = render(tmp_path, ci=ci, updates=updates)
    bot_files = [".github/dependabot.yml", "renovate.json"]
    present = [name for name in bot_files if (project / name).exists()]
    assert present == expected


def test_no_lockfile_without_install(project: Path) -> None:
    assert not (project / "package-lock.json").exists()


def test_hadolint_clean(project: Path) -> None:
    result = run_tool(["hadolint", "Dockerfile"], cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_shellcheck_clean(project: Path) -> None:
    result = run_tool(["shellcheck", "scripts/check-tag-free.sh"], cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_guard_script_mode_0755(project: Path) -> None:
    mode = stat.S_IMODE((project / "scripts/check-tag-free.sh").stat().st_mode)
    assert mode == 0o755


def test_nvmrc_pins_full_version(project: Path) -> None:
    assert (project / ".nvmrc").read_text(encoding="utf-8") == "24.11.1\n"


def test_compose_has_no_version(project: Path) -> None:
    compose = yaml.safe_load((project / "compose.yaml").read_text(encoding="utf-8"))
    assert "version" not in compose
    assert "orders-api" in compose["services"]


@pytest.mark.parametrize(
    "pattern", ["*.sh", "Dockerfile", "*.yml", "*.yaml", "*.js", "*.json"]
)
def test_gitattributes_forces_lf(project: Path, pattern: str) -> None:
    lines = (project / ".gitattributes").read_text(encoding="utf-8").splitlines()
    assert f"{pattern} text eol=lf" in lines


# package.json


def test_package_json_fields(project: Path) -> None:
    package = json.loads((project / "package.json").read_text(encoding="utf-8"))
    assert package["name"] == "@acme/orders-api"
    assert package["version"] == "1.4.2"
    assert package["description"] == "Takes and tracks orders"
    assert package["private"] is True
    assert package["type"] == "module"
    assert package["engines"] == {"node": ">=24"}


def test_package_json_scripts(project: Path) -> None:
    scripts = json.loads((project / "package.json").read_text(encoding="utf-8"))[
        "scripts"
    ]
    assert scripts["test"].startswith("node --test")
    assert scripts["lint"] == "eslint ."
    assert scripts["image-tag"] == "node scripts/image-tag.js"


def test_api_dependencies(api_project: Path) -> None:
    package = json.loads((api_project / "package.json").read_text(encoding="utf-8"))
    assert package["dependencies"] == {"fastify": "^5.12.8", "pino": "^10.4.0"}
    assert package["scripts"]["start"] == "node src/server.js"


def test_worker_dependencies(worker_project: Path) -> None:
    package = json.loads((worker_project / "package.json").read_text(encoding="utf-8"))
    assert package["dependencies"] == {"pino": "^10.4.0"}
    assert package["scripts"]["start"] == "node src/worker.js"


def test_dev_dependencies_only_lint(project: Path) -> None:
    package = json.loads((project / "package.json").read_text(encoding="utf-8"))
    assert sorted(package["devDependencies"]) == ["@eslint/js", "eslint", "globals"]


# Dockerfile


def test_every_from_is_literal_base(project: Path) -> None:
    base_images = [stage.base_image for stage in load_stages(project)]
    assert base_images == [BASE_IMAGE, BASE_IMAGE]


def test_no_arg_before_first_from(project: Path) -> None:
    text = (project / "Dockerfile").read_text(encoding="utf-8")
    before_from = text[: text.index("\nFROM ")]
    assert not re.search(r"^ARG ", before_from, re.MULTILINE)


def test_stage_names_uppercase_as(project: Path) -> None:
    from_lines = re.findall(
        r"^FROM .*$", (project / "Dockerfile").read_text(), re.MULTILINE
    )
    assert all(" AS " in line for line in from_lines)


def test_deps_stage_copies_manifests_first(project: Path) -> None:
    deps = load_stages(project)[0]
    first_copy = deps.find("COPY")[0]
    assert copy_sources(first_copy) == ["package.json", "package-lock.json"]


def test_deps_stage_workdir_before_npm(project: Path) -> None:
    keywords = [item.keyword for item in load_stages(project)[0].instructions]
    assert keywords.index("WORKDIR") < keywords.index("RUN")


def test_npm_ci_before_source_copy(project: Path) -> None:
    deps = load_stages(project)[0]
    runs = deps.find("RUN")
    assert runs[0].arguments == "npm ci --omit=dev && npm cache clean --force"
    copies = deps.find("COPY")
    assert len(copies) == 1


def test_runtime_copies_source_after_deps(project: Path) -> None:
    runtime = load_stages(project)[-1]
    copies = runtime.find("COPY")
    assert copies[0].flags == ["--from=deps"]
    assert [copy_sources(item) for item in copies[1:]] == [["package.json"], ["src"]]


def test_runtime_files_belong_to_root(project: Path) -> None:
    # The node user runs the service; files it does not own cannot be rewritten.
    copies = load_stages(project)[-1].find("COPY")
    assert not any(flag.startswith("--chown") for item in copies for flag in item.flags)


def test_no_deprecated_npm_flags(project: Path) -> None:
    text = (project / "Dockerfile").read_text(encoding="utf-8")
    assert "--production" not in text
    assert "--only=prod" not in text


def test_node_env_only_in_runtime(project: Path) -> None:
    deps, runtime = load_stages(project)
    assert [item.arguments for item in runtime.find("ENV")] == ["NODE_ENV=production"]
    assert deps.find("ENV") == []


def test_runtime_workdir_before_copy(project: Path) -> None:
    keywords = [item.keyword for item in load_stages(project)[-1].instructions]
    assert keywords.index("WORKDIR") < keywords.index("COPY")


def test_runtime_user_is_node(project: Path) -> None:
    runtime = load_stages(project)[-1]
    users = [item.arguments for item in runtime.find("USER")]
    # uid and gid 1000 are the node user and group of the official node image.
    assert users == ["1000:1000"]


def test_user_set_after_copies(project: Path) -> None:
    keywords = [item.keyword for item in load_stages(project)[-1].instructions]
    last_copy = len(keywords) - 1 - keywords[::-1].index("COPY")
    assert keywords.index("USER") > last_copy


def test_cmd_is_exec_form(project: Path) -> None:
    runtime = load_stages(project)[-1]
    cmd = json.loads(runtime.find("CMD")[0].arguments)
    assert cmd[0] == "node"
    assert (project / cmd[1]).is_file()


@pytest.mark.parametrize(
    ("label", "value"),
    [
        ("org.opencontainers.image.title", "orders-api"),
        ("org.opencontainers.image.description", "Takes and tracks orders"),
        ("org.opencontainers.image.version", "${VERSION}"),
        ("org.opencontainers.image.revision", "${REVISION}"),
        ("org.opencontainers.image.source", "${SOURCE}"),
        ("org.opencontainers.image.created", "${CREATED}"),
        ("org.opencontainers.image.base.name", f"docker.io/library/{BASE_IMAGE}"),
        ("org.nodeship.node.version", "24.11.1"),
        ("org.nodeship.alpine.version", "3.22"),
    ],
)
def test_runtime_labels(project: Path, label: str, value: str) -> None:
    runtime = load_stages(project)[-1]
    pairs = shlex.split(runtime.find("LABEL")[0].arguments)
    labels = dict(pair.split("=", 1) for pair in pairs)
    assert labels[label] == value


def test_version_arg_defaults_to_project(project: Path) -> None:
    args = [item.arguments for item in load_stages(project)[-1].find("ARG")]
    assert "VERSION=1.4.2" in args


def test_api_healthcheck(api_project: Path) -> None:
    healthcheck = load_stages(api_project)[-1].find("HEALTHCHECK")[0]
    flags = ["--interval=10s", "--timeout=3s", "--start-period=5s", "--retries=3"]
    assert healthcheck.flags == flags
    assert healthcheck.arguments.endswith('CMD ["node", "src/healthcheck.js"]')
    assert "curl" not in healthcheck.arguments


def test_api_exposes_port(api_project: Path) -> None:
    exposed = [item.arguments for item in load_stages(api_project)[-1].find("EXPOSE")]
    assert exposed == ["8080"]


def test_worker_has_no_healthcheck(worker_project: Path) -> None:
    assert load_stages(worker_project)[-1].find("HEALTHCHECK") == []


def test_worker_exposes_nothing(worker_project: Path) -> None:
    assert load_stages(worker_project)[-1].find("EXPOSE") == []


# .dockerignore


@pytest.mark.parametrize("entry", DOCKERIGNORE_ENTRIES)
def test_dockerignore_entry(project: Path, entry: str) -> None:
    patterns = read_dockerignore(
        (project / ".dockerignore").read_text(encoding="utf-8")
    )
    assert entry in patterns


def test_dockerignore_keeps_copied_files(project: Path) -> None:
    patterns = read_dockerignore(
        (project / ".dockerignore").read_text(encoding="utf-8")
    )
    copied: list[str] = []
    for stage in load_stages(project):
        for instruction in stage.find("COPY"):
            if not any(flag.startswith("--from=") for flag in instruction.flags):
                copied.extend(
                    source.rstrip("/") for source in copy_sources(instruction)
                )
    files_below = [
        str(path.relative_to(project))
        for source in copied
        for path in project.glob(f"{source}/**/*")
        if path.is_file()
    ]
    ignored = [path for path in copied + files_below if is_ignored(path, patterns)]
    assert "src" in copied
    assert ignored == []


@pytest.mark.parametrize("path", CONTEXT_SECRETS)
def test_dockerignore_excludes(project: Path, path: str) -> None:
    patterns = read_dockerignore(
        (project / ".dockerignore").read_text(encoding="utf-8")
    )
    assert is_ignored(path, patterns)


def test_dockerignore_keeps_env_example(project: Path) -> None:
    patterns = read_dockerignore(
        (project / ".dockerignore").read_text(encoding="utf-8")
    )
    assert not is_ignored(".env.example", patterns)


# GitHub Actions workflow


def test_workflow_expressions_exact(api_project: Path) -> None:
    assert workflow_expressions(api_project) == WORKFLOW_EXPRESSIONS


def test_workflow_expressions_registry(registry_project: Path) -> None:
    expected = [
        expression
        for expression in WORKFLOW_EXPRESSIONS
        if expression not in ("github.actor", "secrets.GITHUB_TOKEN")
    ]
    login_index = WORKFLOW_EXPRESSIONS.index("github.actor")
    expected[login_index:login_index] = REGISTRY_SECRET_EXPRESSIONS
    assert workflow_expressions(registry_project) == expected


def test_workflow_every_expression_closed(api_project: Path) -> None:
    text = (api_project / ".github/workflows/ci.yml").read_text(encoding="utf-8")
    assert text.count("${{") == len(WORKFLOW_EXPRESSIONS)


def test_actionlint_clean(api_project: Path) -> None:
    result = run_tool(["actionlint", ".github/workflows/ci.yml"], cwd=api_project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_actionlint_clean_registry(registry_project: Path) -> None:
    result = run_tool(["actionlint", ".github/workflows/ci.yml"], cwd=registry_project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_workflow_schema_valid(api_project: Path) -> None:
    command = [
        "check-jsonschema",
        "--builtin-schema",
        "vendor.github-workflows",
        ".github/workflows/ci.yml",
    ]
    result = run_tool(command, cwd=api_project)
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflow_triggers(api_project: Path) -> None:
    # PyYAML reads the key `on` as the boolean True (YAML 1.1).
    triggers = load_workflow(api_project)[True]
    assert set(triggers) == {"pull_request", "push", "workflow_dispatch"}
    assert triggers["push"] == {"branches": ["**"], "tags": ["v*"]}


def test_workflow_top_permissions(api_project: Path) -> None:
    assert load_workflow(api_project)["permissions"] == {"contents": "read"}


def test_test_job_steps(api_project: Path) -> None:
    job = load_workflow(api_project)["jobs"]["test"]
    runs = [step["run"] for step in job["steps"] if "run" in step]
    assert runs == ["npm ci", "npm run lint", "npm test"]
    setup_node = workflow_step(job, "actions/setup-node@")
    assert setup_node["uses"] == "actions/setup-node@v7"
    assert setup_node["with"] == {"node-version-file": ".nvmrc", "cache": "npm"}


def test_checkouts_drop_credentials(api_project: Path) -> None:
    jobs = load_workflow(api_project)["jobs"]
    checkouts = [workflow_step(job, "actions/checkout@") for job in jobs.values()]
    assert [step["uses"] for step in checkouts] == ["actions/checkout@v7"] * 3
    assert all(step["with"]["persist-credentials"] is False for step in checkouts)


def test_meta_job_computes_tag(api_project: Path) -> None:
    steps = load_workflow(api_project)["jobs"]["meta"]["steps"]
    runs = [step.get("run", "") for step in steps]
    assert 'node scripts/image-tag.js --ref "$GITHUB_REF" --github-output' in runs


def test_meta_job_lowercases_image(api_project: Path) -> None:
    steps = load_workflow(api_project)["jobs"]["meta"]["steps"]
    image_step = next(step for step in steps if step.get("id") == "image")
    assert image_step["env"]["IMAGE_REPOSITORY"] == ""
    assert (
        'image="${IMAGE_REPOSITORY:-ghcr.io/${GITHUB_REPOSITORY}}"' in image_step["run"]
    )
    assert 'echo "image=${image,,}" >> "$GITHUB_OUTPUT"' in image_step["run"]


def test_meta_job_uses_image_answer(registry_project: Path) -> None:
    steps = load_workflow(registry_project)["jobs"]["meta"]["steps"]
    image_step = next(step for step in steps if step.get("id") == "image")
    assert (
        image_step["env"]["IMAGE_REPOSITORY"] == "registry.example.com/acme/orders-api"
    )


def test_image_job_permissions(api_project: Path) -> None:
    job = load_workflow(api_project)["jobs"]["image"]
    assert job["permissions"] == {"contents": "read", "packages": "write"}
    assert job["needs"] == ["test", "meta"]


def test_image_job_concurrency(api_project: Path) -> None:
    concurrency = load_workflow(api_project)["jobs"]["image"]["concurrency"]
    group = "image-${{ needs.meta.outputs.image }}:${{ needs.meta.outputs.tag }}"
    assert concurrency == {"group": group, "cancel-in-progress": False}


def test_image_job_publish_condition(api_project: Path) -> None:
    job = load_workflow(api_project)["jobs"]["image"]
    default_branch = "format('refs/heads/{0}', github.event.repository.default_branch)"
    assert default_branch in job["env"]["PUBLISHABLE"]
    assert "startsWith(github.ref, 'refs/tags/v')" in job["env"]["PUBLISHABLE"]


def test_image_job_step_order(api_project: Path) -> None:
    steps = load_workflow(api_project)["jobs"]["image"]["steps"]
    names = [step.get("uses") or step.get("id") for step in steps]
    assert names == [
        "actions/checkout@v7",
        "docker/setup-buildx-action@v4",
        "docker/login-action@v4",
        "guard",
        "commit",
        "docker/build-push-action@v7",
    ]


def test_login_and_guard_only_publishable(api_project: Path) -> None:
    steps = load_workflow(api_project)["jobs"]["image"]["steps"]
    login = workflow_step({"steps": steps}, "docker/login-action@")
    guard = next(step for step in steps if step.get("id") == "guard")
    assert login["if"] == "env.PUBLISHABLE == 'true'"
    assert guard["if"] == "env.PUBLISHABLE == 'true'"
    assert guard["run"] == 'sh scripts/check-tag-free.sh "$IMAGE_REF" "$RUN_KIND"'


def test_login_to_ghcr(api_project: Path) -> None:
    job = load_workflow(api_project)["jobs"]["image"]
    assert workflow_step(job, "docker/login-action@")["with"]["registry"] == "ghcr.io"


def test_login_to_image_registry(registry_project: Path) -> None:
    job = load_workflow(registry_project)["jobs"]["image"]
    login = workflow_step(job, "docker/login-action@")
    assert login["with"]["registry"] == "registry.example.com"


def test_build_push_inputs(api_project: Path) -> None:
    job = load_workflow(api_project)["jobs"]["image"]
    inputs = workflow_step(job, "docker/build-push-action@")["with"]
    assert inputs["push"] == "${{ steps.guard.outputs.publish == 'true' }}"
    assert inputs["tags"] == "${{ env.IMAGE_REF }}"
    assert inputs["cache-from"] == "type=gha,scope=orders-api"
    assert inputs["cache-to"] == "type=gha,mode=max,scope=orders-api"


def test_build_args_feed_labels(api_project: Path) -> None:
    job = load_workflow(api_project)["jobs"]["image"]
    build_args = workflow_step(job, "docker/build-push-action@")["with"]["build-args"]
    assert build_args.splitlines() == [
        "VERSION=${{ needs.meta.outputs.version }}",
        "REVISION=${{ github.sha }}",
        "SOURCE=${{ github.server_url }}/${{ github.repository }}",
        "CREATED=${{ steps.commit.outputs.created }}",
    ]


def test_workflow_has_no_latest_tag(api_project: Path) -> None:
    text = (api_project / ".github/workflows/ci.yml").read_text(encoding="utf-8")
    assert "latest" not in text.replace("ubuntu-latest", "")


# Steps of the meta job, run with the variables GitHub Actions sets


def run_meta_steps(
    project: Path, tmp_path: Path, *, ref: str, repository: str = "AcmeCorp/Orders-API"
) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """Run the meta job's tag and image steps in order, as GitHub Actions would.

    Return the last finished step and the step outputs written so far.
    """
    steps = load_workflow(project)["jobs"]["meta"]["steps"]
    output_file = tmp_path / "github-output"
    output_file.write_text("", encoding="utf-8")
    variables = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REF": ref,
        "GITHUB_REPOSITORY": repository,
        "GITHUB_OUTPUT": str(output_file),
    }
    result = None
    for step_id in ("tag", "image"):
        step = next(step for step in steps if step.get("id") == step_id)
        result = run_github_step(step, project, variables)
        if result.returncode != 0:
            break
    assert result is not None
    return result, read_key_values(output_file)


def test_meta_release_ref_gives_version(api_project: Path, tmp_path: Path) -> None:
    result, outputs = run_meta_steps(api_project, tmp_path, ref="refs/tags/v1.4.2")
    assert result.returncode == 0, result.stderr
    assert outputs["version"] == "1.4.2"
    assert outputs["tag"] == "3.22-v24.11.1-1.4.2"
    assert "vv" not in outputs["tag"]


def test_meta_branch_name_not_in_tag(api_project: Path, tmp_path: Path) -> None:
    for ref in ("refs/heads/Dev/Feature-X", "refs/heads/feature/x"):
        result, outputs = run_meta_steps(api_project, tmp_path, ref=ref)
        assert result.returncode == 0, result.stderr
        assert outputs["tag"] == "3.22-v24.11.1-1.4.2"
        assert "feature" not in outputs["tag"].lower()


def test_meta_mismatched_release_fails(api_project: Path, tmp_path: Path) -> None:
    result, outputs = run_meta_steps(api_project, tmp_path, ref="refs/tags/v1.2.0")
    assert result.returncode == 1
    assert "gives version '1.2.0', but package.json has '1.4.2'" in result.stderr
    assert outputs == {}


def test_meta_empty_version_fails(tmp_path: Path) -> None:
    project = render(tmp_path / "render")
    package_path = project / "package.json"
    package = json.loads(package_path.read_text(encoding="utf-8"))
    package["version"] = ""
    package_path.write_text(json.dumps(package), encoding="utf-8")

    result, outputs = run_meta_steps(project, tmp_path, ref="refs/heads/main")

    assert result.returncode == 1
    assert "The version in package.json is missing or empty." in result.stderr
    assert outputs == {}
    assert "-v24.11.1-" not in result.stdout


def test_meta_lowercases_mixed_case_repo(api_project: Path, tmp_path: Path) -> None:
    result, outputs = run_meta_steps(api_project, tmp_path, ref="refs/heads/main")
    assert result.returncode == 0, result.stderr
    assert outputs["image"] == "ghcr.io/acmecorp/orders-api"


def test_meta_keeps_image_answer(registry_project: Path, tmp_path: Path) -> None:
    result, outputs = run_meta_steps(registry_project, tmp_path, ref="refs/heads/main")
    assert result.returncode == 0, result.stderr
    assert outputs["image"] == "registry.example.com/acme/orders-api"


def test_workflow_has_no_git_describe(api_project: Path) -> None:
    # The version comes from package.json, so the default shallow checkout
    # (fetch-depth 1) is enough.
    text = (api_project / ".github/workflows/ci.yml").read_text(encoding="utf-8")
    assert "git describe" not in text
    assert "fetch-depth" not in text


# README of the GitHub variant


def readme_text(project: Path) -> str:
    """Return the README with every run of whitespace turned into one space."""
    return " ".join((project / "README.md").read_text(encoding="utf-8").split())


def test_readme_github_packages_note(api_project: Path) -> None:
    readme = readme_text(api_project)
    assert "`packages: write`" in readme
    assert '"Manage Actions access"' in readme
    assert "`AcmeCorp/Orders-API` publishes `ghcr.io/acmecorp/orders-api`" in readme


def test_readme_github_cache_scope(api_project: Path) -> None:
    readme = " ".join((api_project / "README.md").read_text(encoding="utf-8").split())
    assert "under the scope `orders-api`" in readme


def test_readme_registry_secrets(registry_project: Path) -> None:
    readme = readme_text(registry_project)
    assert "`REGISTRY_USERNAME`" in readme
    assert "Manage Actions access" not in readme


@pytest.mark.parametrize(
    "fact",
    [
        "| `<alpine>` | Alpine Linux version of the base image |",
        "| `v<node>` | Node.js version |",
        "| `<version>` | version of this project | `version` in `package.json` |",
        "`org.opencontainers.image.version`: the project version",
        "`org.nodeship.node.version` and `org.nodeship.alpine.version`",
    ],
)
def test_readme_explains_tag_parts(project: Path, fact: str) -> None:
    assert fact in readme_text(project)


# scripts/check-tag-free.sh usage errors. tests/docker/test_registry_guard.py runs
# the script against a real registry.


@pytest.mark.parametrize(
    "arguments",
    [
        [],
        ["ghcr.io/acme/orders-api:1"],
        ["ghcr.io/acme/orders-api:1", "nightly"],
        ["ghcr.io/acme/orders-api:1", "release", "extra"],
        ["--tool", "crane", "ghcr.io/acme/orders-api:1", "release"],
        ["--output-file"],
        ["--unknown", "ghcr.io/acme/orders-api:1", "release"],
    ],
)
def test_guard_rejects_bad_usage(
    api_project: Path, tmp_path: Path, arguments: list[str]
) -> None:
    output_file = tmp_path / "github-output"
    output_file.write_text("", encoding="utf-8")
    result = run_tool(
        ["sh", "scripts/check-tag-free.sh", *arguments],
        cwd=api_project,
        env={"GITHUB_OUTPUT": str(output_file)},
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("Usage: ")
    assert output_file.read_text(encoding="utf-8") == ""
