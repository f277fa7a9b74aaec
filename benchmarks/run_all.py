"""Run every benchmark in turn. Each one rewrites its own section of BENCHMARKS.md.

Usage, from the repository root with nodeship importable, npm on PATH and a Docker
engine running: ``python benchmarks/run_all.py``. Takes about 11 minutes on a
2-core machine (the sum of the scripts' separate runs), most of it in the three
Docker benchmarks.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# In page order. Each script takes --no-write.
SCRIPTS = ("dockerfiles.py", "cli_speed.py", "verify_timings.py", "runtimes.py")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--no-write",
        action="store_true",
        help="print each section without rewriting BENCHMARKS.md",
    )
    args = parser.parse_args()
    extra = ["--no-write"] if args.no_write else []
    for script in SCRIPTS:
        print(f"== {script}", file=sys.stderr, flush=True)
        command = [sys.executable, str(HERE / script), *extra]
        result = subprocess.run(command, cwd=HERE.parent, check=False)
        if result.returncode != 0:
            sys.exit(f"{script} failed with exit code {result.returncode}")


if __name__ == "__main__":
    main()
