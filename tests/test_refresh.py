"""``nodeship versions --refresh`` against a local server with sample responses.

The server listens on 127.0.0.1 only, and the CLI gets its address through
NODESHIP_NODE_INDEX_URL and NODESHIP_REGISTRY_TAGS_URL, so no test reaches
nodejs.org or Docker Hub.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from nodeship.refresh.fetch import IndexRelease
from nodeship.refresh.merge import merge_fetched, union_tables
from nodeship.releases import load_table
from tests.conftest import Run, run_nodeship

FIXTURES = Path(__file__).parent / "fixtures" / "releases"
RECORDED_HOST = "https://hub.docker.com"
TIMEOUT_SECONDS = 1
SHIPPED_GENERATED = json.loads(
    (Path(__file__).parent.parent / "generator" / "releases.json").read_text("utf-8")
)["generated"]


@dataclass
class ReleaseServer:
    """A local HTTP server that responds like nodejs.org and Docker Hub.

    ``faults`` maps a route (``index``, ``tags-1``, ``tags-2``) to ``500``,
    ``hang`` or ``malformed``. Routes without a fault serve the fixture files.
    """

    base_url: str
    faults: dict[str, str] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    release_hanging: threading.Event = field(default_factory=threading.Event)

    @property
    def index_url(self) -> str:
        return f"{self.base_url}/dist/index.json"

    @property
    def tags_url(self) -> str:
        return (
            f"{self.base_url}/v2/repositories/library/node/tags"
            "?page_size=100&name=alpine"
        )


def _route(path: str) -> tuple[str, Path] | None:
    parts = urlsplit(path)
    if parts.path == "/dist/index.json":
        return "index", FIXTURES / "index.json"
    if parts.path == "/v2/repositories/library/node/tags":
        page = parse_qs(parts.query).get("page", ["1"])[0]
        return f"tags-{page}", FIXTURES / f"tags-page-{page}.json"
    return None


def _make_handler(server: ReleaseServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.requests.append(self.path)
            route = _route(self.path)
            if route is None or not route[1].exists():
                self.send_error(404)
                return
            name, fixture = route
            fault = server.faults.get(name)
            if fault == "500":
                self.send_error(500, "Internal Server Error")
                return
            if fault == "hang":
                server.release_hanging.wait(timeout=30)
                return
            body = fixture.read_text("utf-8").replace(RECORDED_HOST, server.base_url)
            if fault == "malformed":
                body = body[: len(body) // 2]
            payload = body.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            """Keep the test output free of access logs."""

    return Handler


@pytest.fixture
def release_server() -> Iterator[ReleaseServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    httpd.daemon_threads = True
    server = ReleaseServer(base_url=f"http://127.0.0.1:{httpd.server_address[1]}")
    httpd.RequestHandlerClass = _make_handler(server)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield server
    server.release_hanging.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def refresh(
    server: ReleaseServer, cache_dir: Path, cwd: Path, *extra: str
) -> tuple[Run, float]:
    """Run ``versions --refresh --json`` against ``server``; return it and its time."""
    env = {
        "NODESHIP_NODE_INDEX_URL": server.index_url,
        "NODESHIP_REGISTRY_TAGS_URL": server.tags_url,
        "NODESHIP_CACHE_DIR": str(cache_dir),
        "NODESHIP_REFRESH_TIMEOUT": str(TIMEOUT_SECONDS),
        # A proxy set in the developer's environment must not catch local requests.
        "no_proxy": "127.0.0.1",
        "NO_PROXY": "127.0.0.1",
    }
    started = time.monotonic()
    run = run_nodeship(
        "versions", "--refresh", "--json", *extra, cwd=cwd, env=env, timeout=60
    )
    return run, time.monotonic() - started


def releases_by_version(run: Run) -> dict[str, list[str]]:
    rows = run.json()
    assert isinstance(rows, list)
    return {
        release["version"]: release["alpine"]
        for row in rows
        for release in row["releases"]
    }


def shipped_releases() -> dict[str, list[str]]:
    return {
        release.version: list(release.alpine)
        for line in load_table().lines
        for release in line.releases
    }


def test_refresh_adds_new_versions(
    release_server: ReleaseServer, cache_dir: Path, workdir: Path
) -> None:
    run, _ = refresh(release_server, cache_dir, workdir)

    assert run.code == 0, run.stderr
    found = releases_by_version(run)
    assert found["26.14.0"] == ["3.23", "3.24"]
    assert found["24.22.0"] == ["3.24"]
    assert "Refreshed the release table" in run.stderr
    assert "notice: could not refresh" not in run.stderr


def test_refresh_reads_both_tag_pages(
    release_server: ReleaseServer, cache_dir: Path, workdir: Path
) -> None:
    run, _ = refresh(release_server, cache_dir, workdir)

    assert run.code == 0, run.stderr
    tag_requests = [path for path in release_server.requests if "/tags" in path]
    assert len(tag_requests) == 2
    assert "page=2" in tag_requests[1]


def test_refresh_skips_unpublished_versions(
    release_server: ReleaseServer, cache_dir: Path, workdir: Path
) -> None:
    run, _ = refresh(release_server, cache_dir, workdir)

    found = releases_by_version(run)
    assert "22.24.0" not in found, "listed in index.json but has no Alpine tag"
    assert "26.14.1" not in found, "has a tag but is not in index.json"
    assert "21.7.3" not in found, "Node.js 21 has no line in the shipped schedule"
    assert "Node.js 21" in run.stderr


def test_refresh_keeps_shipped_facts(
    release_server: ReleaseServer, cache_dir: Path, workdir: Path
) -> None:
    run, _ = refresh(release_server, cache_dir, workdir)

    found = releases_by_version(run)
    for version, alpine in shipped_releases().items():
        assert found.get(version) == alpine, version


def test_refresh_keeps_schedule_dates(
    release_server: ReleaseServer, cache_dir: Path, workdir: Path
) -> None:
    run, _ = refresh(release_server, cache_dir, workdir)

    rows = run.json()
    assert isinstance(rows, list)
    end_of_life = {row["major"]: row["end_of_life"] for row in rows}
    for line in load_table().lines:
        assert end_of_life[line.major] == line.end.isoformat(), line.major


def test_refresh_writes_cache(
    release_server: ReleaseServer, cache_dir: Path, workdir: Path
) -> None:
    run, _ = refresh(release_server, cache_dir, workdir)

    assert run.code == 0, run.stderr
    assert sorted(path.name for path in cache_dir.iterdir()) == ["releases.json"]
    cached = json.loads((cache_dir / "releases.json").read_text("utf-8"))
    assert cached["sources"] == [release_server.index_url, release_server.tags_url]
    cached_24 = next(line for line in cached["lines"] if line["major"] == 24)
    assert {"version": "24.22.0", "alpine": ["3.24"]} in cached_24["versions"]


def test_versions_reads_cache_after_refresh(
    release_server: ReleaseServer, cache_dir: Path, workdir: Path
) -> None:
    refresh(release_server, cache_dir, workdir)
    requests_after_refresh = len(release_server.requests)

    run = run_nodeship(
        "versions", "--json", cwd=workdir, env={"NODESHIP_CACHE_DIR": str(cache_dir)}
    )

    assert run.code == 0, run.stderr
    assert releases_by_version(run)["26.14.0"] == ["3.23", "3.24"]
    assert len(release_server.requests) == requests_after_refresh, "no network"


@pytest.mark.parametrize(
    ("faults", "reason"),
    [
        ({"index": "500"}, "HTTP 500"),
        ({"tags-1": "500"}, "HTTP 500"),
        ({"tags-2": "500"}, "HTTP 500"),
        ({"index": "malformed"}, "not valid JSON"),
        ({"tags-2": "malformed"}, "not valid JSON"),
        ({"index": "hang"}, "timed out"),
        ({"tags-2": "hang"}, "timed out"),
    ],
    ids=lambda value: "-".join(value) if isinstance(value, dict) else None,
)
def test_refresh_failure_falls_back(
    release_server: ReleaseServer,
    cache_dir: Path,
    workdir: Path,
    faults: dict[str, str],
    reason: str,
) -> None:
    release_server.faults.update(faults)

    run, seconds = refresh(release_server, cache_dir, workdir)

    assert run.code == 0, run.stderr
    assert releases_by_version(run) == shipped_releases()
    notices = [line for line in run.stderr.splitlines() if line.startswith("notice:")]
    assert len(notices) == 1, run.stderr
    assert reason in notices[0]
    assert f"shipped with nodeship (generated {SHIPPED_GENERATED})" in notices[0]
    assert "Traceback" not in run.stderr
    assert not cache_dir.exists() or list(cache_dir.iterdir()) == []
    assert seconds < 20, "the timeout bounds a server that never responds"


def test_refresh_failure_keeps_old_cache(
    release_server: ReleaseServer, cache_dir: Path, workdir: Path
) -> None:
    first, _ = refresh(release_server, cache_dir, workdir)
    assert first.code == 0, first.stderr
    cache_file = cache_dir / "releases.json"
    before = cache_file.read_bytes()
    release_server.faults["tags-2"] = "hang"

    run, _ = refresh(release_server, cache_dir, workdir)

    assert run.code == 0, run.stderr
    assert cache_file.read_bytes() == before
    assert sorted(path.name for path in cache_dir.iterdir()) == ["releases.json"]
    assert "the shipped table and the cache refreshed on" in run.stderr
    assert releases_by_version(run)["26.14.0"] == ["3.23", "3.24"]


def test_invalid_cache_is_ignored(cache_dir: Path, workdir: Path) -> None:
    cache_dir.mkdir()
    (cache_dir / "releases.json").write_text('{"lines": [{"major": ', "utf-8")

    run = run_nodeship(
        "versions", "--json", cwd=workdir, env={"NODESHIP_CACHE_DIR": str(cache_dir)}
    )

    assert run.code == 0, run.stderr
    assert releases_by_version(run) == shipped_releases()
    assert "ignoring the cached release table" in run.stderr


def test_refresh_rejects_file_url(cache_dir: Path, workdir: Path) -> None:
    run = run_nodeship(
        "versions",
        "--refresh",
        "--index-url",
        "file:///etc/passwd",
        cwd=workdir,
        env={"NODESHIP_CACHE_DIR": str(cache_dir)},
    )

    assert run.code == 2
    assert "file:///etc/passwd" in run.stderr
    assert "--index-url" in run.stderr


def test_refresh_rejects_next_link_to_other_host(
    release_server: ReleaseServer, cache_dir: Path, workdir: Path
) -> None:
    other_host = release_server.base_url.replace("127.0.0.1", "localhost")
    tags_url = release_server.tags_url.replace(release_server.base_url, other_host)
    env = {
        "NODESHIP_NODE_INDEX_URL": release_server.index_url,
        "NODESHIP_REGISTRY_TAGS_URL": tags_url,
        "NODESHIP_CACHE_DIR": str(cache_dir),
        "NODESHIP_REFRESH_TIMEOUT": str(TIMEOUT_SECONDS),
        "no_proxy": "127.0.0.1,localhost",
        "NO_PROXY": "127.0.0.1,localhost",
    }

    run = run_nodeship("versions", "--refresh", "--json", cwd=workdir, env=env)

    assert run.code == 0, run.stderr
    assert "the next page is not on" in run.stderr
    assert not cache_dir.exists()


BASE_TABLE: dict[str, Any] = {
    "generated": "2026-12-04",
    "lines": [
        {
            "major": 24,
            "codename": None,
            "start": "2025-05-06",
            "lts": "2025-10-28",
            "maintenance": "2026-10-20",
            "end": "2028-04-30",
            "versions": [{"version": "24.11.1", "alpine": ["3.21", "3.22"]}],
        }
    ],
}


def test_merge_adds_variant_to_known_version() -> None:
    index = [IndexRelease("24.11.1", 24, "2025-11-11", "Krypton")]

    outcome = merge_fetched(BASE_TABLE, index, [("24.11.1", "3.23")])

    versions = outcome.data["lines"][0]["versions"]
    assert versions == [{"version": "24.11.1", "alpine": ["3.21", "3.22", "3.23"]}]
    assert outcome.added_variants == ("24.11.1-alpine3.23",)
    assert outcome.added_versions == ()


def test_merge_fills_missing_codename() -> None:
    index = [IndexRelease("24.11.1", 24, "2025-11-11", "Krypton")]

    outcome = merge_fetched(BASE_TABLE, index, [])

    assert outcome.data["lines"][0]["codename"] == "Krypton"
    assert BASE_TABLE["lines"][0]["codename"] is None, "the input is not changed"


def test_union_keeps_versions_of_both() -> None:
    cached = json.loads(json.dumps(BASE_TABLE))
    cached["lines"][0]["end"] = "2099-01-01"
    cached["lines"][0]["versions"] = [{"version": "24.12.0", "alpine": ["3.23"]}]

    merged = union_tables(BASE_TABLE, cached)

    line = merged["lines"][0]
    assert line["end"] == "2028-04-30", "the first table's schedule wins"
    assert [v["version"] for v in line["versions"]] == ["24.12.0", "24.11.1"]
