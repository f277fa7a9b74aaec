"""The slim runtime and the optional extras: native build tools, tini, TZ, .env.example.

These tests read the rendered text. The offline stand-in base image has no apk, so
the ``apk add`` lines that --native-deps, --init and --tz add are built only on a real
base image (tests/docker/test_runtime_slim.py). Here hadolint and the assertions
below cover them.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from nodeship.errors import InvalidInputError
from nodeship.questions import QUESTIONS_BY_NAME, Context
from nodeship.refresh import load_current_table
from nodeship.update import updated_answers
from nodeship.verify.tag import compute_image_tag
from tests.conftest import run_nodeship
from tests.template_support import Stage, parse_dockerfile, render, run_tool

CONTEXT = Context(table=load_current_table(), today=date.today())
NATIVE_TOOLS = "apk add --no-cache python3 make g++"


def _stages(project: Path) -> list[Stage]:
    return parse_dockerfile((project / "Dockerfile").read_text(encoding="utf-8"))


def _runs(stage: Stage) -> list[str]:
    return [item.arguments for item in stage.find("RUN")]


@pytest.fixture(scope="module")
def slim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(tmp_path_factory.mktemp("slim"), runtime="slim")


@pytest.fixture(scope="module")
def everything(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(
        tmp_path_factory.mktemp("all"),
        runtime="slim",
        language="ts",
        native_deps="yes",
        init="yes",
        tz="Europe/Berlin",
        env_example="yes",
    )


def test_slim_runtime_starts_from_alpine(slim: Path) -> None:
    deps, node_binary, runtime = _stages(slim)
    assert deps.base_image == "node:24.11.1-alpine3.22"
    assert node_binary.base_image == "node:24.11.1-alpine3.22"
    assert (runtime.base_image, runtime.name) == ("alpine:3.22", "runtime")


def test_slim_collects_node_its_libraries_and_user(slim: Path) -> None:
    [collect] = _runs(_stages(slim)[1])
    # cp -a keeps library symlinks as links instead of second copies.
    assert "cp -a /usr/local/bin/node /slim/usr/local/bin/" in collect
    assert "cp -a /usr/lib/libstdc++* /usr/lib/libgcc_s* /slim/usr/lib/" in collect
    assert "cp -a /etc/passwd /etc/group /slim/etc/" in collect


def test_slim_runtime_copies_only_the_collected_files(slim: Path) -> None:
    runtime = _stages(slim)[-1]
    copies = [item.arguments for item in runtime.find("COPY")]
    assert copies[:2] == [
        "--from=node-binary /slim/ /",
        "--from=node-binary --chown=1000:1000 /home/node /home/node",
    ]
    # Nothing of npm, yarn or corepack reaches the runtime stage.
    assert not any("node_modules/npm" in copy or "corepack" in copy for copy in copies)
    assert _runs(runtime) == []


def test_slim_runtime_keeps_user_and_command(slim: Path) -> None:
    runtime = _stages(slim)[-1]
    assert [item.arguments for item in runtime.find("USER")] == ["1000:1000"]
    assert runtime.find("CMD")[-1].arguments == '["node", "src/server.js"]'


def test_slim_base_name_label_names_alpine(slim: Path) -> None:
    text = (slim / "Dockerfile").read_text(encoding="utf-8")
    assert 'image.base.name="docker.io/library/alpine:3.22"' in text
    assert 'org.nodeship.node.version="24.11.1"' in text


def test_slim_image_tag_keeps_the_scheme(slim: Path) -> None:
    tag = compute_image_tag(
        (slim / "Dockerfile").read_text(encoding="utf-8"),
        (slim / "package.json").read_text(encoding="utf-8"),
    )
    assert tag == "3.22-v24.11.1-1.4.2"


def test_slim_image_tag_script_agrees(slim: Path) -> None:
    result = run_tool(["node", "scripts/image-tag.js"], cwd=slim)
    assert result.stdout.strip() == "3.22-v24.11.1-1.4.2"


def test_slim_readme_says_what_is_missing(slim: Path) -> None:
    readme = (slim / "README.md").read_text(encoding="utf-8")
    assert "no npm, npx, yarn or corepack" in readme
    assert "docker build --target deps" in readme


def test_slim_with_mirror_pulls_alpine_through_it(tmp_path: Path) -> None:
    project = render(tmp_path, runtime="slim", base_image_mirror="mirror.acme.test")
    images = [stage.base_image for stage in _stages(project)]
    assert images == [
        "mirror.acme.test/library/node:24.11.1-alpine3.22",
        "mirror.acme.test/library/node:24.11.1-alpine3.22",
        "mirror.acme.test/library/alpine:3.22",
    ]


def test_default_runtime_has_no_extras(tmp_path: Path) -> None:
    project = render(tmp_path)
    stages = _stages(project)
    assert [run for stage in stages for run in _runs(stage) if "apk" in run] == []
    runtime = stages[-1]
    assert runtime.find("ENTRYPOINT") == []
    assert not any(item.arguments.startswith("TZ=") for item in runtime.find("ENV"))
    assert not (project / ".env.example").exists()
    assert "env_file" not in (project / "compose.yaml").read_text(encoding="utf-8")


def test_native_tools_only_in_build_stages(everything: Path) -> None:
    deps, build, node_binary, runtime = _stages(everything)
    assert _runs(deps)[0] == NATIVE_TOOLS
    assert _runs(build)[0] == NATIVE_TOOLS
    for stage in (node_binary, runtime):
        assert not any("python3" in run or "g++" in run for run in _runs(stage))


def test_native_tools_install_before_the_manifests(everything: Path) -> None:
    # The tools layer stays cached when package.json changes.
    keywords = [item.keyword for item in _stages(everything)[0].instructions]
    assert keywords[:3] == ["RUN", "WORKDIR", "COPY"]


def test_init_runs_node_under_tini(everything: Path) -> None:
    runtime = _stages(everything)[-1]
    assert "tini" in _runs(runtime)[0].split()
    assert runtime.find("ENTRYPOINT")[-1].arguments == '["/sbin/tini", "--"]'
    assert runtime.find("CMD")[-1].arguments == (
        '["node", "--enable-source-maps", "dist/server.js"]'
    )


def test_init_for_a_cli_keeps_arguments_after_node(tmp_path: Path) -> None:
    project = render(tmp_path, app_type="cli", init="yes")
    runtime = _stages(project)[-1]
    assert runtime.find("ENTRYPOINT")[-1].arguments == (
        '["/sbin/tini", "--", "node", "src/cli.js"]'
    )
    assert runtime.find("CMD")[-1].arguments == '["--help"]'


def test_tz_sets_env_and_installs_tzdata(everything: Path) -> None:
    runtime = _stages(everything)[-1]
    assert _runs(runtime) == ["apk add --no-cache tini tzdata"]
    assert "TZ=Europe/Berlin" in [item.arguments for item in runtime.find("ENV")]


def test_runtime_packages_install_before_user(everything: Path) -> None:
    keywords = [item.keyword for item in _stages(everything)[-1].instructions]
    assert keywords.index("RUN") < keywords.index("USER")


def test_env_example_wired_into_compose(everything: Path) -> None:
    compose = yaml.safe_load((everything / "compose.yaml").read_text(encoding="utf-8"))
    service = compose["services"]["orders-api"]
    assert service["env_file"] == [{"path": ".env", "required": False}]
    example = (everything / ".env.example").read_text(encoding="utf-8")
    assert re.search(r"^PORT=8080$", example, re.MULTILINE)


@pytest.mark.parametrize("project_name", ["everything", "slim"])
def test_compose_matches_its_schema(
    project_name: str, request: pytest.FixtureRequest
) -> None:
    project: Path = request.getfixturevalue(project_name)
    run_tool(
        ["check-jsonschema", "--builtin-schema", "vendor.compose-spec", "compose.yaml"],
        cwd=project,
    )


@pytest.mark.parametrize("project_name", ["everything", "slim"])
def test_hadolint_clean(project_name: str, request: pytest.FixtureRequest) -> None:
    project: Path = request.getfixturevalue(project_name)
    run_tool(["hadolint", "Dockerfile"], cwd=project)


def test_cli_has_no_env_example_question() -> None:
    question = QUESTIONS_BY_NAME["env_example"]
    assert question.applies({"type": "api"})
    assert not question.applies({"type": "cli"})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("yes", "yes"), ("TRUE", "yes"), (True, "yes"), ("off", "no"), (False, "no")],
)
def test_switch_spellings(raw: object, expected: str) -> None:
    assert QUESTIONS_BY_NAME["init"].parse(raw, {}, CONTEXT) == expected


@pytest.mark.parametrize("raw", ["maybe", "", 2, 1.0, None])
def test_switch_rejects_other_values(raw: object) -> None:
    with pytest.raises(InvalidInputError, match="--native-deps"):
        QUESTIONS_BY_NAME["native_deps"].parse(raw, {}, CONTEXT)


@pytest.mark.parametrize("raw", ["Europe/Berlin", "UTC", "America/Argentina/Salta", ""])
def test_tz_accepts_zone_names(raw: str) -> None:
    assert QUESTIONS_BY_NAME["tz"].parse(raw, {}, CONTEXT) == raw


@pytest.mark.parametrize(
    "raw", ["Europe/Atlantis", "europe/berlin", "../etc/passwd", "Europe/Berlin\n1"]
)
def test_tz_rejects_unknown_zones(raw: str) -> None:
    with pytest.raises(InvalidInputError, match="--tz") as caught:
        QUESTIONS_BY_NAME["tz"].parse(raw, {}, CONTEXT)
    assert "Europe/Berlin" in (caught.value.hint or "")


def test_runtime_choices() -> None:
    question = QUESTIONS_BY_NAME["runtime"]
    assert question.parse("SLIM", {}, CONTEXT) == "slim"
    with pytest.raises(InvalidInputError, match="'distroless'"):
        question.parse("distroless", {}, CONTEXT)


def test_flags_reach_the_record(workdir: Path) -> None:
    result = run_nodeship(
        "new",
        "svc",
        "--yes",
        "--no-install",
        "--runtime",
        "slim",
        "--init",
        "--tz",
        "UTC",
        "--native-deps",
        "no",
        cwd=workdir,
    )
    assert result.code == 0, result.stderr
    record = json.loads((workdir / "svc" / ".nodeship.json").read_text())
    answers = record["answers"]
    assert {key: answers[key] for key in ("runtime", "init", "tz", "native_deps")} == {
        "runtime": "slim",
        "init": "yes",
        "tz": "UTC",
        "native_deps": "no",
    }


@pytest.mark.parametrize(
    ("recorded", "expected"),
    [
        ({"type": "api", "port": 3000}, "yes"),
        ({"type": "worker"}, "yes"),
        ({"type": "api", "port": 3000, "env_example": "no"}, "no"),
        ({"type": "cli"}, None),
    ],
)
def test_update_keeps_env_example_of_older_services(
    recorded: dict[str, object], expected: str | None
) -> None:
    # Records written before the question existed belong to services that got a
    # .env.example; the question's default would delete it on update.
    answers = {"name": "Orders", "node": "24.11.1", "alpine": "3.22", "ci": "none"}
    updated = updated_answers({**answers, **recorded}, {})
    assert updated["env_example"] == expected


def test_slim_dependabot_leaves_alpine_alone(tmp_path: Path) -> None:
    project = render(tmp_path, runtime="slim", updates="dependabot")
    config = yaml.safe_load((project / ".github/dependabot.yml").read_text())
    docker = next(u for u in config["updates"] if u["package-ecosystem"] == "docker")
    assert docker["ignore"] == [{"dependency-name": "alpine"}]
    run_tool(
        [
            "check-jsonschema",
            "--builtin-schema",
            "vendor.dependabot",
            ".github/dependabot.yml",
        ],
        cwd=project,
    )


def test_slim_renovate_leaves_alpine_alone(tmp_path: Path) -> None:
    project = render(tmp_path, runtime="slim", updates="renovate")
    rules = json.loads((project / "renovate.json").read_text())["packageRules"]
    alpine = [rule for rule in rules if rule.get("matchDepNames") == ["alpine"]]
    assert len(alpine) == 1
    assert alpine[0]["enabled"] is False
    run_tool(
        ["check-jsonschema", "--builtin-schema", "vendor.renovate", "renovate.json"],
        cwd=project,
    )


@pytest.mark.parametrize(
    ("froms", "message"),
    [
        (["node:24.11.1-alpine3.22 AS deps", "alpine:3.23"], "built on Alpine 3.22"),
        (["alpine:3.22"], "no earlier FROM"),
        (["node:24.10.0-alpine3.22 AS deps", "alpine:3.22"], None),
        (
            ["node:24.10.0-alpine3.22 AS deps", "node:24.11.1-alpine3.22"],
            "different node images",
        ),
    ],
)
def test_tag_rejects_froms_out_of_step(froms: list[str], message: str | None) -> None:
    dockerfile = "".join(f"FROM {line}\n" for line in froms)
    package = '{"version": "1.0.0"}'
    if message is None:
        assert compute_image_tag(dockerfile, package) == "3.22-v24.10.0-1.0.0"
        return
    with pytest.raises(InvalidInputError, match=message):
        compute_image_tag(dockerfile, package)


def test_slim_bots_match_the_mirrored_alpine(tmp_path: Path) -> None:
    mirror = "mirror.acme.test/hub"
    project = render(
        tmp_path, runtime="slim", updates="renovate", base_image_mirror=mirror
    )
    rules = json.loads((project / "renovate.json").read_text())["packageRules"]
    names = [rule.get("matchDepNames") for rule in rules]
    assert ["alpine", f"{mirror}/library/alpine"] in names
    assert ["node", f"{mirror}/library/node"] in names
