"""Company config files: defaults, locks, node policy and where values came from."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import listing, run_nodeship

NEW = ("new", "--name", "Orders", "--yes", "--no-install", "--json")


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_defaults_from_parent_folder(workdir: Path) -> None:
    write(workdir / ".nodeship.toml", '[defaults]\nci = "none"\nport = 8088\n')
    run = run_nodeship(*NEW, cwd=workdir)
    assert run.code == 0, run.stderr
    answers = run.json()["answers"]  # type: ignore[index]
    assert answers["ci"] == "none"
    assert answers["port"] == 8088


def test_defaults_satisfy_required_without_yes(workdir: Path) -> None:
    write(
        workdir / ".nodeship.toml",
        '[defaults]\ntype = "worker"\nnode = "lts"\nci = "none"\n',
    )
    run = run_nodeship("new", "--name", "Jobs", "--no-install", cwd=workdir)
    assert run.code == 0, run.stderr


def test_flag_beats_default(workdir: Path) -> None:
    write(workdir / ".nodeship.toml", '[defaults]\nci = "none"\n')
    run = run_nodeship(*NEW, "--ci", "github", cwd=workdir)
    assert run.json()["answers"]["ci"] == "github"  # type: ignore[index]


def test_explicit_config_beats_parent(workdir: Path) -> None:
    write(workdir / ".nodeship.toml", "[defaults]\nport = 8088\n")
    explicit = write(workdir.parent / "company.toml", "[defaults]\nport = 9000\n")
    run = run_nodeship(*NEW, "--config", str(explicit), cwd=workdir)
    assert run.json()["answers"]["port"] == 9000  # type: ignore[index]


def test_env_config_read(workdir: Path) -> None:
    company = write(
        workdir.parent / "env.toml", '[defaults]\ndescription = "From env"\n'
    )
    run = run_nodeship(*NEW, cwd=workdir, env={"NODESHIP_CONFIG": str(company)})
    assert run.json()["answers"]["description"] == "From env"  # type: ignore[index]


def test_user_config_read(workdir: Path, isolated_config: Path) -> None:
    folder = isolated_config / "nodeship"
    folder.mkdir()
    write(folder / "config.toml", "[defaults]\nport = 7000\n")
    run = run_nodeship(*NEW, cwd=workdir)
    assert run.json()["answers"]["port"] == 7000  # type: ignore[index]


def test_locked_answer_used(workdir: Path) -> None:
    write(workdir / ".nodeship.toml", '[locked]\nci = "none"\n')
    run = run_nodeship(*NEW, cwd=workdir)
    assert run.json()["answers"]["ci"] == "none"  # type: ignore[index]


def test_flag_contradicting_lock_rejected(workdir: Path) -> None:
    config = write(workdir / ".nodeship.toml", '[locked]\nci = "none"\n')
    run = run_nodeship(*NEW, "--ci", "github", cwd=workdir)
    assert run.code == 2
    assert "locked" in run.stderr
    assert str(config) in run.stderr
    assert listing(workdir) == [".nodeship.toml"]


def test_flag_equal_to_lock_accepted(workdir: Path) -> None:
    write(workdir / ".nodeship.toml", '[locked]\nci = "none"\n')
    run = run_nodeship(*NEW, "--ci", "NONE", cwd=workdir)
    assert run.code == 0, run.stderr


def test_invalid_toml_names_line(workdir: Path) -> None:
    write(workdir / ".nodeship.toml", '[defaults]\nci = "none\n')
    run = run_nodeship(*NEW, cwd=workdir)
    assert run.code == 2
    assert "line 2" in run.stderr
    assert listing(workdir) == [".nodeship.toml"]


def test_unknown_key_named(workdir: Path) -> None:
    write(workdir / ".nodeship.toml", '[defaults]\nteam = "payments"\n')
    run = run_nodeship(*NEW, cwd=workdir)
    assert run.code == 2
    assert "team" in run.stderr
    assert ".nodeship.toml" in run.stderr


def test_unknown_table_named(workdir: Path) -> None:
    write(workdir / ".nodeship.toml", '[defualts]\nci = "none"\n')
    run = run_nodeship(*NEW, cwd=workdir)
    assert run.code == 2
    assert "defualts" in run.stderr


def test_bad_default_value_names_file_and_key(workdir: Path) -> None:
    write(workdir / ".nodeship.toml", "[defaults]\nport = 99999\n")
    run = run_nodeship(*NEW, cwd=workdir)
    assert run.code == 2
    assert "[defaults] port" in run.stderr
    assert "99999" in run.stderr


def test_policy_active_lts_rejects_maintenance_line(workdir: Path) -> None:
    write(workdir / ".nodeship.toml", 'node_policy = "active-lts"\n')
    lts = run_nodeship(*NEW, cwd=workdir)
    assert lts.code == 0, lts.stderr
    old = run_nodeship(
        "new", "old", "--node", "18", "--yes", "--no-install", cwd=workdir
    )
    assert old.code == 2
    assert "node_policy" in old.stderr


def test_policy_supported_rejects_end_of_life(workdir: Path) -> None:
    write(workdir / ".nodeship.toml", 'node_policy = "supported"\n')
    run = run_nodeship(
        "new", "old", "--node", "18", "--yes", "--no-install", cwd=workdir
    )
    assert run.code == 2
    assert "end of life" in run.stderr


def test_missing_explicit_config(workdir: Path) -> None:
    run = run_nodeship(*NEW, "--config", "nope.toml", cwd=workdir)
    assert run.code == 2
    assert "nope.toml" in run.stderr


def test_config_show_lists_sources(workdir: Path) -> None:
    config = write(
        workdir / ".nodeship.toml",
        '[defaults]\nci = "none"\n[locked]\nalpine = "3.24"\n',
    )
    run = run_nodeship("config", "show", "--json", cwd=workdir)
    assert run.code == 0, run.stderr
    shown = json.loads(run.stdout)
    assert shown["files"] == [str(config)]
    values = {(row["table"], row["key"]): row for row in shown["values"]}
    assert values[("defaults", "ci")]["source"] == str(config)
    assert values[("locked", "alpine")]["value"] == "3.24"


def test_conflicting_locks_rejected(workdir: Path, isolated_config: Path) -> None:
    user = isolated_config / "nodeship"
    user.mkdir()
    write(user / "config.toml", '[locked]\ntype = "api"\n')
    write(workdir / ".nodeship.toml", '[locked]\ntype = "worker"\n')
    run = run_nodeship(*NEW, cwd=workdir)
    assert run.code == 2, run.stderr
    assert "locked to" in run.stderr
    assert listing(workdir) == [".nodeship.toml"]
