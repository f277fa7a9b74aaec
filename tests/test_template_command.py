"""``nodeship template init`` and ``nodeship template check``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.template_repos import project_file, run_cli

LINTERS = ("hadolint", "actionlint", "check-jsonschema")


@pytest.fixture
def started(workdir: Path) -> Path:
    run = run_cli("template", "init", "acme-template", cwd=workdir)
    assert run.code == 0, run.stderr
    return workdir / "acme-template"


def outcomes(stdout: str) -> list[dict[str, str]]:
    result = json.loads(stdout)["outcomes"]
    assert isinstance(result, list)
    return result


def test_init_copies_hooks_as_files(started: Path) -> None:
    hooks = started / "hooks"
    assert not hooks.is_symlink()
    assert (hooks / "post_gen_project.py").is_file()
    assert not (hooks / "post_gen_project.py").is_symlink()
    assert (started / "cookiecutter.json").is_file()
    assert project_file(started, "Dockerfile").is_file()
    assert not list(started.rglob("__pycache__"))


def test_init_rejects_existing_folder(started: Path) -> None:
    marker = started / "mine.txt"
    marker.write_text("keep")
    run = run_cli("template", "init", str(started), cwd=started.parent)
    assert run.code == 3
    assert "already exists" in run.stderr
    assert marker.read_text() == "keep"


def test_check_passes_on_copy(started: Path) -> None:
    for tool in LINTERS:
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not on PATH; install the test tools first")
    run = run_cli("template", "check", str(started), "--json", cwd=started.parent)
    assert run.code == 0, run.stdout + run.stderr
    results = outcomes(run.stdout)
    assert {item["status"] for item in results} == {"passed"}
    checks = {(item["variant"], item["check"]) for item in results}
    variants = json.loads(run.stdout)["variants"]
    for variant in variants:
        assert (variant, "render") in checks
        assert (variant, "hadolint") in checks
    github = [variant for variant in variants if "ci=github" in variant]
    gitlab = [variant for variant in variants if "ci=gitlab" in variant]
    assert github
    assert gitlab
    assert (github[0], "actionlint") in checks
    assert (github[0], "workflow ${{ }} expressions") in checks
    assert (gitlab[0], "check-jsonschema") in checks


def test_check_fails_on_latest_tag(started: Path) -> None:
    dockerfile = project_file(started, "Dockerfile")
    lines = dockerfile.read_text().splitlines()
    last_from = max(i for i, line in enumerate(lines) if line.startswith("FROM "))
    lines[last_from] = "FROM node:latest AS runtime"
    dockerfile.write_text("\n".join(lines) + "\n")

    run = run_cli("template", "check", str(started), cwd=started.parent)

    assert run.code == 1
    assert "  failed   hadolint" in run.stdout
    assert "DL3007" in run.stdout
    assert "hadolint in [type=api framework=fastify" in run.stderr
    assert "hadolint in [type=cli" in run.stderr
    # The slim runtime starts its last stage from plain Alpine, a line above.
    failed = run.stderr.split("hadolint in [")[1:]
    assert failed
    assert all("runtime=default" in variant.split("]")[0] for variant in failed)


def test_check_fails_on_broken_workflow(started: Path) -> None:
    workflow = project_file(started, ".github/workflows/ci.yml")
    text = workflow.read_text().replace(
        "{% raw %}${{ github.actor }}{% endraw %}", "{% raw %}${{ }}{% endraw %}"
    )
    workflow.write_text(text)
    run = run_cli("template", "check", str(started), "--json", cwd=started.parent)
    assert run.code == 1
    failed = {
        (item["variant"], item["check"])
        for item in outcomes(run.stdout)
        if item["status"] == "failed"
    }
    github = [
        variant
        for variant in json.loads(run.stdout)["variants"]
        if "ci=github" in variant
    ]
    assert github
    for variant in github:
        assert (variant, "workflow ${{ }} expressions") in failed
        assert (variant, "actionlint") in failed
    assert not any("ci=github" not in variant for variant, _ in failed)


def test_check_reports_render_failure(started: Path) -> None:
    project_file(started, "OWNER").write_text("{{ cookiecutter.owner }}\n")
    run = run_cli("template", "check", str(started), cwd=started.parent)
    assert run.code == 1
    assert "  failed   render" in run.stdout
    assert "cookiecutter.owner" in run.stdout


def test_check_names_skipped_tools(started: Path) -> None:
    git = shutil.which("git")
    assert git is not None
    only_git = str(Path(git).parent)
    if any(shutil.which(tool, path=only_git) for tool in LINTERS):
        pytest.skip(f"a linter is installed in {only_git}, next to git")
    run = run_cli(
        "template", "check", str(started), cwd=started.parent, env={"PATH": only_git}
    )
    assert run.code == 0, run.stderr
    for tool in LINTERS:
        assert f"{tool} is not installed" in run.stdout
    assert "  skipped  hadolint" in run.stdout


def test_check_fails_on_user_before_workdir(started: Path) -> None:
    dockerfile = project_file(started, "Dockerfile")
    text = dockerfile.read_text()
    first_workdir = text.index("WORKDIR /app")
    dockerfile.write_text(text[:first_workdir] + "USER node\n" + text[first_workdir:])
    run = run_cli("template", "check", str(started), cwd=started.parent)
    assert run.code == 1
    assert "USER node comes before WORKDIR" in run.stdout + run.stderr


def test_check_fails_without_workdir(started: Path) -> None:
    dockerfile = project_file(started, "Dockerfile")
    text = dockerfile.read_text().replace("WORKDIR /app\n", "", 1)
    dockerfile.write_text(text)
    run = run_cli("template", "check", str(started), cwd=started.parent)
    assert run.code == 1
    assert "runs before any WORKDIR" in run.stdout + run.stderr
