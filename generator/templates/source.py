"""Find or fetch a template: built-in, a folder, a git repository or a zip file."""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import re
import tempfile
import urllib.parse
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from nodeship.template_source import builtin_template_dir
from nodeship.templates import git
from nodeship.templates.errors import TemplateSourceError
from nodeship.templates.record import TemplateSource, builtin_source

logger = logging.getLogger(__name__)

TEMPLATE_CONFIG = "cookiecutter.json"
ZIP_TIMEOUT_SECONDS = 60
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# scp-like git address such as git@git.acme.internal:platform/template.git
_SCP_LIKE = re.compile(r"^[\w.-]+@[\w.-]+:")


@dataclass(frozen=True)
class FetchedTemplate:
    """A template ready to render from ``path``, and where it came from."""

    path: Path
    source: TemplateSource


def is_url(location: str) -> bool:
    """Return whether ``location`` is a URL (or scp-like git address), not a path."""
    return bool(_URL.match(location) or _SCP_LIKE.match(location))


def is_zip(location: str) -> bool:
    """Return whether ``location`` names a zip file, by its path's extension."""
    path = urllib.parse.urlsplit(location).path if is_url(location) else location
    return path.lower().endswith(".zip")


def public_location(location: str) -> str:
    """Return ``location`` without a user name, password or query string.

    The result is stored in the project, so it must carry no token. ssh and
    scp-like addresses keep their user name, which names an account, not a secret.
    """
    if not _URL.match(location):
        return location
    parts = urllib.parse.urlsplit(location)
    netloc = parts.netloc
    if parts.scheme in ("http", "https", "file", "git"):
        netloc = netloc.rpartition("@")[2]
    elif parts.password is not None:
        user = parts.username or ""
        netloc = f"{user}@{netloc.rpartition('@')[2]}"
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


@contextlib.contextmanager
def open_template(
    location: str | None, *, ref: str | None
) -> Iterator[FetchedTemplate]:
    """Yield the template at ``location`` (the built-in one for None).

    A fetched template lives in a temporary folder that is removed on exit.
    """
    if location is None:
        if ref is not None:
            raise TemplateSourceError(
                "--ref was given without --template",
                hint="pass --template with a git URL or repository, or leave out --ref",
            )
        yield FetchedTemplate(builtin_template_dir(), builtin_source())
        return
    with tempfile.TemporaryDirectory(prefix="nodeship-template-") as folder:
        yield fetch_template(location, ref=ref, into=Path(folder))


def fetch_template(location: str, *, ref: str | None, into: Path) -> FetchedTemplate:
    """Fetch or locate the template at ``location``, writing only below ``into``.

    A URL ending in ``.zip`` is downloaded; any other URL is cloned with git. A
    local folder that is the root of a git repository is cloned too, so its tags are
    the template's versions and uncommitted changes are not rendered.
    """
    if is_url(location):
        if is_zip(location):
            _reject_ref(ref, location)
            data = _download(location)
            source = TemplateSource(
                kind="zip",
                location=public_location(location),
                remote=True,
                sha256=hashlib.sha256(data).hexdigest(),
            )
            return _extract_zip(data, into, source)
        return fetch_git(location, ref=ref, into=into, remote=True)

    path = Path(location).expanduser().absolute()
    if path.is_file() and is_zip(location):
        _reject_ref(ref, location)
        data = path.read_bytes()
        source = TemplateSource(
            kind="zip",
            location=str(path),
            sha256=hashlib.sha256(data).hexdigest(),
        )
        return _extract_zip(data, into, source)
    if not path.is_dir():
        raise TemplateSourceError(
            f"template {location!r} not found",
            hint="pass --template with a folder, a zip file, or a git URL",
        )
    if (path / ".git").exists():
        return fetch_git(str(path), ref=ref, into=into, remote=False)
    _reject_ref(ref, location)
    _require_config(path, location)
    return FetchedTemplate(path, TemplateSource(kind="path", location=str(path)))


def fetch_git(
    location: str, *, ref: str | None, into: Path, remote: bool
) -> FetchedTemplate:
    """Clone ``location`` and check out ``ref``, else the newest version tag or HEAD."""
    repository = into / "repository"
    git.clone(location, repository)
    return check_out_version(
        repository, location=location, ref=ref, into=into / "tree", remote=remote
    )


def check_out_version(
    repository: Path, *, location: str, ref: str | None, into: Path, remote: bool
) -> FetchedTemplate:
    """Write one version of a cloned template into ``into`` and describe it."""
    if ref is None:
        ref = git.latest_version_tag(git.tags(repository))
    commit = git.resolve_commit(repository, ref or "HEAD")
    git.check_out(repository, commit, into)
    tags = git.tags_at(repository, commit)
    tag = git.latest_version_tag(tags) or (sorted(tags)[0] if tags else None)
    source = TemplateSource(
        kind="git",
        location=public_location(location),
        remote=remote,
        ref=ref,
        commit=commit,
        tag=tag,
    )
    _require_config(into, location)
    logger.info("template %s at %s", source.location, source.version)
    return FetchedTemplate(into, source)


def _reject_ref(ref: str | None, location: str) -> None:
    if ref is not None:
        raise TemplateSourceError(
            f"--ref {ref!r} needs a git template, but {location!r} is not one",
            hint="leave out --ref, or pass --template with a git URL or repository",
        )


def _require_config(folder: Path, location: str) -> None:
    if not (folder / TEMPLATE_CONFIG).is_file():
        raise TemplateSourceError(
            f"template {location!r} has no {TEMPLATE_CONFIG} at its top level",
            hint="pass the folder that holds cookiecutter.json",
        )


def _download(url: str) -> bytes:
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in ("http", "https", "file"):
        raise TemplateSourceError(
            f"zip template URL {public_location(url)!r} has scheme {scheme!r}",
            hint="use an https:// or file:// URL for a zip template",
        )
    # Imported here: the HTTP client is only needed for zip URLs, and loading it
    # would slow down every `nodeship new`.
    from urllib.error import URLError
    from urllib.request import urlopen

    logger.info("downloading %s", public_location(url))
    try:
        with urlopen(url, timeout=ZIP_TIMEOUT_SECONDS) as response:
            data: bytes = response.read()
    except (URLError, OSError) as error:
        raise TemplateSourceError(
            f"downloading {public_location(url)} failed: {error}",
            hint="check the URL and the network",
        ) from None
    return data


def _extract_zip(data: bytes, into: Path, source: TemplateSource) -> FetchedTemplate:
    """Unpack a zip with cookiecutter.json at its top level or in its one folder."""
    destination = into / "unpacked"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                member = PurePosixPath(name)
                if member.is_absolute() or ".." in member.parts:
                    raise TemplateSourceError(
                        f"zip template {source.location} has unsafe path {name!r}",
                        hint="rebuild the zip with paths relative to its top folder",
                    )
            archive.extractall(destination)
    except zipfile.BadZipFile as error:
        raise TemplateSourceError(
            f"{source.location} is not a valid zip file: {error}",
            hint="pass a zip made with `zip -r` or `git archive --format=zip`",
        ) from None
    root = destination
    if not (root / TEMPLATE_CONFIG).is_file():
        folders = [child for child in destination.iterdir() if child.is_dir()]
        if len(folders) == 1:
            root = folders[0]
    _require_config(root, source.location)
    return FetchedTemplate(root, source)
