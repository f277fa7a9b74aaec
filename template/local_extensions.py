"""Jinja extensions for plain cookiecutter renders of this template.

nodeship passes every value itself. When the template is rendered with plain
``cookiecutter``, the ``service_slug`` filter derives the folder name from the
display name with the same rule as nodeship's ``nodeship.names.slugify_name``:
split CamelCase words, transliterate to ASCII, lowercase, join with dashes.
A test in nodeship checks that both give the same slug.
"""

import re

from jinja2.ext import Extension
from slugify import slugify

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def service_slug(name):
    """Return the lowercase, dash-joined slug for a display name."""
    return slugify(_CAMEL_BOUNDARY.sub(" ", str(name)))


class ServiceSlugExtension(Extension):
    """Register the ``service_slug`` filter."""

    def __init__(self, environment):
        super().__init__(environment)
        environment.filters["service_slug"] = service_slug
