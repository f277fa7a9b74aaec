"""Generation is all or nothing: failing hooks, broken templates and Ctrl-C."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from nodeship.answers import collect_answers
from nodeship.errors import GenerationError, TargetExistsError
from nodeship.generate import generate
from nodeship.questions import Answers, Context
from nodeship.releases import load_table
from tests.conftest import TEMPLATE_DIR, listing


def default_answers(name: str = "Orders API") -> Answers:
    context = Context(table=load_table(), today=date.today())
    collected = collect_answers(
        given={"name": name},
        implicit={},
        context=context,
        asker=None,
        assume_defaults=True,
    )
    return collected.values


def template_copy(tmp_path: Path) -> Path:
    """Copy the built-in template, with its hooks as real files."""
    copy = tmp_path / "template"
    shutil.copytree(TEMPLATE_DIR, copy, symlinks=False)
    return copy


def test_failing_post_hook_leaves_nothing(tmp_path: Path) -> None:
    template = template_copy(tmp_path)
    (template / "hooks" / "post_gen_project.py").write_text(
        "import sys\nprint('post hook failed on purpose')\nsys.exit(1)\n"
    )
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(GenerationError) as raised:
        generate(
            answers=default_answers(),
            target=out / "orders-api",
            template_dir=template,
            install=False,
        )
    assert "hook" in raised.value.message
    assert listing(out) == []


def test_undefined_variable_names_file(tmp_path: Path) -> None:
    template = template_copy(tmp_path)
    broken = template / "{{cookiecutter.project_slug}}" / "broken.txt"
    broken.write_text("port {{ cookiecutter.service-port }}\n")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(GenerationError) as raised:
        generate(
            answers=default_answers(),
            target=out / "orders-api",
            template_dir=template,
            install=False,
        )
    assert "broken.txt" in raised.value.message
    assert listing(out) == []


def test_created_parents_removed_on_failure(tmp_path: Path) -> None:
    template = template_copy(tmp_path)
    (template / "hooks" / "post_gen_project.py").write_text("raise SystemExit(3)\n")
    with pytest.raises(GenerationError):
        generate(
            answers=default_answers(),
            target=tmp_path / "a" / "b" / "orders-api",
            template_dir=template,
            install=False,
        )
    assert not (tmp_path / "a").exists()


def test_existing_target_kept(tmp_path: Path) -> None:
    target = tmp_path / "orders-api"
    target.mkdir()
    (target / "mine.txt").write_text("keep")
    with pytest.raises(TargetExistsError) as raised:
        generate(
            answers=default_answers(),
            target=target,
            template_dir=TEMPLATE_DIR,
            install=False,
        )
    assert str(target) in raised.value.message
    assert (target / "mine.txt").read_text() == "keep"


def test_ctrl_c_during_generation_leaves_nothing(tmp_path: Path) -> None:
    template = template_copy(tmp_path)
    started = tmp_path / "hook-started"
    (template / "hooks" / "post_gen_project.py").write_text(
        "import pathlib, time\n"
        f"pathlib.Path({str(started)!r}).touch()\n"
        "time.sleep(60)\n"
    )
    out = tmp_path / "out"
    out.mkdir()
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from nodeship.generate import generate\n"
        "from nodeship.errors import NodeshipError\n"
        "answers = json.loads(sys.argv[1])\n"
        "try:\n"
        "    generate(answers=answers, target=Path(sys.argv[2]),"
        " template_dir=Path(sys.argv[3]), install=False)\n"
        "except NodeshipError as error:\n"
        "    print(error.message)\n"
        "    sys.exit(int(error.exit_code))\n"
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            script,
            json.dumps(default_answers()),
            str(out / "orders-api"),
            str(template),
        ],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert started.exists()
    os.killpg(process.pid, signal.SIGINT)
    stdout, _ = process.communicate(timeout=30)
    assert process.returncode == 130
    assert "interrupted" in stdout
    assert listing(out) == []
