"""Interactive ``nodeship new`` on a real pseudo-terminal."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pexpect
import pytest

from tests.conftest import listing

ENTER = "\r"
CLEAR_LINE = "\x15"  # Ctrl-U: delete the prefilled default
DOWN = "\x1b[B"
UP = "\x1b[A"
CTRL_C = "\x03"


def spawn(workdir: Path, *args: str) -> pexpect.spawn:
    return pexpect.spawn(
        sys.executable,
        ["-m", "nodeship", "new", "--no-install", *args],
        cwd=str(workdir),
        env={**os.environ, "TERM": "xterm"},
        dimensions=(40, 120),
        encoding="utf-8",
        timeout=30,
    )


def type_text(child: pexpect.spawn, prompt: str, text: str) -> None:
    child.expect(prompt)
    child.send(CLEAR_LINE + text + ENTER)


def accept(child: pexpect.spawn, prompt: str) -> None:
    child.expect(prompt)
    child.send(ENTER)


def finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return int(child.exitstatus if child.exitstatus is not None else -1)


def test_prompts_generate_project(workdir: Path) -> None:
    child = spawn(workdir)
    type_text(child, "Service name", "Orders API")
    type_text(child, "Description", "Takes orders")
    accept(child, "App type")
    type_text(child, "HTTP port", "8080")
    accept(child, "Node.js version")
    child.expect("Alpine version|CI provider")
    child.send(ENTER)
    if child.match.group(0) == "Alpine version":
        accept(child, "CI provider")
    accept(child, "Dependency update bot")
    type_text(child, "Image repository", "ghcr.io/acme/orders-api")
    child.expect("Created Orders API")
    assert finish(child) == 0
    project = workdir / "orders-api"
    package = json.loads((project / "package.json").read_text())
    assert package["name"] == "orders-api"
    assert package["description"] == "Takes orders"
    assert "EXPOSE 8080" in (project / "Dockerfile").read_text()


def test_worker_skips_port_prompt(workdir: Path) -> None:
    child = spawn(workdir, "--name", "Jobs", "--description", "Runs jobs")
    child.expect("App type")
    child.send(DOWN + ENTER)
    child.expect("Node.js version|HTTP port")
    assert child.match.group(0) == "Node.js version"
    child.sendcontrol("c")
    assert finish(child) == 130


def test_invalid_port_shown_live(workdir: Path) -> None:
    child = spawn(workdir, "--name", "Orders", "--description", "x", "--type", "api")
    type_text(child, "HTTP port", "99999")
    child.expect("1 to 65535")
    child.send(CLEAR_LINE + "8080" + ENTER)
    child.expect("Node.js version")
    child.sendcontrol("c")
    assert finish(child) == 130


def test_other_node_version_validated(workdir: Path) -> None:
    child = spawn(workdir, "--name", "Orders", "--description", "x", "--type", "worker")
    child.expect("Node.js version")
    child.expect("other version")
    child.send(UP + ENTER)  # the list wraps from the first line to the last one
    type_text(child, "Node.js version", "19.0.0")
    child.expect("release table")
    child.sendcontrol("c")
    assert finish(child) == 130


@pytest.mark.parametrize("answered", [0, 1, 2])
def test_ctrl_c_exits_130_and_writes_nothing(workdir: Path, answered: int) -> None:
    child = spawn(workdir)
    steps = [("Service name", "Orders"), ("Description", "x")]
    for prompt, text in steps[:answered]:
        type_text(child, prompt, text)
    child.expect(["Service name", "Description", "App type"][answered])
    child.send(CTRL_C)
    assert finish(child) == 130
    assert listing(workdir) == []
