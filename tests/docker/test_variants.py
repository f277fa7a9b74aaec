"""Build and verify the app variants on a real engine: api frameworks and the cli."""

from __future__ import annotations

from pathlib import Path

import docker
import pytest

from nodeship.verify.verify import verify_project
from tests.docker.conftest import ALPINE_VERSION, NODE_VERSION
from tests.template_support import render

pytestmark = [pytest.mark.docker, pytest.mark.slow]

SERVICE_CHECKS = {"startup", "health_endpoint", "graceful_shutdown"}
CLI_CHECKS = {"cli_version", "cli_default_command"}


def render_variant(output_dir: Path, **variables: str) -> Path:
    """Render a variant with its lockfile, on the base image of the Docker tests."""
    return render(
        output_dir,
        install="yes",
        node_version=NODE_VERSION,
        alpine_version=ALPINE_VERSION,
        **variables,
    )


@pytest.mark.parametrize("framework", ["express", "http"])
def test_api_framework_verifies(
    tmp_path: Path, base_image: str, framework: str
) -> None:
    project = render_variant(tmp_path, app_type="api", framework=framework)

    report = verify_project(project, check_rebuild=False)

    results = {check.name: check for check in report.checks}
    failed = [f"{c.name}: {c.value} {c.detail}" for c in report.checks if c.failed]
    assert failed == []
    assert set(results) >= SERVICE_CHECKS
    assert results["health_endpoint"].value == "200"
    assert results["graceful_shutdown"].measurements["exit_code"] == 0
    assert results["npm_config_warnings"].value == "0"


def test_cli_verifies_with_arguments(tmp_path: Path, base_image: str) -> None:
    project = render_variant(tmp_path, app_type="cli")

    report = verify_project(project)

    results = {check.name: check for check in report.checks}
    failed = [f"{c.name}: {c.value} {c.detail}" for c in report.checks if c.failed]
    assert failed == []
    assert set(results) >= CLI_CHECKS
    assert not SERVICE_CHECKS & set(results)
    assert results["cli_version"].value == "exit code 0, output '1.4.2'"
    assert results["non_root_user"].measurements["uid"] == 1000
    assert results["dependency_layer_cached"].status == "pass"


def test_cli_image_exit_codes(
    tmp_path: Path, base_image: str, docker_client: docker.DockerClient
) -> None:
    project = render_variant(tmp_path, app_type="cli")
    tag = "variants-cli:test"
    docker_client.images.build(path=str(project), tag=tag, rm=True, forcerm=True)
    try:
        greeting = docker_client.containers.run(tag, ["Ada", "Grace"], remove=True)
        assert greeting == b"Hello, Ada!\nHello, Grace!\n"

        with pytest.raises(docker.errors.ContainerError) as raised:
            docker_client.containers.run(tag, ["--no-such-option"], remove=True)
        assert raised.value.exit_status == 2
        assert b"Unknown option '--no-such-option'" in raised.value.stderr
    finally:
        docker_client.images.remove(tag, force=True)


def test_cli_verify_fails_on_wrong_version(tmp_path: Path, base_image: str) -> None:
    project = render_variant(tmp_path, app_type="cli")
    command = project / "src/command.js"
    text = command.read_text()
    command.write_text(text.replace("await readVersion()", "'0.0.0'"))

    report = verify_project(project, check_rebuild=False)

    results = {check.name: check for check in report.checks}
    assert results["cli_version"].failed
    assert "expected the version '1.4.2'" in results["cli_version"].detail
    assert not results["cli_default_command"].failed


@pytest.mark.parametrize(
    "variables",
    [
        {"app_type": "api", "framework": "express", "language": "ts"},
        {"app_type": "cli", "language": "ts"},
    ],
    ids=["ts-express", "ts-cli"],
)
def test_typescript_verifies(
    tmp_path: Path, base_image: str, variables: dict[str, str]
) -> None:
    project = render_variant(tmp_path, **variables)

    report = verify_project(project)

    failed = [f"{c.name}: {c.value} {c.detail}" for c in report.checks if c.failed]
    assert failed == []
    results = {check.name: check for check in report.checks}
    # The deps stage and the build stage each install from the lockfile.
    assert results["dependency_layer_cached"].value == "2 of 2 reused"
    assert results["npm_config_warnings"].value == "0"


def test_typescript_build_with_node_env_production(
    tmp_path: Path, base_image: str, docker_client: docker.DockerClient
) -> None:
    project = render_variant(tmp_path, app_type="worker", language="ts")
    tag = "variants-ts-node-env:test"

    # NODE_ENV=production reaches no stage as a build argument, because the
    # Dockerfile declares no ARG NODE_ENV; the build stage must compile anyway.
    docker_client.images.build(
        path=str(project),
        tag=tag,
        buildargs={"NODE_ENV": "production"},
        rm=True,
        forcerm=True,
    )
    try:
        listing = docker_client.containers.run(
            tag, entrypoint=["ls", "dist"], remove=True
        )
        files = listing.decode().split()
        assert "worker.js" in files
        assert "worker.js.map" in files
        environment = docker_client.images.get(tag).attrs["Config"]["Env"]
        assert "NODE_ENV=production" in environment
    finally:
        docker_client.images.remove(tag, force=True)


def test_typescript_stack_trace_names_source(
    tmp_path: Path, base_image: str, docker_client: docker.DockerClient
) -> None:
    project = render_variant(tmp_path, app_type="cli", language="ts")
    command = project / "src/command.ts"
    text = command.read_text()
    command.write_text(
        text.replace(
            "  if (values.help) {",
            "  if (positionals[0] === 'crash') {\n"
            "    throw new Error('planned failure');\n"
            "  }\n"
            "  if (values.help) {",
        )
    )
    tag = "variants-ts-source-maps:test"
    docker_client.images.build(path=str(project), tag=tag, rm=True, forcerm=True)
    try:
        with pytest.raises(docker.errors.ContainerError) as raised:
            docker_client.containers.run(tag, ["crash"], remove=True)
        assert raised.value.exit_status == 1
        assert b"planned failure" in raised.value.stderr
        assert b"src/command.ts:" in raised.value.stderr
    finally:
        docker_client.images.remove(tag, force=True)
