"""verify's parsing and check logic on fixed inputs; these need no Docker engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nodeship.errors import InvalidInputError
from nodeship.verify import compute_image_tag
from nodeship.verify.build import BuildResult, BuildStep, _BuildLogParser
from nodeship.verify.checks import (
    ImageFacts,
    check_dependency_cache,
    check_no_secret_files,
    check_production_dependencies,
    check_shutdown,
    installed_packages,
    is_secret_or_test_path,
)
from nodeship.verify.dockerfile import parse_dockerfile
from nodeship.verify.project import Project, load_project
from nodeship.verify.report import ProgressEvent, Status
from nodeship.verify.run import RunResult

PACKAGE_JSON = json.dumps({"name": "orders-api", "version": "1.4.2"})

MULTI_STAGE = """\
# syntax comment lines are skipped
ARG NODE=24.11.1
ARG ALPINE=3.22
FROM node:${NODE}-alpine$ALPINE AS deps
RUN npm ci \\
      --omit=dev
FROM deps AS build
RUN echo build
FROM --platform=linux/amd64 node:24.11.1-alpine3.22 AS runtime
ARG VERSION=0.0.0
ARG CREATED
EXPOSE 8080/tcp 9090
CMD ["node", "src/server.js"]
"""


def test_image_tag_from_last_from() -> None:
    dockerfile = "FROM golang:1.23-alpine3.19 AS a\nFROM node:24.11.1-alpine3.22\n"
    assert compute_image_tag(dockerfile, PACKAGE_JSON) == "3.22-v24.11.1-1.4.2"


def test_image_tag_rejects_node_stages_that_differ() -> None:
    dockerfile = "FROM node:20.1.0-alpine3.19 AS a\nFROM node:24.11.1-alpine3.22\n"
    with pytest.raises(InvalidInputError, match="different node images"):
        compute_image_tag(dockerfile, PACKAGE_JSON)


def test_image_tag_accepts_registry_prefix_and_digest() -> None:
    digest = "a" * 64
    dockerfile = f"FROM docker.io/library/node:24.11.1-alpine3.22@sha256:{digest}\n"
    assert compute_image_tag(dockerfile, PACKAGE_JSON) == "3.22-v24.11.1-1.4.2"


@pytest.mark.parametrize(
    ("dockerfile", "package_json", "message"),
    [
        ("FROM node:24-alpine\n", PACKAGE_JSON, "node:<major.minor.patch>"),
        ("FROM debian:12\n", PACKAGE_JSON, "debian:12"),
        ("# no instructions\n", PACKAGE_JSON, "no FROM"),
        ("FROM node:24.11.1-alpine3.22\n", "{}", "no version"),
        ("FROM node:24.11.1-alpine3.22\n", "[1]", "not a JSON object"),
        (
            "FROM node:24.11.1-alpine3.22\n",
            json.dumps({"version": "1.0.0+build.5"}),
            "invalid",
        ),
    ],
)
def test_image_tag_rejects_bad_input(
    dockerfile: str, package_json: str, message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message.replace("+", r"\+")):
        compute_image_tag(dockerfile, package_json)


def test_dockerfile_stages_and_base_images() -> None:
    parsed = parse_dockerfile(MULTI_STAGE)
    assert [stage.name for stage in parsed.stages] == ["deps", "build", "runtime"]
    assert parsed.stages[0].image == "node:24.11.1-alpine3.22"
    assert parsed.base_images() == ["node:24.11.1-alpine3.22"]


def test_dockerfile_continuation_lines_joined() -> None:
    parsed = parse_dockerfile(MULTI_STAGE)
    run = parsed.stages[0].instructions[0]
    assert run.keyword == "RUN"
    assert run.arguments == "npm ci  --omit=dev"


def test_dockerfile_ports_and_args() -> None:
    parsed = parse_dockerfile(MULTI_STAGE)
    assert parsed.exposed_ports() == [8080, 9090]
    assert parsed.arg_names == {"NODE", "ALPINE", "VERSION", "CREATED"}


def test_dockerfile_scratch_is_no_base_image() -> None:
    parsed = parse_dockerfile("FROM scratch\nCOPY x /\n")
    assert parsed.base_images() == []


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (".env", True),
        (".env.production", True),
        ("src/.env.local", True),
        (".env.example", False),
        (".npmrc", True),
        ("key.pem", True),
        ("certs/server.key", True),
        ("id_rsa", True),
        ("id_rsa.pub", True),
        ("src/id_ed25519", True),
        ("id_ed25519_deploy", True),
        ("id_ed25519.pub", False),
        ("id_ecdsa", True),
        ("id_ecdsa_sk", True),
        ("id_ecdsa.pub", False),
        ("id_dsa", True),
        ("id_dsa.pub", False),
        ("certs/client.p12", True),
        ("certs/server.pfx", True),
        (".git", True),
        (".git/config", True),
        ("test", True),
        ("tests/app.test.js", True),
        ("src/server.js", False),
        ("src/testing.js", False),
        ("package.json", False),
        ("src/keyboard.js", False),
    ],
)
def test_secret_path_matching(path: str, expected: bool) -> None:
    assert is_secret_or_test_path(path) is expected


def _facts(app_files: list[str]) -> ImageFacts:
    return ImageFacts(
        size_bytes=0,
        layer_count=0,
        user="1000:1000",
        labels={},
        workdir="/app",
        app_files=app_files,
    )


def test_secret_scan_skips_node_modules() -> None:
    files = ["package.json", "node_modules/x/test/key.pem", "node_modules/x/.npmrc"]
    result = check_no_secret_files(_facts(files))
    assert result.status is Status.PASS
    assert result.measurements == {"found": 0, "scanned": 1}


def test_secret_scan_names_found_files() -> None:
    result = check_no_secret_files(_facts(["src/server.js", "src/.env", "key.pem"]))
    assert result.status is Status.FAIL
    assert "src/.env" in result.detail
    assert "key.pem" in result.detail


def test_installed_packages_nested_and_scoped() -> None:
    files = [
        "node_modules/.package-lock.json",
        "node_modules/fastify/package.json",
        "node_modules/fastify/lib/sub/package.json",
        "node_modules/@scope/pkg/package.json",
        "node_modules/a/node_modules/b/package.json",
        "node_modules/.bin/x",
    ]
    assert installed_packages(files) == [
        "node_modules/@scope/pkg",
        "node_modules/a/node_modules/b",
        "node_modules/fastify",
    ]


def _project(tmp_path: Path, lock_packages: dict[str, object]) -> Project:
    (tmp_path / "package.json").write_text(
        json.dumps(
            {
                "name": "p",
                "version": "1.0.0",
                "dependencies": {"fastify": "^5"},
                "devDependencies": {"eslint": "^10", "shared": "^1"},
            }
        )
    )
    (tmp_path / "package-lock.json").write_text(
        json.dumps({"lockfileVersion": 3, "packages": lock_packages})
    )
    (tmp_path / "Dockerfile").write_text("FROM node:24.11.1-alpine3.22\n")
    return load_project(tmp_path)


def test_dev_dependency_found_by_lockfile(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        {
            "node_modules/fastify": {"version": "5.0.0"},
            "node_modules/eslint": {"version": "10.0.0", "dev": True},
            "node_modules/eslint/node_modules/x": {"version": "1.0.0", "dev": True},
        },
    )
    files = [
        "node_modules/fastify/package.json",
        "node_modules/eslint/package.json",
        "node_modules/eslint/node_modules/x/package.json",
    ]
    result = check_production_dependencies(_facts(files), project)
    assert result.status is Status.FAIL
    assert result.measurements == {"packages": 3, "dev_only": 2}
    assert "node_modules/eslint" in result.detail


def test_shared_dependency_not_dev_only(tmp_path: Path) -> None:
    # "shared" is a devDependency, but the lockfile records that a production package
    # needs it too, so npm ci --omit=dev installs it.
    project = _project(
        tmp_path,
        {
            "node_modules/fastify": {"version": "5.0.0"},
            "node_modules/shared": {"version": "1.0.0"},
        },
    )
    files = ["node_modules/fastify/package.json", "node_modules/shared/package.json"]
    result = check_production_dependencies(_facts(files), project)
    assert result.status is Status.PASS


def test_dev_dependency_found_without_lockfile(tmp_path: Path) -> None:
    project = _project(tmp_path, {})
    files = ["node_modules/eslint/package.json"]
    result = check_production_dependencies(_facts(files), project)
    assert result.status is Status.FAIL


def test_build_log_parser_split_chunks() -> None:
    events: list[ProgressEvent] = []
    parser = _BuildLogParser(events.append)
    stream = [
        "Step 1/3 : FROM node:24.11.1-alpine3.22\n ---> 0123456789ab\n",
        "Step 2/3 : RUN npm ci\n ---> Using cache\n ---> abcdef0",
        "12345\nStep 3/3 : RUN echo hi\n ---> Running in 111111111111\n",
        "\x1b[0mhi\n\x1b[0mRemoving intermediate container 111111111111\n",
        " ---> fedcba987654\n",
    ]
    for chunk in stream:
        parser.feed(chunk)
    parser.close()

    steps = parser.steps
    assert [step.number for step in steps] == [1, 2, 3]
    assert steps[1].cached is True
    assert steps[1].image_id == "abcdef012345"
    assert steps[2].cached is False
    assert steps[2].output == ["hi"]
    assert [event.kind for event in events].count("step") == 3
    assert "\x1b" not in "".join(parser.lines)


def _build(*steps: BuildStep) -> BuildResult:
    return BuildResult(image_id="sha256:x", log=[], steps=list(steps))


def test_dependency_cache_reused() -> None:
    first = _build(BuildStep(4, "RUN npm ci --omit=dev", "aaaaaaaaaaaa"))
    rebuild = _build(BuildStep(4, "RUN npm ci --omit=dev", "aaaaaaaaaaaa", cached=True))
    result = check_dependency_cache(first, rebuild, "src/app.js")
    assert result.status is Status.PASS


def test_dependency_cache_miss_fails() -> None:
    first = _build(BuildStep(4, "RUN npm ci --omit=dev", "aaaaaaaaaaaa"))
    rebuild = _build(BuildStep(4, "RUN npm ci --omit=dev", "bbbbbbbbbbbb"))
    result = check_dependency_cache(first, rebuild, "src/app.js")
    assert result.status is Status.FAIL
    assert "step 4" in result.detail


def test_dependency_cache_needs_install_step() -> None:
    first = _build(BuildStep(2, "COPY . .", "aaaaaaaaaaaa"))
    result = check_dependency_cache(first, first, "src/app.js")
    assert result.status is Status.FAIL


@pytest.mark.parametrize(
    ("seconds", "exit_code", "expected"),
    [
        (0.3, 0, Status.PASS),
        (1.99, 0, Status.PASS),
        (2.0, 0, Status.FAIL),
        (10.2, 137, Status.FAIL),
        (0.2, 1, Status.FAIL),
        (None, 1, Status.FAIL),
    ],
)
def test_shutdown_limits(
    seconds: float | None, exit_code: int, expected: Status
) -> None:
    run = RunResult(
        container_id="c",
        up=True,
        startup_seconds=1.0,
        startup_detail="",
        stop_seconds=seconds,
        exit_code=exit_code,
    )
    assert check_shutdown(run).status is expected


def test_project_type_from_expose(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(PACKAGE_JSON)
    (tmp_path / "Dockerfile").write_text(MULTI_STAGE)
    # MULTI_STAGE installs with npm ci, which needs a lockfile.
    (tmp_path / "package-lock.json").write_text('{"lockfileVersion": 3}')
    project = load_project(tmp_path)
    assert project.app_type == "api"
    assert project.port == 8080
    # Only the label arguments that the Dockerfile declares are passed.
    assert project.build_args() == {
        "VERSION": "1.4.2",
        "CREATED": project.label_values["created"],
    }


def test_project_type_from_answers_record(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(PACKAGE_JSON)
    (tmp_path / "Dockerfile").write_text("FROM node:24.11.1-alpine3.22\nEXPOSE 1\n")
    record = {"answers": {"type": "worker", "port": None}}
    (tmp_path / ".nodeship.json").write_text(json.dumps(record))
    project = load_project(tmp_path)
    assert project.app_type == "worker"
    assert project.port is None


def test_project_outside_git_has_unknown_revision(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(PACKAGE_JSON)
    (tmp_path / "Dockerfile").write_text("FROM node:24.11.1-alpine3.22\n")
    assert load_project(tmp_path).revision == "unknown"


def test_project_without_dockerfile_rejected(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(PACKAGE_JSON)
    with pytest.raises(InvalidInputError, match="Dockerfile is missing"):
        load_project(tmp_path)
