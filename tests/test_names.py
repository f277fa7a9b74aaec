"""Name rules: slug, npm package name and image path."""

from __future__ import annotations

import importlib.util

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nodeship import names
from nodeship.errors import InvalidInputError
from tests.conftest import TEMPLATE_DIR


@pytest.mark.parametrize(
    ("display", "slug"),
    [
        ("Orders API", "orders-api"),
        ("orders/api", "orders-api"),
        ("  orders  ", "orders"),
        ("../x", "x"),
        ("OrdersAPI", "orders-api"),
        ("OrdersService", "orders-service"),
        ("APIGateway", "api-gateway"),
        ("Café Straße", "cafe-strasse"),
        ("payments_v2", "payments-v2"),
        ("🚀", ""),
    ],
)
def test_slugify_name(display: str, slug: str) -> None:
    assert names.slugify_name(display) == slug


def test_slug_of_japanese_name_is_ascii() -> None:
    slug = names.slugify_name("東京プロジェクト")
    assert slug
    assert slug.isascii()
    names.check_slug(slug)


def test_empty_slug_rejected_with_reason() -> None:
    with pytest.raises(InvalidInputError) as raised:
        names.check_slug(names.slugify_name("🚀"), source="name '🚀'")
    assert "no letters or digits" in raised.value.message
    assert raised.value.hint is not None
    assert "--slug" in raised.value.hint


@pytest.mark.parametrize(
    "slug", ["Orders", "orders--api", "-orders", "orders_api", "a/b"]
)
def test_invalid_slug_rejected(slug: str) -> None:
    with pytest.raises(InvalidInputError):
        names.check_slug(slug)


def test_slug_length_limit() -> None:
    names.check_slug("a" * names.MAX_SLUG_LENGTH)
    with pytest.raises(InvalidInputError):
        names.check_slug("a" * (names.MAX_SLUG_LENGTH + 1))


@pytest.mark.parametrize(
    "name",
    ["orders-api", "@acme/orders-api", "a" * 214, "orders.api", "x_y"],
)
def test_npm_name_accepted(name: str) -> None:
    assert names.check_npm_name(name) == name


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("a" * 215, "more than 214"),
        (".hidden", "starts with"),
        ("_private", "starts with"),
        ("http", "core module"),
        ("fs", "core module"),
        ("node_modules", "reserved"),
        ("OrdersAPI", "uppercase"),
        ("orders api", "may only contain"),
        ("@acme", "@scope/name"),
        ("@/x", "@scope/name"),
        ("", "empty"),
    ],
)
def test_npm_name_rejected_with_rule(name: str, rule: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        names.check_npm_name(name)
    assert rule in raised.value.message


def test_scoped_package_keeps_slug_for_folder_and_image() -> None:
    # A scoped npm name never reaches the folder or the image: both use the slug.
    names.check_npm_name("@acme/orders-api")
    slug = names.slugify_name("Orders API")
    assert slug == "orders-api"
    assert names.check_image(slug) == slug


@pytest.mark.parametrize(
    "image",
    ["ghcr.io/acme/orders-api", "localhost:5000/orders", "acme/orders", "orders"],
)
def test_image_accepted(image: str) -> None:
    assert names.check_image(image) == image


@pytest.mark.parametrize(
    ("image", "problem"),
    [
        ("ghcr.io/AcmeCorp/orders", "uppercase"),
        ("ghcr.io/acme/orders:1.0", "tag"),
        ("@acme/orders", "'@'"),
        ("ghcr.io/acme/orders..api", "invalid"),
        ("ghcr.io//orders", "invalid"),
    ],
)
def test_image_rejected(image: str, problem: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        names.check_image(image)
    assert problem in raised.value.message


@pytest.mark.parametrize("text", ['say "hi"', "a\\b", "cost $5", "tick`", "a\x07b"])
def test_display_text_rejects_unsafe_characters(text: str) -> None:
    with pytest.raises(InvalidInputError):
        names.check_display_text(text, field="name", flag="--name")


def _template_slug_filter():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "local_extensions", TEMPLATE_DIR / "local_extensions.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.service_slug


@given(st.text(max_size=60))
def test_template_filter_matches_slug_rule(name: str) -> None:
    assert _template_slug_filter()(name) == names.slugify_name(name)
