"""Company configuration: default and locked answers from TOML files.

Files are read in this order, and a value from an earlier file wins over the same key
in a later one: ``--config FILE``, the file named by ``NODESHIP_CONFIG``, every
``.nodeship.toml`` from the target's parent folder up to the root (nearest first), and
``config.toml`` in the user's config folder. Each file may hold:

.. code-block:: toml

    node_policy = "active-lts"    # or "supported" (no end-of-life line), or "any"
    trusted_templates = ["https://git.acme.internal/*"]   # hooks of these may run
    template = "https://git.acme.internal/templates/node.git"  # default --template
    template_ref = "v3"                                          # default --ref

    [defaults]                    # answers used unless a flag or prompt gives one
    ci = "github"
    image = "ghcr.io/acme/orders-api"

    [locked]                      # answers never asked; a contradicting flag fails
    alpine = "3.23"

    # Registry that every FROM pulls the node image through, as <mirror>/library/node
    base_image_mirror = "mirror.acme.internal/dockerhub"

    label_namespace = "com.acme"  # prefix of the short keys in [labels]

    [labels]                      # extra LABEL lines in the image's runtime stage
    team = "payments"             # com.acme.team, or team without a namespace
    "com.acme.cost-center" = "42" # a key with a dot is used as given

Keys in ``[defaults]`` and ``[locked]`` are question names, the same ones the flags
and answers files use (``port``, ``package_name``). ``trusted_templates`` patterns
from every file are combined. ``[labels]`` keys from every file are combined too, the
first file winning for each key, and ``label_namespace`` comes from the first file
that sets it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from nodeship.errors import InvalidInputError
from nodeship.names import check_display_text, check_image
from nodeship.questions import QUESTIONS_BY_NAME

CONFIG_ENV = "NODESHIP_CONFIG"
PROJECT_CONFIG_NAME = ".nodeship.toml"
NODE_POLICIES = ("any", "supported", "active-lts")
_TABLES = ("defaults", "locked")
_TEMPLATE_KEYS = ("template", "template_ref")
_TOP_LEVEL_KEYS = {
    *_TABLES,
    *_TEMPLATE_KEYS,
    "node_policy",
    "trusted_templates",
    "labels",
    "label_namespace",
    "base_image_mirror",
}
# Docker's label key rules, which hadolint's DL3048 also applies: lowercase letters
# and digits, with single dots or dashes between them, starting with a letter.
_LABEL_KEY = re.compile(r"[a-z][a-z0-9]*(?:[.-][a-z0-9]+)*")
# Namespaces Docker reserves for its own labels.
_RESERVED_LABEL_PREFIXES = ("com.docker.", "io.docker.", "org.dockerproject.")
# Labels the template's Dockerfile sets itself. A second LABEL with the same key
# would silently replace the template's value, so these keys are rejected.
_TEMPLATE_LABEL_PREFIXES = ("org.opencontainers.image.", "org.nodeship.")


@dataclass(frozen=True)
class Setting:
    """One configured value and the file it came from."""

    value: object
    source: Path


@dataclass(frozen=True)
class Config:
    """The merged configuration; empty when no file was found."""

    defaults: Mapping[str, Setting] = field(default_factory=dict)
    locked: Mapping[str, Setting] = field(default_factory=dict)
    node_policy: Setting | None = None
    trusted_templates: tuple[str, ...] = ()
    template: Setting | None = None
    template_ref: Setting | None = None
    files: tuple[Path, ...] = ()
    # Image labels by full key, with label_namespace already applied.
    labels: Mapping[str, Setting] = field(default_factory=dict)
    label_namespace: Setting | None = None
    base_image_mirror: Setting | None = None

    def image_labels(self) -> dict[str, str]:
        """Return the label values by full key, sorted by key."""
        return {key: str(self.labels[key].value) for key in sorted(self.labels)}


def config_files(explicit: Path | None, start: Path) -> list[Path]:
    """Return the configuration files that exist, highest precedence first."""
    from platformdirs import user_config_dir

    candidates: list[Path] = []
    if explicit is not None:
        if not explicit.is_file():
            raise InvalidInputError(
                f"config file {str(explicit)!r} not found",
                hint="check the --config path",
            )
        candidates.append(explicit)
    from_env = os.environ.get(CONFIG_ENV)
    if from_env:
        if not Path(from_env).is_file():
            raise InvalidInputError(
                f"config file {from_env!r} named by {CONFIG_ENV} not found",
                hint=f"fix or unset {CONFIG_ENV}",
            )
        candidates.append(Path(from_env))
    folder = start.absolute()
    for parent in [folder, *folder.parents]:
        candidates.append(parent / PROJECT_CONFIG_NAME)
    candidates.append(Path(user_config_dir("nodeship")) / "config.toml")
    return _unique_existing(candidates)


def _unique_existing(paths: Iterable[Path]) -> list[Path]:
    seen: set[Path] = set()
    found = []
    for path in paths:
        if not path.is_file():
            continue
        resolved = path.resolve()
        if resolved not in seen:
            seen.add(resolved)
            found.append(path)
    return found


def load_config(files: list[Path]) -> Config:
    """Read and merge ``files``, the first one winning for each key."""
    defaults: dict[str, Setting] = {}
    locked: dict[str, Setting] = {}
    node_policy: Setting | None = None
    trusted: list[str] = []
    sources: dict[str, Setting] = {}
    short_labels: dict[str, Setting] = {}
    label_namespace: Setting | None = None
    base_image_mirror: Setting | None = None
    for path in reversed(files):
        data = _read_toml(path)
        for label, text in _labels(data, path).items():
            short_labels[label] = Setting(text, path)
        if "label_namespace" in data:
            namespace = _label_key(data["label_namespace"], "label_namespace", path)
            label_namespace = Setting(namespace, path)
        if "base_image_mirror" in data:
            mirror = _base_image_mirror(data["base_image_mirror"], path)
            base_image_mirror = Setting(mirror, path)
        for key, value in _table(data, "defaults", path).items():
            defaults[key] = Setting(value, path)
        for key, value in _table(data, "locked", path).items():
            earlier = locked.get(key)
            if earlier is not None and earlier.value != value:
                raise InvalidInputError(
                    f"{key} is locked to {earlier.value!r} in {earlier.source} and "
                    f"to {value!r} in {path}",
                    hint="a lock cannot be overridden; remove one of the two locks",
                )
            locked[key] = Setting(value, path)
        if "node_policy" in data:
            node_policy = Setting(_node_policy(data["node_policy"], path), path)
        trusted.extend(_patterns(data.get("trusted_templates", []), path))
        for key in _TEMPLATE_KEYS:
            if key in data:
                sources[key] = Setting(_string(data[key], key, path), path)
    return Config(
        defaults,
        locked,
        node_policy,
        tuple(trusted),
        sources.get("template"),
        sources.get("template_ref"),
        tuple(files),
        _full_label_keys(short_labels, label_namespace),
        label_namespace,
        base_image_mirror,
    )


def _read_toml(path: Path) -> dict[str, object]:
    # Imported here, so a run that finds no config file never loads the parser.
    import tomllib

    try:
        data: dict[str, object] = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise InvalidInputError(
            f"config file {str(path)!r} is not valid TOML: {error}",
            hint="fix the line named above",
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInputError(
            f"config file {str(path)!r} cannot be read: {error}",
            hint="check the file's permissions and encoding (UTF-8)",
        ) from None
    unknown = sorted(set(data) - _TOP_LEVEL_KEYS)
    if unknown:
        raise InvalidInputError(
            f"config file {str(path)!r} has unknown keys: {', '.join(unknown)}",
            hint="use node_policy, trusted_templates, template, template_ref, "
            "label_namespace, base_image_mirror and the [defaults], [locked] and "
            "[labels] tables",
        )
    return data


def _table(data: Mapping[str, object], name: str, path: Path) -> dict[str, object]:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise InvalidInputError(
            f"config file {str(path)!r}: {name} must be a table",
            hint=f"write [{name}] on its own line, then one key = value per line",
        )
    unknown = sorted(key for key in table if key not in QUESTIONS_BY_NAME)
    if unknown:
        raise InvalidInputError(
            f"config file {str(path)!r}: [{name}] has unknown keys: "
            f"{', '.join(unknown)}",
            hint=f"use only these keys: {', '.join(QUESTIONS_BY_NAME)}",
        )
    return dict(table)


def _labels(data: Mapping[str, object], path: Path) -> dict[str, str]:
    table = data.get("labels", {})
    if not isinstance(table, dict):
        raise InvalidInputError(
            f"config file {str(path)!r}: labels must be a table",
            hint='write [labels] on its own line, then one key = "value" per line',
        )
    labels = {}
    for key, value in table.items():
        _label_key(key, f"[labels] key {key!r}", path)
        if not isinstance(value, str):
            raise InvalidInputError(
                f"config file {str(path)!r}: [labels] {key} must be a string",
                hint=f'write {key} = "..." with the value in quotes',
            )
        labels[key] = check_display_text(
            value,
            field=f"config file {str(path)!r}: [labels] {key}",
            flag=f"[labels] {key}",
        )
    return labels


def _full_label_keys(
    labels: Mapping[str, Setting], namespace: Setting | None
) -> dict[str, Setting]:
    """Put the namespace and a dot in front of each key without a dot.

    Without a namespace every key is used as given. Each full key is checked again,
    because the namespace may come from another file than the key.
    """
    full: dict[str, Setting] = {}
    for key, setting in labels.items():
        full_key = key
        if namespace is not None and "." not in key:
            full_key = f"{namespace.value}.{key}"
            _label_key(full_key, f"[labels] key {full_key!r}", setting.source)
        full[full_key] = setting
    return full


def _label_key(value: object, field: str, path: Path) -> str:
    """Validate a label key, or the namespace put in front of short keys."""
    problem = None
    if not isinstance(value, str) or not _LABEL_KEY.fullmatch(value):
        problem = (
            "is invalid: use lowercase letters and digits, starting with a letter, "
            "with single dots or dashes between them"
        )
    elif value.startswith(_RESERVED_LABEL_PREFIXES):
        problem = "uses a namespace Docker reserves: " + ", ".join(
            _RESERVED_LABEL_PREFIXES
        )
    elif value.startswith(_TEMPLATE_LABEL_PREFIXES):
        problem = "is set by the template's Dockerfile: " + ", ".join(
            _TEMPLATE_LABEL_PREFIXES
        )
    if problem is not None:
        raise InvalidInputError(
            f"config file {str(path)!r}: {field} {problem}",
            hint="use a key such as team or com.acme.cost-center",
        )
    return str(value)


def _base_image_mirror(value: object, path: Path) -> str:
    """Validate a registry host, with an optional port and path, to pull node from."""
    mirror = _string(value, "base_image_mirror", path).strip()
    hint = (
        "write a registry host and optional path without a tag, such as "
        'base_image_mirror = "mirror.acme.internal/dockerhub"'
    )
    try:
        check_image(mirror)
    except InvalidInputError as error:
        raise InvalidInputError(
            f"config file {str(path)!r}: base_image_mirror: {error.message}",
            hint=hint,
        ) from None
    if mirror != mirror.lower():
        # The FROM parsers in scripts/image-tag.js, verify and bump match lowercase.
        raise InvalidInputError(
            f"config file {str(path)!r}: base_image_mirror {mirror!r} is invalid: "
            f"it has uppercase letters; use {mirror.lower()!r}",
            hint=hint,
        )
    host = mirror.split("/")[0]
    if not ("." in host or ":" in host or host == "localhost"):
        raise InvalidInputError(
            f"config file {str(path)!r}: base_image_mirror {mirror!r} does not start "
            "with a registry host (a name with a dot or a port, or localhost)",
            hint=hint,
        )
    return mirror


def _string(value: object, key: str, path: Path) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(
            f"config file {str(path)!r}: {key} must be a non-empty string",
            hint=f'write {key} = "..." with the value in quotes',
        )
    return value


def _patterns(value: object, path: Path) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidInputError(
            f"config file {str(path)!r}: trusted_templates must be a list of strings",
            hint='write trusted_templates = ["https://git.example.com/templates/*"]',
        )
    return list(value)


def _node_policy(value: object, path: Path) -> str:
    if value not in NODE_POLICIES:
        raise InvalidInputError(
            f"config file {str(path)!r}: node_policy {value!r} is invalid",
            hint=f"use one of: {', '.join(NODE_POLICIES)}",
        )
    return str(value)
