"""App variants: api frameworks (fastify, express, http), the cli type, TypeScript.

Each variant is rendered, linted with hadolint, and, in the tests marked ``slow``,
installed from its lockfile with ``npm ci`` and run through ``npm test`` and
``npm run lint``. The Docker builds of the same variants are in
tests/docker/test_variants.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nodeship.answers import collect_answers
from nodeship.context_check import validate_context
from nodeship.errors import InvalidInputError
from nodeship.generate import cookiecutter_context
from nodeship.questions import Context
from tests.template_support import parse_dockerfile, render, run_tool
from tests.test_releases import TABLE, TODAY

CONTEXT = Context(table=TABLE, today=TODAY)

# (name, cookiecutter variables) of each variant that this file renders.
VARIANTS = {
    "express": {"app_type": "api", "framework": "express"},
    "http": {"app_type": "api", "framework": "http"},
    "cli": {"app_type": "cli"},
    "ts-fastify": {"app_type": "api", "framework": "fastify", "language": "ts"},
    "ts-express": {"app_type": "api", "framework": "express", "language": "ts"},
    "ts-http": {"app_type": "api", "framework": "http", "language": "ts"},
    "ts-worker": {"app_type": "worker", "language": "ts"},
    "ts-cli": {"app_type": "cli", "language": "ts"},
}
API_FILES = ["src/app.js", "src/healthcheck.js", "src/server.js"]
SERVICE_FILES = ["src/config.js", "src/logger.js", "src/shutdown.js"]
CLI_FILES = ["src/cli.js", "src/command.js", "test/cli.test.js", "test/command.test.js"]
WORKER_FILES = ["src/job.js", "src/loop.js", "src/worker.js"]


def collect(given: dict[str, object]) -> tuple[dict[str, object], tuple[str, ...]]:
    result = collect_answers(
        given=given, implicit={}, context=CONTEXT, asker=None, assume_defaults=True
    )
    return result.values, result.warnings


@pytest.fixture(scope="module", params=list(VARIANTS))
def variant(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path]:
    """A variant rendered without a lockfile: its name and project folder."""
    name = request.param
    project = render(tmp_path_factory.mktemp(name), **VARIANTS[name])
    return name, project


@pytest.fixture(scope="module", params=list(VARIANTS))
def installed_variant(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path]:
    """A variant rendered with its lockfile, after `npm ci`."""
    name = request.param
    project = render(tmp_path_factory.mktemp(name), install="yes", **VARIANTS[name])
    result = run_tool(["npm", "ci", "--no-audit", "--no-fund"], cwd=project)
    if result.returncode != 0:
        pytest.fail(f"npm ci failed for {name}:\n{result.stdout}\n{result.stderr}")
    return name, project


# The question model


def test_framework_defaults_to_fastify() -> None:
    answers, _ = collect({"name": "Orders"})
    assert answers["framework"] == "fastify"


@pytest.mark.parametrize("framework", ["fastify", "express", "http", "EXPRESS"])
def test_framework_accepted(framework: str) -> None:
    answers, _ = collect({"name": "Orders", "framework": framework})
    assert answers["framework"] == framework.lower()


def test_framework_rejects_unknown() -> None:
    with pytest.raises(InvalidInputError) as raised:
        collect({"name": "Orders", "framework": "koa"})
    assert "'koa'" in raised.value.message
    assert "fastify, express, http" in raised.value.message


@pytest.mark.parametrize("app_type", ["worker", "cli"])
def test_framework_ignored_outside_api(app_type: str) -> None:
    answers, warnings = collect(
        {"name": "Orders", "type": app_type, "framework": "express"}
    )
    assert answers["framework"] is None
    assert any("--framework is ignored" in warning for warning in warnings)


def test_cli_has_no_port() -> None:
    answers, _ = collect({"name": "Orders", "type": "cli"})
    assert answers["type"] == "cli"
    assert answers["port"] is None


def test_context_framework_for_cli() -> None:
    answers, _ = collect({"name": "Orders", "type": "cli"})
    context = cookiecutter_context(answers, install=False)
    assert context["app_type"] == "cli"
    # Cookiecutter rejects a value outside the choices, even an unused one.
    assert context["framework"] == "fastify"
    assert context["port"] == ""


def test_context_framework_for_api() -> None:
    answers, _ = collect({"name": "Orders", "framework": "http"})
    assert cookiecutter_context(answers, install=False)["framework"] == "http"


def test_language_defaults_to_js() -> None:
    answers, _ = collect({"name": "Orders"})
    assert answers["language"] == "js"


@pytest.mark.parametrize("app_type", ["api", "worker", "cli"])
def test_language_ts_for_every_type(app_type: str) -> None:
    answers, warnings = collect({"name": "Orders", "type": app_type, "language": "ts"})
    assert answers["language"] == "ts"
    assert warnings == ()
    assert cookiecutter_context(answers, install=False)["language"] == "ts"


def test_language_rejects_unknown() -> None:
    with pytest.raises(InvalidInputError) as raised:
        collect({"name": "Orders", "language": "coffee"})
    assert "--language 'coffee' is not one of: js, ts" in raised.value.message


def test_context_check_rejects_framework() -> None:
    problems = validate_context({"app_type": "api", "framework": "koa"})
    assert len(problems) == 1
    assert problems[0].startswith("framework: --framework 'koa'")


def test_context_check_skips_framework_for_cli() -> None:
    assert validate_context({"app_type": "cli", "framework": "fastify"}) == []


# Rendered files


def test_variant_files(variant: tuple[str, Path]) -> None:
    name, project = variant
    present = {
        path.relative_to(project).as_posix()
        for path in project.rglob("*")
        if path.is_file()
    }
    if name.endswith("cli"):
        expected, absent = CLI_FILES, API_FILES + SERVICE_FILES + WORKER_FILES
    elif name.endswith("worker"):
        expected, absent = WORKER_FILES + SERVICE_FILES, API_FILES + CLI_FILES
    else:
        expected = API_FILES + SERVICE_FILES
        if not name.endswith("fastify"):
            expected = [*expected, "src/request-log.js"]
        absent = CLI_FILES + WORKER_FILES
    if name.startswith("ts-"):
        # Sources are TypeScript; tests and configuration stay JavaScript.
        expected = [_as_typescript(path) for path in expected] + ["tsconfig.json"]
        absent = [_as_typescript(path) for path in absent]
    assert sorted(set(expected) - present) == []
    assert sorted(set(absent) & present) == []


def _as_typescript(path: str) -> str:
    if path.startswith("src/"):
        return path.removesuffix(".js") + ".ts"
    return path


def test_typescript_has_no_js_sources(variant: tuple[str, Path]) -> None:
    name, project = variant
    suffixes = {path.suffix for path in (project / "src").iterdir()}
    assert suffixes == ({".ts"} if name.startswith("ts-") else {".js"})


def test_javascript_has_no_tsconfig(variant: tuple[str, Path]) -> None:
    name, project = variant
    assert (project / "tsconfig.json").exists() == name.startswith("ts-")


def test_fastify_has_no_request_log(tmp_path: Path) -> None:
    project = render(tmp_path, app_type="api", framework="fastify")
    assert not (project / "src/request-log.js").exists()
    assert "from 'fastify'" in (project / "src/app.js").read_text()


def test_variant_dependencies(variant: tuple[str, Path]) -> None:
    name, project = variant
    package = json.loads((project / "package.json").read_text())
    dependencies = {
        "express": ["express", "pino"],
        "http": ["pino"],
        "cli": [],
        "fastify": ["fastify", "pino"],
        "worker": ["pino"],
    }
    assert sorted(package["dependencies"]) == dependencies[name.removeprefix("ts-")]


def test_files_end_with_one_newline(variant: tuple[str, Path]) -> None:
    _, project = variant
    for path in project.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert text.endswith("\n"), path
            assert not text.endswith("\n\n"), path


def test_no_template_syntax_left(variant: tuple[str, Path]) -> None:
    _, project = variant
    for path in project.rglob("*"):
        if path.is_file() and path.name != "README.md":
            text = path.read_text(encoding="utf-8")
            assert "{%" not in text, path
            assert "cookiecutter" not in text, path


def test_hadolint_clean(variant: tuple[str, Path]) -> None:
    _, project = variant
    result = run_tool(["hadolint", "Dockerfile"], cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("framework", ["fastify", "express", "http"])
def test_api_variant_dockerfile(tmp_path: Path, framework: str) -> None:
    project = render(tmp_path, app_type="api", framework=framework)
    runtime = parse_dockerfile((project / "Dockerfile").read_text())[-1]
    assert [item.arguments for item in runtime.find("EXPOSE")] == ["8080"]
    assert len(runtime.find("HEALTHCHECK")) == 1
    assert runtime.find("ENTRYPOINT") == []
    assert runtime.find("CMD")[0].arguments == '["node", "src/server.js"]'


def test_workdir_before_package_manager(variant: tuple[str, Path]) -> None:
    _, project = variant
    for stage in parse_dockerfile((project / "Dockerfile").read_text()):
        keywords = [item.keyword for item in stage.instructions]
        runs = [item for item in stage.instructions if item.keyword == "RUN"]
        for run in runs:
            if re.search(r"\b(npm|pnpm|yarn)\b", run.arguments):
                assert "WORKDIR" in keywords[: stage.instructions.index(run)], stage


def test_node_env_only_in_runtime(variant: tuple[str, Path]) -> None:
    _, project = variant
    stages = parse_dockerfile((project / "Dockerfile").read_text())
    for stage in stages[:-1]:
        assert not any("NODE_ENV" in item.arguments for item in stage.find("ENV"))
    assert [item.arguments for item in stages[-1].find("ENV")] == [
        "NODE_ENV=production"
    ]


def test_typescript_dockerfile(tmp_path: Path) -> None:
    project = render(tmp_path, app_type="api", language="ts")
    stages = parse_dockerfile((project / "Dockerfile").read_text())
    assert [stage.name for stage in stages] == ["deps", "build", "runtime"]
    deps, build, runtime = stages
    assert deps.find("RUN")[0].arguments.startswith("npm ci --omit=dev")
    assert [item.arguments for item in build.find("RUN")] == [
        "npm ci --include=dev",
        "npm run build",
    ]
    copies = [item.arguments for item in runtime.find("COPY")]
    assert "--from=build /app/dist ./dist" in copies
    assert not any(" src " in f" {copy} " for copy in copies)
    assert runtime.find("CMD")[0].arguments == (
        '["node", "--enable-source-maps", "dist/server.js"]'
    )
    healthcheck = runtime.find("HEALTHCHECK")[0].arguments
    assert '["node", "dist/healthcheck.js"]' in healthcheck


def test_typescript_cli_entrypoint(tmp_path: Path) -> None:
    project = render(tmp_path, app_type="cli", language="ts")
    runtime = parse_dockerfile((project / "Dockerfile").read_text())[-1]
    assert runtime.find("ENTRYPOINT")[0].arguments == (
        '["node", "--enable-source-maps", "dist/cli.js"]'
    )
    package = json.loads((project / "package.json").read_text())
    assert package["bin"] == {"orders-api": "dist/cli.js"}


def test_typescript_package_scripts(tmp_path: Path) -> None:
    project = render(tmp_path, app_type="worker", language="ts")
    package = json.loads((project / "package.json").read_text())
    scripts = package["scripts"]
    assert scripts["build"] == "tsc"
    assert scripts["test"].startswith("tsc && node --test --enable-source-maps")
    assert scripts["start"] == "node --enable-source-maps dist/worker.js"
    assert package["devDependencies"]["@types/node"] == "^24.0.0"
    assert "typescript" in package["devDependencies"]
    assert "typescript-eslint" in package["devDependencies"]


def test_typescript_ignores_dist(tmp_path: Path) -> None:
    project = render(tmp_path, language="ts")
    assert "\ndist\n" in (project / ".dockerignore").read_text()
    assert "\ndist/\n" in (project / ".gitignore").read_text()
    assert "'dist/'" in (project / "eslint.config.js").read_text()


def test_cli_dockerfile(tmp_path: Path) -> None:
    project = render(tmp_path, app_type="cli")
    stages = parse_dockerfile((project / "Dockerfile").read_text())
    runtime = stages[-1]
    assert runtime.find("EXPOSE") == []
    assert runtime.find("HEALTHCHECK") == []
    assert [item.arguments for item in runtime.find("ENTRYPOINT")] == [
        '["node", "src/cli.js"]'
    ]
    assert [item.arguments for item in runtime.find("CMD")] == ['["--help"]']
    assert [item.arguments for item in runtime.find("USER")] == ["1000:1000"]
    install = stages[0].find("RUN")[0].arguments
    assert "npm ci --omit=dev" in install
    assert "mkdir -p node_modules" in install


def test_cli_compose_has_no_restart(tmp_path: Path) -> None:
    project = render(tmp_path, app_type="cli")
    compose = (project / "compose.yaml").read_text()
    assert "restart:" not in compose
    assert "ports:" not in compose
    assert "docker compose run --build --rm orders-api NAME" in compose


def test_cli_entry_is_executable(tmp_path: Path) -> None:
    project = render(tmp_path, app_type="cli")
    cli = project / "src/cli.js"
    assert cli.read_text().startswith("#!/usr/bin/env node\n")
    assert cli.stat().st_mode & 0o111 == 0o111
    package = json.loads((project / "package.json").read_text())
    assert package["bin"] == {"orders-api": "src/cli.js"}
    assert package["scripts"]["start"] == "node src/cli.js"


@pytest.mark.parametrize(
    ("framework", "phrase"),
    [
        ("fastify", "[Fastify](https://fastify.dev/)"),
        ("express", "[Express](https://expressjs.com/)"),
        ("http", "`node:http`"),
    ],
)
def test_readme_names_framework(tmp_path: Path, framework: str, phrase: str) -> None:
    project = render(tmp_path, app_type="api", framework=framework)
    readme = (project / "README.md").read_text()
    assert phrase in readme
    assert "\n\n\n" not in readme


def test_cli_readme(tmp_path: Path) -> None:
    project = render(tmp_path, app_type="cli")
    readme = (project / "README.md").read_text()
    assert "docker run --rm orders-api:local Ada" in readme
    assert "SHUTDOWN_TIMEOUT_MS" not in readme
    assert ".env.example" not in readme
    assert "\n\n\n" not in readme
    assert re.search(r"## Run in Docker\n\n```sh\n", readme)


# The generated project's own tools


@pytest.mark.slow
def test_npm_test_passes(installed_variant: tuple[str, Path]) -> None:
    name, project = installed_variant
    result = run_tool(["npm", "test"], cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    summary = r"^(# |\N{INFORMATION SOURCE} )"
    assert re.search(summary + "fail 0$", result.stdout, re.MULTILINE), name
    assert re.search(summary + "pass [1-9]", result.stdout, re.MULTILINE), name


@pytest.mark.slow
def test_npm_lint_passes(installed_variant: tuple[str, Path]) -> None:
    _, project = installed_variant
    result = run_tool(["npm", "run", "lint"], cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cli_runs_with_arguments(tmp_path: Path) -> None:
    # The cli has no production dependencies, so it runs without npm ci.
    project = render(tmp_path, app_type="cli")
    greeting = run_tool(["node", "src/cli.js", "--shout", "Ada"], cwd=project)
    assert greeting.returncode == 0, greeting.stderr
    assert greeting.stdout == "HELLO, ADA!\n"
    version = run_tool(["node", "src/cli.js", "--version"], cwd=project)
    assert version.stdout == "1.4.2\n"
    invalid = run_tool(["node", "src/cli.js"], cwd=project)
    assert invalid.returncode == 2
    assert "missing NAME" in invalid.stderr


@pytest.mark.slow
def test_typescript_compiles_with_node_env_production(tmp_path: Path) -> None:
    project = render(tmp_path, install="yes", **VARIANTS["ts-express"])
    production = {"NODE_ENV": "production"}

    install = run_tool(
        ["npm", "ci", "--include=dev", "--no-audit", "--no-fund"],
        cwd=project,
        env=production,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    build = run_tool(["npm", "run", "build"], cwd=project, env=production)

    assert build.returncode == 0, build.stdout + build.stderr
    assert (project / "dist/server.js").is_file()
    assert (project / "dist/server.js.map").is_file()
