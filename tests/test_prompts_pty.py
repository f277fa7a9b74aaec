"""Interactive ``nodeship new`` on a real pseudo-terminal."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pexpect
import pytest

from nodeship.questions import QUESTIONS
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


PROMPTS = [q.prompt for q in QUESTIONS if q.prompted]
# Spaces and colour codes, then the bracket that starts the instruction.
OPEN = r"(?:\x1b\[[0-9;?]*[A-Za-z]|\s)*\("


def answer_until(
    child: pexpect.spawn, stop: str, typed: dict[str, str] | None = None
) -> list[str]:
    """Answer prompts until ``stop`` shows, typing given text or pressing Enter.

    Returns the prompts seen before ``stop``. Questions added to the model later
    take their defaults, so these tests keep working as the model grows.
    """
    typed = typed or {}
    # Each prompt is answered once. The screen redraws a prompt while its answer is
    # typed, so an answered prompt is dropped from what the next expect looks for.
    waiting = [prompt for prompt in PROMPTS if prompt != stop]
    stop_pattern = re.escape(stop) + (OPEN if stop in PROMPTS else "")
    seen = []
    while True:
        patterns = [re.escape(prompt) + OPEN for prompt in waiting]
        index = child.expect([stop_pattern, *patterns])
        if index == 0:
            return seen
        prompt = waiting.pop(index - 1)
        seen.append(prompt)
        text = typed.get(prompt)
        child.send(ENTER if text is None else CLEAR_LINE + text + ENTER)


def test_prompts_generate_project(workdir: Path) -> None:
    child = spawn(workdir)
    answer_until(
        child,
        "Created ",
        {
            "Service name": "Orders API",
            "Description": "Takes orders",
            "HTTP port": "8080",
            "Image repository (empty: ghcr.io/<owner>/<repo> in CI)": (
                "ghcr.io/acme/orders-api"
            ),
        },
    )
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
    seen = answer_until(child, "Node.js version")
    assert "HTTP port" not in seen
    child.sendcontrol("c")
    assert finish(child) == 130


def test_invalid_port_shown_live(workdir: Path) -> None:
    child = spawn(workdir, "--name", "Orders", "--description", "x", "--type", "api")
    answer_until(child, "HTTP port")
    child.send(CLEAR_LINE + "99999" + ENTER)
    child.expect("1 to 65535")
    child.send(CLEAR_LINE + "8080" + ENTER)
    answer_until(child, "Node.js version")
    child.sendcontrol("c")
    assert finish(child) == 130


def test_other_node_version_validated(workdir: Path) -> None:
    child = spawn(workdir, "--name", "Orders", "--description", "x", "--type", "worker")
    answer_until(child, "Node.js version")
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


def test_runtime_and_extras_prompts(workdir: Path) -> None:
    flags = [
        "--name",
        "Orders",
        "--description",
        "x",
        "--type",
        "api",
        "--port",
        "8080",
    ]
    child = spawn(workdir, *flags)

    answer_until(child, "Runtime image")
    child.send(DOWN + ENTER)  # slim, the second choice
    for prompt in ("Build native modules", "Run node under an init process"):
        child.expect(re.escape(prompt))
        child.send(DOWN + ENTER)  # yes
    type_text(child, "Time zone", "Europe/Atlantis")
    child.expect("not in the time zone database")
    child.send(CLEAR_LINE + "Europe/Berlin" + ENTER)
    answer_until(child, "Created ")
    assert finish(child) == 0

    answers = json.loads((workdir / "orders" / ".nodeship.json").read_text())["answers"]
    picked = {key: answers[key] for key in ("runtime", "native_deps", "init", "tz")}
    assert picked == {
        "runtime": "slim",
        "native_deps": "yes",
        "init": "yes",
        "tz": "Europe/Berlin",
    }
    assert "FROM alpine:" in (workdir / "orders" / "Dockerfile").read_text()
