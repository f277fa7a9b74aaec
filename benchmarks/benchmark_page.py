"""Describe the machine and write one benchmark's section into BENCHMARKS.md.

Each benchmark script owns one section of the page, between the markers
``<!-- begin NAME -->`` and ``<!-- end NAME -->``, and rewrites only that section,
so the scripts can run one at a time and the other sections keep their numbers.
"""

from __future__ import annotations

import datetime
import os
import platform
import re
import shlex
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PAGE = REPO / "BENCHMARKS.md"
# Sections in page order. A missing section is inserted at its place in this order.
SECTION_NAMES = ("dockerfiles", "cli_speed", "verify_timings", "runtimes")

_PAGE_HEADER = """\
# Benchmarks

Each section below was written by the script named in it, from one run on the
machine described there. Every number is a ratio against a baseline measured in
the same run, or a median with its range, so a section compares like with like
even on a loaded machine. Numbers from different sections or different machines
are not comparable.

Run every benchmark and rewrite this page (about 11 minutes on 2 cores), from the
repository root with nodeship installed (`pip install .`) or importable through
`PYTHONPATH`:

```sh
python benchmarks/run_all.py
```

`benchmarks/README.md` lists each script, its options and what it needs.
"""


def describe_machine(engine: Any | None = None) -> list[str]:
    """Return Markdown list items that describe the CPU, memory, OS and engine.

    ``engine`` is a ``docker.DockerClient``. Without one, the engine is left out.
    """
    items = [
        f"CPU: {_cpu_model()}, {os.cpu_count()} cores",
        f"memory: {_memory_gib():.1f} GiB",
        f"OS: {_os_name()}, kernel {platform.release()}",
        f"Python {platform.python_version()}",
    ]
    if engine is not None:
        version = engine.version()
        info = engine.info()
        items.append(
            f"Docker Engine {version.get('Version')} "
            f"(API {version.get('ApiVersion')}), storage driver "
            f"{info.get('Driver')}, classic builder through the Docker SDK for Python"
        )
    load_1, load_5, _ = os.getloadavg()
    items.append(
        f"load average when the run started: {load_1:.2f} (1 min), {load_5:.2f} (5 min)"
    )
    return items


def run_header(command: Sequence[str], engine: Any | None = None) -> list[str]:
    """Return the lines that open a section: command, date and machine."""
    now = datetime.datetime.now(datetime.UTC)
    lines = [
        f"Command: `{shlex.join(command)}`, run on {now:%Y-%m-%d} at {now:%H:%M} UTC.",
        "",
        "Machine:",
        "",
    ]
    lines.extend(f"- {item}" for item in describe_machine(engine))
    return lines


def script_command(script: str) -> list[str]:
    """Return the command line that ran ``script``, for the section header."""
    return ["python", f"benchmarks/{script}", *sys.argv[1:]]


def format_range(values: Sequence[float], digits: int) -> str:
    """Format the median of ``values`` with its min and max, e.g. ``1.2 (1.1-1.4)``.

    The range is left out when min and max look the same at ``digits`` decimals.
    """
    median = f"{statistics.median(values):.{digits}f}"
    low, high = f"{min(values):.{digits}f}", f"{max(values):.{digits}f}"
    if low == high:
        return median
    return f"{median} ({low}-{high})"


def verdict(met: bool) -> str:
    """Return the page's wording for a target: ``met`` or ``**not met**``."""
    return "met" if met else "**not met**"


def write_section(name: str, lines: Sequence[str]) -> None:
    """Replace section ``name`` of BENCHMARKS.md with ``lines``, creating the page."""
    if name not in SECTION_NAMES:
        raise ValueError(f"unknown section {name!r}: expected one of {SECTION_NAMES}")
    text = PAGE.read_text(encoding="utf-8") if PAGE.exists() else _PAGE_HEADER
    body = "\n".join(lines).strip("\n")
    block = f"<!-- begin {name} -->\n{body}\n<!-- end {name} -->"
    pattern = re.compile(
        rf"<!-- begin {re.escape(name)} -->.*?<!-- end {re.escape(name)} -->",
        re.DOTALL,
    )
    if pattern.search(text):
        # A function as replacement keeps backslashes in the body literal.
        text = pattern.sub(lambda _match: block, text, count=1)
    else:
        text = _insert_in_order(text, name, block)
    PAGE.write_text(text, encoding="utf-8")


def _insert_in_order(text: str, name: str, block: str) -> str:
    """Insert ``block`` before the first section that comes after ``name``."""
    later = SECTION_NAMES[SECTION_NAMES.index(name) + 1 :]
    for other in later:
        marker = f"<!-- begin {other} -->"
        if marker in text:
            return text.replace(marker, f"{block}\n\n{marker}", 1)
    return f"{text.rstrip()}\n\n{block}\n"


def _cpu_model() -> str:
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return platform.processor() or platform.machine()
    for line in cpuinfo.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def _memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 2**20
    return 0.0


def _os_name() -> str:
    try:
        os_release = Path("/etc/os-release").read_text(encoding="utf-8")
    except OSError:
        return platform.system()
    for line in os_release.splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip('"')
    return platform.system()
