"""Refresh nodeship's Node.js release table from the network and cache it.

``refresh_release_table`` runs ``nodeship versions --refresh``. ``load_current_table``
returns the shipped table merged with that cache, for every command that resolves
Node.js versions.
"""

from nodeship.refresh.cache import CACHE_DIR_ENV, cache_path, load_current_table
from nodeship.refresh.fetch import DEFAULT_NODE_INDEX_URL, DEFAULT_REGISTRY_TAGS_URL
from nodeship.refresh.refresh import (
    DEFAULT_TIMEOUT_SECONDS,
    RefreshResult,
    refresh_release_table,
)

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
