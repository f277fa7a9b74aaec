"""Bad input on every path gives one clear message, exit code 2 and no files.

Each row is tried as a flag, as an answers-file value and as a company-config
default, since all three go through the same question model.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import listing, run_nodeship

LONG = "x" * 300
# (question, bad value, text the error must contain)
BAD_VALUES = [
    ("name", "", "empty"),
    ("name", "   ", "empty"),
    ("name", LONG, "more than"),
    ("name", "東京\x07", "'\\x07'"),
    ("name", "a\nb", "'\\n'"),
    ("name", "../..", "no letters or digits"),
    ("name", "🚀🚀", "no letters or digits"),
    ("slug", "../evil", "invalid"),
    ("slug", "a/b", "invalid"),
    ("slug", "CON", "invalid"),
    ("slug", "x" * 65, "more than 64"),
    ("package_name", "node_modules", "reserved"),
    ("package_name", "fs", "core module"),
    ("package_name", "a" * 215, "more than 214"),
    ("package_name", "_x", "starts with"),
    ("package_name", "café", "may only contain"),
    ("description", 'say "hi"', "'\"'"),
    ("project_version", "1", "'1'"),
    ("project_version", "1.0.0+build", "'+'"),
    ("project_version", "1.0.0-" + "a" * 120, "more than 128"),
    ("type", "server", "'server'"),
    ("port", "99999", "99999"),
    ("port", "abc", "'abc'"),
    ("port", "0", "'0'"),
    ("port", "80.5", "'80.5'"),
    ("port", " ", "1 to 65535"),
    ("node", "abc", "'abc'"),
    ("node", "99", "99"),
    ("node", "24.99.99", "nearest"),
    ("node", "v", "'v'"),
    ("alpine", "3.1", "never published"),
    ("alpine", "edge", "never published"),
    ("updates", "greenkeeper", "'greenkeeper'"),
    ("ci", "travis", "'travis'"),
    ("package_manager", "bun", "'bun'"),
    ("runtime", "distroless", "'distroless'"),
    ("native_deps", "maybe", "'maybe'"),
    ("init", "tini", "'tini'"),
    ("env_example", "2", "'2'"),
    ("tz", "Mars/Olympus", "'Mars/Olympus'"),
    ("tz", "../../etc/passwd", "not a time zone"),
    ("tz", "Europe/Berlin\x07", "not a time zone"),
    ("image", "ghcr.io/Acme/x", "uppercase"),
    ("image", "ghcr.io/acme/x:latest", "tag"),
    ("image", "ghcr.io/acme/x@sha256:abc", "'@'"),
    ("image", "a" * 300, "longer than"),
]
IDS = [f"{key}={value[:20]!r}" for key, value, _ in BAD_VALUES]


def flag(key: str) -> str:
    return "--" + key.replace("_", "-")


def base_args(key: str) -> list[str]:
    args = ["new", "--yes", "--no-install"]
    if key != "name":
        args += ["--name", "Orders"]
    return args


@pytest.mark.parametrize(("key", "value", "expected"), BAD_VALUES, ids=IDS)
def test_bad_flag(workdir: Path, key: str, value: str, expected: str) -> None:
    run = run_nodeship(*base_args(key), f"{flag(key)}={value}", cwd=workdir)
    assert run.code == 2, run.stderr
    assert expected in run.stderr
    assert "hint:" in run.stderr
    assert "Traceback" not in run.stderr
    assert listing(workdir) == []


@pytest.mark.parametrize(("key", "value", "expected"), BAD_VALUES, ids=IDS)
def test_bad_answers_file_value(
    workdir: Path, tmp_path: Path, key: str, value: str, expected: str
) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({key: value}))
    run = run_nodeship(*base_args(key), "--answers", str(answers), cwd=workdir)
    assert run.code == 2, run.stderr
    assert expected in run.stderr
    assert listing(workdir) == []


@pytest.mark.parametrize(("key", "value", "expected"), BAD_VALUES, ids=IDS)
def test_bad_config_default(
    workdir: Path, tmp_path: Path, key: str, value: str, expected: str
) -> None:
    config = tmp_path / "company.toml"
    config.write_text(f"[defaults]\n{key} = {json.dumps(value, ensure_ascii=False)}\n")
    run = run_nodeship(*base_args(key), "--config", str(config), cwd=workdir)
    assert run.code == 2, run.stderr
    assert f"[defaults] {key}" in run.stderr
    assert expected in run.stderr
    assert listing(workdir) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", "bool"), ("1.5", "float"), ("[1]", "list")],
)
def test_wrong_types_in_answers_file(
    workdir: Path, tmp_path: Path, value: str, expected: str
) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(f"name: Orders\ntype: {value}\n")
    run = run_nodeship(
        "new", "--yes", "--no-install", "--answers", str(answers), cwd=workdir
    )
    assert run.code == 2, run.stderr
    assert "--type" in run.stderr
    assert listing(workdir) == []


@pytest.mark.parametrize(
    ("spelling", "accepted"),
    [("true", False), ("false", False), ("yes", False), ("8080", True)],
)
def test_port_spellings(workdir: Path, spelling: str, accepted: bool) -> None:
    run = run_nodeship(
        "new",
        "--name",
        "Orders",
        "--yes",
        "--no-install",
        f"--port={spelling}",
        cwd=workdir,
    )
    assert (run.code == 0) is accepted, run.stderr


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe\x00binary", b"name: [1, 2\n", b"just a string\n", b"---\n- a\n"],
)
def test_answers_file_not_yaml_mapping(
    workdir: Path, tmp_path: Path, content: bytes
) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_bytes(content)
    run = run_nodeship(
        "new", "--yes", "--no-install", "--answers", str(answers), cwd=workdir
    )
    assert run.code == 2, run.stderr
    assert str(answers) in run.stderr
    assert listing(workdir) == []


def test_answers_file_is_folder(workdir: Path, tmp_path: Path) -> None:
    run = run_nodeship("new", "--yes", "--answers", str(tmp_path), cwd=workdir)
    assert run.code == 2
    assert listing(workdir) == []


def test_unknown_flag(workdir: Path) -> None:
    run = run_nodeship("new", "--nmae", "x", cwd=workdir)
    assert run.code == 2
    assert "--nmae" in run.stderr
    assert listing(workdir) == []


def test_closed_stdin_without_yes_lists_missing(workdir: Path) -> None:
    run = run_nodeship("new", "--name", "Orders", cwd=workdir)
    assert run.code == 2
    assert "--type" in run.stderr
    assert listing(workdir) == []


def test_derived_package_name_checked(workdir: Path) -> None:
    run = run_nodeship("new", "--name", "http", "--yes", "--no-install", cwd=workdir)
    assert run.code == 2, run.stderr
    assert "--package-name" in run.stderr
    assert listing(workdir) == []


def test_ignored_port_still_validated(workdir: Path) -> None:
    run = run_nodeship(
        "new", "--type", "worker", "--port", "abc", "--yes", "--no-install", cwd=workdir
    )
    assert run.code == 2, run.stderr
    assert listing(workdir) == []


@pytest.mark.parametrize(("key", "value"), [("node", "24.10"), ("alpine", "3.20")])
def test_unquoted_yaml_number_rejected(
    workdir: Path, tmp_path: Path, key: str, value: str
) -> None:
    answers = tmp_path / "answers.yaml"
    answers.write_text(f"{key}: {value}\n")
    run = run_nodeship("new", "--answers", str(answers), "--yes", cwd=workdir)
    assert run.code == 2, run.stderr
    assert "quote" in run.stderr
    assert listing(workdir) == []
