"""Measure how long ``verify_project`` takes on generated api and worker projects.

Renders one api and one worker project from the template (cookiecutter, with npm
for the lockfile) and runs ``verify_project`` on each several times. It prints a
Markdown table with the median and range of the whole run, the time to healthy (or
to "still running"), the time from SIGTERM to exit, and the image size.

Each run builds the project's own layers without cache, because verify removes the
step images it made, so every run measures a full build with npm ci against the
registry, a rebuild after a source change, a start, and a stop.

Usage, from the repository root with an engine running and nodeship installed:
``python benchmarks/verify_timings.py [--runs N]``. The base image must be present;
``python -m tests.standin.build node:24.11.1-alpine3.22`` makes it on an engine
that cannot pull it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from cookiecutter.main import cookiecutter

from nodeship.verify import verify_project

REPO = Path(__file__).resolve().parent.parent
NODE_VERSION = "24.11.1"
ALPINE_VERSION = "3.22"


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
    """Run verify ``runs`` times; return seconds (or MB) per measured quantity."""
    samples: dict[str, list[float]] = {
        "verify total (s)": [],
        "start to up (s)": [],
        "SIGTERM to exit (s)": [],
        "image size (MB)": [],
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
        samples["image size (MB)"].append(float(size or 0) / 1e6)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="verify runs per project")
    args = parser.parse_args()

    print("| project | quantity | median | min | max |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="nodeship-bench-") as scratch:
        for app_type in ("api", "worker"):
            project = render(Path(scratch), app_type)
            for quantity, values in measure(project, args.runs).items():
                median = statistics.median(values)
                print(
                    f"| {app_type} | {quantity} | {median:.2f} | "
                    f"{min(values):.2f} | {max(values):.2f} |"
                )


if __name__ == "__main__":
    main()
