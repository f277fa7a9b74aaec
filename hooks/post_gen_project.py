"""Finish a rendered project: remove unused files and create the lockfile.

Cookiecutter renders this file with Jinja and runs it with the new project as
the working directory. A non-zero exit makes cookiecutter delete the project.
"""

import shutil
import subprocess
import sys
from pathlib import Path

APP_TYPE = "{{ cookiecutter.app_type }}"
FRAMEWORK = "{{ cookiecutter.framework }}"
LANGUAGE = "{{ cookiecutter.language }}"
CI = "{{ cookiecutter.ci }}"
UPDATES = "{{ cookiecutter.updates }}"
INSTALL = "{{ cookiecutter.install }}"
PROJECT_SLUG = "{{ cookiecutter.project_slug }}"
PACKAGE_MANAGER = "{{ cookiecutter.package_manager }}"
ENV_EXAMPLE = "{{ cookiecutter.env_example }}"

API_ONLY_FILES = [
    "src/app.js",
    "src/healthcheck.js",
    "src/server.js",
    "test/app.test.js",
    "test/server.test.js",
]
WORKER_ONLY_FILES = [
    "src/job.js",
    "src/loop.js",
    "src/worker.js",
    "test/loop.test.js",
    "test/worker.test.js",
]
CLI_ONLY_FILES = [
    "src/cli.js",
    "src/command.js",
    "test/cli.test.js",
    "test/command.test.js",
]
# Files of the long-running services (api and worker), which a cli does not need.
SERVICE_ONLY_FILES = [
    ".env.example",
    "src/config.js",
    "src/logger.js",
    "src/shutdown.js",
    "test/config.test.js",
    "test/shutdown.test.js",
]
# Fastify logs each request itself; express and node:http use this module.
REQUEST_LOG_FILES = ["src/request-log.js"]
FILES_BY_APP_TYPE = {
    "api": API_ONLY_FILES + SERVICE_ONLY_FILES,
    "worker": WORKER_ONLY_FILES + SERVICE_ONLY_FILES,
    "cli": CLI_ONLY_FILES,
}
# Keep these versions equal to "packageManager" in package.json, the Dockerfile and
# the CI files. NOTE: pnpm 12 with a "packageManager" pin records the pnpm
# executables of every platform in pnpm-lock.yaml and failed here on a 404 for
# @pnpm/exe.netbsd-x64, so pnpm stays on 10.x.
PNPM_VERSION = "10.34.8"
YARN_VERSION = "4.18.1"
# The command that writes only the lockfile, without node_modules, per manager.
# pnpm and yarn run through npx, so neither needs a global install.
LOCKFILE_COMMANDS = {
    "npm": [
        "install",
        "--package-lock-only",
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
    ],
    "pnpm": [
        "exec",
        "--yes",
        f"pnpm@{PNPM_VERSION}",
        "--",
        "install",
        "--lockfile-only",
        "--ignore-scripts",
    ],
    "yarn": [
        "exec",
        "--yes",
        f"@yarnpkg/cli-dist@{YARN_VERSION}",
        "--",
        "install",
        "--mode=update-lockfile",
    ],
}
LOCKFILES = {"npm": "package-lock.json", "pnpm": "pnpm-lock.yaml", "yarn": "yarn.lock"}
INSTALL_HINTS = {
    "npm": "npm install",
    "pnpm": f"npx --yes pnpm@{PNPM_VERSION} install",
    "yarn": f"npx --yes @yarnpkg/cli-dist@{YARN_VERSION} install",
}
# npm needs the registry to resolve versions; this bounds a hung connection.
NPM_TIMEOUT_SECONDS = 600
NPM_OUTPUT_LINES_SHOWN = 20


def remove_unused_files() -> None:
    """Delete the files of the app type, CI, update bot and extras not chosen."""
    used = set(FILES_BY_APP_TYPE[APP_TYPE])
    if APP_TYPE == "api" and FRAMEWORK != "fastify":
        used.update(REQUEST_LOG_FILES)
    every_file = {name for files in FILES_BY_APP_TYPE.values() for name in files}
    for name in sorted(every_file.union(REQUEST_LOG_FILES) - used):
        Path(name).unlink()
        # Each source file also exists as TypeScript, removed along with it.
        Path(name).with_suffix(".ts").unlink(missing_ok=True)

    if PACKAGE_MANAGER != "yarn":
        Path(".yarnrc.yml").unlink()
    if ENV_EXAMPLE != "yes":
        Path(".env.example").unlink(missing_ok=True)

    if CI != "github":
        shutil.rmtree(".github/workflows")
    if CI != "gitlab":
        Path(".gitlab-ci.yml").unlink()
    if UPDATES != "dependabot":
        Path(".github/dependabot.yml").unlink()
    if UPDATES != "renovate":
        Path("renovate.json").unlink()
    # .github holds only the workflows and dependabot.yml.
    if not any(Path(".github").iterdir()):
        Path(".github").rmdir()


def create_lockfile() -> int:
    """Run the package manager to write its lockfile and return the exit code."""
    npm = shutil.which("npm")
    if npm is None:
        print(
            f"npm is not on PATH, so {LOCKFILES[PACKAGE_MANAGER]} was not created. "
            f"Run `cd {PROJECT_SLUG} && {INSTALL_HINTS[PACKAGE_MANAGER]}` "
            "before building the image."
        )
        return 0

    try:
        result = subprocess.run(
            [npm, *LOCKFILE_COMMANDS[PACKAGE_MANAGER]],
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        print(
            f"{PACKAGE_MANAGER} install timed out after {NPM_TIMEOUT_SECONDS} s.",
            file=sys.stderr,
        )
        return 1

    if PACKAGE_MANAGER == "yarn":
        # The install state that Yarn writes to .yarn/ is not needed.
        shutil.rmtree(".yarn", ignore_errors=True)

    if result.returncode != 0:
        output_lines = (result.stdout + result.stderr).splitlines()
        print(
            f"{PACKAGE_MANAGER} install failed with exit code {result.returncode}:",
            *output_lines[-NPM_OUTPUT_LINES_SHOWN:],
            sep="\n",
            file=sys.stderr,
        )
        return 1
    return 0


def keep_language_sources() -> None:
    """Delete the sources of the language not chosen: src/*.ts or src/*.js.

    The template has each file under src/ in both languages; the tests, scripts
    and configuration stay JavaScript either way.
    """
    unused_suffix = ".js" if LANGUAGE == "ts" else ".ts"
    for path in sorted(Path("src").glob("*" + unused_suffix)):
        path.unlink()
    if LANGUAGE != "ts":
        Path("tsconfig.json").unlink()


def main() -> int:
    remove_unused_files()
    keep_language_sources()
    if INSTALL == "yes":
        return create_lockfile()
    return 0


if __name__ == "__main__":
    sys.exit(main())
