"""The refreshed release table cached on disk, and the table commands should use.

The cache is a JSON file in the structure of ``releases.json``, in the user cache
folder (``platformdirs.user_cache_dir("nodeship")``) or in ``$NODESHIP_CACHE_DIR``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from importlib import resources
from pathlib import Path

import platformdirs

from nodeship.refresh.merge import ReleaseData, union_tables
from nodeship.releases import ReleaseTable, parse_table

logger = logging.getLogger(__name__)

CACHE_DIR_ENV = "NODESHIP_CACHE_DIR"
CACHE_FILE_NAME = "releases.json"


def cache_path() -> Path:
    """Return the path of the cached release table, which may not exist yet."""
    folder = os.environ.get(CACHE_DIR_ENV) or platformdirs.user_cache_dir("nodeship")
    return Path(folder) / CACHE_FILE_NAME


def shipped_data() -> ReleaseData:
    """Read the ``releases.json`` shipped inside the nodeship package."""
    text = resources.files("nodeship").joinpath("releases.json").read_text("utf-8")
    data: ReleaseData = json.loads(text)
    return data


def read_cached_data(path: Path) -> ReleaseData | None:
    """Return the cached table, or None when it is missing or invalid.

    An invalid cache is logged as a warning and ignored, so a damaged file never
    stops a command. The next successful refresh replaces it.
    """
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return None
    except OSError as error:
        logger.warning("ignoring the cached release table %s: %s", path, error)
        return None

    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise TypeError("the file is not a JSON object")
        parse_table(data)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        logger.warning(
            "ignoring the cached release table %s, which is invalid (%s); "
            "run `nodeship versions --refresh` to replace it",
            path,
            error,
        )
        return None
    return data


def current_release_data() -> tuple[ReleaseData, ReleaseData | None]:
    """Return the shipped table merged with the cache, and the cache itself.

    The shipped table's schedule dates win, and the versions and Alpine variants of
    both are kept. So a cache written by an older nodeship adds its facts to a newer
    shipped table instead of hiding it.
    """
    shipped = shipped_data()
    cached = read_cached_data(cache_path())
    if cached is None:
        return shipped, None
    return union_tables(shipped, cached), cached


def load_current_table() -> ReleaseTable:
    """Load the freshest release table: the shipped one plus the refreshed cache."""
    data, _ = current_release_data()
    return parse_table(data)


def write_cache(path: Path, data: ReleaseData) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    Readers see the old file or the complete new one, never a partial write.

    Raises:
        OSError: the folder could not be created or the file could not be written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    handle, temporary_name = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
    )
    temporary = Path(temporary_name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    logger.info("wrote the release table cache %s", path)
