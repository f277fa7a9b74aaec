"""Compare nodeship's Dockerfile with a docker init-style and a naive Dockerfile.

Generates one api project with nodeship and copies it into three build contexts
that differ only in the Dockerfile. In one run, on the same base image, it measures
each image's size and size over the floor, the cold build time, the rebuild time
after a one-line change in src/ without network access and with it, the time from
start to a working health endpoint, and the time from SIGTERM to exit. It repeats
this ``--runs`` times, prints a Markdown table of medians with ratios against the
nodeship column, and rewrites the ``dockerfiles`` section of BENCHMARKS.md.

Usage, from the repository root with nodeship importable, npm on PATH and a Docker
engine running: ``python benchmarks/dockerfiles.py [--runs N] [--no-write]``. The
base image must be present; ``python -m tests.standin.build node:24.11.1-alpine3.22``
makes a stand-in on an engine that cannot pull it.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import docker
import docker.errors
from benchmark_page import run_header, script_command, write_section
from dockerfiles_table import Samples, render_section
from image_measurements import (
    NAME_PREFIX,
    BuildOutcome,
    build_image,
    measure_sizes,
    remove_images,
    run_and_stop,
)

from nodeship.verify.engine import connect_engine

NODE_VERSION = "24.11.1"
ALPINE_VERSION = "3.22"
BASE_IMAGE = f"node:{NODE_VERSION}-alpine{ALPINE_VERSION}"
PORT = 3000
# Without network, npm 11.6.2's `npm install` printed nothing for about 140 s and
# then exited 1 with "npm error Exit handler never called!" (a trial on the machine
# that BENCHMARKS.md describes). A rebuild still running without network after this
# many seconds is stopped and counted as needing the network.
OFFLINE_REBUILD_LIMIT_SECONDS = 30.0
# Attempts per variant and run when other builds on the engine disturb a rebuild.
MAX_ATTEMPTS = 3

# The docker init-style Dockerfile. docker init writes the install step as
# `RUN --mount=type=bind,...package.json --mount=type=bind,...package-lock.json
# --mount=type=cache,target=/root/.npm npm ci --omit=dev`, which needs BuildKit. The
# classic builder has no RUN --mount, so the manifests are copied in first and npm's
# cache stays in the image.
DOCKER_INIT_DOCKERFILE = f"""\
FROM {BASE_IMAGE}
ENV NODE_ENV=production
WORKDIR /usr/src/app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
USER node
COPY . .
EXPOSE {PORT}
CMD node src/server.js
"""

NAIVE_DOCKERFILE = f"""\
FROM {BASE_IMAGE}
WORKDIR /app
COPY . .
RUN npm install
EXPOSE {PORT}
CMD npm start
"""


@dataclass
class Variant:
    """One Dockerfile under test; ``dockerfile`` is None for the generated one."""

    key: str
    title: str
    dockerfile: str | None
    samples: Samples = field(default_factory=Samples)

    @property
    def tag(self) -> str:
        return f"{NAME_PREFIX}{self.key}"


def generate_project(scratch: Path) -> tuple[Path, list[str]]:
    """Generate the api project with its lockfile (npm reaches the registry).

    Returns the project folder and the command that generated it.
    """
    project = scratch / "generated"
    command = [
        sys.executable,
        "-m",
        "nodeship",
        "new",
        str(project),
        "--yes",
        "--type",
        "api",
        "--node",
        NODE_VERSION,
        "--alpine",
        ALPINE_VERSION,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(
            f"nodeship new failed with exit code {result.returncode}:\n{result.stderr}"
        )
    # The docker init-style and naive Dockerfiles run src/server.js as it is, so
    # the project must be a JavaScript api, which needs no build step.
    if not (project / "src" / "server.js").is_file():
        sys.exit(
            f"{project / 'src' / 'server.js'} is missing: the benchmark needs a "
            "JavaScript api project, so check the defaults of `nodeship new --yes`"
        )
    return project, command


def describe_project(project: Path, command: list[str]) -> str:
    """Return a Markdown list item naming the command, answers and dependencies."""
    metadata = json.loads((project / ".nodeship.json").read_text(encoding="utf-8"))
    answers = metadata.get("answers", {})
    chosen = ", ".join(
        f"{key} {answers[key]}" for key in ("framework", "language") if key in answers
    )
    manifest = json.loads((project / "package.json").read_text(encoding="utf-8"))
    dependencies = ", ".join(
        f"{name} {version}"
        for name, version in manifest.get("dependencies", {}).items()
    )
    return (
        f"- project: `{shlex.join(['nodeship', 'new', 'DIR', *command[5:]])}`"
        + (f" ({chosen})" if chosen else "")
        + f", production dependencies {dependencies}, pinned by its package-lock.json"
    )


def prepare_context(project: Path, scratch: Path, variant: Variant) -> Path:
    """Copy the project into a build context of its own and write its Dockerfile."""
    context = scratch / variant.key
    shutil.copytree(project, context)
    if variant.dockerfile is not None:
        (context / "Dockerfile").write_text(variant.dockerfile, encoding="utf-8")
    return context


def measure_once(
    client: docker.DockerClient, context: Path, variant: Variant, run: int
) -> None:
    """Build cold, rebuild twice after source changes, then measure, start and stop.

    Other builds on the same engine can disturb a rebuild (see find_disturbance).
    Such an attempt is repeated, up to MAX_ATTEMPTS in all.
    """
    samples = variant.samples
    for attempt in range(1, MAX_ATTEMPTS + 1):
        remove_images(client, variant.tag, samples.created_images)
        cold, offline, online = build_and_rebuild(client, context, variant, run)
        disturbance = find_disturbance(samples.created_images, offline, online)
        if disturbance is None:
            break
        progress(f"run {run + 1} {variant.key}, attempt {attempt}: {disturbance}")
        if attempt < MAX_ATTEMPTS:
            samples.retries += 1
        else:
            samples.disturbed_runs += 1
    if online.image_id is None and disturbance is None:
        raise RuntimeError(
            f"the rebuild of {variant.key} with network failed: {online.error}"
        )

    assert cold.image_id is not None
    samples.cold_seconds.append(cold.seconds)
    samples.offline_rebuilds.append(offline)
    if online.image_id is not None:
        samples.online_rebuild_seconds.append(online.seconds)
    samples.sizes.append(measure_sizes(client, cold.image_id))
    samples.runs.append(run_and_stop(client, cold.image_id, PORT))
    progress(
        f"run {run + 1} {variant.key}: cold build {cold.seconds:.1f} s, rebuild "
        f"without network {'ok' if offline.image_id else 'failed'} in "
        f"{offline.seconds:.1f} s, with network {online.seconds:.1f} s"
    )


def build_and_rebuild(
    client: docker.DockerClient, context: Path, variant: Variant, run: int
) -> tuple[BuildOutcome, BuildOutcome, BuildOutcome]:
    """Build without cache, then rebuild after a change without and with network.

    The rebuilds follow the cold build at once, which leaves other builds on the
    engine little time to add layers that the build cache would prefer.
    """
    samples = variant.samples
    cold = build_image(client, context, variant.tag, nocache=True)
    samples.created_images.extend(cold.created_images)
    if cold.image_id is None:
        raise RuntimeError(f"the cold build of {variant.key} failed: {cold.error}")

    server = context / "src" / "server.js"
    original = server.read_text(encoding="utf-8")
    try:
        # Two different edits, so the second rebuild cannot reuse the first one's
        # layers.
        server.write_text(f"{original}// benchmark edit {run}a\n", encoding="utf-8")
        offline = build_image(
            client,
            context,
            variant.tag,
            nocache=False,
            network_mode="none",
            time_limit=OFFLINE_REBUILD_LIMIT_SECONDS,
        )
        samples.created_images.extend(offline.created_images)

        server.write_text(f"{original}// benchmark edit {run}b\n", encoding="utf-8")
        online = build_image(client, context, variant.tag, nocache=False)
        samples.created_images.extend(online.created_images)
    finally:
        server.write_text(original, encoding="utf-8")
    return cold, offline, online


def find_disturbance(own_images: list[str], *rebuilds: BuildOutcome) -> str | None:
    """Return why another build on the engine disturbed ``rebuilds``, or None.

    For each step, the classic builder takes the most recently created child of the
    previous layer whose config matches, whichever build made it
    (getLocalCachedImage in moby's daemon/images/cache.go). So when another build
    made a matching layer after the cold build (a `WORKDIR /app` on the same base,
    say), the rebuild continues on that layer and misses the cold build's cache
    further on. Another build's cleanup can also remove a layer that the rebuild
    uses.
    """
    own = set(own_images)
    for rebuild in rebuilds:
        if "No such image" in rebuild.error or "unable to find image" in rebuild.error:
            return f"a cached layer was removed during the rebuild: {rebuild.error}"
        foreign = [image for image in rebuild.cached_images if image not in own]
        if foreign:
            return (
                "the rebuild took layers of another build from the cache: "
                + ", ".join(foreign)
            )
    return None


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=3, help="repetitions of every measurement"
    )
    parser.add_argument(
        "--no-write",
        action="store_true",
        help="print the section without rewriting BENCHMARKS.md",
    )
    args = parser.parse_args()

    client = connect_engine()
    try:
        base = client.api.inspect_image(BASE_IMAGE)
    except docker.errors.ImageNotFound:
        sys.exit(
            f"the base image {BASE_IMAGE} is missing: pull it, or run "
            f"`python -m tests.standin.build {BASE_IMAGE}` to build a stand-in"
        )
    header = run_header(script_command("dockerfiles.py"), client)
    variants = [
        Variant("nodeship", "nodeship", None),
        Variant("docker-init", "docker init-style", DOCKER_INIT_DOCKERFILE),
        Variant("naive", "naive", NAIVE_DOCKERFILE),
    ]

    with tempfile.TemporaryDirectory(prefix=NAME_PREFIX) as scratch_name:
        scratch = Path(scratch_name)
        project, command = generate_project(scratch)
        project_line = describe_project(project, command)
        contexts = {v.key: prepare_context(project, scratch, v) for v in variants}
        try:
            # Variants take turns within each run, so a slow period on the machine
            # or the registry spreads over all three columns.
            for run in range(args.runs):
                for variant in variants:
                    measure_once(client, contexts[variant.key], variant, run)
        finally:
            for variant in variants:
                remove_images(client, variant.tag, variant.samples.created_images)

    lines = render_section(
        header=[*header, project_line],
        base_image=BASE_IMAGE,
        base_attributes=base,
        columns=[(v.title, v.samples) for v in variants],
        dockerfiles={v.title: v.dockerfile for v in variants if v.dockerfile},
        runs=args.runs,
        offline_limit=OFFLINE_REBUILD_LIMIT_SECONDS,
    )
    print("\n".join(lines))
    if not args.no_write:
        write_section("dockerfiles", lines)


if __name__ == "__main__":
    main()
