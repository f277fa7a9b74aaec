"""The ``nodeship`` command: parses options, calls the library, renders results."""

from __future__ import annotations

import logging
import os
import signal
import sys
from importlib import import_module
from types import FrameType

import click

from nodeship import __version__
from nodeship.errors import ExitCode, NodeshipError

logger = logging.getLogger(__name__)

# The module and attribute of each subcommand, as "module:attribute". A command's
# module is imported only when that command runs or help lists it, so `nodeship new`
# does not load the code of verify, bump and the others.
SUBCOMMANDS = {
    "bump": "nodeship.cli.bump_command:bump",
    "check": "nodeship.cli.update_command:check",
    "config": "nodeship.cli.config_command:config",
    "new": "nodeship.cli.new_command:new",
    "template": "nodeship.cli.template_command:template",
    "update": "nodeship.cli.update_command:update",
    "verify": "nodeship.cli.verify_command:verify",
    "versions": "nodeship.cli.versions_command:versions",
}


class LazyGroup(click.Group):
    """A click group that imports each command in SUBCOMMANDS on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *SUBCOMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = self.commands.get(cmd_name)
        if command is None and cmd_name in SUBCOMMANDS:
            module_name, _, attribute = SUBCOMMANDS[cmd_name].partition(":")
            command = getattr(import_module(module_name), attribute)
            self.add_command(command, cmd_name)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="nodeship")
@click.option(
    "-v", "--verbose", count=True, help="Show more detail; repeat for debug output."
)
def cli(verbose: int) -> None:
    """Generate Node.js services with pinned Alpine images and immutable tags."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    # cookiecutter logs a failed hook with its traceback; nodeship reports the
    # failure itself, so cookiecutter's own records show only with -vv.
    logging.getLogger("cookiecutter").setLevel(
        logging.DEBUG if verbose >= 2 else logging.CRITICAL
    )


def main(argv: list[str] | None = None) -> None:
    """Run the CLI and turn every user-facing error into a message and an exit code."""
    sys.exit(run(argv))


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code instead of exiting."""
    _replace_closed_streams()
    signal.signal(signal.SIGTERM, _interrupt_on_signal)
    signal.signal(signal.SIGHUP, _interrupt_on_signal)
    try:
        result = cli.main(args=argv, prog_name="nodeship", standalone_mode=False)
    except NodeshipError as error:
        _print_error(error.message, error.hint)
        return int(error.exit_code)
    except (KeyboardInterrupt, click.Abort):
        _print_error("interrupted; nothing was written", None)
        return int(ExitCode.INTERRUPTED)
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except EOFError:
        _print_error(
            "input ended before every question was answered; nothing was written",
            "pass the answers as flags or with --answers FILE, and --yes",
        )
        return int(ExitCode.INVALID_INPUT)
    return result if isinstance(result, int) else 0


def _replace_closed_streams() -> None:
    """Point a closed stdin, stdout or stderr at /dev/null instead of None.

    The replacements stay open until the process exits, as the originals would.
    """
    if sys.stdin is None:
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 - open until exit
    if sys.stdout is None:
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - as above
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - as above


def _interrupt_on_signal(signum: int, frame: FrameType | None) -> None:
    """Treat SIGTERM and SIGHUP like Ctrl-C, so every cleanup path runs.

    A terminal's Ctrl-C reaches the whole process group, hooks and npm included. A
    SIGTERM sent to nodeship alone does not, so nodeship passes it on to its group
    when it leads one.
    """
    signal.signal(signum, signal.SIG_IGN)
    if os.getpgrp() == os.getpid():
        os.killpg(os.getpgrp(), signum)
    raise KeyboardInterrupt


def _print_error(message: str, hint: str | None) -> None:
    click.echo(f"error: {message}", err=True)
    if hint:
        click.echo(f"hint: {hint}", err=True)
