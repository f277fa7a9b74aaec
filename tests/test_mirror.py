"""The node base image pulled through a Docker Hub mirror (base_image_mirror)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nodeship.verify.tag import compute_image_tag
from tests.conftest import listing, run_nodeship
from tests.template_support import run_tool

NEW = ("new", "--name", "Orders", "--yes", "--no-install", "--ci", "none", "--json")
MIRROR = "mirror.acme.internal:5000/dockerhub"
FROM_IMAGE = re.compile(r"^FROM (\S+)", re.MULTILINE)


def generate(workdir: Path, config_text: str, *args: str) -> Path:
    (workdir / ".nodeship.toml").write_text(config_text)
    run = run_nodeship(*NEW, *args, cwd=workdir)
    assert run.code == 0, run.stderr
    return workdir / "orders"


@pytest.fixture
def mirrored(workdir: Path) -> Path:
    return generate(workdir, f'base_image_mirror = "{MIRROR}"\n', "--language", "ts")


def test_every_from_uses_mirror(mirrored: Path) -> None:
    images = FROM_IMAGE.findall((mirrored / "Dockerfile").read_text())
    assert len(images) == 3
    for image in images:
        assert re.fullmatch(
            rf"{re.escape(MIRROR)}/library/node:\d+\.\d+\.\d+-alpine\d+\.\d+", image
        ), image


def test_base_name_label_uses_mirror(mirrored: Path) -> None:
    dockerfile = (mirrored / "Dockerfile").read_text()
    assert f'base.name="{MIRROR}/library/node:' in dockerfile


def test_mirror_recorded(mirrored: Path) -> None:
    record = json.loads((mirrored / ".nodeship.json").read_text())
    assert record["answers"]["base_image_mirror"] == MIRROR


def test_mirror_hadolint_clean(mirrored: Path) -> None:
    result = run_tool(["hadolint", "Dockerfile"], cwd=mirrored)
    assert result.returncode == 0, result.stdout + result.stderr


def test_image_tag_same_as_without_mirror(workdir: Path, mirrored: Path) -> None:
    plain_folder = workdir.parent / "plain"
    plain_folder.mkdir()
    plain = generate(plain_folder, "", "--language", "ts")
    mirrored_tag = run_tool(["node", "scripts/image-tag.js"], cwd=mirrored)
    plain_tag = run_tool(["node", "scripts/image-tag.js"], cwd=plain)
    assert mirrored_tag.returncode == 0, mirrored_tag.stderr
    assert plain_tag.returncode == 0, plain_tag.stderr
    assert mirrored_tag.stdout == plain_tag.stdout


def test_verify_tag_accepts_mirror(mirrored: Path) -> None:
    tag = compute_image_tag(
        (mirrored / "Dockerfile").read_text(),
        (mirrored / "package.json").read_text(),
    )
    expected = run_tool(["node", "scripts/image-tag.js"], cwd=mirrored)
    assert tag == expected.stdout.strip()


def test_bump_keeps_mirror(mirrored: Path) -> None:
    run = run_nodeship(
        "bump", "--dry-run", "--node", "24", "--allow-downgrade", cwd=mirrored
    )
    assert run.code == 0, run.stderr
    added = [line for line in run.stdout.splitlines() if line.startswith("+FROM ")]
    assert len(added) == 3
    for line in added:
        assert line.startswith(f"+FROM {MIRROR}/library/node:24."), line


def test_no_mirror_plain_node(workdir: Path) -> None:
    project = generate(workdir, "")
    images = FROM_IMAGE.findall((project / "Dockerfile").read_text())
    assert images
    for image in images:
        assert image.startswith("node:"), image
    record = json.loads((project / ".nodeship.json").read_text())
    assert "base_image_mirror" not in record["answers"]


@pytest.mark.parametrize(
    ("mirror", "reason"),
    [
        ("dockerhub", "registry host"),
        ("Mirror.acme.internal/hub", "invalid"),
        ("mirror.acme.internal/hub:1", "tag"),
        ("mirror.acme.internal/hub@sha256:00", "'@'"),
        ("", "non-empty string"),
    ],
)
def test_invalid_mirror_rejected(workdir: Path, mirror: str, reason: str) -> None:
    config = workdir / ".nodeship.toml"
    config.write_text(f'base_image_mirror = "{mirror}"\n')
    run = run_nodeship(*NEW, cwd=workdir)
    assert run.code == 2, run.stderr
    assert "base_image_mirror" in run.stderr
    assert reason in run.stderr
    assert str(config) in run.stderr
    assert listing(workdir) == [".nodeship.toml"]


def test_config_show_lists_mirror(workdir: Path) -> None:
    config = workdir / ".nodeship.toml"
    config.write_text(f'base_image_mirror = "{MIRROR}"\n')
    run = run_nodeship("config", "show", "--json", cwd=workdir)
    assert run.code == 0, run.stderr
    values = {
        (row["table"], row["key"]): row for row in json.loads(run.stdout)["values"]
    }
    assert values[("", "base_image_mirror")]["value"] == MIRROR
    assert values[("", "base_image_mirror")]["source"] == str(config)


def test_gitlab_jobs_use_mirror(workdir: Path) -> None:
    (workdir / ".nodeship.toml").write_text(
        'base_image_mirror = "mirror.acme.internal/dockerhub"\n'
    )
    run = run_nodeship(
        "new", "svc", "--ci", "gitlab", "--yes", "--no-install", cwd=workdir
    )
    assert run.code == 0, run.stderr
    text = (workdir / "svc" / ".gitlab-ci.yml").read_text()
    assert "image: mirror.acme.internal/dockerhub/library/node:" in text
    assert "image: node:" not in text


def test_update_keeps_recorded_settings(workdir: Path) -> None:
    from nodeship.update import updated_answers

    run = run_nodeship("new", "svc", "--yes", "--no-install", "--json", cwd=workdir)
    assert run.code == 0, run.stderr
    recorded = dict(run.json()["answers"])  # type: ignore[index]
    recorded["labels"] = {"com.acme.team": "payments"}
    recorded["base_image_mirror"] = "mirror.acme.internal/dockerhub"
    updated = updated_answers(recorded, {"port": "8088"})
    assert updated["labels"] == {"com.acme.team": "payments"}
    assert updated["base_image_mirror"] == "mirror.acme.internal/dockerhub"
    assert updated["port"] == 8088
