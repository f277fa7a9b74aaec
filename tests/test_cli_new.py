"""``nodeship new`` without a terminal: flags, answers files, errors, no half-writes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import listing, run_nodeship

NO_INSTALL = ("--yes", "--no-install")


def test_yes_generates_api_with_defaults(workdir: Path) -> None:
    run = run_nodeship("new", "--name", "Orders API", *NO_INSTALL, cwd=workdir)
    assert run.code == 0, run.stderr
    project = workdir / "orders-api"
    package = json.loads((project / "package.json").read_text())
    assert package["name"] == "orders-api"
    assert package["version"] == "0.1.0"
    assert (project / "Dockerfile").is_file()
    assert (project / ".dockerignore").is_file()
    assert (project / ".github" / "workflows").is_dir()


def test_record_of_answers_written(workdir: Path) -> None:
    run_nodeship("new", "--name", "Orders API", *NO_INSTALL, cwd=workdir)
    record = json.loads((workdir / "orders-api" / ".nodeship.json").read_text())
    assert record["answers"]["slug"] == "orders-api"
    assert record["template"] == "builtin"


def test_worker_without_ci(workdir: Path) -> None:
    run = run_nodeship(
        "new", "jobs", "--type", "worker", "--ci", "none", *NO_INSTALL, cwd=workdir
    )
    assert run.code == 0, run.stderr
    project = workdir / "jobs"
    assert not (project / ".github").exists()
    assert "EXPOSE" not in (project / "Dockerfile").read_text()


def test_json_output_is_clean(workdir: Path) -> None:
    run = run_nodeship(
        "new", "--name", "Orders API", "--json", *NO_INSTALL, cwd=workdir
    )
    assert run.code == 0, run.stderr
    result = run.json()
    assert isinstance(result, dict)
    assert result["answers"]["package_name"] == "orders-api"
    alpine, node = result["answers"]["alpine"], result["answers"]["node"]
    assert result["image_tag"] == f"{alpine}-v{node}-0.1.0"


def test_pinned_versions_in_dockerfile(workdir: Path) -> None:
    run = run_nodeship(
        "new", "--name", "Pinned", "--node", "v24", "--json", *NO_INSTALL, cwd=workdir
    )
    assert run.code == 0, run.stderr
    answers = run.json()["answers"]  # type: ignore[index]
    dockerfile = (workdir / "pinned" / "Dockerfile").read_text()
    assert f"FROM node:{answers['node']}-alpine{answers['alpine']}" in dockerfile
    assert answers["node"].startswith("24.")
    nvmrc = (workdir / "pinned" / ".nvmrc").read_text().strip()
    assert nvmrc.removeprefix("v") == answers["node"]


def test_directory_name_becomes_display_name(workdir: Path) -> None:
    run = run_nodeship("new", "OrdersService", "--json", *NO_INSTALL, cwd=workdir)
    assert run.code == 0, run.stderr
    answers = run.json()["answers"]  # type: ignore[index]
    assert answers["name"] == "OrdersService"
    assert answers["package_name"] == "orders-service"
    assert (workdir / "OrdersService" / "package.json").is_file()


def test_scoped_package_name(workdir: Path) -> None:
    run = run_nodeship(
        "new",
        "--name",
        "Orders",
        "--package-name",
        "@acme/orders-api",
        *NO_INSTALL,
        cwd=workdir,
    )
    assert run.code == 0, run.stderr
    package = json.loads((workdir / "orders" / "package.json").read_text())
    assert package["name"] == "@acme/orders-api"


def test_nested_directory_is_created(workdir: Path) -> None:
    run = run_nodeship("new", "services/orders", *NO_INSTALL, cwd=workdir)
    assert run.code == 0, run.stderr
    assert (workdir / "services" / "orders" / "package.json").is_file()


def test_answers_file_and_flag_precedence(workdir: Path) -> None:
    answers = workdir.parent / "answers.yaml"
    answers.write_text("name: From File\ntype: worker\nci: none\n")
    run = run_nodeship(
        "new",
        "--answers",
        str(answers),
        "--name",
        "From Flag",
        "--json",
        *NO_INSTALL,
        cwd=workdir,
    )
    assert run.code == 0, run.stderr
    values = run.json()["answers"]  # type: ignore[index]
    assert values["name"] == "From Flag"
    assert values["type"] == "worker"


def test_missing_answers_without_terminal(workdir: Path) -> None:
    run = run_nodeship("new", "--no-install", cwd=workdir)
    assert run.code == 2
    for flag in ("--name", "--type", "--port", "--node", "--ci"):
        assert flag in run.stderr
    assert "--yes" in run.stderr
    assert listing(workdir) == []


def test_all_required_flags_need_no_yes(workdir: Path) -> None:
    run = run_nodeship(
        "new",
        "--name",
        "Full",
        "--type",
        "api",
        "--port",
        "8080",
        "--node",
        "lts",
        "--ci",
        "github",
        "--no-install",
        cwd=workdir,
    )
    assert run.code == 0, run.stderr
    assert "EXPOSE 8080" in (workdir / "full" / "Dockerfile").read_text()


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (("--port=99999",), ["99999", "1 to 65535"]),
        (("--port=abc",), ["'abc'", "--port"]),
        (("--node=abc",), ["'abc'", "--node lts"]),
        (("--node=19.0.0",), ["19", "release table"]),
        (("--alpine=3",), ["alpine3", "--alpine"]),
        (("--type=maybe",), ["'maybe'", "api, worker"]),
        (("--ci=jenkins",), ["'jenkins'", "github, gitlab, none"]),
        (("--ci=gitlab", "--updates=dependabot"), ["dependabot", "--ci github"]),
        (("--name=🚀",), ["no letters or digits", "--slug"]),
        (("--name=ok", "--slug=Bad Slug"), ["Bad Slug", "lowercase"]),
        (("--name=ok", "--package-name=http"), ["'http'", "core module"]),
        (("--name=ok", "--image=ghcr.io/AcmeCorp/x"), ["AcmeCorp", "acmecorp"]),
        (("--name=ok", "--project-version=1.0"), ["'1.0'", "MAJOR.MINOR.PATCH"]),
    ],
)
def test_bad_flag_rejected_nothing_written(
    workdir: Path, flags: tuple[str, ...], words: list[str]
) -> None:
    run = run_nodeship("new", *flags, *NO_INSTALL, cwd=workdir)
    assert run.code == 2
    assert "Traceback" not in run.stderr
    for word in words:
        assert word in run.stderr
    assert listing(workdir) == []


def test_unknown_answers_key_rejected(workdir: Path) -> None:
    answers = workdir.parent / "answers.json"
    answers.write_text('{"name": "Orders", "team": "payments"}')
    run = run_nodeship("new", "--answers", str(answers), *NO_INSTALL, cwd=workdir)
    assert run.code == 2
    assert "team" in run.stderr
    assert "package_name" in run.stderr
    assert listing(workdir) == []


def test_existing_folder_untouched(workdir: Path) -> None:
    existing = workdir / "orders-api"
    existing.mkdir()
    (existing / "keep.txt").write_text("mine")
    run = run_nodeship("new", "--name", "Orders API", *NO_INSTALL, cwd=workdir)
    assert run.code == 3
    assert str(existing) in run.stderr
    assert "hint:" in run.stderr
    assert listing(workdir) == ["orders-api", "orders-api/keep.txt"]


def test_existing_empty_folder_untouched(workdir: Path) -> None:
    (workdir / "orders-api").mkdir()
    run = run_nodeship("new", "orders-api", *NO_INSTALL, cwd=workdir)
    assert run.code == 3
    assert listing(workdir) == ["orders-api"]


def test_same_name_twice(workdir: Path) -> None:
    first = run_nodeship("new", "--name", "Twice", *NO_INSTALL, cwd=workdir)
    before = listing(workdir)
    second = run_nodeship("new", "--name", "Twice", *NO_INSTALL, cwd=workdir)
    assert first.code == 0
    assert second.code == 3
    assert listing(workdir) == before


def test_unwritable_parent_reports(workdir: Path) -> None:
    blocker = workdir / "file"
    blocker.write_text("not a folder")
    run = run_nodeship("new", "file/sub/orders", *NO_INSTALL, cwd=workdir)
    assert run.code != 0
    assert "Traceback" not in run.stderr
    assert listing(workdir) == ["file"]


def test_help_on_every_command(workdir: Path) -> None:
    for command in ([], ["new"], ["verify"], ["versions"]):
        run = run_nodeship(*command, "--help", cwd=workdir)
        assert run.code == 0, command
        assert "Usage:" in run.stdout


def test_version_flag(workdir: Path) -> None:
    run = run_nodeship("--version", cwd=workdir)
    assert run.code == 0
    assert "nodeship" in run.stdout


def test_versions_json(workdir: Path) -> None:
    run = run_nodeship("versions", "--json", cwd=workdir)
    assert run.code == 0
    rows = run.json()
    assert isinstance(rows, list)
    assert {"major", "status", "newest", "alpine"} <= set(rows[0])


def test_existing_directory_rejected_before_answers(workdir: Path) -> None:
    (workdir / "taken").mkdir()
    run = run_nodeship("new", "taken", "--no-install", cwd=workdir)
    assert run.code == 3
    assert "missing" not in run.stderr


def test_next_steps_install_before_test(workdir: Path) -> None:
    run = run_nodeship("new", "--name", "Steps", "--yes", cwd=workdir)
    assert run.code == 0, run.stderr
    lines = run.stdout.splitlines()
    install = next(i for i, line in enumerate(lines) if "npm ci" in line)
    test = next(i for i, line in enumerate(lines) if "npm test" in line)
    assert install < test


def test_warns_inside_git_repository(workdir: Path) -> None:
    subprocess.run(["git", "init", "-q", str(workdir)], check=True)
    run = run_nodeship("new", "services/orders", "--yes", "--no-install", cwd=workdir)
    assert run.code == 0, run.stderr
    assert "GitHub runs only workflows in" in run.stderr


def test_no_warning_outside_git_repository(workdir: Path) -> None:
    run = run_nodeship("new", "orders", "--yes", "--no-install", cwd=workdir)
    assert run.code == 0, run.stderr
    assert "GitHub runs only workflows in" not in run.stderr
