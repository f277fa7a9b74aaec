"""Errors raised while fetching, composing or checking a template."""

from __future__ import annotations

from nodeship.errors import ExitCode, GenerationError, InvalidInputError


class TemplateSourceError(InvalidInputError):
    """A --template or --overlay value cannot be found, fetched or read."""


class TemplateMismatchError(GenerationError):
    """The template's variables do not match the ones nodeship provides."""


class UntrustedHooksError(InvalidInputError):
    """A template fetched from a URL has hooks, and its source is not trusted."""

    exit_code = ExitCode.NEEDS_TRUST
