"""``nodeship new --template``: folders, git repositories, zip files, hook trust."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from tests.conftest import listing
from tests.template_repos import (
    NO_INSTALL,
    commit_all,
    copy_builtin_template,
    git_template,
    project_file,
    run_cli,
)

MARKER = "Rendered from the acme template."


def add_marker(template: Path, text: str = MARKER) -> None:
    readme = project_file(template, "README.md")
    readme.write_text(readme.read_text() + f"\n{text}\n")


def record(project: Path) -> dict[str, object]:
    data = json.loads((project / ".nodeship.json").read_text())
    assert isinstance(data, dict)
    return data


def version(project: Path) -> dict[str, object]:
    value = record(project)["template_version"]
    assert isinstance(value, dict)
    return value


def zip_folder(folder: Path, archive: Path) -> Path:
    """Zip ``folder`` with its name as the single top folder, as GitHub does."""
    with zipfile.ZipFile(archive, "w") as output:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                output.write(path, path.relative_to(folder.parent).as_posix())
    return archive


def test_template_from_folder(tmp_path: Path, workdir: Path) -> None:
    template = copy_builtin_template(tmp_path / "acme")
    add_marker(template)
    run = run_cli(
        "new",
        "orders",
        "--template",
        str(template),
        "--explain",
        *NO_INSTALL,
        cwd=workdir,
    )
    assert run.code == 0, run.stderr
    assert MARKER in (workdir / "orders" / "README.md").read_text()
    assert record(workdir / "orders")["template"] == str(template)
    assert version(workdir / "orders")["kind"] == "path"
    assert "README.md" in run.stdout
    assert "template" in run.stdout.split("README.md")[1].splitlines()[0]


def test_git_template_ref_selects_version(tmp_path: Path, workdir: Path) -> None:
    template = git_template(tmp_path / "acme")
    add_marker(template)
    commit_all(template, "v2", tag="v2")

    old = run_cli(
        "new",
        "old",
        "--template",
        str(template),
        "--ref",
        "v1",
        *NO_INSTALL,
        cwd=workdir,
    )
    new = run_cli("new", "new", "--template", str(template), *NO_INSTALL, cwd=workdir)

    assert old.code == 0, old.stderr
    assert new.code == 0, new.stderr
    assert MARKER not in (workdir / "old" / "README.md").read_text()
    assert MARKER in (workdir / "new" / "README.md").read_text()
    assert version(workdir / "old")["tag"] == "v1"
    assert version(workdir / "new")["tag"] == "v2"


def test_git_template_ignores_uncommitted(tmp_path: Path, workdir: Path) -> None:
    template = git_template(tmp_path / "acme")
    add_marker(template)
    run = run_cli("new", "svc", "--template", str(template), *NO_INSTALL, cwd=workdir)
    assert run.code == 0, run.stderr
    assert MARKER not in (workdir / "svc" / "README.md").read_text()


def test_git_template_unknown_ref(tmp_path: Path, workdir: Path) -> None:
    template = git_template(tmp_path / "acme")
    run = run_cli(
        "new",
        "svc",
        "--template",
        str(template),
        "--ref",
        "v9",
        *NO_INSTALL,
        cwd=workdir,
    )
    assert run.code == 2
    assert "ref 'v9' not found" in run.stderr
    assert listing(workdir) == []


def test_ref_without_template_rejected(workdir: Path) -> None:
    run = run_cli("new", "svc", "--ref", "v1", *NO_INSTALL, cwd=workdir)
    assert run.code == 2
    assert "--ref was given without --template" in run.stderr


def test_template_from_zip_file(tmp_path: Path, workdir: Path) -> None:
    template = copy_builtin_template(tmp_path / "acme-template")
    add_marker(template)
    archive = zip_folder(template, tmp_path / "acme-template.zip")
    run = run_cli("new", "svc", "--template", str(archive), *NO_INSTALL, cwd=workdir)
    assert run.code == 0, run.stderr
    assert MARKER in (workdir / "svc" / "README.md").read_text()
    assert version(workdir / "svc")["kind"] == "zip"
    assert len(str(version(workdir / "svc")["sha256"])) == 64


def test_zip_url_hooks_need_trust(tmp_path: Path, workdir: Path) -> None:
    template = copy_builtin_template(tmp_path / "acme-template")
    archive = zip_folder(template, tmp_path / "acme-template.zip")
    url = archive.as_uri()

    refused = run_cli("new", "svc", "--template", url, *NO_INSTALL, cwd=workdir)
    assert refused.code == 8
    assert "hooks/post_gen_project.py" in refused.stderr
    assert "hooks/pre_gen_project.py" in refused.stderr
    assert "--trust" in refused.stderr
    assert listing(workdir) == []

    trusted = run_cli(
        "new", "svc", "--template", url, "--trust", *NO_INSTALL, cwd=workdir
    )
    assert trusted.code == 0, trusted.stderr
    assert record(workdir / "svc")["template"] == url
    assert version(workdir / "svc")["remote"] is True


def test_git_url_hooks_need_trust(tmp_path: Path, workdir: Path) -> None:
    template = git_template(tmp_path / "acme")
    url = template.as_uri()
    refused = run_cli("new", "svc", "--template", url, *NO_INSTALL, cwd=workdir)
    assert refused.code == 8
    assert "hooks/post_gen_project.py" in refused.stderr
    assert listing(workdir) == []
    trusted = run_cli(
        "new", "svc", "--template", url, "--trust", *NO_INSTALL, cwd=workdir
    )
    assert trusted.code == 0, trusted.stderr
    assert version(workdir / "svc")["tag"] == "v1"


def test_git_url_without_hooks_runs(tmp_path: Path, workdir: Path) -> None:
    template = git_template(tmp_path / "acme")
    shutil.rmtree(template / "hooks")
    commit_all(template, "No hooks", tag="v2")
    run = run_cli(
        "new",
        "svc",
        "--template",
        template.as_uri(),
        "--type",
        "worker",
        *NO_INSTALL,
        cwd=workdir,
    )
    assert run.code == 0, run.stderr
    # Without the post-generation hook, the api's files stay in the worker.
    assert (workdir / "svc" / "src" / "server.js").exists()


def test_unknown_variable_reported_by_name(tmp_path: Path, workdir: Path) -> None:
    template = copy_builtin_template(tmp_path / "acme")
    project_file(template, "OWNERS").write_text("{{ cookiecutter.team_email }}\n")
    run = run_cli("new", "svc", "--template", str(template), *NO_INSTALL, cwd=workdir)
    assert run.code == 4
    assert "cookiecutter.team_email" in run.stderr
    assert "{{cookiecutter.project_slug}}/OWNERS" in run.stderr
    assert listing(workdir) == []


def test_dashed_variable_names_file(tmp_path: Path, workdir: Path) -> None:
    template = copy_builtin_template(tmp_path / "acme")
    project_file(template, "port.txt").write_text("{{ cookiecutter.service-port }}\n")
    run = run_cli("new", "svc", "--template", str(template), *NO_INSTALL, cwd=workdir)
    assert run.code == 4
    assert "port.txt uses cookiecutter.service-port" in run.stderr
    assert "service_port" in run.stderr
    assert listing(workdir) == []


def test_undeclared_nodeship_variable(tmp_path: Path, workdir: Path) -> None:
    template = copy_builtin_template(tmp_path / "acme")
    config_path = template / "cookiecutter.json"
    config = json.loads(config_path.read_text())
    del config["port"]
    config_path.write_text(json.dumps(config))
    run = run_cli("new", "svc", "--template", str(template), *NO_INSTALL, cwd=workdir)
    assert run.code == 4
    assert "cookiecutter.port, but the template's cookiecutter.json" in run.stderr
    assert "Dockerfile" in run.stderr
    assert listing(workdir) == []


def test_extra_declared_variable_reported(tmp_path: Path, workdir: Path) -> None:
    template = copy_builtin_template(tmp_path / "acme")
    config_path = template / "cookiecutter.json"
    config = json.loads(config_path.read_text())
    config["cost_center"] = "cc-100"
    config_path.write_text(json.dumps(config))
    run = run_cli("new", "svc", "--template", str(template), *NO_INSTALL, cwd=workdir)
    assert run.code == 4
    assert "declares 'cost_center', which nodeship does not provide" in run.stderr
    assert listing(workdir) == []


def test_missing_choice_reported(tmp_path: Path, workdir: Path) -> None:
    template = copy_builtin_template(tmp_path / "acme")
    config_path = template / "cookiecutter.json"
    config = json.loads(config_path.read_text())
    config["app_type"] = ["api"]
    config_path.write_text(json.dumps(config))
    run = run_cli(
        "new",
        "svc",
        "--template",
        str(template),
        "--type",
        "worker",
        *NO_INSTALL,
        cwd=workdir,
    )
    assert run.code == 4
    assert "app_type 'worker' is not one of the choices: api" in run.stderr
    assert listing(workdir) == []


@pytest.mark.parametrize("location", ["missing-folder", "missing.zip"])
def test_missing_template_rejected(workdir: Path, location: str) -> None:
    run = run_cli("new", "svc", "--template", location, *NO_INSTALL, cwd=workdir)
    assert run.code == 2
    assert f"template {location!r} not found" in run.stderr


def test_folder_without_config_rejected(tmp_path: Path, workdir: Path) -> None:
    (tmp_path / "empty").mkdir()
    run = run_cli(
        "new", "svc", "--template", str(tmp_path / "empty"), *NO_INSTALL, cwd=workdir
    )
    assert run.code == 2
    assert "has no cookiecutter.json" in run.stderr


def test_trusted_pattern_allows_hooks(tmp_path: Path) -> None:
    from nodeship.templates.errors import UntrustedHooksError
    from nodeship.templates.record import TemplateSource
    from nodeship.templates.trust import require_trusted_hooks

    template = copy_builtin_template(tmp_path / "acme")
    source = TemplateSource(
        kind="git", location="https://git.acme.internal/platform/t.git", remote=True
    )
    require_trusted_hooks(
        template, source, trust=False, trusted_patterns=["https://git.acme.internal/*"]
    )
    with pytest.raises(UntrustedHooksError) as raised:
        require_trusted_hooks(
            template, source, trust=False, trusted_patterns=["https://git.acme.com/*"]
        )
    assert "hooks/pre_gen_project.py" in raised.value.message


def test_recorded_url_has_no_credentials() -> None:
    from nodeship.templates.source import public_location

    url = "https://deploy:s3cret@git.acme.internal/t.git?token=abc"
    assert public_location(url) == "https://git.acme.internal/t.git"
    ssh = "ssh://git@git.acme.internal/t.git"
    assert public_location(ssh) == ssh


def test_config_trusted_pattern_lets_hooks_run(tmp_path: Path, workdir: Path) -> None:
    template = git_template(tmp_path / "acme")
    url = template.as_uri()
    config = tmp_path / "company.toml"
    config.write_text(f'trusted_templates = ["{tmp_path.as_uri()}/*"]\n')
    run = run_cli(
        "new",
        "svc",
        "--template",
        url,
        "--config",
        str(config),
        *NO_INSTALL,
        cwd=workdir,
    )
    assert run.code == 0, run.stderr
    assert (workdir / "svc" / "package.json").is_file()


def test_config_trusted_pattern_not_matching(tmp_path: Path, workdir: Path) -> None:
    template = git_template(tmp_path / "acme")
    config = tmp_path / "company.toml"
    config.write_text('trusted_templates = ["https://git.acme.internal/*"]\n')
    run = run_cli(
        "new",
        "svc",
        "--template",
        template.as_uri(),
        "--config",
        str(config),
        *NO_INSTALL,
        cwd=workdir,
    )
    assert run.code == 8
    assert listing(workdir) == []


def test_config_template_is_default(tmp_path: Path, workdir: Path) -> None:
    template = copy_builtin_template(tmp_path / "acme-template")
    add_marker(template)
    (workdir / ".nodeship.toml").write_text(f'template = "{template}"\n')
    run = run_cli("new", "svc", *NO_INSTALL, cwd=workdir)
    assert run.code == 0, run.stderr
    assert MARKER in (workdir / "svc" / "README.md").read_text()


def test_config_template_ref_used(tmp_path: Path, workdir: Path) -> None:
    repository = git_template(tmp_path / "acme")
    add_marker(repository, "Version two.")
    commit_all(repository, "Template v2", tag="v2")
    (workdir / ".nodeship.toml").write_text(
        f'template = "{repository}"\ntemplate_ref = "v1"\n'
    )
    run = run_cli("new", "svc", *NO_INSTALL, cwd=workdir)
    assert run.code == 0, run.stderr
    assert version(workdir / "svc")["tag"] == "v1"
    assert "Version two." not in (workdir / "svc" / "README.md").read_text()


def test_flag_template_beats_config(tmp_path: Path, workdir: Path) -> None:
    (workdir / ".nodeship.toml").write_text('template = "/nonexistent/template"\n')
    template = copy_builtin_template(tmp_path / "acme-template")
    run = run_cli("new", "svc", "--template", str(template), *NO_INSTALL, cwd=workdir)
    assert run.code == 0, run.stderr
