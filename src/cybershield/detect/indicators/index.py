"""Indexed look-ups behind indicator matching: no scan over the indicators, ever.

``ValueIndex`` holds exact text values: their 64-bit hashes sorted, with a radix directory over
the top bits, so that a look-up is a few array gathers (vectorised over all the values probed at
once) and a string comparison confirms each hit. ``NetworkIndex`` holds IP addresses and CIDR
blocks: one sorted table of network numbers per prefix length (longest-prefix match = probe each
length present, most specific first). Both map a hit to a *slot*; ``Postings`` maps a slot to the
indicators that carry it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

import numpy as np
import polars as pl
import pyarrow as pa

_SEED = 0x5EED


def _hash(values: pl.Series) -> np.ndarray:
    return values.hash(seed=_SEED).to_numpy().astype(np.uint64, copy=False)


def parse_ipv4(texts: pa.Array) -> np.ndarray:
    """Dotted-quad IPv4 text -> its number (int64), -1 where the text is not one; vectorised over
    the Arrow string buffers, 16 column steps whatever the number of values."""
    texts = texts.cast(pa.large_string())
    n = len(texts)
    offsets = np.frombuffer(texts.buffers()[1], np.int64)[texts.offset:texts.offset + n + 1]
    data = np.frombuffer(texts.buffers()[2], np.uint8) if texts.buffers()[2] else np.zeros(1, np.uint8)
    data = np.append(data, np.uint8(0))
    start, length = offsets[:-1], np.diff(offsets)
    valid = np.asarray(texts.is_valid()) & (length >= 7) & (length <= 15)
    number = np.zeros(n, np.int64)
    octet = np.zeros(n, np.int64)
    digits = np.zeros(n, np.int64)
    parts = np.zeros(n, np.int64)
    for j in range(16):
        inside = j < length
        char = data[np.where(inside, start + j, len(data) - 1)].astype(np.int64)
        digit = inside & (char >= 48) & (char <= 57)
        end = (inside & (char == 46)) | (j == length)
        valid &= ~inside | digit | end
        octet = np.where(digit, octet * 10 + char - 48, octet)
        digits += digit
        valid &= ~end | ((digits >= 1) & (digits <= 3) & (octet <= 255))
        number = np.where(end, number * 256 + octet, number)
        parts += end
        octet = np.where(end, 0, octet)
        digits = np.where(end, 0, digits)
    valid &= parts == 4
    return np.where(valid, number, -1)


class Postings:
    """slot -> indicator numbers, as CSR arrays."""

    def __init__(self, slots: np.ndarray, indicators: np.ndarray, n_slots: int):
        order = np.argsort(slots, kind="stable")
        self.members = indicators[order].astype(np.int32)
        self.offsets = np.zeros(n_slots + 1, np.int64)
        np.cumsum(np.bincount(slots, minlength=n_slots), out=self.offsets[1:])

    def of(self, slot: int) -> np.ndarray:
        return self.members[self.offsets[slot]:self.offsets[slot + 1]]

    @property
    def nbytes(self) -> int:
        return self.members.nbytes + self.offsets.nbytes


class ValueIndex:
    """Distinct text values -> slot (their position in the list given)."""

    def __init__(self, values: Sequence[str]):
        series = pl.Series(values, dtype=pl.String)
        hashes = _hash(series)
        order = np.argsort(hashes)
        self.keys = hashes[order]
        self.values = series.gather(order)
        self._slots = order.astype(np.int64)
        bits = int(max(4, min(24, np.ceil(np.log2(max(len(values), 1))))))
        self._shift = np.uint64(64 - bits)
        buckets = np.arange(2**bits + 1, dtype=np.uint64)
        bounds = np.searchsorted(self.keys >> self._shift, buckets)
        self._dir = bounds.astype(np.int64)

    def __len__(self) -> int:
        return len(self.values)

    def lookup(self, probes: pl.Series) -> np.ndarray:
        """The slot of each probe (-1 when absent); nulls never match."""
        n = len(probes)
        found = np.full(n, -1, np.int64)
        if n == 0 or len(self.keys) == 0:
            return found
        hashes = _hash(probes)
        bucket = (hashes >> self._shift).astype(np.int64)
        pos, end = self._dir[bucket], self._dir[bucket + 1]
        active = np.flatnonzero((pos < end) & probes.is_not_null().to_numpy())
        pos, end = pos[active], end[active]
        while len(active):
            same = self.keys[pos] == hashes[active]
            if same.any():
                cand = active[same]
                real = (self.values.gather(pos[same]) == probes.gather(cand)).fill_null(False).to_numpy()
                found[cand[real]] = self._slots[pos[same][real]]
                keep = ~same
                keep[np.flatnonzero(same)[~real]] = True
            else:
                keep = np.ones(len(active), bool)
            pos = pos + 1
            keep &= pos < end
            active, pos, end = active[keep], pos[keep], end[keep]
        return found

    @property
    def nbytes(self) -> int:
        return self.keys.nbytes + self._dir.nbytes + self._slots.nbytes + self.values.estimated_size()


class NetworkIndex:
    """Distinct IP addresses and CIDR blocks -> slot (their position in the list given); every
    block that contains an address matches it."""

    def __init__(self, networks: Sequence[tuple[int, int, int]]):
        """``networks``: distinct (IP version, network number, prefix length)."""
        self._size = len(networks)
        v4: dict[int, list[tuple[int, int]]] = {}
        self._v6: dict[int, dict[int, int]] = {}
        for slot, (version, number, length) in enumerate(networks):
            if version == 4:
                v4.setdefault(length, []).append((number, slot))
            else:
                self._v6.setdefault(length, {})[number] = slot
        self._v4: list[tuple[np.uint32, np.ndarray, np.ndarray]] = []
        for length in sorted(v4, reverse=True):
            pairs = np.array(v4[length], dtype=np.int64)
            order = np.argsort(pairs[:, 0])
            mask = np.uint32((0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF)
            self._v4.append((mask, pairs[order, 0].astype(np.uint32), pairs[order, 1]))
        self._v6_lengths = sorted(self._v6, reverse=True)

    def __len__(self) -> int:
        return self._size

    def lookup(self, addresses: pl.Series) -> list[tuple[int, int]]:
        """(probe position, slot) for every block containing a probe, most specific first."""
        hits: list[tuple[int, int]] = []
        if not len(addresses):
            return hits
        if self._v4:
            numbers = parse_ipv4(addresses.to_arrow())
            positions = np.flatnonzero(numbers >= 0)
            order = np.argsort(numbers[positions])  # sorted probes make searchsorted cache-friendly
            positions = positions[order]
            numbers = numbers[positions].astype(np.uint32)
            for mask, nets, slots in self._v4:
                masked = numbers & mask
                at = np.minimum(np.searchsorted(nets, masked), len(nets) - 1)
                ok = np.flatnonzero(nets[at] == masked)
                hits.extend(zip(positions[ok].tolist(), slots[at[ok]].tolist(), strict=True))
        if self._v6:
            v6 = addresses.str.contains(":", literal=True).fill_null(False).to_numpy()
            for i, text in zip(np.flatnonzero(v6).tolist(), addresses.filter(v6).to_list(), strict=True):
                try:
                    number = int(ipaddress.IPv6Address(text.split("%", 1)[0]))
                except ValueError:
                    continue
                for length in self._v6_lengths:
                    slot = self._v6[length].get(number >> (128 - length) << (128 - length))
                    if slot is not None:
                        hits.append((i, slot))
        return hits

    @property
    def nbytes(self) -> int:
        return sum(n.nbytes + s.nbytes for _, n, s in self._v4) + 120 * sum(map(len, self._v6.values()))
