"""Fetch the Node.js release index and the ``node`` image's Alpine tags over HTTP.

Requests go through ``urllib.request``'s default opener, so the ``http_proxy``,
``https_proxy`` and ``no_proxy`` environment variables apply as in other Python tools.
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import IO

from nodeship import __version__

logger = logging.getLogger(__name__)

DEFAULT_NODE_INDEX_URL = "https://nodejs.org/dist/index.json"
DEFAULT_REGISTRY_TAGS_URL = (
    "https://hub.docker.com/v2/repositories/library/node/tags?page_size=100&name=alpine"
)

# Upper bounds that stop a misbehaving server from filling memory or looping on
# "next" links. They are generous guesses, not measured sizes of the real services.
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
MAX_TAG_PAGES = 200
_READ_CHUNK_BYTES = 64 * 1024

_INDEX_VERSION = re.compile(r"^v(\d+)\.(\d+)\.(\d+)$")
# Only full-version tags such as 24.11.1-alpine3.22 name one Node.js release and one
# Alpine variant. Tags such as 24-alpine3.22 or 24.11.1-alpine move over time.
_ALPINE_TAG = re.compile(r"^(\d+\.\d+\.\d+)-alpine(\d+\.\d+)$")


class FetchError(Exception):
    """A request failed or timed out, or its response was not the expected JSON."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


@dataclass(frozen=True)
class IndexRelease:
    """One entry of the Node.js release index."""

    version: str
    major: int
    date: str
    lts_codename: str | None


@dataclass(frozen=True)
class AlpineTags:
    """The (Node.js version, Alpine variant) pairs found in the tag list."""

    pairs: frozenset[tuple[str, str]]
    pages: int
    truncated: bool


def check_url(url: str, option: str) -> None:
    """Raise ValueError unless ``url`` is an absolute http or https URL."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{option} {url!r} is not an http or https URL")


def fetch_json(url: str, timeout: float) -> object:
    """Send a GET request for ``url`` and return the decoded JSON response.

    Raises:
        FetchError: the connection failed, the server responded with an HTTP error,
            no data arrived for ``timeout`` seconds, the whole response took longer
            than ``timeout`` seconds, or the body is not JSON.
    """
    logger.info("GET %s (timeout %g s)", url, timeout)
    request = urllib.request.Request(
        url,
        headers={
            "Accept": "application/json",
            "User-Agent": f"nodeship/{__version__}",
        },
    )
    deadline = time.monotonic() + timeout
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = _read_body(response, url, deadline, timeout)
    except urllib.error.HTTPError as error:
        error.close()
        raise FetchError(url, f"HTTP {error.code} {error.reason}") from error
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise FetchError(url, f"timed out after {timeout:g} s") from error
        raise FetchError(url, f"connection failed: {error.reason}") from error
    except TimeoutError as error:
        raise FetchError(url, f"timed out after {timeout:g} s") from error
    except (OSError, http.client.HTTPException) as error:
        raise FetchError(url, f"connection failed: {error}") from error

    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FetchError(url, f"the response is not valid JSON ({error})") from error


def _read_body(response: IO[bytes], url: str, deadline: float, timeout: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read(_READ_CHUNK_BYTES):
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise FetchError(url, f"the response exceeds {MAX_RESPONSE_BYTES} bytes")
        if time.monotonic() > deadline:
            raise FetchError(url, f"timed out after {timeout:g} s")
        chunks.append(chunk)
    return b"".join(chunks)


def fetch_node_index(url: str, timeout: float) -> list[IndexRelease]:
    """Fetch ``index.json`` and return its releases with a full ``vX.Y.Z`` version.

    Entries in another shape are skipped. A response with no usable entry raises
    FetchError, because it means the format is not the one nodeship reads.
    """
    data = fetch_json(url, timeout)
    if not isinstance(data, list):
        raise FetchError(url, "expected a JSON list of releases")

    releases: list[IndexRelease] = []
    for entry in data:
        release = _parse_index_entry(entry)
        if release is not None:
            releases.append(release)
    if not releases:
        raise FetchError(url, "no entry has a version such as v24.11.1")
    skipped = len(data) - len(releases)
    if skipped:
        logger.info("skipped %d entries of %s in an unknown shape", skipped, url)
    return releases


def _parse_index_entry(entry: object) -> IndexRelease | None:
    if not isinstance(entry, dict):
        return None
    version = entry.get("version")
    if not isinstance(version, str):
        return None
    match = _INDEX_VERSION.fullmatch(version)
    if match is None:
        return None
    lts = entry.get("lts")
    released = entry.get("date")
    return IndexRelease(
        version=version.removeprefix("v"),
        major=int(match[1]),
        date=released if isinstance(released, str) else "",
        lts_codename=lts if isinstance(lts, str) and lts else None,
    )


def fetch_alpine_tags(url: str, timeout: float) -> AlpineTags:
    """Fetch every page of the tag list and return the full-version Alpine tags.

    Pages are followed through their ``next`` link, which must stay on the scheme
    and host of ``url``. Reading stops after MAX_TAG_PAGES pages.

    Raises:
        FetchError: a page failed, was not a tag page, or linked elsewhere.
    """
    pairs: set[tuple[str, str]] = set()
    visited: set[str] = set()
    next_url: str | None = url
    pages = 0
    while next_url is not None:
        if pages >= MAX_TAG_PAGES:
            logger.info("stopped reading tags after %d pages", pages)
            return AlpineTags(frozenset(pairs), pages, truncated=True)
        if next_url in visited:
            raise FetchError(next_url, "the next-page links form a loop")
        visited.add(next_url)

        page_url = next_url
        names, next_url = _parse_tag_page(fetch_json(page_url, timeout), page_url)
        pages += 1
        for name in names:
            match = _ALPINE_TAG.fullmatch(name)
            if match is not None:
                pairs.add((match[1], match[2]))
        if next_url is not None:
            next_url = _same_origin(url, urllib.parse.urljoin(page_url, next_url))
    return AlpineTags(frozenset(pairs), pages, truncated=False)


def _parse_tag_page(data: object, url: str) -> tuple[list[str], str | None]:
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise FetchError(url, 'expected a JSON object with a "results" list')
    names = [
        item["name"]
        for item in data["results"]
        if isinstance(item, dict) and isinstance(item.get("name"), str)
    ]
    next_link = data.get("next")
    if next_link is not None and not isinstance(next_link, str):
        raise FetchError(url, '"next" is neither a URL nor null')
    return names, next_link or None


def _same_origin(first_url: str, next_url: str) -> str:
    first = urllib.parse.urlsplit(first_url)
    following = urllib.parse.urlsplit(next_url)
    if (first.scheme, first.netloc) != (following.scheme, following.netloc):
        raise FetchError(
            next_url, f"the next page is not on {first.scheme}://{first.netloc}"
        )
    return next_url
