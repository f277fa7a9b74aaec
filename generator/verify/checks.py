"""Turn what verify measured into pass, fail or info results, one function per check."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from nodeship.verify.build import BuildResult, BuildStep, dependency_install_steps
from nodeship.verify.cli_run import CliRun, CliRuns
from nodeship.verify.project import Project
from nodeship.verify.report import CheckResult, Measurements, Status
from nodeship.verify.run import RunResult

REQUIRED_LABELS = tuple(
    f"org.opencontainers.image.{key}"
    for key in ("version", "revision", "source", "created", "title")
)
# `docker stop` counts as fast below this many seconds.
MAX_STOP_SECONDS = 2.0
# How many offending paths a failed check names in its detail.
_LISTED_PATHS = 10
# node_modules/<name>/package.json, node_modules/@scope/name/package.json, and the
# same nested under another package's node_modules.
_PACKAGE_MANIFEST = re.compile(r"^((?:node_modules/(?:@[^/]+/)?[^/]+/)+)package\.json$")
_NPM_CONFIG_WARNING = re.compile(r"npm warn config", re.IGNORECASE)


@dataclass(frozen=True)
class ImageFacts:
    """Facts read from ``docker image inspect`` and the app folder of a container."""

    size_bytes: int
    layer_count: int
    user: str
    labels: dict[str, str]
    workdir: str
    app_files: list[str]

    @classmethod
    def from_inspect(
        cls, attributes: dict[str, Any], app_files: list[str]
    ) -> ImageFacts:
        config = attributes.get("Config") or {}
        return cls(
            size_bytes=int(attributes.get("Size", 0)),
            layer_count=len((attributes.get("RootFS") or {}).get("Layers") or []),
            user=str(config.get("User") or ""),
            labels=dict(config.get("Labels") or {}),
            workdir=str(config.get("WorkingDir") or "/"),
            app_files=app_files,
        )


def check_non_root(facts: ImageFacts, run: RunResult) -> CheckResult:
    """Pass when PID 1 runs with a uid other than 0 and USER names a non-root user."""
    name = "non_root_user"
    uid = run.process_uid
    user = facts.user or "(unset, so root)"
    value = f"uid {uid if uid is not None else '?'}, USER {user}"
    measurements: Measurements = {"uid": uid, "user": facts.user}
    user_is_root = facts.user.split(":")[0] in ("", "0", "root")
    if uid is None:
        detail = "the uid of PID 1 could not be read"
    elif uid == 0 or user_is_root:
        detail = "the service runs as root"
    else:
        return CheckResult(name, Status.PASS, value, "", measurements)
    return CheckResult(name, Status.FAIL, value, detail, measurements)


# OpenSSH's default private key names. ssh-keygen writes the public key to NAME.pub.
_SSH_PRIVATE_KEY_PREFIXES = ("id_ed25519", "id_ecdsa", "id_dsa")


def is_secret_or_test_path(path: str) -> bool:
    """Return whether ``path`` (relative to the app folder) must not be in the image.

    Matches ``.env`` files other than ``.env.example``, ``.npmrc``, ``.git``, keys
    and key stores (``*.pem``, ``*.key``, ``*.p12``, ``*.pfx``, ``id_rsa*``, and
    ``id_ed25519*``, ``id_ecdsa*``, ``id_dsa*`` other than their ``.pub`` public
    keys) and ``test`` or ``tests`` folders.
    """
    parts = PurePosixPath(path).parts
    name = parts[-1] if parts else ""
    if any(part in (".git", "test", "tests") for part in parts):
        return True
    if name.startswith(".env") and name != ".env.example":
        return True
    if name == ".npmrc" or name.startswith("id_rsa"):
        return True
    # NOTE: id_rsa* also matches id_rsa.pub, which is a public key, but the
    # other key names below leave their .pub files out.
    if name.startswith(_SSH_PRIVATE_KEY_PREFIXES) and not name.endswith(".pub"):
        return True
    return name.endswith((".pem", ".key", ".p12", ".pfx"))


def check_no_secret_files(facts: ImageFacts) -> CheckResult:
    """Fail when the app folder, outside node_modules, contains secrets or tests.

    Packages under node_modules ship their own test folders and fixture keys, which
    come from the registry rather than from the project, so they are not scanned.
    """
    name = "no_secret_files"
    own_files = [
        path for path in facts.app_files if not path.startswith("node_modules")
    ]
    found = [path for path in own_files if is_secret_or_test_path(path)]
    value = f"{len(found)} of {len(own_files)} files in {facts.workdir}"
    measurements: Measurements = {"found": len(found), "scanned": len(own_files)}
    if found:
        return CheckResult(name, Status.FAIL, value, _list(found), measurements)
    return CheckResult(name, Status.PASS, value, "", measurements)


def installed_packages(app_files: list[str]) -> list[str]:
    """Return the lockfile keys (``node_modules/x``) of the packages installed."""
    packages = []
    for path in app_files:
        match = _PACKAGE_MANIFEST.match(path)
        if match:
            packages.append(match[1].rstrip("/"))
    return sorted(packages)


def check_production_dependencies(facts: ImageFacts, project: Project) -> CheckResult:
    """Fail when node_modules contains a package that only devDependencies need.

    The lockfile marks such packages with ``"dev": true``. Packages the lockfile
    does not list are compared with package.json's devDependencies by name.
    """
    name = "production_dependencies"
    packages = installed_packages(facts.app_files)
    dev_only = []
    for key in packages:
        entry = project.lock_packages.get(key)
        if entry is not None:
            if entry.get("dev") is True:
                dev_only.append(key)
            continue
        package_name = key.rsplit("node_modules/", 1)[-1]
        is_dev = package_name in project.dev_dependencies
        if is_dev and package_name not in project.dependencies:
            dev_only.append(key)
    value = f"{len(packages)} packages, {len(dev_only)} dev-only"
    measurements: Measurements = {"packages": len(packages), "dev_only": len(dev_only)}
    if dev_only:
        return CheckResult(name, Status.FAIL, value, _list(dev_only), measurements)
    return CheckResult(name, Status.PASS, value, "", measurements)


def check_oci_labels(facts: ImageFacts, project: Project) -> CheckResult:
    """Pass when each required OCI label is set and the version matches package.json."""
    name = "oci_labels"
    missing = [key for key in REQUIRED_LABELS if not facts.labels.get(key, "").strip()]
    value = f"{len(REQUIRED_LABELS) - len(missing)} of {len(REQUIRED_LABELS)} set"
    if missing:
        return CheckResult(name, Status.FAIL, value, "missing: " + ", ".join(missing))
    labelled_version = facts.labels["org.opencontainers.image.version"]
    if labelled_version != project.version:
        detail = (
            f"org.opencontainers.image.version is {labelled_version!r}, but "
            f"package.json has {project.version!r}"
        )
        return CheckResult(name, Status.FAIL, value, detail)
    return CheckResult(name, Status.PASS, value)


def check_image_tag(project: Project) -> CheckResult:
    """Pass when the tag ``<alpine>-v<node>-<version>`` can be computed and is valid."""
    if project.image_tag is None:
        return CheckResult("image_tag", Status.FAIL, "none", project.image_tag_error)
    return CheckResult("image_tag", Status.PASS, project.image_tag)


def check_image_size(facts: ImageFacts) -> list[CheckResult]:
    """Report the image size in MB (10^6 bytes) and the layer count, with no limit."""
    size = CheckResult(
        "image_size",
        Status.INFO,
        f"{facts.size_bytes / 1e6:.1f} MB",
        measurements={"bytes": facts.size_bytes},
    )
    layers = CheckResult(
        "layer_count",
        Status.INFO,
        str(facts.layer_count),
        measurements={"layers": facts.layer_count},
    )
    return [size, layers]


def check_startup(run: RunResult) -> CheckResult:
    """Pass when the container became healthy (api) or kept running (worker)."""
    measurements: Measurements = {"seconds": run.startup_seconds}
    if not run.up or run.startup_seconds is None:
        detail = _with_logs(run.startup_detail, run)
        return CheckResult("startup", Status.FAIL, "not up", detail, measurements)
    value = f"{run.startup_seconds:.1f} s"
    return CheckResult("startup", Status.PASS, value, run.startup_detail, measurements)


def check_health_endpoint(run: RunResult) -> CheckResult:
    """Pass when the health endpoint, called from the host, returned a 2xx status."""
    status = run.health_status
    value = str(status) if status is not None else "no response"
    ok = status is not None and 200 <= status < 300
    return CheckResult(
        "health_endpoint",
        Status.PASS if ok else Status.FAIL,
        value,
        run.health_detail,
        {"status": status},
    )


def check_shutdown(run: RunResult) -> CheckResult:
    """Pass when SIGTERM stopped the container with exit code 0 in under 2 s."""
    name = "graceful_shutdown"
    measurements: Measurements = {
        "seconds": run.stop_seconds,
        "exit_code": run.exit_code,
    }
    if run.stop_seconds is None:
        exit_code = run.exit_code if run.exit_code is not None else "?"
        value = f"not running (exit code {exit_code})"
        detail = "the container had stopped before SIGTERM was sent"
        return CheckResult(name, Status.FAIL, value, detail, measurements)

    value = f"{run.stop_seconds:.2f} s, exit code {run.exit_code}"
    if run.exit_code != 0:
        detail = _with_logs(f"exit code {run.exit_code}, expected 0", run)
    elif run.stop_seconds >= MAX_STOP_SECONDS:
        detail = (
            f"stopping took {MAX_STOP_SECONDS:g} s or more: the SIGTERM handler is "
            "missing or slow, or node is not PID 1"
        )
    else:
        return CheckResult(name, Status.PASS, value, "", measurements)
    return CheckResult(name, Status.FAIL, value, detail, measurements)


def check_dependency_cache(
    first: BuildResult, rebuild: BuildResult | None, changed_file: str | None
) -> CheckResult:
    """Pass when the rebuild after a source change took each install step from cache."""
    name = "dependency_layer_cached"
    if rebuild is None or changed_file is None:
        return CheckResult(
            name, Status.INFO, "not measured", "no source file to change"
        )
    first_steps = dependency_install_steps(first.steps)
    rebuilt_steps = dependency_install_steps(rebuild.steps)
    if not rebuilt_steps:
        detail = "no RUN step installs dependencies (npm ci, npm install, ...)"
        return CheckResult(name, Status.FAIL, "no install step", detail)

    rebuilt = [step for step in rebuilt_steps if not _reused(step, first_steps)]
    reused_count = len(rebuilt_steps) - len(rebuilt)
    value = f"{reused_count} of {len(rebuilt_steps)} reused"
    measurements: Measurements = {
        "reused": reused_count,
        "install_steps": len(rebuilt_steps),
        "changed_file": changed_file,
    }
    detail = f"after a change to {changed_file}"
    if rebuilt:
        steps = "; ".join(
            f"step {step.number} ({step.instruction})" for step in rebuilt
        )
        detail = f"{detail}, rebuilt: {steps}"
        return CheckResult(name, Status.FAIL, value, detail, measurements)
    return CheckResult(name, Status.PASS, value, detail, measurements)


def _reused(step: BuildStep, first_steps: list[BuildStep]) -> bool:
    same_layer = any(
        earlier.number == step.number and earlier.image_id == step.image_id
        for earlier in first_steps
    )
    return step.cached and same_layer


def check_npm_config_warnings(build: BuildResult) -> CheckResult:
    """Fail when the build log has ``npm warn config`` lines (deprecated options)."""
    name = "npm_config_warnings"
    warnings = [line.strip() for line in build.log if _NPM_CONFIG_WARNING.search(line)]
    measurements: Measurements = {"warnings": len(warnings)}
    if warnings:
        value = str(len(warnings))
        return CheckResult(name, Status.FAIL, value, _list(warnings), measurements)
    return CheckResult(name, Status.PASS, "0", "", measurements)


def check_cli_version(runs: CliRuns, project: Project) -> CheckResult:
    """Pass when ``IMAGE --version`` exits 0 and prints the package.json version."""
    name = "cli_version"
    run = runs.version
    measurements = _cli_measurements(run)
    printed = run.stdout.strip()
    value = f"exit code {_exit_code_text(run)}, output {printed!r}"
    if run.exit_code != 0:
        detail = _cli_detail(run, "expected exit code 0")
    elif printed != project.version:
        detail = _cli_detail(run, f"expected the version {project.version!r}")
    else:
        return CheckResult(name, Status.PASS, value, run.detail, measurements)
    return CheckResult(name, Status.FAIL, value, detail, measurements)


def check_cli_default_command(runs: CliRuns) -> CheckResult:
    """Pass when the image run with no arguments exits 0 and prints something."""
    name = "cli_default_command"
    run = runs.default_command
    measurements = _cli_measurements(run)
    value = f"exit code {_exit_code_text(run)}, {len(run.stdout)} characters"
    if run.exit_code != 0:
        detail = _cli_detail(run, "expected exit code 0")
    elif not run.stdout.strip():
        detail = _cli_detail(run, "expected output on stdout, such as the help")
    else:
        return CheckResult(name, Status.PASS, value, run.detail, measurements)
    return CheckResult(name, Status.FAIL, value, detail, measurements)


def _cli_measurements(run: CliRun) -> Measurements:
    return {
        "arguments": " ".join(run.arguments),
        "exit_code": run.exit_code,
        "seconds": run.seconds,
    }


def _exit_code_text(run: CliRun) -> str:
    return "none" if run.exit_code is None else str(run.exit_code)


def _cli_detail(run: CliRun, expectation: str) -> str:
    arguments = " ".join(run.arguments) or "(no arguments)"
    output = (run.stdout + run.stderr).strip()[-2000:]
    detail = f"run with {arguments}: {run.detail}; {expectation}"
    return f"{detail}; output:\n{output}" if output else detail


def _list(items: list[str]) -> str:
    listed = ", ".join(items[:_LISTED_PATHS])
    remaining = len(items) - _LISTED_PATHS
    return listed + (f" and {remaining} more" if remaining > 0 else "")


def _with_logs(detail: str, run: RunResult) -> str:
    if not run.logs_tail.strip():
        return detail
    return f"{detail}; last container output:\n{run.logs_tail.rstrip()}"
