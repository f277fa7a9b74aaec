"""``nodeship config show``: the merged company configuration and its sources."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.group("config")
def config() -> None:
    """Inspect nodeship's company configuration."""


@config.command("show")
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Config file read before all others.",
)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def show(config_file: Path | None, as_json: bool) -> None:
    """Print every configured value and the file it came from.

    Files, highest precedence first: --config, $NODESHIP_CONFIG, .nodeship.toml in
    this folder and each parent, then config.toml in the user's config folder.
    """
    from nodeship.config import config_files, load_config

    loaded = load_config(config_files(config_file, Path.cwd()))
    rows = [
        {
            "table": table,
            "key": key,
            "value": setting.value,
            "source": str(setting.source),
        }
        for table, settings in (
            ("defaults", loaded.defaults),
            ("locked", loaded.locked),
            ("labels", loaded.labels),
        )
        for key, setting in sorted(settings.items())
    ]
    for key in ("template", "template_ref", "label_namespace", "base_image_mirror"):
        setting = getattr(loaded, key)
        if setting is not None:
            rows.append(
                {
                    "table": "",
                    "key": key,
                    "value": setting.value,
                    "source": str(setting.source),
                }
            )
    if loaded.node_policy:
        policy = loaded.node_policy
        rows.append(
            {
                "table": "",
                "key": "node_policy",
                "value": policy.value,
                "source": str(policy.source),
            }
        )
    if as_json:
        payload = {"files": [str(path) for path in loaded.files], "values": rows}
        click.echo(json.dumps(payload, indent=2))
        return
    if not loaded.files:
        click.echo("No config file found.")
        return
    click.echo("Files, highest precedence first:")
    for path in loaded.files:
        click.echo(f"  {path}")
    for row in rows:
        name = f"[{row['table']}] {row['key']}" if row["table"] else row["key"]
        click.echo(f"{name} = {row['value']!r}    ({row['source']})")
