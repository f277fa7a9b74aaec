"""Read the parts of a Dockerfile that verify needs: stages, ARGs, EXPOSE, RUN steps.

This is not a full Dockerfile parser. It joins continuation lines, drops comments and
substitutes ``$NAME`` and ``${NAME}`` in ``FROM`` with the defaults of the ARGs
declared before the first ``FROM``, as the builder does when no build argument
overrides them. ``${NAME:-default}`` forms and heredocs are not supported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_ARG_REFERENCE = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction: its keyword in upper case and its arguments."""

    keyword: str
    arguments: str


@dataclass(frozen=True)
class Stage:
    """A build stage: its base image after ARG substitution and its optional name."""

    image: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)


@dataclass(frozen=True)
class Dockerfile:
    """The stages of a Dockerfile and every ARG name it declares."""

    stages: list[Stage]
    arg_names: set[str]

    @property
    def final_stage(self) -> Stage:
        return self.stages[-1]

    def base_images(self) -> list[str]:
        """Return the images the build pulls: FROMs that name no earlier stage."""
        stage_names: set[str] = set()
        images: list[str] = []
        for stage in self.stages:
            is_stage = stage.image.lower() in stage_names
            is_new = stage.image not in images and stage.image != "scratch"
            if is_new and not is_stage:
                images.append(stage.image)
            if stage.name:
                stage_names.add(stage.name.lower())
        return images

    def exposed_ports(self) -> list[int]:
        """Return the ports of the final stage's EXPOSE instructions, in order."""
        ports: list[int] = []
        for instruction in self.final_stage.instructions:
            if instruction.keyword != "EXPOSE":
                continue
            for word in instruction.arguments.split():
                number = word.split("/")[0]
                if number.isdigit():
                    ports.append(int(number))
        return ports


def split_instructions(text: str) -> list[Instruction]:
    """Return the instructions of ``text`` with continuation lines joined."""
    instructions: list[Instruction] = []
    pending = ""
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if line.startswith("#") or not line:
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, arguments = full.partition(" ")
        instructions.append(Instruction(keyword.upper(), arguments.strip()))
    if pending.strip():
        keyword, _, arguments = pending.strip().partition(" ")
        instructions.append(Instruction(keyword.upper(), arguments.strip()))
    return instructions


def parse_dockerfile(text: str) -> Dockerfile:
    """Parse ``text`` into stages.

    Raises:
        ValueError: the text has no ``FROM`` instruction.
    """
    global_args: dict[str, str] = {}
    arg_names: set[str] = set()
    stages: list[Stage] = []
    for instruction in split_instructions(text):
        if instruction.keyword == "ARG":
            name, _, default = instruction.arguments.partition("=")
            arg_names.add(name.strip())
            if not stages:
                global_args[name.strip()] = default.strip().strip("\"'")
        elif instruction.keyword == "FROM":
            stages.append(_parse_from(instruction.arguments, global_args))
        elif stages:
            stages[-1].instructions.append(instruction)
    if not stages:
        raise ValueError("the Dockerfile has no FROM instruction")
    return Dockerfile(stages, arg_names)


def _parse_from(arguments: str, global_args: dict[str, str]) -> Stage:
    words = [word for word in arguments.split() if not word.startswith("--")]
    image = _substitute(words[0], global_args) if words else ""
    name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
    return Stage(image=image, name=name)


def _substitute(word: str, values: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match["braced"] or match["bare"]
        return values.get(name, "")

    return _ARG_REFERENCE.sub(replace, word)
