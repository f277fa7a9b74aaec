"""Rules that turn a display name into a folder, an npm name and an image path.

The slug rule: split CamelCase words (``OrdersAPI`` becomes ``Orders API``),
transliterate to ASCII, lowercase, and join the runs of letters and digits with single
dashes (python-slugify). ``Café Straße`` becomes ``cafe-strasse`` and ``orders/api``
becomes ``orders-api``. The slug names the project folder and the local image. The
template's ``service_slug`` Jinja filter applies the same rule, so plain cookiecutter
renders agree.
"""

from __future__ import annotations

import re

from slugify import slugify

from nodeship.errors import InvalidInputError

MAX_SLUG_LENGTH = 64
MAX_NPM_NAME_LENGTH = 214
MAX_IMAGE_LENGTH = 255

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_NPM_PART = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_IMAGE_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
_REGISTRY_HOST = re.compile(r"^(?:[a-zA-Z0-9-]+\.)*[a-zA-Z0-9-]+(?::[0-9]+)?$")
_UNSAFE_TEXT = re.compile(r'[\x00-\x1f\x7f"\\`$]')
# Cookiecutter renders every variable's value as a Jinja template, so text with
# Jinja delimiters would run as template code.
JINJA_DELIMITERS = re.compile(r"\{[{%#]|[}%#]\}")

# Node.js core module names (node:module builtinModules as of Node 24). npm rejects a
# new package with one of these names because require() would load the core module.
NODE_CORE_MODULES = frozenset(
    [
        "assert",
        "async_hooks",
        "buffer",
        "child_process",
        "cluster",
        "console",
        "constants",
        "crypto",
        "dgram",
        "diagnostics_channel",
        "dns",
        "domain",
        "events",
        "fs",
        "http",
        "http2",
        "https",
        "inspector",
        "module",
        "net",
        "os",
        "path",
        "perf_hooks",
        "process",
        "punycode",
        "querystring",
        "readline",
        "repl",
        "stream",
        "string_decoder",
        "sys",
        "timers",
        "tls",
        "trace_events",
        "tty",
        "url",
        "util",
        "v8",
        "vm",
        "wasi",
        "worker_threads",
        "zlib",
    ]
)
_NPM_BLOCKED_NAMES = frozenset({"node_modules", "favicon.ico"})


def slugify_name(name: str) -> str:
    """Return the folder and image slug for a display name; may be empty."""
    spaced = _CAMEL_BOUNDARY.sub(" ", name)
    return str(slugify(spaced))


def check_display_text(value: str, *, field: str, flag: str) -> str:
    """Strip surrounding blanks and reject characters that need escaping downstream.

    The text lands in package.json, Dockerfile labels and YAML, so quotes, backslashes,
    backticks, dollar signs and control characters are rejected instead of escaped.
    """
    text = value.strip()
    if not text:
        raise InvalidInputError(f"{field} is empty", hint=f"pass a non-empty {flag}")
    check_no_jinja(text, field=field, flag=flag)
    bad = _UNSAFE_TEXT.search(text)
    if bad:
        raise InvalidInputError(
            f"{field} {text!r} contains {bad.group()!r}",
            hint=f"remove quotes, backslashes, backticks, '$' and control characters "
            f"from {flag}",
        )
    return text


def check_no_jinja(text: str, *, field: str, flag: str) -> None:
    """Reject text containing Jinja delimiters such as ``{{`` or ``{%``."""
    found = JINJA_DELIMITERS.search(text)
    if found:
        raise InvalidInputError(
            f"{field} {text!r} contains {found.group()!r}, which templates would "
            "run as Jinja code",
            hint=f"remove '{{{{', '{{%', '{{#' and their closing pairs from {flag}",
        )


def check_slug(slug: str, *, source: str = "--slug") -> str:
    """Validate a project slug: lowercase letters and digits joined by single dashes."""
    if not slug:
        raise InvalidInputError(
            f"{source} leaves no letters or digits for the folder and image name",
            hint="pass --slug with lowercase ASCII letters, digits and dashes, "
            "for example --slug orders-api",
        )
    if len(slug) > MAX_SLUG_LENGTH:
        raise InvalidInputError(
            f"slug {slug!r} is {len(slug)} characters, more than {MAX_SLUG_LENGTH}",
            hint="pass a shorter --slug",
        )
    if not _SLUG.fullmatch(slug):
        raise InvalidInputError(
            f"slug {slug!r} is invalid",
            hint="use lowercase ASCII letters and digits joined by single dashes, "
            f"for example {slugify_name(slug) or 'orders-api'!r}",
        )
    return slug


def check_npm_name(name: str) -> str:
    """Validate an npm package name with npm's rules for new packages."""
    rule = _npm_rule_broken(name)
    if rule:
        raise InvalidInputError(
            f"npm package name {name!r} is invalid: {rule}",
            hint="pass --package-name with a lowercase name such as orders-api "
            "or @acme/orders-api",
        )
    return name


def _npm_rule_broken(name: str) -> str | None:
    if not name:
        return "it is empty"
    if len(name) > MAX_NPM_NAME_LENGTH:
        return f"it is {len(name)} characters, more than {MAX_NPM_NAME_LENGTH}"
    if name != name.lower():
        return "it has uppercase letters"
    if name[0] in "._":
        return "it starts with '.' or '_'"
    if name.startswith("@"):
        scope, _, package = name[1:].partition("/")
        if not scope or not package:
            return "a scoped name has the form @scope/name"
        parts = [scope, package]
    else:
        parts = [name]
    for part in parts:
        if not _NPM_PART.fullmatch(part):
            return f"{part!r} may only contain a-z, 0-9, '-', '.' and '_'"
    if name in NODE_CORE_MODULES or name in _NPM_BLOCKED_NAMES:
        return "it is the name of a Node.js core module or a reserved name"
    return None


def check_image(image: str) -> str:
    """Validate an image repository reference without tag or digest.

    The form is ``[registry[:port]/]path``, where the registry is a host name with a dot
    or a port (or ``localhost``) and each path component is lowercase.
    """
    reference = image.strip()
    if not reference:
        return ""
    problem = _image_problem(reference)
    if problem:
        raise InvalidInputError(
            f"image {reference!r} is invalid: {problem}",
            hint="pass --image as registry/repository in lowercase, "
            "for example ghcr.io/acme/orders-api (no tag: nodeship computes it)",
        )
    return reference


def _image_problem(reference: str) -> str | None:
    if len(reference) > MAX_IMAGE_LENGTH:
        return f"it is longer than {MAX_IMAGE_LENGTH} characters"
    if "@" in reference:
        return "it contains '@' (a digest or an npm scope)"
    parts = reference.split("/")
    first = parts[0]
    if len(parts) > 1 and ("." in first or ":" in first or first == "localhost"):
        if not _REGISTRY_HOST.fullmatch(first):
            return f"registry {first!r} is not a host name with an optional port"
        parts = parts[1:]
    if ":" in "/".join(parts):
        return "it contains a tag; nodeship computes the tag"
    for component in parts:
        if component != component.lower():
            return f"{component!r} has uppercase letters; use {component.lower()!r}"
        if not _IMAGE_COMPONENT.fullmatch(component):
            return f"path component {component!r} is invalid"
    return None
