"""Overlays laid over a template: added and replaced files, variables, --explain."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.conftest import TEMPLATE_DIR, listing
from tests.template_repos import NO_INSTALL, PROJECT_FOLDER, run_cli

COMPANY_DOCKERIGNORE = "# acme: company .dockerignore\nnode_modules\n.git\n"


def make_overlay(root: Path, files: dict[str, str]) -> Path:
    """Create an overlay folder holding ``files`` (paths relative to the overlay)."""
    root.mkdir(parents=True)
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture
def company(tmp_path: Path) -> Path:
    return make_overlay(
        tmp_path / "company",
        {
            f"{PROJECT_FOLDER}/.dockerignore": COMPANY_DOCKERIGNORE,
            f"{PROJECT_FOLDER}/SECURITY.md": "Report issues to security@acme.test\n",
            f"{PROJECT_FOLDER}/CODEOWNERS": "* @acme/{{ cookiecutter.team }}\n",
            "cookiecutter.json": json.dumps({"team": "platform"}),
        },
    )


@pytest.fixture
def team(tmp_path: Path) -> Path:
    return make_overlay(
        tmp_path / "team",
        {f"{PROJECT_FOLDER}/SECURITY.md": "Report issues to payments@acme.test\n"},
    )


def template_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(TEMPLATE_DIR.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(TEMPLATE_DIR)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def test_overlay_adds_and_replaces(company: Path, workdir: Path) -> None:
    before = template_digest()
    run = run_cli("new", "svc", "--overlay", str(company), *NO_INSTALL, cwd=workdir)
    assert run.code == 0, run.stderr
    project = workdir / "svc"
    assert (project / ".dockerignore").read_text() == COMPANY_DOCKERIGNORE
    assert (project / "SECURITY.md").is_file()
    assert (project / "CODEOWNERS").read_text() == "* @acme/platform\n"
    assert (project / "Dockerfile").is_file()
    assert template_digest() == before


def test_overlays_apply_in_order(company: Path, team: Path, workdir: Path) -> None:
    run = run_cli(
        "new",
        "svc",
        "--overlay",
        str(company),
        "--overlay",
        str(team),
        *NO_INSTALL,
        cwd=workdir,
    )
    assert run.code == 0, run.stderr
    security = (workdir / "svc" / "SECURITY.md").read_text()
    assert security == "Report issues to payments@acme.test\n"
    record = json.loads((workdir / "svc" / ".nodeship.json").read_text())
    assert record["overlays"] == [{"path": str(company)}, {"path": str(team)}]


def test_explain_json_names_layers(company: Path, team: Path, workdir: Path) -> None:
    run = run_cli(
        "new",
        "svc",
        "--overlay",
        str(company),
        "--overlay",
        str(team),
        "--explain",
        "--json",
        *NO_INSTALL,
        cwd=workdir,
    )
    assert run.code == 0, run.stderr
    files = {item["path"]: item["layer"] for item in json.loads(run.stdout)["files"]}
    assert files["Dockerfile"] == "builtin"
    assert files[".dockerignore"] == str(company)
    assert files["CODEOWNERS"] == str(company)
    assert files["SECURITY.md"] == str(team)
    assert files[".nodeship.json"] == "nodeship"
    assert "src/job.js" not in files


def test_explain_text_names_layers(company: Path, workdir: Path) -> None:
    run = run_cli(
        "new",
        "svc",
        "--overlay",
        str(company),
        "--explain",
        *NO_INSTALL,
        cwd=workdir,
    )
    assert run.code == 0, run.stderr
    lines = {
        line.split()[0]: line.split()[1]
        for line in run.stdout.splitlines()
        if line.startswith("  ") and len(line.split()) == 2
    }
    assert lines["SECURITY.md"] == str(company)
    assert lines["Dockerfile"] == "builtin"


def test_set_overlay_variable(company: Path, workdir: Path) -> None:
    run = run_cli(
        "new",
        "svc",
        "--overlay",
        str(company),
        "--set",
        "team=payments",
        *NO_INSTALL,
        cwd=workdir,
    )
    assert run.code == 0, run.stderr
    assert (workdir / "svc" / "CODEOWNERS").read_text() == "* @acme/payments\n"
    record = json.loads((workdir / "svc" / ".nodeship.json").read_text())
    assert record["settings"] == {"team": "payments"}


def test_set_unknown_key_lists_valid(company: Path, workdir: Path) -> None:
    run = run_cli(
        "new",
        "svc",
        "--overlay",
        str(company),
        "--set",
        "squad=payments",
        *NO_INSTALL,
        cwd=workdir,
    )
    assert run.code == 2
    assert "--set has unknown keys: squad" in run.stderr
    assert "declare: team" in run.stderr
    assert listing(workdir) == []


def test_set_without_overlay_rejected(workdir: Path) -> None:
    run = run_cli("new", "svc", "--set", "team=x", *NO_INSTALL, cwd=workdir)
    assert run.code == 2
    assert "no overlay declares variables" in run.stderr


def test_set_choice_validated(tmp_path: Path, workdir: Path) -> None:
    overlay = make_overlay(
        tmp_path / "tier",
        {
            "cookiecutter.json": json.dumps({"tier": ["standard", "critical"]}),
            f"{PROJECT_FOLDER}/TIER": "{{ cookiecutter.tier }}\n",
        },
    )
    bad = run_cli(
        "new",
        "svc",
        "--overlay",
        str(overlay),
        "--set",
        "tier=gold",
        *NO_INSTALL,
        cwd=workdir,
    )
    assert bad.code == 2
    assert "standard, critical" in bad.stderr
    good = run_cli("new", "svc", "--overlay", str(overlay), *NO_INSTALL, cwd=workdir)
    assert good.code == 0, good.stderr
    assert (workdir / "svc" / "TIER").read_text() == "standard\n"


def test_overlay_cannot_redeclare_answer(tmp_path: Path, workdir: Path) -> None:
    overlay = make_overlay(tmp_path / "o", {"cookiecutter.json": '{"port": "80"}'})
    run = run_cli("new", "svc", "--overlay", str(overlay), *NO_INSTALL, cwd=workdir)
    assert run.code == 2
    assert "'port' is one of nodeship's variables" in run.stderr
    assert listing(workdir) == []


def test_overlay_folder_must_match(tmp_path: Path, workdir: Path) -> None:
    overlay = make_overlay(
        tmp_path / "o", {"{{ cookiecutter.project_slug }}/EXTRA.md": "extra\n"}
    )
    run = run_cli("new", "svc", "--overlay", str(overlay), *NO_INSTALL, cwd=workdir)
    assert run.code == 2
    assert "'{{ cookiecutter.project_slug }}'" in run.stderr
    assert f"'{PROJECT_FOLDER}'" in run.stderr
    assert listing(workdir) == []


def test_overlay_unknown_variable_named(tmp_path: Path, workdir: Path) -> None:
    overlay = make_overlay(
        tmp_path / "o", {f"{PROJECT_FOLDER}/OWNER": "{{ cookiecutter.owner }}\n"}
    )
    run = run_cli("new", "svc", "--overlay", str(overlay), *NO_INSTALL, cwd=workdir)
    assert run.code == 4
    assert f"OWNER (from overlay {overlay})" in run.stderr
    assert "cookiecutter.owner" in run.stderr
    assert listing(workdir) == []


def test_missing_overlay_rejected(tmp_path: Path, workdir: Path) -> None:
    run = run_cli(
        "new", "svc", "--overlay", str(tmp_path / "nope"), *NO_INSTALL, cwd=workdir
    )
    assert run.code == 2
    assert "nope" in run.stderr
    assert listing(workdir) == []
