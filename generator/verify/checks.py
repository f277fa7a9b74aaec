"""Turn what verify measured into pass, fail or info results, one function per check."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from nodeship.verify.build import BuildResult, BuildStep, dependency_install_steps
from nodeship.verify.project import Project
from nodeship.verify.report import CheckResult, Status
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
    """Pass when PID 1 runs with a uid other than 0 and the image sets USER to non-root."""
    user = facts.user or "(unset, so root)"
    value = (
        f"uid {run.process_uid if run.process_uid is not None else '?'}, USER {user}"
    )
    user_is_root = facts.user.split(":")[0] in ("", "0", "root")
    if run.process_uid is None:
        return CheckResult(
            "non_root_user", Status.FAIL, value, "the uid of PID 1 could not be read"
        )
    if run.process_uid == 0 or user_is_root:
        return CheckResult(
            "non_root_user", Status.FAIL, value, "the service runs as root"
        )
    return CheckResult("non_root_user", Status.PASS, value)


def is_secret_or_test_path(path: str) -> bool:
    """Return whether ``path`` (relative to the app folder) must not be in the image.

    Matches ``.env`` files other than ``.env.example``, ``.npmrc``, ``.git``, keys
    (``*.pem``, ``*.key``, ``id_rsa*``) and ``test`` or ``tests`` folders.
    """
    parts = PurePosixPath(path).parts
    name = parts[-1] if parts else ""
    if any(part in (".git", "test", "tests") for part in parts):
        return True
    if name.startswith(".env") and name != ".env.example":
        return True
    return (
        name == ".npmrc" or name.endswith((".pem", ".key")) or name.startswith("id_rsa")
    )


def check_no_secret_files(facts: ImageFacts) -> CheckResult:
    """Fail when the app folder, outside node_modules, holds secrets or tests.

    Packages under node_modules ship their own test folders and fixture keys, which
    come from the registry rather than from the project, so they are not scanned.
    """
    own_files = [
        path for path in facts.app_files if not path.startswith("node_modules")
    ]
    found = [path for path in own_files if is_secret_or_test_path(path)]
    value = f"{len(found)} of {len(own_files)} files in {facts.workdir}"
    if found:
        return CheckResult("no_secret_files", Status.FAIL, value, _list_paths(found))
    return CheckResult("no_secret_files", Status.PASS, value)


def installed_packages(app_files: list[str]) -> list[str]:
    """Return the lockfile keys (``node_modules/x``) of the packages in ``app_files``."""
    packages = []
    for path in app_files:
        match = _PACKAGE_MANIFEST.match(path)
        if match:
            packages.append(match[1].rstrip("/"))
    return sorted(packages)


def check_production_dependencies(facts: ImageFacts, project: Project) -> CheckResult:
    """Fail when node_modules holds a package that only devDependencies need.

    The lockfile marks such packages with ``"dev": true``. Without a lockfile, the
    top-level packages are compared with package.json's devDependencies.
    """
    packages = installed_packages(facts.app_files)
    dev_only = []
    for key in packages:
        entry = project.lock_packages.get(key)
        if entry is not None:
            if entry.get("dev") is True:
                dev_only.append(key)
            continue
        name = key.removeprefix("node_modules/")
        if name in project.dev_dependencies and name not in project.dependencies:
            dev_only.append(key)
    value = f"{len(packages)} packages, {len(dev_only)} dev-only"
    if dev_only:
        return CheckResult(
            "production_dependencies", Status.FAIL, value, _list_paths(dev_only)
        )
    return CheckResult("production_dependencies", Status.PASS, value)


def check_oci_labels(facts: ImageFacts, project: Project) -> CheckResult:
    """Pass when every required OCI label is set and the version matches package.json."""
    missing = [key for key in REQUIRED_LABELS if not facts.labels.get(key, "").strip()]
    present = len(REQUIRED_LABELS) - len(missing)
    value = f"{present} of {len(REQUIRED_LABELS)} set"
    if missing:
        return CheckResult(
            "oci_labels", Status.FAIL, value, "missing: " + ", ".join(missing)
        )
    labelled_version = facts.labels["org.opencontainers.image.version"]
    if labelled_version != project.version:
        return CheckResult(
            "oci_labels",
            Status.FAIL,
            value,
            f"org.opencontainers.image.version is {labelled_version!r}, but "
            f"package.json has {project.version!r}",
        )
    return CheckResult("oci_labels", Status.PASS, value)


def check_image_tag(project: Project) -> CheckResult:
    """Pass when the tag ``<alpine>-v<node>-<version>`` can be computed and is valid."""
    if project.image_tag is None:
        return CheckResult("image_tag", Status.FAIL, "none", project.image_tag_error)
    return CheckResult("image_tag", Status.PASS, project.image_tag)


def check_image_size(facts: ImageFacts) -> list[CheckResult]:
    """Report the image size in MB (10^6 bytes) and the layer count, with no limit."""
    return [
        CheckResult("image_size", Status.INFO, f"{facts.size_bytes / 1e6:.1f} MB"),
        CheckResult("layer_count", Status.INFO, str(facts.layer_count)),
    ]


def check_startup(run: RunResult) -> CheckResult:
    """Pass when the container became healthy (api) or kept running (worker)."""
    if not run.up or run.startup_seconds is None:
        return CheckResult(
            "startup", Status.FAIL, "not up", _with_logs(run.startup_detail, run)
        )
    return CheckResult(
        "startup", Status.PASS, f"{run.startup_seconds:.1f} s", run.startup_detail
    )


def check_health_endpoint(run: RunResult) -> CheckResult:
    """Pass when the health endpoint, called from the host, returned a 2xx status."""
    status = run.health_status
    value = str(status) if status is not None else "no response"
    if status is not None and 200 <= status < 300:
        return CheckResult("health_endpoint", Status.PASS, value, run.health_detail)
    return CheckResult("health_endpoint", Status.FAIL, value, run.health_detail)


def check_shutdown(run: RunResult) -> CheckResult:
    """Pass when SIGTERM stopped the container with exit code 0 in under 2 s."""
    if run.stop_seconds is None:
        exit_code = run.exit_code if run.exit_code is not None else "?"
        return CheckResult(
            "graceful_shutdown",
            Status.FAIL,
            f"not running (exit code {exit_code})",
            "the container had stopped before SIGTERM was sent",
        )
    value = f"{run.stop_seconds:.2f} s, exit code {run.exit_code}"
    if run.exit_code != 0:
        return CheckResult(
            "graceful_shutdown",
            Status.FAIL,
            value,
            _with_logs("a non-zero exit code", run),
        )
    if run.stop_seconds >= MAX_STOP_SECONDS:
        return CheckResult(
            "graceful_shutdown",
            Status.FAIL,
            value,
            f"stopping took {MAX_STOP_SECONDS:g} s or more; the SIGTERM handler is "
            "missing or slow, or node is not PID 1",
        )
    return CheckResult("graceful_shutdown", Status.PASS, value)


def check_dependency_cache(
    first: BuildResult, rebuild: BuildResult | None, changed_file: str | None
) -> CheckResult:
    """Pass when the rebuild after a source change took every install step from cache."""
    if rebuild is None or changed_file is None:
        return CheckResult(
            "dependency_layer_cached",
            Status.INFO,
            "not measured",
            "no source file to change",
        )
    first_steps = dependency_install_steps(first.steps)
    rebuilt_steps = dependency_install_steps(rebuild.steps)
    if not rebuilt_steps:
        return CheckResult(
            "dependency_layer_cached",
            Status.FAIL,
            "no install step",
            "no RUN npm ci step found",
        )
    rebuilt = [step for step in rebuilt_steps if not _reused(step, first_steps)]
    value = f"{len(rebuilt_steps) - len(rebuilt)} of {len(rebuilt_steps)} reused"
    detail = f"after a change to {changed_file}"
    if rebuilt:
        names = "; ".join(
            f"step {step.number} ({step.instruction})" for step in rebuilt
        )
        return CheckResult(
            "dependency_layer_cached", Status.FAIL, value, f"{detail}, rebuilt: {names}"
        )
    return CheckResult("dependency_layer_cached", Status.PASS, value, detail)


def _reused(step: BuildStep, first_steps: list[BuildStep]) -> bool:
    same_layer = any(
        earlier.number == step.number and earlier.image_id == step.image_id
        for earlier in first_steps
    )
    return step.cached and same_layer


def check_npm_config_warnings(build: BuildResult) -> CheckResult:
    """Fail when the build log has ``npm warn config`` lines (deprecated options)."""
    warnings = [line.strip() for line in build.log if _NPM_CONFIG_WARNING.search(line)]
    if warnings:
        return CheckResult(
            "npm_config_warnings",
            Status.FAIL,
            str(len(warnings)),
            _list_paths(warnings),
        )
    return CheckResult("npm_config_warnings", Status.PASS, "0")


def _list_paths(paths: list[str]) -> str:
    listed = ", ".join(paths[:_LISTED_PATHS])
    remaining = len(paths) - _LISTED_PATHS
    return listed + (f" and {remaining} more" if remaining > 0 else "")


def _with_logs(detail: str, run: RunResult) -> str:
    if not run.logs_tail.strip():
        return detail
    return f"{detail}; last container output:\n{run.logs_tail.rstrip()}"
