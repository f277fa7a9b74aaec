"""scripts/check-tag-free.sh against a real registry, as the generated CI runs it.

Each test starts Debian's ``docker-registry`` (the CNCF Distribution registry) on
a free loopback port with its storage in the test's tmp_path. The image name and
tag come from the generated CI file's meta job, and the guard runs with the
command line of the CI file. The engine builds small ``FROM scratch`` images with
the revision label and pushes them over plain HTTP, which the Docker engine
allows for 127.0.0.0/8 by default.

Both guard tools are covered: ``buildx`` (``docker buildx imagetools inspect``)
and ``docker`` (``docker pull`` through the engine).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import docker.errors
import pytest
import yaml

from tests.template_support import (
    gitlab_script,
    load_gitlab_ci,
    read_key_values,
    render,
    run_github_step,
    run_gitlab_script,
)

pytestmark = pytest.mark.docker

REGISTRY_START_TIMEOUT_SECONDS = 30
REGISTRY_STOP_TIMEOUT_SECONDS = 10
HTTP_TIMEOUT_SECONDS = 5
LOOPBACK = "127.0.0.1"
REPOSITORY_PATH = "AcmeCorp/Orders-API"
MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)
# Where the docker CLI looks for plugins besides $DOCKER_CONFIG/cli-plugins.
SYSTEM_PLUGIN_DIRS = [
    "/usr/local/lib/docker/cli-plugins",
    "/usr/local/libexec/docker/cli-plugins",
    "/usr/lib/docker/cli-plugins",
    "/usr/libexec/docker/cli-plugins",
]
COMMIT_A = "a" * 40
COMMIT_B = "b" * 40
COMMIT_C = "c" * 40
SMALL_DOCKERFILE = """\
FROM scratch
ARG REVISION
ARG VERSION
LABEL org.opencontainers.image.revision="${REVISION}" \\
      org.opencontainers.image.version="${VERSION}"
COPY revision.txt /revision.txt
"""


def unavailable(reason: str) -> None:
    """Skip the test, or fail it when ``CI=true``, as tests/docker/conftest.py does."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true turns this skip into a failure)")
    pytest.skip(reason)


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class LocalRegistry:
    """A ``docker-registry serve`` process on a loopback port, storage on disk."""

    binary: str
    work_dir: Path
    port: int = field(default_factory=free_loopback_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def host(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.work_dir / "registry.log"

    def start(self) -> None:
        """Start the registry and wait until ``GET /v2/`` returns 200."""
        storage = self.work_dir / "storage"
        storage.mkdir(parents=True, exist_ok=True)
        config = self.work_dir / "config.yml"
        config.write_text(
            "version: 0.1\n"
            "log:\n  level: info\n"
            f"storage:\n  filesystem:\n    rootdirectory: {storage}\n"
            f"http:\n  addr: {self.host}\n",
            encoding="utf-8",
        )
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "serve", str(config)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + REGISTRY_START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            if self._api_status() == 200:
                return
            time.sleep(0.2)
        self.stop()
        log_text = self.log_path.read_text(encoding="utf-8", errors="replace")
        raise RuntimeError(
            f"docker-registry did not answer on {self.host} within "
            f"{REGISTRY_START_TIMEOUT_SECONDS}s; its log:\n{log_text[-3000:]}"
        )

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=REGISTRY_STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=REGISTRY_STOP_TIMEOUT_SECONDS)
        self.process = None

    def _api_status(self) -> int | None:
        try:
            with urllib.request.urlopen(
                f"http://{self.host}/v2/", timeout=HTTP_TIMEOUT_SECONDS
            ) as response:
                status: int = response.status
                return status
        except (urllib.error.URLError, OSError):
            return None

    def manifest_digest(self, image_ref: str) -> str | None:
        """Return the digest of the manifest that a tag names, or None if none does."""
        name, _, tag = image_ref.removeprefix(f"{self.host}/").rpartition(":")
        request = urllib.request.Request(
            f"http://{self.host}/v2/{name}/manifests/{tag}",
            method="HEAD",
            headers={"Accept": MANIFEST_TYPES},
        )
        try:
            with urllib.request.urlopen(
                request, timeout=HTTP_TIMEOUT_SECONDS
            ) as response:
                digest: str = response.headers["Docker-Content-Digest"]
                return digest
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            raise


@dataclass
class GuardResult:
    """A finished run of the guard command of a CI file."""

    code: int
    output: str
    publish: str | None


@dataclass
class CiRun:
    """A generated project, its registry, and runs of its CI steps on this engine."""

    provider: str
    tool: str
    project: Path
    registry: LocalRegistry
    client: docker.DockerClient
    docker_config: Path
    work_dir: Path
    pushed: list[str] = field(default_factory=list)

    def image_ref(self, ref: str = "refs/heads/main") -> str:
        """Compute IMAGE:TAG with the meta job of the CI file."""
        if self.provider == "github":
            return self._github_image_ref(ref)
        return self._gitlab_image_ref(ref)

    def _github_image_ref(self, ref: str) -> str:
        steps = _github_jobs(self.project)["meta"]["steps"]
        output_file = self.work_dir / "meta-output"
        output_file.write_text("", encoding="utf-8")
        variables = {
            "GITHUB_ACTIONS": "true",
            "GITHUB_REF": ref,
            "GITHUB_REPOSITORY": REPOSITORY_PATH,
            "GITHUB_OUTPUT": str(output_file),
        }
        for step_id in ("tag", "image"):
            step = next(step for step in steps if step.get("id") == step_id)
            result = run_github_step(step, self.project, variables)
            assert result.returncode == 0, result.stdout + result.stderr
        outputs = read_key_values(output_file)
        return f"{outputs['image']}:{outputs['tag']}"

    def _gitlab_image_ref(self, ref: str) -> str:
        variables = self._gitlab_variables(COMMIT_A)
        tag_prefix = "refs/tags/"
        if ref.startswith(tag_prefix):
            variables["CI_COMMIT_TAG"] = ref.removeprefix(tag_prefix)
        else:
            variables["CI_COMMIT_BRANCH"] = ref.removeprefix("refs/heads/")
        script = gitlab_script(load_gitlab_ci(self.project), "meta")
        result = run_gitlab_script(script, self.project, variables)
        assert result.returncode == 0, result.stdout + result.stderr
        dotenv = read_key_values(self.project / "image.env")
        return f"{dotenv['IMAGE_NAME']}:{dotenv['IMAGE_TAG']}"

    def _gitlab_variables(self, commit: str) -> dict[str, str]:
        return {
            "CI": "true",
            "GITLAB_CI": "true",
            "CI_COMMIT_SHA": commit,
            "CI_DEFAULT_BRANCH": "main",
            "CI_REGISTRY_IMAGE": f"{self.registry.host}/{REPOSITORY_PATH}",
            "DOCKER_CONFIG": str(self.docker_config),
        }

    def check(self, image_ref: str, *, commit: str, run_kind: str) -> GuardResult:
        """Run the guard with the command line of the CI file."""
        output_file = self.work_dir / "guard-output"
        output_file.write_text("", encoding="utf-8")
        if self.provider == "github":
            result = self._run_github_guard(image_ref, commit, run_kind, output_file)
        else:
            result = self._run_gitlab_guard(image_ref, commit, run_kind, output_file)
        lines = output_file.read_text(encoding="utf-8").splitlines()
        assert len(lines) <= 1, lines
        publish = lines[0].removeprefix("publish=") if lines else None
        return GuardResult(result.returncode, result.stdout + result.stderr, publish)

    def _run_github_guard(
        self, image_ref: str, commit: str, run_kind: str, output_file: Path
    ) -> subprocess.CompletedProcess[str]:
        steps = _github_jobs(self.project)["image"]["steps"]
        guard = next(step for step in steps if step.get("id") == "guard")
        command = _with_tool(guard["run"], self.tool)
        variables = {
            "GITHUB_ACTIONS": "true",
            "GITHUB_SHA": commit,
            "GITHUB_OUTPUT": str(output_file),
            "IMAGE_REF": image_ref,
            "RUN_KIND": run_kind,
            "DOCKER_CONFIG": str(self.docker_config),
        }
        return run_github_step({"run": command}, self.project, variables)

    def _run_gitlab_guard(
        self, image_ref: str, commit: str, run_kind: str, output_file: Path
    ) -> subprocess.CompletedProcess[str]:
        script = gitlab_script(load_gitlab_ci(self.project), "publish")
        guard = next(line for line in script if "check-tag-free.sh" in line)
        command = _with_tool(guard, self.tool).replace(
            "--output-file guard.env", f"--output-file {output_file}"
        )
        image_name, _, image_tag = image_ref.rpartition(":")
        variables = {
            **self._gitlab_variables(commit),
            "IMAGE_NAME": image_name,
            "IMAGE_TAG": image_tag,
            "RUN_KIND": run_kind,
        }
        return run_gitlab_script([command], self.project, variables)

    def publish(self, image_ref: str, *, commit: str, run_kind: str) -> GuardResult:
        """Run the guard, then build and push only when it outputs publish=true."""
        result = self.check(image_ref, commit=commit, run_kind=run_kind)
        if result.code == 0 and result.publish == "true":
            self.build_and_push(image_ref, commit=commit)
        return result

    def build_and_push(self, image_ref: str, *, commit: str) -> None:
        context = self.work_dir / f"context-{commit[:8]}"
        context.mkdir(exist_ok=True)
        (context / "Dockerfile").write_text(SMALL_DOCKERFILE, encoding="utf-8")
        (context / "revision.txt").write_text(f"{commit}\n", encoding="utf-8")
        version = image_ref.rpartition("-")[2]
        self.client.images.build(
            path=str(context),
            tag=image_ref,
            buildargs={"REVISION": commit, "VERSION": version},
            rm=True,
        )
        repository, _, tag = image_ref.rpartition(":")
        self.pushed.append(image_ref)
        for chunk in self.client.images.push(
            repository, tag=tag, stream=True, decode=True
        ):
            assert "error" not in chunk, chunk

    def bump_version(self, version: str) -> None:
        package_path = self.project / "package.json"
        package = json.loads(package_path.read_text(encoding="utf-8"))
        package["version"] = version
        package_path.write_text(json.dumps(package, indent=2) + "\n", encoding="utf-8")


def _github_jobs(project: Path) -> dict[str, Any]:
    text = (project / ".github/workflows/ci.yml").read_text(encoding="utf-8")
    jobs: dict[str, Any] = yaml.safe_load(text)["jobs"]
    return jobs


def _with_tool(command: str, tool: str) -> str:
    """Add ``--tool`` to a guard command line, so that each tool is tested.

    Without it, the script picks buildx whenever the plugin is installed.
    """
    assert command.count("scripts/check-tag-free.sh") == 1, command
    return command.replace(
        "scripts/check-tag-free.sh", f"scripts/check-tag-free.sh --tool {tool}"
    )


def _find_buildx_plugin() -> Path | None:
    candidates = [Path.home() / ".docker/cli-plugins"]
    candidates += [Path(folder) for folder in SYSTEM_PLUGIN_DIRS]
    for folder in candidates:
        plugin = folder / "docker-buildx"
        if plugin.is_file():
            return plugin
    return None


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[LocalRegistry]:
    binary = shutil.which("docker-registry")
    if binary is None:
        unavailable(
            "docker-registry is not installed; install Debian's package with "
            "`apt-get install docker-registry`"
        )
    assert binary is not None
    local = LocalRegistry(binary=binary, work_dir=tmp_path / "registry")
    local.start()
    yield local
    local.stop()


@pytest.fixture
def engine_allows_loopback_http(docker_client: docker.DockerClient) -> None:
    """Check that the engine pushes to 127.0.0.1 over plain HTTP."""
    cidrs = docker_client.info()["RegistryConfig"]["InsecureRegistryCIDRs"]
    if "127.0.0.0/8" not in cidrs:
        unavailable(
            f"the Docker engine's insecure registry ranges are {cidrs}, without "
            "127.0.0.0/8, so it cannot push to a plain-HTTP loopback registry"
        )


def make_docker_config(folder: Path, tool: str) -> Path:
    """Create a DOCKER_CONFIG folder; for buildx, with the plugin linked in."""
    folder.mkdir()
    if tool == "buildx":
        plugin = _find_buildx_plugin()
        if plugin is None:
            unavailable(
                "the docker buildx plugin is missing; install Debian's docker-buildx "
                "package or put the plugin in ~/.docker/cli-plugins"
            )
        assert plugin is not None
        (folder / "cli-plugins").mkdir()
        (folder / "cli-plugins/docker-buildx").symlink_to(plugin)
        check = subprocess.run(
            ["docker", "buildx", "version"],
            env={**os.environ, "DOCKER_CONFIG": str(folder)},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if check.returncode != 0:
            unavailable(f"docker buildx does not run: {check.stderr.strip()}")
    return folder


CI_TOOLS = [
    ("github", "buildx"),
    ("github", "docker"),
    ("gitlab", "buildx"),
    ("gitlab", "docker"),
]


@pytest.fixture(params=CI_TOOLS, ids=["-".join(pair) for pair in CI_TOOLS])
def ci_run(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    registry: LocalRegistry,
    docker_client: docker.DockerClient,
    engine_allows_loopback_http: None,
) -> Iterator[CiRun]:
    provider, tool = request.param
    # On GitHub the registry comes from the image answer, which must be lowercase;
    # on GitLab the meta job lowercases $CI_REGISTRY_IMAGE.
    image = f"{registry.host}/acmecorp/orders-api" if provider == "github" else ""
    project = render(
        tmp_path / "render", ci=provider, image=image, project_version="1.2.0"
    )
    run = CiRun(
        provider=provider,
        tool=tool,
        project=project,
        registry=registry,
        client=docker_client,
        docker_config=make_docker_config(tmp_path / "docker-config", tool),
        work_dir=tmp_path,
    )
    yield run
    for image_ref in {*run.pushed, *_local_tags(docker_client, registry)}:
        with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
            docker_client.images.remove(image_ref, force=True)


def _local_tags(client: docker.DockerClient, registry: LocalRegistry) -> list[str]:
    """Tags in the engine that name the registry, such as those `docker pull` made."""
    return [
        tag
        for image in client.images.list()
        for tag in image.tags
        if tag.startswith(f"{registry.host}/")
    ]


@dataclass(frozen=True)
class Published:
    """Version 1.2.0, published from commit A by the first guarded push."""

    run: CiRun
    image_ref: str
    digest: str
    first_check: GuardResult


@pytest.fixture
def published(ci_run: CiRun) -> Published:
    image_ref = ci_run.image_ref("refs/tags/v1.2.0")
    result = ci_run.publish(image_ref, commit=COMMIT_A, run_kind="release")
    assert result.code == 0, result.output
    assert result.publish == "true", result.output
    digest = ci_run.registry.manifest_digest(image_ref)
    assert digest is not None
    return Published(ci_run, image_ref, digest, result)


# The image reference of the CI files


def test_image_ref_from_meta(ci_run: CiRun) -> None:
    image_ref = ci_run.image_ref("refs/tags/v1.2.0")
    assert (
        image_ref == f"{ci_run.registry.host}/acmecorp/orders-api:3.22-v24.11.1-1.2.0"
    )


def test_branch_ref_same_image(ci_run: CiRun) -> None:
    release = ci_run.image_ref("refs/tags/v1.2.0")
    branch = ci_run.image_ref("refs/heads/Dev/Feature-X")
    assert branch == release


# The guard against the registry


def test_first_push_is_free(published: Published) -> None:
    assert published.digest.startswith("sha256:")
    assert "does not exist yet" in published.first_check.output


def test_rerun_same_commit_skips(published: Published) -> None:
    run, image_ref = published.run, published.image_ref
    result = run.publish(image_ref, commit=COMMIT_A, run_kind="release")
    assert result.code == 0, result.output
    assert result.publish == "false"
    assert f"already built from commit {COMMIT_A}" in result.output
    assert run.registry.manifest_digest(image_ref) == published.digest


def test_other_commit_release_fails(published: Published) -> None:
    run, image_ref = published.run, published.image_ref
    result = run.publish(image_ref, commit=COMMIT_B, run_kind="release")
    assert result.code == 1
    assert result.publish is None
    assert "already exists; bump the version in package.json" in result.output
    assert run.registry.manifest_digest(image_ref) == published.digest


def test_other_commit_branch_skips(published: Published) -> None:
    run, image_ref = published.run, published.image_ref
    result = run.publish(image_ref, commit=COMMIT_B, run_kind="branch")
    assert result.code == 0, result.output
    assert result.publish == "false"
    assert "so this branch build is not published" in result.output
    if run.provider == "github":
        assert "::notice::" in result.output
    assert run.registry.manifest_digest(image_ref) == published.digest


def test_bumped_version_is_free(published: Published) -> None:
    run = published.run
    run.bump_version("1.2.1")
    new_ref = run.image_ref("refs/tags/v1.2.1")
    assert new_ref.endswith(":3.22-v24.11.1-1.2.1")

    result = run.publish(new_ref, commit=COMMIT_B, run_kind="release")

    assert result.code == 0, result.output
    assert result.publish == "true"
    new_digest = run.registry.manifest_digest(new_ref)
    assert new_digest is not None
    assert new_digest != published.digest
    assert run.registry.manifest_digest(published.image_ref) == published.digest


def test_registry_down_fails(published: Published) -> None:
    run = published.run
    run.bump_version("1.2.1")
    new_ref = run.image_ref("refs/tags/v1.2.1")
    run.registry.stop()

    result = run.publish(new_ref, commit=COMMIT_C, run_kind="release")

    assert result.code == 1
    assert result.publish is None
    expected = f"Could not check whether {new_ref} exists (tool: {run.tool})"
    assert expected in result.output
    assert "connection refused" in result.output
    run.registry.start()
    assert run.registry.manifest_digest(new_ref) is None
    assert run.registry.manifest_digest(published.image_ref) == published.digest


# The publish job of .gitlab-ci.yml, run whole with plain docker


@pytest.mark.slow
def test_gitlab_publish_job_end_to_end(
    tmp_path: Path,
    registry: LocalRegistry,
    docker_client: docker.DockerClient,
    engine_allows_loopback_http: None,
    base_image: str,
) -> None:
    project = render(
        tmp_path / "render", ci="gitlab", project_version="1.2.0", install="yes"
    )
    config = load_gitlab_ci(project)
    variables = {
        "CI": "true",
        "GITLAB_CI": "true",
        "CI_COMMIT_TAG": "v1.2.0",
        "CI_COMMIT_SHA": COMMIT_A,
        "CI_COMMIT_TIMESTAMP": "2026-12-04T16:12:27+00:00",
        "CI_DEFAULT_BRANCH": "main",
        "CI_PROJECT_URL": "https://gitlab.example.com/AcmeCorp/Orders-API",
        "CI_REGISTRY": registry.host,
        "CI_REGISTRY_IMAGE": f"{registry.host}/{REPOSITORY_PATH}",
        "CI_REGISTRY_USER": "gitlab-ci-token",
        "CI_REGISTRY_PASSWORD": "not-a-real-token",
        "DOCKER_CONFIG": str(make_docker_config(tmp_path / "docker-config", "docker")),
    }
    meta = run_gitlab_script(gitlab_script(config, "meta"), project, variables)
    assert meta.returncode == 0, meta.stdout + meta.stderr
    dotenv = read_key_values(project / "image.env")
    image_ref = f"{dotenv['IMAGE_NAME']}:{dotenv['IMAGE_TAG']}"
    assert image_ref == f"{registry.host}/acmecorp/orders-api:3.22-v24.11.1-1.2.0"
    # The publish job gets the dotenv report and the variables of its tag rule.
    job_variables = {**variables, **dotenv, "RUN_KIND": "release"}
    script = gitlab_script(config, "publish")

    try:
        first = run_gitlab_script(script, project, job_variables)
        assert first.returncode == 0, first.stdout + first.stderr
        digest = registry.manifest_digest(image_ref)
        assert digest is not None

        docker_client.images.remove(image_ref, force=True)
        labels = docker_client.images.pull(image_ref).labels
        assert labels["org.opencontainers.image.revision"] == COMMIT_A
        assert labels["org.opencontainers.image.version"] == "1.2.0"
        assert labels["org.opencontainers.image.source"] == variables["CI_PROJECT_URL"]
        assert (
            labels["org.opencontainers.image.created"]
            == (variables["CI_COMMIT_TIMESTAMP"])
        )

        other_commit = {**job_variables, "CI_COMMIT_SHA": COMMIT_B}
        release = run_gitlab_script(script, project, other_commit)
        assert release.returncode == 1
        assert "bump the version in package.json" in release.stderr
        assert registry.manifest_digest(image_ref) == digest

        branch = run_gitlab_script(
            script, project, {**other_commit, "RUN_KIND": "branch"}
        )
        assert branch.returncode == 0, branch.stdout + branch.stderr
        assert "publish=false" in branch.stdout
        assert registry.manifest_digest(image_ref) == digest
    finally:
        for tag in _local_tags(docker_client, registry):
            with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
                docker_client.images.remove(tag, force=True)
