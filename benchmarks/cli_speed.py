"""Benchmark nodeship's start-up and generation time against baselines.

Runs each command several times and prints a Markdown table of median wall times,
with the range, and ratios against the baseline of its group:

- start-up: ``python -c pass`` (the floor), ``nodeship --version``, ``nodeship --help``
  and ``cookiecutter --help``;
- generation: ``cookiecutter --no-input`` on nodeship's template against
  ``nodeship new --yes --no-install`` on the same template, both without npm.

It checks two targets, ``nodeship --help`` faster than ``cookiecutter --help`` and
``nodeship new`` at most 1.1 times plain cookiecutter, and rewrites the
``cli_speed`` section of BENCHMARKS.md.

Usage: ``python benchmarks/cli_speed.py [--runs N] [--no-write]`` from the repository
root, with nodeship and cookiecutter importable by the running interpreter.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmark_page import (
    format_range,
    run_header,
    script_command,
    verdict,
    write_section,
)

from nodeship.template_source import builtin_template_dir

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TARGET_NEW_OVER_COOKIECUTTER = 1.1

Group = list[tuple[str, list[str]]]


def time_command(command: list[str], runs: int) -> list[float]:
    """Return the wall times of ``runs`` runs of ``command``, after one warm-up.

    Each run starts in a new empty folder, which is deleted afterwards.
    """
    times = []
    for attempt in range(runs + 1):
        cwd = Path(tempfile.mkdtemp(prefix="nodeship-bench-"))
        start = time.perf_counter()
        subprocess.run(
            command,
            cwd=cwd,
            check=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        elapsed = time.perf_counter() - start
        shutil.rmtree(cwd, ignore_errors=True)
        if attempt:
            times.append(elapsed)
    return times


def measure_group(group: Group, runs: int) -> dict[str, list[float]]:
    return {label: time_command(command, runs) for label, command in group}


def table_rows(results: dict[str, list[float]]) -> list[str]:
    """Return table rows, with the group's first command as the ratios' baseline."""
    baseline = statistics.median(next(iter(results.values())))
    rows = []
    for label, times in results.items():
        milliseconds = [seconds * 1000 for seconds in times]
        ratio = statistics.median(times) / baseline
        rows.append(f"| {label} | {format_range(milliseconds, 0)} | {ratio:.2f}x |")
    return rows


def target_rows(
    startup: dict[str, list[float]], generation: dict[str, list[float]]
) -> list[str]:
    help_ratio = statistics.median(startup["nodeship --help"]) / statistics.median(
        startup["cookiecutter --help"]
    )
    new_ratio = statistics.median(
        generation["nodeship new --yes --no-install"]
    ) / statistics.median(generation["cookiecutter --no-input (baseline)"])
    return [
        "| target | measured | result |",
        "| --- | --- | --- |",
        f"| `nodeship --help` faster than `cookiecutter --help` | "
        f"{help_ratio:.2f}x cookiecutter --help | {verdict(help_ratio < 1)} |",
        f"| `nodeship new --yes --no-install` at most "
        f"{TARGET_NEW_OVER_COOKIECUTTER}x `cookiecutter --no-input` | "
        f"{new_ratio:.2f}x | {verdict(new_ratio <= TARGET_NEW_OVER_COOKIECUTTER)} |",
    ]


def display_path(path: str) -> str:
    """Return ``path`` relative to the repository when it is inside it."""
    resolved = Path(path).resolve()
    if resolved.is_relative_to(REPO):
        return resolved.relative_to(REPO).as_posix() + "/"
    return str(resolved)


def bytecode_note() -> str:
    """Describe whether the timed processes may cache compiled bytecode."""
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return (
            "`PYTHONDONTWRITEBYTECODE` was set, so every run compiled the modules "
            "that had no up-to-date `.pyc` file (nodeship's, when it runs from a "
            "source tree that was edited since its last compile)."
        )
    return (
        "Python wrote bytecode caches, so the warm-up run compiled any module "
        "without an up-to-date `.pyc` file and the timed runs did not."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per command")
    parser.add_argument(
        "--no-write",
        action="store_true",
        help="print the section without rewriting BENCHMARKS.md",
    )
    args = parser.parse_args()
    header = run_header(script_command("cli_speed.py"))

    startup_group = [
        ("python -c pass (baseline)", [PYTHON, "-c", "pass"]),
        ("nodeship --version", [PYTHON, "-m", "nodeship", "--version"]),
        ("nodeship --help", [PYTHON, "-m", "nodeship", "--help"]),
        ("cookiecutter --help", [PYTHON, "-m", "cookiecutter", "--help"]),
    ]
    # The folder `nodeship new` renders: the source tree's template/ when nodeship
    # runs from a checkout, the packaged copy when it is installed.
    template = str(builtin_template_dir())
    generation_group = [
        (
            "cookiecutter --no-input (baseline)",
            [PYTHON, "-m", "cookiecutter", "--no-input", template, "install=no"],
        ),
        (
            "nodeship new --yes --no-install",
            [PYTHON, "-m", "nodeship", "new", "--yes", "--no-install"],
        ),
    ]
    startup = measure_group(startup_group, args.runs)
    generation = measure_group(generation_group, args.runs)

    lines = [
        "## CLI start-up and generation time",
        "",
        *header,
        "",
        f"Median of {args.runs} runs after one warm-up, with the range in brackets. "
        "Each ratio is against the first command of its group, measured in the "
        "same run.",
        "",
        "| command | wall time (ms) | ratio |",
        "| --- | ---: | ---: |",
        *table_rows(startup),
        *table_rows(generation),
        "",
        "### Targets",
        "",
        *target_rows(startup, generation),
        "",
        "### Method",
        "",
        "- Every command runs as `python -m ...` with the same interpreter, from a "
        "new empty folder, with output discarded; the time is the wall time of the "
        "whole process.",
        "- Both generation commands render the template folder that nodeship uses "
        f"(`{display_path(template)}`) without npm: cookiecutter with the "
        "template's defaults and `install=no`, nodeship with `--yes --no-install`, "
        "which also reads the company config, validates the answers, resolves the "
        "Node.js version against its release table and writes `.nodeship.json`. "
        "Neither writes a lockfile.",
        "- nodeship renders the built-in template straight from its folder, as "
        "cookiecutter does, into a scratch folder beside the target that it then "
        "renames. An overlay, `--set` or `--template` makes it render a composed "
        "copy instead, which this benchmark does not time.",
        f"- {bytecode_note()}",
    ]
    print("\n".join(lines))
    if not args.no_write:
        write_section("cli_speed", lines)


if __name__ == "__main__":
    main()
