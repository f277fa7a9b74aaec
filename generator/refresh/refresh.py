"""Refresh the cached release table from the Node.js release index and image tags."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from nodeship import __version__
from nodeship.errors import InvalidInputError
from nodeship.refresh.cache import cache_path, current_release_data, write_cache
from nodeship.refresh.fetch import (
    FetchError,
    check_url,
    fetch_alpine_tags,
    fetch_node_index,
)
from nodeship.refresh.merge import ReleaseData, merge_fetched
from nodeship.releases import ReleaseTable, parse_table

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class RefreshResult:
    """The table to show after a refresh attempt, and what the attempt did.

    ``refreshed`` is False when a request failed. ``table`` is then the table that
    was current before, and ``notice`` gives the reason.
    """

    table: ReleaseTable
    refreshed: bool
    cache_path: Path
    cache_written: bool
    notice: str | None = None
    added_versions: tuple[str, ...] = ()
    added_variants: tuple[str, ...] = ()
    unscheduled_majors: tuple[int, ...] = ()
    tag_pages: int = 0
    tags_truncated: bool = False
    warnings: tuple[str, ...] = field(default=())


def refresh_release_table(
    *, index_url: str, tags_url: str, timeout: float, today: date
) -> RefreshResult:
    """Fetch the release index and the Alpine tags, merge them and cache the result.

    Network failures are not errors: the result carries a notice and the table that
    was current before, and the cache is left as it was. The cache is written only
    after both fetches and the merge succeeded.

    Raises:
        InvalidInputError: a URL is not http or https, or ``timeout`` is not positive.
    """
    for url, option in ((index_url, "--index-url"), (tags_url, "--tags-url")):
        try:
            check_url(url, option)
        except ValueError as error:
            raise InvalidInputError(
                str(error), hint=f"pass {option} with an http:// or https:// URL"
            ) from error
    if timeout <= 0:
        raise InvalidInputError(
            f"--timeout {timeout:g} is not a positive number of seconds",
            hint="pass --timeout 5",
        )

    path = cache_path()
    base, cached = current_release_data()
    try:
        index = fetch_node_index(index_url, timeout)
        tags = fetch_alpine_tags(tags_url, timeout)
    except FetchError as error:
        logger.info("refresh failed: %s", error)
        return RefreshResult(
            table=parse_table(base),
            refreshed=False,
            cache_path=path,
            cache_written=False,
            notice=(
                f"could not refresh the release table ({error}); "
                f"using {_describe(base, cached)}"
            ),
        )

    outcome = merge_fetched(base, index, tags.pairs)
    data = _with_provenance(outcome.data, index_url, tags_url, today)
    table = parse_table(data)
    warnings = []
    if tags.truncated:
        warnings.append(
            f"read only the first {tags.pages} pages of {tags_url}; "
            "versions on later pages were not added"
        )
    cache_written = True
    try:
        write_cache(path, data)
    except OSError as error:
        logger.info("writing %s failed: %s", path, error)
        cache_written = False
        warnings.append(
            f"could not write the release table cache {path} ({error}); "
            "the refreshed table is used for this command only"
        )
    return RefreshResult(
        table=table,
        refreshed=True,
        cache_path=path,
        cache_written=cache_written,
        added_versions=outcome.added_versions,
        added_variants=outcome.added_variants,
        unscheduled_majors=outcome.unscheduled_majors,
        tag_pages=tags.pages,
        tags_truncated=tags.truncated,
        warnings=tuple(warnings),
    )


def _describe(base: ReleaseData, cached: ReleaseData | None) -> str:
    if cached is None:
        return f"the table shipped with nodeship (generated {base.get('generated')})"
    return f"the shipped table and the cache refreshed on {cached.get('generated')}"


def _with_provenance(
    data: ReleaseData, index_url: str, tags_url: str, today: date
) -> ReleaseData:
    shipped_generated = data.get("generated")
    return {
        "generated": today.isoformat(),
        "sources": [index_url, tags_url],
        "notes": [
            f"Refreshed by nodeship {__version__} on {today.isoformat()}: the "
            f"release index and the image tags above, merged onto the table "
            f"generated {shipped_generated}. Schedule dates come from that table."
        ],
        "lines": data["lines"],
    }
