"""Placeholder until the verify command lands."""

import click


@click.command("verify")
def verify() -> None:
    """Build and check the image of a generated project on a Docker engine."""
