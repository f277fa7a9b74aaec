"""Image labels from the [labels] table of the company config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import listing, run_nodeship
from tests.template_support import run_tool

NEW = ("new", "--name", "Orders", "--yes", "--no-install", "--json")

LABELS_TOML = """\
label_namespace = "com.acme"

[labels]
team = "payments"
owner = "alice@acme.example"
"org.example.cost-center" = "42"
"""

EXPECTED_LABEL_LINES = [
    "# Company labels, from the [labels] table of nodeship's config.",
    'LABEL com.acme.owner="alice@acme.example" \\',
    '      com.acme.team="payments" \\',
    '      org.example.cost-center="42"',
]


def generate_with(workdir: Path, config_text: str) -> tuple[int, str, Path]:
    (workdir / ".nodeship.toml").write_text(config_text)
    run = run_nodeship(*NEW, cwd=workdir)
    return run.code, run.stderr, workdir / "orders"


def label_lines(dockerfile: Path) -> list[str]:
    lines = dockerfile.read_text().splitlines()
    start = lines.index(EXPECTED_LABEL_LINES[0])
    return lines[start : start + len(EXPECTED_LABEL_LINES)]


def test_labels_in_dockerfile(workdir: Path) -> None:
    code, stderr, project = generate_with(workdir, LABELS_TOML)
    assert code == 0, stderr
    assert label_lines(project / "Dockerfile") == EXPECTED_LABEL_LINES


def test_labels_in_runtime_stage(workdir: Path) -> None:
    code, stderr, project = generate_with(workdir, LABELS_TOML)
    assert code == 0, stderr
    text = (project / "Dockerfile").read_text()
    runtime_start = text.index(" AS runtime")
    assert text.index("com.acme.team=") > runtime_start


def test_labels_hadolint_clean(workdir: Path) -> None:
    code, stderr, project = generate_with(workdir, LABELS_TOML)
    assert code == 0, stderr
    result = run_tool(["hadolint", "Dockerfile"], cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr


def test_labels_recorded(workdir: Path) -> None:
    code, stderr, project = generate_with(workdir, LABELS_TOML)
    assert code == 0, stderr
    record = json.loads((project / ".nodeship.json").read_text())
    assert record["answers"]["labels"] == {
        "com.acme.owner": "alice@acme.example",
        "com.acme.team": "payments",
        "org.example.cost-center": "42",
    }


def test_short_key_without_namespace(workdir: Path) -> None:
    code, stderr, project = generate_with(workdir, '[labels]\nteam = "payments"\n')
    assert code == 0, stderr
    assert 'LABEL team="payments"' in (project / "Dockerfile").read_text()


def test_no_labels_no_label_block(workdir: Path) -> None:
    code, stderr, project = generate_with(workdir, '[defaults]\nci = "none"\n')
    assert code == 0, stderr
    assert "Company labels" not in (project / "Dockerfile").read_text()
    record = json.loads((project / ".nodeship.json").read_text())
    assert "labels" not in record["answers"]


def test_first_file_wins_per_key(workdir: Path) -> None:
    (workdir.parent / ".nodeship.toml").write_text(
        '[labels]\nteam = "platform"\nowner = "bob@acme.example"\n'
    )
    code, stderr, project = generate_with(workdir, '[labels]\nteam = "payments"\n')
    assert code == 0, stderr
    dockerfile = (project / "Dockerfile").read_text()
    assert 'team="payments"' in dockerfile
    assert 'owner="bob@acme.example"' in dockerfile
    assert "platform" not in dockerfile


@pytest.mark.parametrize(
    ("config_text", "named"),
    [
        ('[labels]\nTeam = "payments"\n', "Team"),
        ('[labels]\n"cost_center" = "42"\n', "cost_center"),
        ('[labels]\n"com..acme" = "42"\n', "com..acme"),
        ('[labels]\n"-team" = "42"\n', "-team"),
        ('[labels]\n"team." = "42"\n', "team."),
        ('[labels]\n"com.docker.team" = "42"\n', "com.docker.team"),
        ('[labels]\n"org.opencontainers.image.title" = "x"\n', "image.title"),
        ('label_namespace = "Acme"\n[labels]\nteam = "42"\n', "label_namespace"),
        ('label_namespace = "org.nodeship"\n[labels]\nx = "1"\n', "org.nodeship.x"),
    ],
)
def test_invalid_label_key_rejected(
    workdir: Path, config_text: str, named: str
) -> None:
    code, stderr, _ = generate_with(workdir, config_text)
    assert code == 2, stderr
    assert named in stderr
    assert str(workdir / ".nodeship.toml") in stderr
    assert listing(workdir) == [".nodeship.toml"]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ('""', "is empty"),
        ("'pay\"ments'", "'\"'"),
        (r"'pay\ments'", r"'\\'"),
        ("'pay$ments'", "'$'"),
        ("'pay`ments'", "'`'"),
        (r'"pay\tments"', r"'\t'"),
        ("'{{ cookiecutter.image }}'", "'{{'"),
        ("42", "must be a string"),
    ],
)
def test_invalid_label_value_rejected(workdir: Path, value: str, reason: str) -> None:
    code, stderr, _ = generate_with(workdir, f"[labels]\nteam = {value}\n")
    assert code == 2, stderr
    assert "[labels] team" in stderr
    assert reason in stderr
    assert str(workdir / ".nodeship.toml") in stderr
    assert listing(workdir) == [".nodeship.toml"]


def test_labels_not_a_table_rejected(workdir: Path) -> None:
    code, stderr, _ = generate_with(workdir, 'labels = "team"\n')
    assert code == 2, stderr
    assert "labels must be a table" in stderr
    assert listing(workdir) == [".nodeship.toml"]


def test_config_show_lists_labels(workdir: Path) -> None:
    config = workdir / ".nodeship.toml"
    config.write_text(LABELS_TOML)
    run = run_nodeship("config", "show", "--json", cwd=workdir)
    assert run.code == 0, run.stderr
    values = {
        (row["table"], row["key"]): row for row in json.loads(run.stdout)["values"]
    }
    assert values[("labels", "com.acme.team")]["value"] == "payments"
    assert values[("labels", "com.acme.team")]["source"] == str(config)
    assert values[("labels", "org.example.cost-center")]["value"] == "42"
    assert values[("", "label_namespace")]["value"] == "com.acme"
    assert values[("", "label_namespace")]["source"] == str(config)
