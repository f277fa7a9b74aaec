"""Benchmark nodeship's start-up and generation time against baselines.

Runs each command several times in this one process's session and prints a Markdown
table of median wall times and ratios against the baseline of its group:

- start-up: ``python -c pass`` (the floor), ``nodeship --version``, ``nodeship --help``
  and ``cookiecutter --help``;
- generation: ``cookiecutter --no-input`` on nodeship's template against
  ``nodeship new --yes --no-install`` on the same template, both without npm.

Usage: ``python benchmarks/cli_speed.py [--runs N]`` from the repository root, with
nodeship installed in the running interpreter.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def median_seconds(
    command: list[str], runs: int, cwd_factory: Callable[[], Path]
) -> float:
    """Return the median wall time of ``command`` over ``runs`` runs (one warm-up)."""
    times = []
    for attempt in range(runs + 1):
        cwd = cwd_factory()
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
    return statistics.median(times)


def fresh_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="nodeship-bench-"))


def rows_for(
    group: list[tuple[str, list[str]]], runs: int
) -> list[tuple[str, float, float]]:
    results = [(label, median_seconds(cmd, runs, fresh_folder)) for label, cmd in group]
    baseline = results[0][1]
    return [(label, seconds, seconds / baseline) for label, seconds in results]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per command")
    runs = parser.parse_args().runs

    startup = [
        ("python -c pass (baseline)", [PYTHON, "-c", "pass"]),
        ("nodeship --version", [PYTHON, "-m", "nodeship", "--version"]),
        ("nodeship --help", [PYTHON, "-m", "nodeship", "--help"]),
        ("cookiecutter --help", [PYTHON, "-m", "cookiecutter", "--help"]),
    ]
    template = str(REPO / "template")
    generation = [
        (
            "cookiecutter --no-input (baseline)",
            [PYTHON, "-m", "cookiecutter", "--no-input", template, "install=no"],
        ),
        (
            "nodeship new --yes --no-install",
            [PYTHON, "-m", "nodeship", "new", "--yes", "--no-install"],
        ),
    ]
    print(
        f"Median of {runs} runs after one warm-up; ratio against the group's baseline."
    )
    print()
    print("| command | median (ms) | ratio |")
    print("|---|---:|---:|")
    for group in (startup, generation):
        for label, seconds, ratio in rows_for(group, runs):
            print(f"| {label} | {seconds * 1000:.0f} | {ratio:.2f}x |")


if __name__ == "__main__":
    main()
