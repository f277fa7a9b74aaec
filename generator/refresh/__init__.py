"""Refresh nodeship's Node.js release table from the network and cache it.

``refresh_release_table`` runs ``nodeship versions --refresh``. ``load_current_table``
returns the shipped table merged with that cache, for every command that resolves
Node.js versions. Names are loaded from their modules on first use, so importing
this package for one of them does not load the HTTP code.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nodeship.refresh.cache import CACHE_DIR_ENV, cache_path, load_current_table
    from nodeship.refresh.fetch import (
        DEFAULT_NODE_INDEX_URL,
        DEFAULT_REGISTRY_TAGS_URL,
    )
    from nodeship.refresh.refresh import (
        DEFAULT_TIMEOUT_SECONDS,
        RefreshResult,
        refresh_release_table,
    )

_MODULE_OF = {
    "CACHE_DIR_ENV": "cache",
    "cache_path": "cache",
    "load_current_table": "cache",
    "DEFAULT_NODE_INDEX_URL": "fetch",
    "DEFAULT_REGISTRY_TAGS_URL": "fetch",
    "DEFAULT_TIMEOUT_SECONDS": "refresh",
    "RefreshResult": "refresh",
    "refresh_release_table": "refresh",
}

__all__ = [
    "CACHE_DIR_ENV",
    "DEFAULT_NODE_INDEX_URL",
    "DEFAULT_REGISTRY_TAGS_URL",
    "DEFAULT_TIMEOUT_SECONDS",
    "RefreshResult",
    "cache_path",
    "load_current_table",
    "refresh_release_table",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"nodeship.refresh.{module}"), name)
