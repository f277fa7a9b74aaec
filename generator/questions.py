"""The question model: every answer nodeship takes, declared once.

Each question drives the interactive prompt, its CLI flag, its key in an answers file
and the cookiecutter variable it fills, and all of those go through the same parser.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from nodeship import names
from nodeship.errors import InvalidInputError
from nodeship.releases import ReleaseLine, ReleaseTable

APP_TYPES = {
    "api": "an HTTP service with a health endpoint",
    "worker": "a background process with no port",
    "cli": "a command-line tool packaged as an image, run with arguments",
}
FRAMEWORKS = {
    "fastify": "Fastify, with schema-checked routes",
    "express": "Express",
    "http": "node:http from the standard library, no framework",
}
LANGUAGES = {
    "js": "JavaScript (ES modules), run as written",
    "ts": "TypeScript, compiled to JavaScript in a build stage of the image",
}
CI_PROVIDERS = {
    "github": "GitHub Actions: test, compute the tag, publish the image",
    "gitlab": "GitLab CI: the same jobs in .gitlab-ci.yml",
    "none": "no CI files",
}
UPDATE_BOTS = {
    "none": "no update bot configuration",
    "dependabot": "Dependabot (GitHub only): base image, npm packages, actions",
    "renovate": "Renovate: base image with .nvmrc, npm packages, CI images",
}

PACKAGE_MANAGERS = {
    "npm": "npm: package-lock.json, npm ci",
    "pnpm": "pnpm: pnpm-lock.yaml, pnpm install --frozen-lockfile",
    "yarn": "yarn (Berry): yarn.lock, yarn install --immutable",
}

RUNTIMES = {
    "default": "the official node:<version>-alpine image, with npm, yarn and corepack",
    "slim": "alpine:<version> with only the node binary copied in: smaller, no npm",
}
SWITCHES = {"no": "no", "yes": "yes"}
# Spellings of yes and no. YAML and TOML booleans arrive as bool.
_SWITCH_SPELLINGS = {
    "yes": "yes",
    "y": "yes",
    "true": "yes",
    "on": "yes",
    "1": "yes",
    "no": "no",
    "n": "no",
    "false": "no",
    "off": "no",
    "0": "no",
}
# An IANA time zone name: Area/Location segments, as in Europe/Berlin, or UTC.
_TIME_ZONE = re.compile(r"^[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+){0,2}$")
# Files in a zone database that are not zones of their own.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})

_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)
_MAX_DESCRIPTION = 200
# Room left in a 128-character image tag after "<alpine>-v<node>-", allowing for
# Alpine versions such as 3.100 and Node.js versions such as 100.100.100.
_MAX_PROJECT_VERSION = 128 - len("3.100-v100.100.100-")
_MAX_NAME = 100

Answers = dict[str, Any]
"""Answers parsed so far, keyed by question name."""


@dataclass(frozen=True)
class Context:
    """What parsers and defaults may look at besides earlier answers.

    ``node_policy`` limits the Node.js lines on offer: ``any``, ``supported`` (no
    end-of-life line) or ``active-lts``; ``policy_source`` names where it was set.
    """

    table: ReleaseTable
    today: date
    node_policy: str = "any"
    policy_source: str = ""

    def allows(self, line: ReleaseLine) -> bool:
        """Return whether the node policy admits ``line`` today."""
        status = line.status(self.today)
        if self.node_policy == "active-lts":
            return status == "active LTS"
        if self.node_policy == "supported":
            return status != "end of life"
        return True


@dataclass(frozen=True)
class Question:
    """One answer nodeship needs.

    ``parse`` turns a raw value (flag text, a prompt's text or an answers-file value)
    into the stored answer, or raises InvalidInputError. ``default`` computes the
    default from earlier answers. ``applies`` says whether the question is asked at all
    for the answers so far (the port only for an api). ``required`` questions must be
    given explicitly in a run with no terminal unless --yes is passed. Questions that
    are not ``prompted`` take their derived default in an interactive run too. A
    ``switch`` is a yes/no question whose flag alone means yes.
    """

    name: str
    prompt: str
    help: str
    parse: Callable[[object, Answers, Context], Any]
    default: Callable[[Answers, Context], Any]
    choices: Callable[[Answers, Context], dict[str, str]] | None = None
    applies: Callable[[Answers], bool] = lambda answers: True
    required: bool = False
    prompted: bool = True
    switch: bool = False

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


def _text(raw: object, flag: str) -> str:
    # A float comes from an unquoted YAML or TOML number such as 24.10, which has
    # already lost its trailing zero, so it is rejected rather than guessed at.
    if isinstance(raw, (bool, float)) or not isinstance(raw, (str, int)):
        raise InvalidInputError(
            f"{flag} must be text, not {type(raw).__name__} {raw!r}",
            hint=f"quote the value of {flag.lstrip('-')} in the file, "
            f"for example '{raw}'",
        )
    return str(raw)


def _parse_name(raw: object, answers: Answers, context: Context) -> str:
    text = names.check_display_text(_text(raw, "--name"), field="name", flag="--name")
    if len(text) > _MAX_NAME:
        raise InvalidInputError(
            f"name is {len(text)} characters, more than {_MAX_NAME}",
            hint="pass a shorter --name",
        )
    names.check_slug(names.slugify_name(text), source=f"name {text!r}")
    return text


def _parse_slug(raw: object, answers: Answers, context: Context) -> str:
    return names.check_slug(_text(raw, "--slug").strip())


def _parse_package_name(raw: object, answers: Answers, context: Context) -> str:
    return names.check_npm_name(_text(raw, "--package-name").strip())


def _parse_description(raw: object, answers: Answers, context: Context) -> str:
    text = names.check_display_text(
        _text(raw, "--description"), field="description", flag="--description"
    )
    if len(text) > _MAX_DESCRIPTION:
        raise InvalidInputError(
            f"description is {len(text)} characters, more than {_MAX_DESCRIPTION}",
            hint="pass a shorter --description",
        )
    return text


def _parse_project_version(raw: object, answers: Answers, context: Context) -> str:
    text = _text(raw, "--project-version").strip().removeprefix("v")
    if not _SEMVER.fullmatch(text):
        raise InvalidInputError(
            f"project version {text!r} is not a semantic version without build "
            "metadata",
            hint="pass --project-version as MAJOR.MINOR.PATCH, for example 0.1.0 "
            "('+' is not allowed in image tags)",
        )
    if len(text) > _MAX_PROJECT_VERSION:
        raise InvalidInputError(
            f"project version {text!r} is {len(text)} characters; the image tag "
            f"would be more than 128 (at most {_MAX_PROJECT_VERSION} here)",
            hint="pass a shorter --project-version",
        )
    return text


def _choice_parser(
    flag: str, choices: Callable[[Answers, Context], dict[str, str]]
) -> Callable[[object, Answers, Context], str]:
    def parse(raw: object, answers: Answers, context: Context) -> str:
        text = _text(raw, flag).strip().lower()
        allowed = choices(answers, context)
        if text in allowed:
            return text
        raise InvalidInputError(
            f"{flag} {text!r} is not one of: {', '.join(allowed)}",
            hint=f"pass {flag} with one of: {', '.join(allowed)}",
        )

    return parse


def _parse_port(raw: object, answers: Answers, context: Context) -> int:
    if isinstance(raw, bool):
        raise InvalidInputError(
            f"--port must be a number from 1 to 65535, not {raw!r}",
            hint="pass --port 3000",
        )
    text = str(raw).strip()
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise InvalidInputError(
            f"--port {text!r} is not a number from 1 to 65535",
            hint="pass --port with a TCP port such as 3000 or 8080",
        )
    return int(text)


def _parse_node(raw: object, answers: Answers, context: Context) -> str:
    request = _text(raw, "--node").strip()
    resolved = context.table.resolve(request, None, context.today)
    if not context.allows(resolved.line):
        raise InvalidInputError(
            f"Node.js {resolved.version} is {resolved.line.status(context.today)}, "
            f"which node_policy = {context.node_policy!r} in "
            f"{context.policy_source} does not allow",
            hint="pass --node lts, or ask the owners of that file",
        )
    return resolved.version


def _parse_alpine(raw: object, answers: Answers, context: Context) -> str:
    node = context.table.resolve(answers["node"], None, context.today).version
    resolved = context.table.resolve(node, _text(raw, "--alpine"), context.today)
    return resolved.alpine


def _parse_image(raw: object, answers: Answers, context: Context) -> str:
    return names.check_image(_text(raw, "--image"))


def _node_choices(answers: Answers, context: Context) -> dict[str, str]:
    labels = {}
    for line in context.table.lines:
        if not context.allows(line):
            continue
        status = line.status(context.today)
        label = f"Node.js {line.major} ({status}"
        until = line.status_ends(context.today)
        if until is not None:
            label += f" until {until.isoformat()}"
        labels[line.newest.version] = label + ")"
    return labels


def _alpine_choices(answers: Answers, context: Context) -> dict[str, str]:
    release = context.table.resolve(answers["node"], None, context.today)
    published = release.line.releases
    match = next(r for r in published if r.version == release.version)
    return {alpine: f"Alpine {alpine}" for alpine in sorted(match.alpine, reverse=True)}


def _parse_updates(raw: object, answers: Answers, context: Context) -> str:
    bot = _choice_parser("--updates", lambda answers, context: UPDATE_BOTS)(
        raw, answers, context
    )
    if bot == "dependabot" and answers.get("ci") != "github":
        raise InvalidInputError(
            f"--updates dependabot needs --ci github, not --ci {answers.get('ci')}",
            hint="pass --updates renovate, which runs on any host, or --updates none",
        )
    return bot


def _switch_parser(flag: str) -> Callable[[object, Answers, Context], str]:
    def parse(raw: object, answers: Answers, context: Context) -> str:
        if isinstance(raw, bool):
            return "yes" if raw else "no"
        if isinstance(raw, float) or not isinstance(raw, (str, int)):
            raise InvalidInputError(
                f"{flag} must be yes or no, not {type(raw).__name__} {raw!r}",
                hint=f"write {flag.lstrip('-')}: yes or {flag.lstrip('-')}: no",
            )
        text = str(raw).strip().lower()
        if text in _SWITCH_SPELLINGS:
            return _SWITCH_SPELLINGS[text]
        raise InvalidInputError(
            f"{flag} {text!r} is not yes or no",
            hint=f"pass {flag} yes or {flag} no (true/false and on/off work too). "
            f"{flag} alone means yes when the folder comes first: "
            f"nodeship new DIR {flag}",
        )

    return parse


def _parse_tz(raw: object, answers: Answers, context: Context) -> str:
    text = _text(raw, "--tz").strip()
    if not text:
        return ""
    if not _TIME_ZONE.fullmatch(text) or ".." in text:
        raise InvalidInputError(
            f"--tz {text!r} is not a time zone name",
            hint="pass an IANA name such as Europe/Berlin or UTC, or leave it empty",
        )
    known = _known_time_zones() - _NOT_ZONES
    if text in _NOT_ZONES or (known and text not in known):
        raise InvalidInputError(
            f"--tz {text!r} is not in the time zone database",
            hint="pass an IANA name such as Europe/Berlin or America/New_York "
            "(names are case-sensitive)",
        )
    return text


def _known_time_zones() -> set[str]:
    """Return the zone names in this machine's database, or an empty set without one."""
    # Imported here because it scans the database, and only a --tz value needs it.
    import zoneinfo

    return zoneinfo.available_timezones()


def _is_api(answers: Answers) -> bool:
    return bool(answers.get("type") == "api")


QUESTIONS: tuple[Question, ...] = (
    Question(
        name="name",
        prompt="Service name",
        help="Display name; keeps its case. The folder, npm and image names derive "
        "from it.",
        parse=_parse_name,
        default=lambda answers, context: "My Service",
        required=True,
    ),
    Question(
        name="slug",
        prompted=False,
        prompt="Folder and image name",
        help="Lowercase letters, digits and dashes. Default: derived from the name.",
        parse=_parse_slug,
        default=lambda answers, context: names.slugify_name(answers["name"]),
    ),
    Question(
        name="package_name",
        prompted=False,
        prompt="npm package name",
        help="npm name, scoped names allowed (@acme/orders-api). Default: the slug.",
        parse=_parse_package_name,
        default=lambda answers, context: answers["slug"],
    ),
    Question(
        name="description",
        prompt="Description",
        help="One line for package.json, the image label and the README.",
        parse=_parse_description,
        default=lambda answers, context: f"{answers['name']}, a Node.js service",
    ),
    Question(
        name="project_version",
        prompted=False,
        prompt="First project version",
        help="Semantic version in package.json; the last part of the image tag.",
        parse=_parse_project_version,
        default=lambda answers, context: "0.1.0",
    ),
    Question(
        name="type",
        prompt="App type",
        help="; ".join(f"{name}: {text}" for name, text in APP_TYPES.items()) + ".",
        parse=_choice_parser("--type", lambda answers, context: APP_TYPES),
        default=lambda answers, context: "api",
        choices=lambda answers, context: APP_TYPES,
        required=True,
    ),
    Question(
        name="framework",
        prompt="HTTP framework",
        help="Framework of the api: fastify, express or http (node:http). Each "
        "serves the same health endpoint, JSON logs and graceful shutdown.",
        parse=_choice_parser("--framework", lambda answers, context: FRAMEWORKS),
        default=lambda answers, context: "fastify",
        choices=lambda answers, context: FRAMEWORKS,
        applies=_is_api,
    ),
    Question(
        name="port",
        prompt="HTTP port",
        help="Port the api listens on inside the container (1-65535).",
        parse=_parse_port,
        default=lambda answers, context: 3000,
        applies=_is_api,
        required=True,
    ),
    Question(
        name="language",
        prompt="Language",
        help="js or ts. TypeScript is type-checked by npm test and compiled in a "
        "build stage; the image gets only the compiled output.",
        parse=_choice_parser("--language", lambda answers, context: LANGUAGES),
        default=lambda answers, context: "js",
        choices=lambda answers, context: LANGUAGES,
    ),
    Question(
        name="node",
        prompt="Node.js version",
        help="lts, a major (24), a minor (24.11) or a full version (24.11.1); "
        "resolved to a full version with an official Alpine image.",
        parse=_parse_node,
        default=lambda answers, context: (
            context.table.lts_line(context.today).newest.version
        ),
        choices=_node_choices,
        required=True,
    ),
    Question(
        name="alpine",
        prompt="Alpine version",
        help="Alpine variant of the node image, e.g. 3.22. Default: the newest "
        "published for the Node.js version.",
        parse=_parse_alpine,
        default=lambda answers, context: (
            context.table.resolve(answers["node"], None, context.today).alpine
        ),
        choices=_alpine_choices,
    ),
    Question(
        name="ci",
        prompt="CI provider",
        help="github, gitlab or none.",
        parse=_choice_parser("--ci", lambda answers, context: CI_PROVIDERS),
        default=lambda answers, context: "github",
        choices=lambda answers, context: CI_PROVIDERS,
        required=True,
    ),
    Question(
        name="updates",
        prompt="Dependency update bot",
        help="none, dependabot (GitHub only) or renovate: keeps the base image, "
        ".nvmrc, npm packages and CI versions current.",
        parse=_parse_updates,
        default=lambda answers, context: "none",
        choices=lambda answers, context: UPDATE_BOTS,
    ),
    Question(
        name="package_manager",
        prompt="Package manager",
        help="npm, pnpm or yarn (Berry): writes its lockfile and uses it in the "
        "Dockerfile and CI. Default: npm.",
        parse=_choice_parser(
            "--package-manager", lambda answers, context: PACKAGE_MANAGERS
        ),
        default=lambda answers, context: "npm",
        choices=lambda answers, context: PACKAGE_MANAGERS,
    ),
    Question(
        name="runtime",
        prompt="Runtime image",
        help="default: the node:<version>-alpine image; slim: alpine:<version> "
        "with only the node binary and its libraries, no npm, yarn or corepack.",
        parse=_choice_parser("--runtime", lambda answers, context: RUNTIMES),
        default=lambda answers, context: "default",
        choices=lambda answers, context: RUNTIMES,
    ),
    Question(
        name="native_deps",
        prompt="Build native modules (python3, make, g++ in the build stage)",
        help="yes or no: install python3, make and g++ in the build stages for "
        "packages that compile with node-gyp; never in the runtime image.",
        parse=_switch_parser("--native-deps"),
        default=lambda answers, context: "no",
        choices=lambda answers, context: SWITCHES,
        switch=True,
    ),
    Question(
        name="init",
        prompt="Run node under an init process (tini)",
        help="yes or no: tini as PID 1, which reaps the zombies of child "
        "processes and passes signals to node. For apps that spawn children.",
        parse=_switch_parser("--init"),
        default=lambda answers, context: "no",
        choices=lambda answers, context: SWITCHES,
        switch=True,
    ),
    Question(
        name="tz",
        prompt="Time zone of the container (empty: UTC)",
        help="IANA time zone such as Europe/Berlin: sets TZ and installs tzdata "
        "in the image. Empty: UTC, no tzdata.",
        parse=_parse_tz,
        default=lambda answers, context: "",
    ),
    Question(
        name="env_example",
        prompt="Add .env.example, loaded by compose from .env",
        help="yes or no: a .env.example listing the settings, and compose.yaml "
        "reading .env when it exists (api and worker).",
        parse=_switch_parser("--env-example"),
        default=lambda answers, context: "no",
        choices=lambda answers, context: SWITCHES,
        applies=lambda answers: answers.get("type") != "cli",
        switch=True,
    ),
    Question(
        name="image",
        prompt="Image repository (empty: ghcr.io/<owner>/<repo> in CI)",
        help="Registry and repository the CI publishes to, e.g. "
        "ghcr.io/acme/orders-api. Default: the GitHub repository on ghcr.io.",
        parse=_parse_image,
        default=lambda answers, context: "",
    ),
)

QUESTIONS_BY_NAME: Mapping[str, Question] = {q.name: q for q in QUESTIONS}
