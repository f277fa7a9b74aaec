"""List the files of a folder inside a container through the archive API."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterable, Iterator
from typing import Any


def list_container_files(container: Any, folder: str) -> list[str]:
    """Return every path under ``folder`` in ``container``, relative to it, sorted.

    Uses ``GET /containers/{id}/archive``, so it works on stopped containers and
    on images without ``find`` or a shell. Folders are listed too, so an empty
    ``test`` folder still shows up.
    """
    stream, _ = container.get_archive(folder)
    paths = []
    with tarfile.open(fileobj=_ChunkReader(stream), mode="r|") as archive:
        for member in archive:
            # Members are named "<folder name>/<relative path>".
            _, _, relative = member.name.partition("/")
            if relative:
                paths.append(relative)
    return sorted(paths)


class _ChunkReader(io.RawIOBase):
    """A read-only file over an iterable of byte chunks, for streaming tar reads."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks: Iterator[bytes] = iter(chunks)
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self._buffer:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._buffer = chunk
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size
