"""How overlays are recorded, and how ``check`` and ``update`` find them again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import Run
from tests.template_repos import NO_INSTALL, PROJECT_FOLDER, commit_all, git, run_cli

COMPANY_FILE = "COMPANY.md"


def write_overlay(folder: Path, text: str) -> Path:
    """Write an overlay that adds COMPANY.md with ``text`` to every project."""
    target = folder / PROJECT_FOLDER / COMPANY_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    return folder


@pytest.fixture
def overlay_remote(tmp_path: Path) -> Path:
    """A bare repository on branch main holding a company overlay in ``company/``."""
    remote = tmp_path / "overlays.git"
    git("init", "-q", "--bare", "-b", "main", str(remote), cwd=tmp_path)
    checkout = tmp_path / "overlays"
    git("clone", "-q", str(remote), str(checkout), cwd=tmp_path)
    git("checkout", "-q", "-b", "main", cwd=checkout)
    write_overlay(checkout / "company", "Company rules v1\n")
    commit_all(checkout, "Overlay v1")
    git("push", "-q", "-u", "origin", "main", cwd=checkout)
    return remote


def generate(workdir: Path, *overlays: Path) -> Path:
    arguments = [arg for overlay in overlays for arg in ("--overlay", str(overlay))]
    run = run_cli("new", "svc", *arguments, *NO_INSTALL, cwd=workdir)
    assert run.code == 0, run.stderr
    return workdir / "svc"


def commit_new_project(project: Path) -> None:
    git("init", "-q", "-b", "main", cwd=project)
    commit_all(project, "Generate")


def recorded_overlays(project: Path) -> list[object]:
    overlays = json.loads((project / ".nodeship.json").read_text())["overlays"]
    assert isinstance(overlays, list)
    return overlays


def push_overlay_change(remote: Path, tmp_path: Path, text: str) -> str:
    checkout = tmp_path / "second-checkout"
    git("clone", "-q", str(remote), str(checkout), cwd=tmp_path)
    write_overlay(checkout / "company", text)
    commit = commit_all(checkout, "Overlay v2")
    git("push", "-q", "origin", "main", cwd=checkout)
    return commit


def test_git_overlay_recorded_as_url(
    overlay_remote: Path, tmp_path: Path, workdir: Path
) -> None:
    checkout = tmp_path / "overlays"
    head = git("rev-parse", "HEAD", cwd=checkout).strip()

    run = run_cli(
        "new", "svc", "--overlay", str(checkout / "company"), *NO_INSTALL, cwd=workdir
    )

    assert run.code == 0, run.stderr
    project = workdir / "svc"
    assert recorded_overlays(project) == [
        {"git": str(overlay_remote), "ref": "main", "commit": head, "folder": "company"}
    ]
    assert "is on no branch" not in run.stderr
    assert str(checkout / "company") not in (project / ".nodeship.json").read_text()
    assert (project / COMPANY_FILE).read_text() == "Company rules v1\n"


def test_git_overlay_needs_no_checkout(
    overlay_remote: Path, tmp_path: Path, workdir: Path
) -> None:
    project = generate(workdir, tmp_path / "overlays" / "company")
    commit_new_project(project)
    shutil.rmtree(tmp_path / "overlays")

    run = run_cli("check", str(project), cwd=workdir)

    assert run.code == 0, run.stderr
    assert "1 overlay(s)" in run.stdout


def test_overlay_change_behind_then_update(
    overlay_remote: Path, tmp_path: Path, workdir: Path
) -> None:
    project = generate(workdir, tmp_path / "overlays" / "company")
    commit_new_project(project)
    new_commit = push_overlay_change(overlay_remote, tmp_path, "Company rules v2\n")

    behind = run_cli("check", str(project), cwd=workdir)
    assert behind.code == 10, behind.stderr
    assert f"overlay {overlay_remote} folder company" in behind.stderr
    assert new_commit[:12] in behind.stderr

    update = run_cli("update", str(project), cwd=workdir)
    assert update.code == 0, update.stderr
    assert (project / COMPANY_FILE).read_text() == "Company rules v2\n"
    assert recorded_overlays(project)[0] == {
        "git": str(overlay_remote),
        "ref": "main",
        "commit": new_commit,
        "folder": "company",
    }
    assert f"to {new_commit[:12]}" in update.stderr

    commit_all(project, "Update")
    after = run_cli("check", str(project), cwd=workdir)
    assert after.code == 0, after.stderr


def test_unreachable_git_overlay_fails(
    overlay_remote: Path, tmp_path: Path, workdir: Path
) -> None:
    project = generate(workdir, tmp_path / "overlays" / "company")
    commit_new_project(project)
    shutil.rmtree(overlay_remote)

    for command in ("check", "update"):
        run = run_cli(command, str(project), cwd=workdir)
        assert run.code == 2, run.stderr
        assert f"overlay {overlay_remote} folder company" in run.stderr
        assert "is reachable with git" in run.stderr
        assert "current" not in run.stdout
    assert git("status", "--porcelain", cwd=project) == ""


def test_missing_local_overlay_fails(tmp_path: Path, workdir: Path) -> None:
    overlay = write_overlay(tmp_path / "plain", "Plain rules\n")
    project = generate(workdir, Path("..") / "plain")
    commit_new_project(project)
    assert recorded_overlays(project) == [{"path": str(overlay)}]
    overlay.rename(tmp_path / "moved")

    for command in ("check", "update"):
        run = run_cli(command, str(project), cwd=workdir)
        assert run.code == 2, run.stderr
        assert f"overlay {overlay}, recorded in .nodeship.json, not found" in (
            run.stderr
        )
        assert "put the overlay folder back" in run.stderr
        assert "current" not in run.stdout
    assert git("status", "--porcelain", cwd=project) == ""


def test_legacy_path_entry_checked(tmp_path: Path, workdir: Path) -> None:
    project = generate(workdir)
    record = json.loads((project / ".nodeship.json").read_text())
    record["overlays"] = [str(tmp_path / "gone")]
    (project / ".nodeship.json").write_text(json.dumps(record))

    run = run_cli("check", str(project), cwd=workdir)

    assert run.code == 2
    assert f"overlay {tmp_path / 'gone'}, recorded in .nodeship.json" in run.stderr


def test_monorepo_overlay_relative_to_root(tmp_path: Path) -> None:
    repository = tmp_path / "monorepo"
    (repository / "services").mkdir(parents=True)
    git("init", "-q", "-b", "main", cwd=repository)
    write_overlay(repository / "platform" / "overlay", "Monorepo rules\n")
    run = run_cli(
        "new",
        "services/svc",
        "--overlay",
        "platform/overlay",
        "--ci",
        "none",
        *NO_INSTALL,
        cwd=repository,
    )
    assert run.code == 0, run.stderr
    project = repository / "services" / "svc"
    assert recorded_overlays(project) == [
        {"path": "platform/overlay", "relative_to": "repository"}
    ]
    commit_all(repository, "Generate")

    clone = tmp_path / "elsewhere" / "monorepo"
    git("clone", "-q", str(repository), str(clone), cwd=tmp_path)
    cloned_project = clone / "services" / "svc"
    assert run_cli("check", str(cloned_project), cwd=tmp_path).code == 0

    git("rm", "-q", "-r", "platform", cwd=clone)
    commit_all(clone, "Drop the overlay")
    missing = run_cli("check", str(cloned_project), cwd=tmp_path)
    assert missing.code == 2
    assert "platform/overlay (relative to the project's repository root)" in (
        missing.stderr
    )
    assert f"not found at {clone / 'platform' / 'overlay'}" in missing.stderr


def test_record_rejects_escaping_folder(workdir: Path) -> None:
    project = generate(workdir)
    record = json.loads((project / ".nodeship.json").read_text())
    record["overlays"] = [{"path": "../outside", "relative_to": "repository"}]
    (project / ".nodeship.json").write_text(json.dumps(record))

    run = run_cli("check", str(project), cwd=workdir)

    assert run.code == 2
    assert "'../outside' leaves its repository" in run.stderr


@pytest.fixture
def monorepo(tmp_path: Path) -> Path:
    """A git repository with one commit that contains ``platform/overlay``."""
    repository = tmp_path / "monorepo"
    repository.mkdir()
    git("init", "-q", "-b", "main", cwd=repository)
    write_overlay(repository / "platform" / "overlay", "Monorepo rules v1\n")
    commit_all(repository, "Overlay v1")
    (repository / "services").mkdir()
    return repository


def generate_in_monorepo(repository: Path) -> Run:
    return run_cli(
        "new",
        "services/svc",
        "--overlay",
        "platform/overlay",
        "--ci",
        "none",
        *NO_INSTALL,
        cwd=repository,
    )


def change_monorepo_overlay(repository: Path, text: str) -> str:
    write_overlay(repository / "platform" / "overlay", text)
    return commit_all(repository, "Change the overlay")


def test_monorepo_overlay_records_head(monorepo: Path) -> None:
    head = git("rev-parse", "HEAD", cwd=monorepo).strip()

    run = generate_in_monorepo(monorepo)

    assert run.code == 0, run.stderr
    assert "uncommitted" not in run.stderr
    assert recorded_overlays(monorepo / "services" / "svc") == [
        {"path": "platform/overlay", "relative_to": "repository", "commit": head}
    ]


def test_monorepo_overlay_change_merged(monorepo: Path, tmp_path: Path) -> None:
    assert generate_in_monorepo(monorepo).code == 0
    generated_at = git("rev-parse", "HEAD", cwd=monorepo).strip()
    commit_all(monorepo, "Generate")
    project = monorepo / "services" / "svc"
    current = run_cli("check", str(project), cwd=tmp_path)
    assert current.code == 0, current.stderr
    assert "1 overlay(s)" in current.stdout

    new_commit = change_monorepo_overlay(monorepo, "Monorepo rules v2\n")

    behind = run_cli("check", str(project), cwd=tmp_path)
    assert behind.code == 10, behind.stderr
    assert "behind overlay platform/overlay" in behind.stderr
    assert f"differs at HEAD ({new_commit[:12]})" in behind.stderr
    update = run_cli("update", str(project), cwd=tmp_path)
    assert update.code == 0, update.stderr
    assert (project / COMPANY_FILE).read_text() == "Monorepo rules v2\n"
    assert recorded_overlays(project)[0] == {
        "path": "platform/overlay",
        "relative_to": "repository",
        "commit": new_commit,
    }
    assert f"moved from {generated_at[:12]} to {new_commit[:12]}" in update.stderr
    commit_all(monorepo, "Update")
    after = run_cli("check", str(project), cwd=tmp_path)
    assert after.code == 0, after.stderr


def test_monorepo_update_keeps_service_edits(monorepo: Path, tmp_path: Path) -> None:
    assert generate_in_monorepo(monorepo).code == 0
    project = monorepo / "services" / "svc"
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "Service notes\n")
    commit_all(monorepo, "Generate and edit")
    change_monorepo_overlay(monorepo, "Monorepo rules v2\n")

    update = run_cli("update", str(project), cwd=tmp_path)

    assert update.code == 0, update.stderr
    assert readme.read_text().endswith("Service notes\n")
    assert (project / COMPANY_FILE).read_text() == "Monorepo rules v2\n"


def test_monorepo_update_skips_uncommitted(monorepo: Path, tmp_path: Path) -> None:
    assert generate_in_monorepo(monorepo).code == 0
    commit_all(monorepo, "Generate")
    project = monorepo / "services" / "svc"
    change_monorepo_overlay(monorepo, "Monorepo rules v2\n")
    write_overlay(monorepo / "platform" / "overlay", "Monorepo rules draft\n")

    update = run_cli("update", str(project), cwd=tmp_path)

    assert update.code == 0, update.stderr
    assert (project / COMPANY_FILE).read_text() == "Monorepo rules v2\n"
    assert "warning: overlay platform/overlay has uncommitted changes" in (
        update.stderr
    )
    assert "committed at HEAD" in update.stderr


def test_monorepo_dirty_overlay_unversioned(monorepo: Path, tmp_path: Path) -> None:
    write_overlay(monorepo / "platform" / "overlay", "Monorepo rules draft\n")

    run = generate_in_monorepo(monorepo)

    assert run.code == 0, run.stderr
    project = monorepo / "services" / "svc"
    assert recorded_overlays(project) == [
        {"path": "platform/overlay", "relative_to": "repository"}
    ]
    assert "has uncommitted changes, so .nodeship.json records no commit" in (
        run.stderr
    )


def test_monorepo_record_without_commit(monorepo: Path, tmp_path: Path) -> None:
    """Records written before the commit was recorded merge no overlay change."""
    assert generate_in_monorepo(monorepo).code == 0
    project = monorepo / "services" / "svc"
    record = json.loads((project / ".nodeship.json").read_text())
    del record["overlays"][0]["commit"]
    (project / ".nodeship.json").write_text(json.dumps(record))
    commit_all(monorepo, "Generate")
    change_monorepo_overlay(monorepo, "Monorepo rules v2\n")

    check = run_cli("check", str(project), cwd=tmp_path)
    update = run_cli("update", str(project), cwd=tmp_path)

    assert check.code == 0, check.stderr
    assert update.code == 0, update.stderr
    assert (project / COMPANY_FILE).read_text() == "Monorepo rules v1\n"


def test_monorepo_unknown_commit_fails(monorepo: Path, tmp_path: Path) -> None:
    assert generate_in_monorepo(monorepo).code == 0
    project = monorepo / "services" / "svc"
    record = json.loads((project / ".nodeship.json").read_text())
    record["overlays"][0]["commit"] = "0" * 40
    (project / ".nodeship.json").write_text(json.dumps(record))
    commit_all(monorepo, "Generate")

    for command in ("check", "update"):
        run = run_cli(command, str(project), cwd=tmp_path)
        assert run.code == 2, run.stderr
        assert f"recorded commit {'0' * 40} not found in the repository" in (run.stderr)
        assert "git fetch --unshallow" in run.stderr
    assert git("status", "--porcelain", cwd=monorepo) == ""


def test_unpushed_overlay_commit(
    overlay_remote: Path, tmp_path: Path, workdir: Path
) -> None:
    checkout = tmp_path / "overlays"
    write_overlay(checkout / "company", "Company rules local\n")
    local_commit = commit_all(checkout, "Overlay v2, not pushed")

    new = run_cli(
        "new", "svc", "--overlay", str(checkout / "company"), *NO_INSTALL, cwd=workdir
    )

    assert new.code == 0, new.stderr
    project = workdir / "svc"
    assert recorded_overlays(project)[0] == {
        "git": str(overlay_remote),
        "ref": "main",
        "commit": local_commit,
        "folder": "company",
    }
    assert (
        f"warning: overlay commit {local_commit[:12]} of {checkout} is on no branch"
    ) in new.stderr
    assert "WARNING" not in new.stderr
    assert f"git -C {checkout} push" in new.stderr
    commit_new_project(project)
    update = run_cli("update", str(project), cwd=workdir)
    assert update.code == 2, update.stderr
    assert (
        f"recorded commit {local_commit} not found in the overlay repository "
        f"{overlay_remote}"
    ) in update.stderr
    assert "push that commit" in update.stderr
    assert "template repository" not in update.stderr
