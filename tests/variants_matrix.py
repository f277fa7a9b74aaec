"""Run the full matrix of app variants: render, install, test, lint, build, verify.

Usage: PYTHONPATH=<folder with nodeship> python -m tests.variants_matrix [--no-verify]
[--only NAME ...] [--apk-extras]

Each combination of app type, api framework, language, runtime (default, slim) and
package manager (npm, pnpm, yarn) is rendered with GitHub CI, installed with the
manager's frozen install from the lockfile the post-generation hook wrote, and run
through its test and lint scripts, hadolint, actionlint and check-jsonschema.
--apk-extras adds --native-deps, --init and --tz to every combination; their
`apk add` lines need Alpine's package servers, so the build fails on the offline
stand-in base image.
Unless --no-verify is given, `nodeship verify` then builds and checks its image on
the Docker engine. The script prints one line per step and exits 1 when any step
failed. The pytest suites cover a bounded subset of the same matrix.
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.template_support import render, run_tool

# RUNNERS runs each manager through npx at the version pinned in the template.
from tests.test_package_managers import RUNNERS

FRAMEWORKS = ("fastify", "express", "http")
LANGUAGES = ("js", "ts")
RUNTIMES = ("default", "slim")
MANAGERS = ("npm", "pnpm", "yarn")
APK_EXTRAS = {"native_deps": "yes", "init": "yes", "tz": "Europe/Berlin"}
# The frozen install of each manager: it fails when the lockfile is out of date.
FROZEN_INSTALL = {
    "npm": ["ci", "--no-audit", "--no-fund"],
    "pnpm": ["install", "--frozen-lockfile"],
    "yarn": ["install", "--immutable"],
}


def _apps() -> dict[str, dict[str, str]]:
    apps: dict[str, dict[str, str]] = {}
    for framework, language in itertools.product(FRAMEWORKS, LANGUAGES):
        apps[f"api-{framework}-{language}"] = {
            "app_type": "api",
            "framework": framework,
            "language": language,
        }
    for app_type, language in itertools.product(("worker", "cli"), LANGUAGES):
        apps[f"{app_type}-{language}"] = {"app_type": app_type, "language": language}
    return apps


def matrix() -> dict[str, dict[str, str]]:
    """Return every combination, keyed by a name like ``api-express-ts-slim-pnpm``."""
    combinations: dict[str, dict[str, str]] = {}
    for (app, variables), runtime, manager in itertools.product(
        _apps().items(), RUNTIMES, MANAGERS
    ):
        name = f"{app}-{runtime}-{manager}"
        combinations[name] = {
            **variables,
            "runtime": runtime,
            "package_manager": manager,
        }
    return combinations


def project_steps(manager: str, verify: bool) -> list[tuple[str, list[str]]]:
    """Return (step name, command) pairs run in each rendered project, in order."""
    run = RUNNERS[manager]
    steps = [
        (f"{manager} install", [*run, *FROZEN_INSTALL[manager]]),
        ("test", [*run, "run", "test"]),
        ("lint", [*run, "run", "lint"]),
        ("hadolint", ["hadolint", "Dockerfile"]),
        ("actionlint", ["actionlint", ".github/workflows/ci.yml"]),
        (
            "workflow schema",
            [
                "check-jsonschema",
                "--builtin-schema",
                "vendor.github-workflows",
                ".github/workflows/ci.yml",
            ],
        ),
    ]
    if verify:
        steps.append(("nodeship verify", [sys.executable, "-m", "nodeship", "verify"]))
    return steps


def run_combination(
    name: str, variables: dict[str, str], folder: Path, verify: bool
) -> bool:
    """Render one combination and run every step; return whether all passed."""
    # Each combination gets its own name, so its image tag differs from the
    # others' and two runs of this script can share an engine.
    project = render(
        folder / name,
        install="yes",
        ci="github",
        project_slug=name,
        package_name=name,
        **variables,
    )
    passed = True
    for step, command in project_steps(variables["package_manager"], verify):
        started = time.monotonic()
        result = run_tool(command, cwd=project)
        seconds = time.monotonic() - started
        status = "pass" if result.returncode == 0 else "FAIL"
        print(f"{name:30} {step:16} {status} ({seconds:.1f} s)", flush=True)
        if result.returncode != 0:
            passed = False
            output = (result.stdout + result.stderr).strip().splitlines()
            print("\n".join("    " + line for line in output[-30:]), flush=True)
            if step.endswith(" install"):
                return False
    return passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--no-verify", action="store_true", help="skip the Docker build and verify"
    )
    parser.add_argument(
        "--only", nargs="+", metavar="NAME", help="run only these combinations"
    )
    parser.add_argument(
        "--apk-extras",
        action="store_true",
        help="add --native-deps, --init and --tz (needs Alpine's package servers)",
    )
    options = parser.parse_args(argv)

    combinations = matrix()
    if options.apk_extras:
        combinations = {name: {**v, **APK_EXTRAS} for name, v in combinations.items()}
    unknown = sorted(set(options.only or []) - set(combinations))
    if unknown:
        parser.error(f"unknown combinations {unknown}; valid: {list(combinations)}")
    selected = options.only or list(combinations)

    failed = []
    with tempfile.TemporaryDirectory(prefix="nodeship-matrix-") as scratch:
        for name in selected:
            try:
                ok = run_combination(
                    name, combinations[name], Path(scratch), not options.no_verify
                )
            except (subprocess.SubprocessError, OSError) as error:
                print(f"{name:30} failed: {error}", flush=True)
                ok = False
            if not ok:
                failed.append(name)

    print(f"{len(selected) - len(failed)} of {len(selected)} combinations passed")
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
