"""``nodeship bump`` on real generated projects.

Each test copies a project that ``nodeship new --node 24.11.1`` generated once per
module. Expected versions come from the shipped release table, and every run points
NODESHIP_CACHE_DIR at an empty folder, so a refreshed cache on the developer's
machine cannot change them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from nodeship.bump.edits import BumpError, FileChange
from nodeship.bump.json_edit import replace_string_values
from nodeship.bump.semver import SemanticVersion
from nodeship.bump.write import write_changes
from nodeship.releases import NodeRelease, load_table
from tests.conftest import Run, run_nodeship

START_NODE = "24.11.1"
START_VERSION = "0.1.0"


def _release(major: int, version: str | None = None) -> NodeRelease:
    line = load_table().line(major)
    assert line is not None, f"the shipped table has no Node.js {major}"
    if version is None:
        return line.newest
    return next(release for release in line.releases if release.version == version)


START = _release(24, START_NODE)
NEWEST_24 = _release(24)
NEWEST_22 = _release(22)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project generated once for the module; tests work on copies."""
    parent = tmp_path_factory.mktemp("generated")
    run = run_nodeship(
        "new",
        "orders",
        "--yes",
        "--no-install",
        "--node",
        START_NODE,
        cwd=parent,
        env={"NODESHIP_CACHE_DIR": str(parent / "empty-cache")},
    )
    assert run.code == 0, run.stderr
    return parent / "orders"


@pytest.fixture
def project(generated: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "orders"
    shutil.copytree(generated, copy, symlinks=True)
    return copy


def bump(project: Path, *args: str) -> Run:
    return run_nodeship(
        "bump",
        str(project),
        *args,
        cwd=project.parent,
        env={"NODESHIP_CACHE_DIR": str(project.parent / "empty-cache")},
    )


def snapshot(project: Path) -> dict[str, bytes]:
    """Return the bytes of every file in ``project``, by relative path."""
    return {
        str(path.relative_to(project)): path.read_bytes()
        for path in sorted(project.rglob("*"))
        if path.is_file()
    }


def from_images(project: Path) -> list[str]:
    lines = (project / "Dockerfile").read_text("utf-8").splitlines()
    return [line.split()[1] for line in lines if line.startswith("FROM ")]


def answers(project: Path) -> dict[str, object]:
    record = json.loads((project / ".nodeship.json").read_text("utf-8"))
    assert isinstance(record["answers"], dict)
    return record["answers"]


def package_version(project: Path) -> str:
    version = json.loads((project / "package.json").read_text("utf-8"))["version"]
    assert isinstance(version, str)
    return version


def image_tag_script(project: Path) -> str:
    """Return what the project's own scripts/image-tag.js prints."""
    if shutil.which("node") is None:
        pytest.fail("node is not on PATH; install Node.js to run the tag script")
    completed = subprocess.run(
        ["node", "scripts/image-tag.js"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.strip()


def test_generated_project_starts_on_24_11_1(project: Path) -> None:
    image = f"node:{START_NODE}-alpine{START.newest_alpine}"
    assert from_images(project) == [image, image]
    assert image_tag_script(project) == (
        f"{START.newest_alpine}-v{START_NODE}-{START_VERSION}"
    )


def test_bump_moves_every_pin(project: Path) -> None:
    run = bump(project, "--json")

    assert run.code == 0, run.stderr
    image = f"node:{NEWEST_24.version}-alpine{NEWEST_24.newest_alpine}"
    assert from_images(project) == [image, image]
    assert (project / ".nvmrc").read_text("utf-8") == f"{NEWEST_24.version}\n"
    assert package_version(project) == "0.1.1"
    recorded = answers(project)
    assert recorded["node"] == NEWEST_24.version
    assert recorded["alpine"] == NEWEST_24.newest_alpine
    assert recorded["project_version"] == "0.1.1"


def test_bump_json_names_both_tags(project: Path) -> None:
    run = bump(project, "--json")

    assert run.code == 0, run.stderr
    result = run.json()
    assert isinstance(result, dict)
    assert result["old"]["image_tag"] == (
        f"{START.newest_alpine}-v{START_NODE}-{START_VERSION}"
    )
    assert result["new"]["image_tag"] == (
        f"{NEWEST_24.newest_alpine}-v{NEWEST_24.version}-0.1.1"
    )
    assert result["written"] is True
    dockerfile = next(f for f in result["files"] if f["path"] == "Dockerfile")
    assert f"+FROM node:{NEWEST_24.version}" in dockerfile["diff"]
    changed = {entry["path"] for entry in result["files"]}
    assert {"Dockerfile", ".nvmrc", "package.json", ".nodeship.json"} <= changed


def test_tag_script_agrees_after_bump(project: Path) -> None:
    run = bump(project, "--json")

    assert run.code == 0, run.stderr
    result = run.json()
    assert isinstance(result, dict)
    assert image_tag_script(project) == result["new"]["image_tag"]


def test_bump_updates_labels_and_readme(project: Path) -> None:
    bump(project)

    dockerfile = (project / "Dockerfile").read_text("utf-8")
    assert f'org.nodeship.node.version="{NEWEST_24.version}"' in dockerfile
    assert f'org.nodeship.alpine.version="{NEWEST_24.newest_alpine}"' in dockerfile
    assert "ARG VERSION=0.1.1\n" in dockerfile
    readme = (project / "README.md").read_text("utf-8")
    assert f"`.nvmrc` ({NEWEST_24.version})" in readme
    assert f"node:{START_NODE}-alpine{START.newest_alpine}" not in readme


def test_bump_changes_only_version_lines(project: Path) -> None:
    before = snapshot(project)

    run = bump(project)

    assert run.code == 0, run.stderr
    after = snapshot(project)
    assert sorted(after) == sorted(before), "no file added or removed"
    old_values = (START_NODE, START.newest_alpine, START_VERSION)
    for name, old_bytes in before.items():
        old_lines = old_bytes.decode("utf-8").splitlines(keepends=True)
        new_lines = after[name].decode("utf-8").splitlines(keepends=True)
        assert len(new_lines) == len(old_lines), name
        for old_line, new_line in zip(old_lines, new_lines, strict=True):
            if old_line != new_line:
                assert any(value in old_line for value in old_values), (name, old_line)


def test_bump_leaves_example_versions(project: Path) -> None:
    examples = project / "test" / "image-tag.test.js"
    before = examples.read_bytes()
    assert START_NODE.encode() in before, "the examples use the same Node.js version"

    bump(project)

    assert examples.read_bytes() == before


def test_dry_run_writes_nothing(project: Path) -> None:
    before = snapshot(project)

    run = bump(project, "--dry-run")

    assert run.code == 0, run.stderr
    assert snapshot(project) == before
    assert f"-FROM node:{START_NODE}-alpine{START.newest_alpine} AS deps" in run.stdout
    assert f"+{NEWEST_24.version}" in run.stdout
    assert "no file was written" in run.stdout


def test_dry_run_json_writes_nothing(project: Path) -> None:
    before = snapshot(project)

    run = bump(project, "--dry-run", "--json")

    assert run.code == 0, run.stderr
    assert snapshot(project) == before
    result = run.json()
    assert isinstance(result, dict)
    assert result["dry_run"] is True
    assert result["written"] is False
    assert result["changed"] is True


def test_already_current_changes_nothing(project: Path) -> None:
    first = bump(project)
    assert first.code == 0, first.stderr
    before = snapshot(project)

    second = bump(project, "--json")

    assert second.code == 0, second.stderr
    assert snapshot(project) == before
    assert "notice:" in second.stderr
    assert "already" in second.stderr
    result = second.json()
    assert isinstance(result, dict)
    assert result["changed"] is False
    assert result["old"] == result["new"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--part", "minor"], "0.2.0"),
        (["--part", "major"], "1.0.0"),
        (["--part", "patch"], "0.1.1"),
        (["--project-version", "2.5.0"], "2.5.0"),
        (["--project-version", "v3.0.0-rc.1"], "3.0.0-rc.1"),
    ],
)
def test_project_version_choice(project: Path, args: list[str], expected: str) -> None:
    run = bump(project, *args)

    assert run.code == 0, run.stderr
    assert package_version(project) == expected
    assert answers(project)["project_version"] == expected
    assert image_tag_script(project).endswith(f"-{expected}")


def test_node_option_picks_version(project: Path) -> None:
    release = next(
        r
        for r in _line_releases(24)
        if r.version not in (START_NODE, NEWEST_24.version)
    )

    run = bump(project, "--node", release.version, "--alpine", release.alpine[0])

    assert run.code == 0, run.stderr
    image = f"node:{release.version}-alpine{release.alpine[0]}"
    assert from_images(project) == [image, image]


def test_downgrade_allowed_with_flag(project: Path) -> None:
    run = bump(project, "--node", "22", "--allow-downgrade")

    assert run.code == 0, run.stderr
    assert (project / ".nvmrc").read_text("utf-8") == f"{NEWEST_22.version}\n"
    engines = json.loads((project / "package.json").read_text("utf-8"))["engines"]
    assert engines == {"node": ">=22"}


def test_package_lock_top_level_versions(project: Path) -> None:
    lock = project / "package-lock.json"
    lock_text = (
        "{\n"
        '  "name": "orders",\n'
        '  "version": "0.1.0",\n'
        '  "lockfileVersion": 3,\n'
        '  "requires": true,\n'
        '  "packages": {\n'
        '    "": {\n'
        '      "name": "orders",\n'
        '      "version": "0.1.0"\n'
        "    },\n"
        '    "node_modules/left-pad": {\n'
        '      "version": "0.1.0"\n'
        "    }\n"
        "  }\n"
        "}\n"
    )
    lock.write_text(lock_text, "utf-8")

    run = bump(project)

    assert run.code == 0, run.stderr
    expected = lock_text.replace('"version": "0.1.0"', '"version": "0.1.1"', 2)
    assert lock.read_text("utf-8") == expected
    data = json.loads(lock.read_text("utf-8"))
    assert data["packages"]["node_modules/left-pad"]["version"] == "0.1.0"


def test_ci_literal_versions(project: Path) -> None:
    workflow = project / ".github" / "workflows" / "ci.yml"
    old_image = f"node:{START_NODE}-alpine{START.newest_alpine}"
    extra = (
        "\n  smoke:\n"
        "    runs-on: ubuntu-latest\n"
        f"    container: {old_image}\n"
        "    steps:\n"
        "      - uses: actions/setup-node@v7\n"
        "        with:\n"
        f'          node-version: "{START_NODE}"\n'
    )
    workflow.write_text(workflow.read_text("utf-8") + extra, "utf-8")

    run = bump(project, "--json")

    assert run.code == 0, run.stderr
    text = workflow.read_text("utf-8")
    assert (
        f"container: node:{NEWEST_24.version}-alpine{NEWEST_24.newest_alpine}" in text
    )
    assert f'node-version: "{NEWEST_24.version}"' in text
    assert START_NODE not in text


def test_generated_ci_has_no_literal_version(project: Path) -> None:
    text = (project / ".github" / "workflows" / "ci.yml").read_text("utf-8")

    assert START_NODE not in text
    assert f"alpine{START.newest_alpine}" not in text
    assert "node-version-file: .nvmrc" in text


# Each case edits the project, runs bump and expects a failure naming a value.
REJECTIONS: dict[str, tuple[Callable[[Path], object], list[str], str]] = {
    "no Dockerfile": (lambda p: (p / "Dockerfile").unlink(), [], "not a nodeship"),
    "FROM not node": (
        lambda p: _rewrite(p, "Dockerfile", "FROM node:", "FROM python:"),
        [],
        "no FROM in its Dockerfile pins node",
    ),
    "FROM lines disagree": (
        lambda p: _rewrite(
            p, "Dockerfile", f"{START_NODE}-alpine", "24.17.0-alpine", 1
        ),
        [],
        "node:24.17.0-alpine",
    ),
    "unpinned FROM": (
        lambda p: _rewrite(p, "Dockerfile", f"{START_NODE}-alpine", "24-alpine", 1),
        [],
        "'node:24-alpine",
    ),
    "FROM with build argument": (
        lambda p: _rewrite(p, "Dockerfile", f"node:{START_NODE}", "node:${NODE}", 1),
        [],
        "build argument",
    ),
    "FROM with digest": (
        lambda p: _rewrite(
            p, "Dockerfile", " AS deps", "@sha256:" + "a" * 64 + " AS deps"
        ),
        [],
        "by digest",
    ),
    "nvmrc disagrees": (
        lambda p: (p / ".nvmrc").write_text("24.17.0\n", "utf-8"),
        [],
        "'24.17.0'",
    ),
    "older node": (lambda p: None, ["--node", "22"], NEWEST_22.version),
    "older project version": (
        lambda p: None,
        ["--project-version", "0.0.9"],
        "0.0.9",
    ),
    "older alpine": (
        lambda p: None,
        ["--node", START_NODE, "--alpine", "3.22"],
        f"older than the project's Alpine {START.newest_alpine}",
    ),
    "alpine never published": (
        lambda p: None,
        ["--alpine", "3.19"],
        f"node:{NEWEST_24.version}-alpine3.19 was never published",
    ),
    "invalid node request": (lambda p: None, ["--node", "banana"], "'banana'"),
    "unknown node major": (lambda p: None, ["--node", "19"], "Node.js 19"),
    "part and project version": (
        lambda p: None,
        ["--part", "minor", "--project-version", "1.0.0"],
        "exclude each other",
    ),
    "invalid project version": (
        lambda p: None,
        ["--project-version", "1.0"],
        "'1.0'",
    ),
}


@pytest.mark.parametrize("case", list(REJECTIONS))
def test_rejection_changes_nothing(project: Path, case: str) -> None:
    prepare, args, expected = REJECTIONS[case]
    prepare(project)
    before = snapshot(project)

    run = bump(project, *args)

    assert run.code != 0, run.stdout
    assert expected in run.stderr
    assert "Traceback" not in run.stderr
    assert snapshot(project) == before


def test_rejects_empty_folder(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()

    run = bump(empty)

    assert run.code == 2
    assert f"{empty} is not a nodeship project" in run.stderr
    assert list(empty.iterdir()) == []


def test_failed_rename_restores_files(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = ["Dockerfile", ".nvmrc", "package.json"]
    before = snapshot(project)
    changes = []
    for name in names:
        text = (project / name).read_text("utf-8")
        changes.append(FileChange(name, text, text.replace(START_NODE, "24.99.0"), ()))
    real_replace = os.replace

    def fail_on_package_json(source: Path, target: Path) -> None:
        if str(target).endswith("package.json"):
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr("nodeship.bump.write.os.replace", fail_on_package_json)

    with pytest.raises(BumpError, match="no file was changed"):
        write_changes(project, changes)

    monkeypatch.undo()
    assert snapshot(project) == before, "the renamed files got their old text back"


def test_modified_file_is_not_overwritten(project: Path) -> None:
    nvmrc = project / ".nvmrc"
    change = FileChange(".nvmrc", "24.0.0\n", "24.1.0\n", ())

    with pytest.raises(BumpError, match="changed while nodeship bump was running"):
        write_changes(project, [change])

    assert nvmrc.read_text("utf-8") == f"{START_NODE}\n"


@pytest.mark.parametrize(
    ("version", "part", "expected"),
    [
        ("1.2.3", "patch", "1.2.4"),
        ("1.2.3", "minor", "1.3.0"),
        ("1.2.3", "major", "2.0.0"),
        ("1.2.3-rc.1", "patch", "1.2.3"),
        ("1.3.0-rc.1", "minor", "1.3.0"),
        ("1.2.3-rc.1", "minor", "1.3.0"),
        ("2.0.0-rc.1", "major", "2.0.0"),
        ("2.1.0-rc.1", "major", "3.0.0"),
    ],
)
def test_semver_increment(version: str, part: str, expected: str) -> None:
    assert str(SemanticVersion.parse(version).increment(part)) == expected


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("1.0.0-alpha", "1.0.0"),
        ("1.0.0-alpha", "1.0.0-alpha.1"),
        ("1.0.0-alpha.1", "1.0.0-alpha.beta"),
        ("1.0.0-beta.2", "1.0.0-beta.11"),
        ("1.9.0", "1.10.0"),
    ],
)
def test_semver_precedence(lower: str, higher: str) -> None:
    assert SemanticVersion.parse(lower).precedence() < (
        SemanticVersion.parse(higher).precedence()
    )


def test_json_edit_keeps_formatting() -> None:
    text = '{"name":"a",\n\t"version" :  "1.0.0", "x": {"version": "1.0.0"}}\r\n'

    edited = replace_string_values(text, {("version",): "1.0.1"})

    assert (
        edited == '{"name":"a",\n\t"version" :  "1.0.1", "x": {"version": "1.0.0"}}\r\n'
    )


def test_json_edit_missing_path() -> None:
    with pytest.raises(ValueError, match=r"no string value at engines\.node"):
        replace_string_values('{"engines": {}}', {("engines", "node"): ">=24"})


def _line_releases(major: int) -> tuple[NodeRelease, ...]:
    line = load_table().line(major)
    assert line is not None
    return line.releases


def _rewrite(project: Path, name: str, old: str, new: str, count: int = -1) -> None:
    path = project / name
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, count), "utf-8")
