"""``nodeship update`` and ``nodeship check`` against a git template with two tags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.template_repos import (
    NO_INSTALL,
    commit_all,
    commit_project,
    git,
    git_template,
    project_file,
    run_cli,
)

V2_README_LINE = "Maintained by the platform team."
V2_DOCKERFILE_COMMENT = "# Built from the acme template v2."
V2_NEW_FILE = "CODEOWNERS"


def release_v2(template: Path) -> None:
    """Tag v2: a README line, a Dockerfile comment and a new file."""
    readme = project_file(template, "README.md")
    readme.write_text(readme.read_text() + f"\n{V2_README_LINE}\n")
    dockerfile = project_file(template, "Dockerfile")
    dockerfile.write_text(f"{V2_DOCKERFILE_COMMENT}\n" + dockerfile.read_text())
    project_file(template, V2_NEW_FILE).write_text(
        "* @acme/{{ cookiecutter.project_slug }}\n"
    )
    commit_all(template, "Template v2", tag="v2")


@pytest.fixture
def template(tmp_path: Path) -> Path:
    return git_template(tmp_path / "acme-template")


@pytest.fixture
def project(template: Path, workdir: Path) -> Path:
    """A project generated from v1 and committed, with one local edit committed."""
    run = run_cli(
        "new",
        "--name",
        "Orders API",
        "--template",
        str(template),
        *NO_INSTALL,
        cwd=workdir,
    )
    assert run.code == 0, run.stderr
    project = workdir / "orders-api"
    config = project / "src" / "config.js"
    config.write_text(config.read_text() + "// Orders API: local setting\n")
    commit_project(project, "Generate and edit")
    return project


def record(project: Path) -> dict[str, object]:
    data = json.loads((project / ".nodeship.json").read_text())
    assert isinstance(data, dict)
    return data


def test_new_records_tag_and_commit(template: Path, project: Path) -> None:
    version = record(project)["template_version"]
    assert isinstance(version, dict)
    assert version["kind"] == "git"
    assert version["tag"] == "v1"
    assert version["commit"] == git("rev-parse", "v1", cwd=template).strip()
    assert record(project)["template"] == str(template)


def test_update_keeps_edit_and_applies_template(template: Path, project: Path) -> None:
    release_v2(template)
    run = run_cli("update", str(project), cwd=project.parent)
    assert run.code == 0, run.stderr
    assert "// Orders API: local setting" in (project / "src/config.js").read_text()
    assert V2_README_LINE in (project / "README.md").read_text()
    dockerfile = (project / "Dockerfile").read_text()
    assert dockerfile.startswith(V2_DOCKERFILE_COMMENT)
    assert (project / V2_NEW_FILE).read_text() == "* @acme/orders-api\n"
    assert "added     CODEOWNERS" in run.stdout
    version = record(project)["template_version"]
    assert isinstance(version, dict)
    assert version["tag"] == "v2"


def test_update_conflict_leaves_markers(template: Path, project: Path) -> None:
    dockerfile = project / "Dockerfile"
    ours = "# Built by the orders team.\n"
    dockerfile.write_text(ours + dockerfile.read_text())
    commit_all(project, "Own first line")
    release_v2(template)

    run = run_cli("update", str(project), cwd=project.parent)

    assert run.code == 9
    assert "conflicts: Dockerfile" in run.stderr
    text = dockerfile.read_text()
    assert "<<<<<<< project\n" + ours in text
    assert "=======\n" + V2_DOCKERFILE_COMMENT in text
    assert ">>>>>>> template v2" in text
    # The clean merges of the same update still arrived.
    assert V2_README_LINE in (project / "README.md").read_text()
    assert "// Orders API: local setting" in (project / "src/config.js").read_text()


def test_update_json_lists_conflicts(template: Path, project: Path) -> None:
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\nMaintained by the orders team.\n")
    commit_all(project, "Own maintainer line")
    release_v2(template)
    run = run_cli("update", str(project), "--json", cwd=project.parent)
    assert run.code == 9
    result = json.loads(run.stdout)
    assert result["conflicts"] == ["README.md"]
    assert result["added"] == [V2_NEW_FILE]
    assert result["updated"] == ["Dockerfile"]
    assert result["new_version"].startswith("v2")


def test_check_behind_then_current(template: Path, project: Path) -> None:
    assert run_cli("check", str(project), cwd=project.parent).code == 0
    release_v2(template)

    behind = run_cli("check", str(project), "--json", cwd=project.parent)
    assert behind.code == 10
    assert json.loads(behind.stdout)["status"] == "behind"
    assert "behind its template" in behind.stderr

    assert run_cli("update", str(project), cwd=project.parent).code == 0
    commit_all(project, "Update to v2")
    current = run_cli("check", str(project), "--json", cwd=project.parent)
    assert current.code == 0, current.stderr
    assert json.loads(current.stdout)["status"] == "current"


def test_update_to_ref_and_back(template: Path, project: Path) -> None:
    release_v2(template)
    run = run_cli("update", str(project), "--ref", "v1", cwd=project.parent)
    assert run.code == 0, run.stderr
    assert "no file changed" in run.stdout
    assert not (project / V2_NEW_FILE).exists()


def test_update_removes_only_unchanged_files(template: Path, project: Path) -> None:
    kept = project / "README.md"
    kept.write_text(kept.read_text() + "Owned by the orders team.\n")
    commit_all(project, "Own README line")
    project_file(template, "README.md").unlink()
    project_file(template, ".gitattributes").unlink()
    commit_all(template, "Drop two files", tag="v2")

    run = run_cli("update", str(project), "--json", cwd=project.parent)

    assert run.code == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["removed"] == [".gitattributes"]
    assert result["kept"] == ["README.md"]
    assert not (project / ".gitattributes").exists()
    assert "Owned by the orders team." in kept.read_text()


def test_update_answer_change(project: Path) -> None:
    run = run_cli("update", str(project), "--answer", "port=8080", cwd=project.parent)
    assert run.code == 0, run.stderr
    assert "EXPOSE 8080" in (project / "Dockerfile").read_text()
    answers = record(project)["answers"]
    assert isinstance(answers, dict)
    assert answers["port"] == 8080
    assert "// Orders API: local setting" in (project / "src/config.js").read_text()


def test_update_invalid_answer_changes_nothing(project: Path) -> None:
    before = git("rev-parse", "HEAD", cwd=project)
    run = run_cli("update", str(project), "--answer", "port=http", cwd=project.parent)
    assert run.code == 2
    assert "--port 'http'" in run.stderr
    assert git("status", "--porcelain", cwd=project) == ""
    assert git("rev-parse", "HEAD", cwd=project) == before


def test_update_unknown_answer_lists_keys(project: Path) -> None:
    run = run_cli("update", str(project), "--answer", "colour=red", cwd=project.parent)
    assert run.code == 2
    assert "colour" in run.stderr
    assert "package_name" in run.stderr


def test_update_rejects_dirty_tree(template: Path, project: Path) -> None:
    release_v2(template)
    (project / "notes.txt").write_text("not committed\n")
    run = run_cli("update", str(project), cwd=project.parent)
    assert run.code == 2
    assert "uncommitted changes: notes.txt" in run.stderr
    assert not (project / V2_NEW_FILE).exists()


def test_update_requires_git_repository(template: Path, workdir: Path) -> None:
    run = run_cli("new", "plain", "--template", str(template), *NO_INSTALL, cwd=workdir)
    assert run.code == 0, run.stderr
    update = run_cli("update", "plain", cwd=workdir)
    assert update.code == 2
    assert "not in a git repository" in update.stderr


def test_update_outside_project_rejected(workdir: Path) -> None:
    run = run_cli("update", str(workdir), cwd=workdir)
    assert run.code == 2
    assert ".nodeship.json not found" in run.stderr


def test_builtin_project_update_states_limit(workdir: Path) -> None:
    run = run_cli("new", "--name", "Orders API", *NO_INSTALL, cwd=workdir)
    assert run.code == 0, run.stderr
    project = workdir / "orders-api"
    data = record(project)
    version = data["template_version"]
    assert isinstance(version, dict)
    version["nodeship_version"] = "0.0.1"
    (project / ".nodeship.json").write_text(json.dumps(data, indent=2) + "\n")
    commit_project(project, "Generated by an older nodeship")

    behind = run_cli("check", str(project), cwd=workdir)
    assert behind.code == 10
    assert "nodeship 0.0.1" in behind.stderr

    update = run_cli("update", str(project), "--answer", "port=9000", cwd=workdir)
    assert update.code == 0, update.stderr
    assert "built-in template of nodeship 0.0.1 is not available" in update.stderr
    assert "EXPOSE 9000" in (project / "Dockerfile").read_text()
    commit_all(project, "Update")
    assert run_cli("check", str(project), cwd=workdir).code == 0


def test_package_json_change_notes_lockfile(project: Path) -> None:
    run = run_cli(
        "update",
        str(project),
        "--answer",
        "description=Takes orders",
        cwd=project.parent,
    )
    assert run.code == 0, run.stderr
    package = json.loads((project / "package.json").read_text())
    assert package["description"] == "Takes orders"
    assert "run `npm install` to update the lock" in run.stderr


def test_record_missing_new_question(template: Path, project: Path) -> None:
    data = record(project)
    answers = data["answers"]
    assert isinstance(answers, dict)
    del answers["updates"]
    (project / ".nodeship.json").write_text(json.dumps(data, indent=2) + "\n")
    commit_all(project, "Record from before the updates question")
    release_v2(template)

    run = run_cli("update", str(project), "--json", cwd=project.parent)

    assert run.code == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["changed_answers"] == {}
    assert result["added"] == [V2_NEW_FILE]
    updated = record(project)["answers"]
    assert isinstance(updated, dict)
    assert updated["updates"] == "none"
