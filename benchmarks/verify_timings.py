"""Measure how long ``verify_project`` takes on generated api and worker projects.

Renders one api and one worker project from the template (cookiecutter, with npm
for the lockfile) and runs ``verify_project`` on each several times. It prints a
Markdown table with the median and range of the whole run, the time to healthy (or
to "still running"), the time from SIGTERM to exit, and the image size, and
rewrites the ``verify_timings`` section of BENCHMARKS.md.

Each run builds the project's own layers without cache, because verify removes the
step images it made, so every run measures a full build with npm ci against the
registry, a rebuild after a source change, a start, and a stop.

Usage, from the repository root with an engine running and nodeship importable:
``python benchmarks/verify_timings.py [--runs N] [--no-write]``. The base image
must be present; ``python -m tests.standin.build node:24.11.1-alpine3.22`` makes
it on an engine that cannot pull it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from benchmark_page import format_range, run_header, script_command, write_section
from cookiecutter.main import cookiecutter

from nodeship.verify import verify_project
from nodeship.verify.engine import connect_engine

REPO = Path(__file__).resolve().parent.parent
NODE_VERSION = "24.11.1"
ALPINE_VERSION = "3.22"
BASE_IMAGE = f"node:{NODE_VERSION}-alpine{ALPINE_VERSION}"
MIB = 2**20


def render(output_dir: Path, app_type: str) -> Path:
    """Render the template for ``app_type`` and return the project folder."""
    project = cookiecutter(
        str(REPO / "template"),
        no_input=True,
        output_dir=str(output_dir),
        extra_context={
            "project_name": f"Bench {app_type}",
            "app_type": app_type,
            "node_version": NODE_VERSION,
            "alpine_version": ALPINE_VERSION,
            "ci": "none",
            "install": "yes",
        },
    )
    return Path(project)


def measure(project: Path, runs: int) -> dict[str, list[float]]:
    """Run verify ``runs`` times; return seconds (or MiB) per measured quantity."""
    samples: dict[str, list[float]] = {
        "verify total (s)": [],
        "start to up (s)": [],
        "SIGTERM to exit (s)": [],
        "image size (MiB)": [],
    }
    for _ in range(runs):
        started = time.perf_counter()
        report = verify_project(project)
        samples["verify total (s)"].append(time.perf_counter() - started)
        if not report.passed:
            failed = ", ".join(check.name for check in report.failed_checks)
            sys.exit(f"verify failed on {project}: {failed}")
        startup = report.check("startup").measurements["seconds"]
        shutdown = report.check("graceful_shutdown").measurements["seconds"]
        size = report.check("image_size").measurements["bytes"]
        samples["start to up (s)"].append(float(startup or 0))
        samples["SIGTERM to exit (s)"].append(float(shutdown or 0))
        samples["image size (MiB)"].append(float(size or 0) / MIB)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="verify runs per project")
    parser.add_argument(
        "--no-write",
        action="store_true",
        help="print the section without rewriting BENCHMARKS.md",
    )
    args = parser.parse_args()

    client = connect_engine()
    header = run_header(script_command("verify_timings.py"), client)
    standin = (client.images.get(BASE_IMAGE).labels or {}).get("org.nodeship.standin")
    base_note = "the local stand-in from tests/standin" if standin == "true" else ""

    rows = ["| project | quantity | median (min-max) |", "| --- | --- | ---: |"]
    with tempfile.TemporaryDirectory(prefix="nodeship-bench-") as scratch:
        for app_type in ("api", "worker"):
            project = render(Path(scratch), app_type)
            for quantity, values in measure(project, args.runs).items():
                rows.append(f"| {app_type} | {quantity} | {format_range(values, 2)} |")

    lines = [
        "## nodeship verify on generated projects",
        "",
        *header,
        f"- base image: `{BASE_IMAGE}`" + (f", {base_note}" if base_note else ""),
        "",
        f"{args.runs} runs of `verify_project` per project. There is no baseline in "
        "this section: it records how long the check that users run takes.",
        "",
        *rows,
        "",
        "### Method and reading",
        "",
        "- Each run installs the dependencies from the npm registry, so the totals "
        "include network time.",
        "- The api's time to healthy is bounded below by the template's "
        "`HEALTHCHECK --interval=10s`: Docker runs the first probe one interval "
        "after the start. Engine 20.10's classic builder rejects `--start-interval` "
        '("Unknown flag: start-interval", checked on this engine), so a shorter '
        "wait needs a shorter interval, or an engine whose builder accepts "
        "`--start-interval`.",
        "- The worker counts as up after it has kept running for verify's 3 s "
        "settle time.",
        "- Image sizes depend on the base image: compare them only between runs on "
        "the same base.",
    ]
    print("\n".join(lines))
    if not args.no_write:
        write_section("verify_timings", lines)


if __name__ == "__main__":
    main()
