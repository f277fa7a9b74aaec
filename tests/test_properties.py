"""Property tests for the name, version and tag rules."""

from __future__ import annotations

import contextlib
import re

from hypothesis import given
from hypothesis import strategies as st

from nodeship import names
from nodeship.errors import InvalidInputError
from nodeship.releases import load_table
from nodeship.tags import check_tag, image_tag
from tests.test_releases import TABLE, TODAY

DOCKER_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@given(st.text())
def test_slug_is_empty_or_valid(name: str) -> None:
    slug = names.slugify_name(name)
    assert slug == "" or SLUG.fullmatch(slug)


@given(st.text())
def test_slug_never_escapes_folder(name: str) -> None:
    slug = names.slugify_name(name)
    assert "/" not in slug
    assert ".." not in slug
    assert "@" not in slug


@given(st.text(max_size=250))
def test_accepted_npm_names_follow_npm_rules(name: str) -> None:
    try:
        names.check_npm_name(name)
    except InvalidInputError:
        return
    assert name == name.lower()
    assert 0 < len(name) <= 214
    assert name[0] not in "._"
    assert name.isascii()


@given(st.text(max_size=40))
def test_slug_is_valid_image_path(name: str) -> None:
    slug = names.slugify_name(name)
    if not slug:
        return
    assert names.check_image(slug) == slug


@given(st.text(max_size=30))
def test_resolve_raises_only_input_errors(request_text: str) -> None:
    # Any other exception type escaping here would reach the user as a traceback.
    with contextlib.suppress(InvalidInputError):
        assert TABLE.resolve(request_text, None, TODAY).alpine


@given(
    st.sampled_from([r.version for line in load_table().lines for r in line.releases]),
    st.from_regex(
        r"\A(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})"
        r"(-[0-9A-Za-z-]{1,150})?\Z"
    ),
)
def test_tag_valid_or_rejected(node: str, version: str) -> None:
    release = load_table().resolve(node, None, TODAY)
    tag = image_tag(alpine=release.alpine, node=release.version, version=version)
    try:
        check_tag(tag)
    except InvalidInputError:
        assert len(tag) > 128
        return
    assert DOCKER_TAG.fullmatch(tag)
    assert tag.split("-v", 1)[0] == release.alpine
