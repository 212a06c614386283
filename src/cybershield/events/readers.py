"""Reading sources: files (gzip transparently), with line splitting that survives hostile input."""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

GZIP_MAGIC = b"\x1f\x8b"
DEFAULT_MAX_LINE = 4 * 1024 * 1024  # a longer line is quarantined, never loaded whole
CHUNK = 1 << 20


class LineTooLong:
    """Marker for a line longer than the limit; ``length`` is how many bytes it had."""

    __slots__ = ("length", "head")

    def __init__(self, length: int, head: bytes):
        self.length = length
        self.head = head


def open_binary(path: Path) -> BinaryIO:
    """Open a file for reading bytes, decompressing gzip when the file starts with its magic."""
    raw = open(path, "rb")  # noqa: SIM115 - the caller closes it
    if raw.read(2) == GZIP_MAGIC:
        raw.seek(0)
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    raw.seek(0)
    return raw


def head_bytes(path: Path, size: int = 8192) -> bytes:
    """The first bytes of a file's content (after gzip); b'' when it cannot be read."""
    try:
        with open_binary(path) as f:
            return f.read(size)
    except (OSError, EOFError):
        return b""


def iter_line_chunks(stream: BinaryIO | io.BufferedIOBase, max_line: int = DEFAULT_MAX_LINE) -> Iterator[list]:
    """Yield the lines of each chunk read, as lists of ``bytes`` (without end of line) or ``LineTooLong``.

    Lines are split on ``\\n`` (a trailing ``\\r`` is removed). Memory stays bounded by
    ``max_line`` plus one chunk whatever the input. The last line may lack its newline.
    May raise OSError/EOFError from the stream (a truncated gzip, say); callers quarantine that.
    """
    pending = b""
    skipping = 0  # >0 while discarding an over-long line: bytes seen so far
    skip_head = b""
    read = getattr(stream, "read1", stream.read)  # read1 hands over what a truncated gzip still had
    while chunk := read(CHUNK):
        out: list = []
        if skipping:
            nl = chunk.find(b"\n")
            if nl < 0:
                skipping += len(chunk)
                continue
            out.append(LineTooLong(skipping + nl, skip_head))
            skipping, data = 0, chunk[nl + 1:]
        else:
            data = pending + chunk if pending else chunk
        cut = data.rfind(b"\n")
        block, pending = (data[:cut], data[cut + 1:]) if cut >= 0 else (b"", data)
        if len(pending) > max_line:
            skipping, skip_head, pending = len(pending), pending[:256], b""
        if cut >= 0:
            lines = block.split(b"\n")
            if b"\r" in block:
                lines = [line[:-1] if line.endswith(b"\r") else line for line in lines]
            if cut > max_line:
                lines = [LineTooLong(len(line), line[:256]) if len(line) > max_line else line for line in lines]
            out.extend(lines)
        if out:
            yield out
    if skipping:
        yield [LineTooLong(skipping, skip_head)]
    elif pending:
        yield [pending[:-1] if pending.endswith(b"\r") else pending]


def iter_lines(stream: BinaryIO | io.BufferedIOBase, max_line: int = DEFAULT_MAX_LINE) -> Iterator[bytes | LineTooLong]:
    """Each line, or a ``LineTooLong`` marker, one at a time (see ``iter_line_chunks``)."""
    for chunk in iter_line_chunks(stream, max_line):
        yield from chunk
