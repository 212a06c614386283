"""A batch's columns as distinct values: each column is dictionary-encoded once per batch and the
look-ups (indexes, pattern prefilters) work on its distinct values, so their cost follows how many
different addresses, names and hashes a batch holds rather than its rows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True)
class Distinct:
    values: pa.Array  # the distinct values (text)
    codes: np.ndarray  # for each row that has a value, its position in ``values``
    rows: np.ndarray | None  # the rows that have a value (None: every row)
    n_rows: int

    def rows_where(self, hit: np.ndarray) -> np.ndarray:
        """Rows whose value is marked in ``hit`` (one flag per distinct value)."""
        selected = np.flatnonzero(hit[self.codes])
        return selected if self.rows is None else self.rows[selected]

    def mask(self, hit: np.ndarray) -> np.ndarray:
        out = np.zeros(self.n_rows, bool)
        out[self.rows_where(hit)] = True
        return out


class DistinctColumns:
    """Per-batch cache of ``Distinct`` columns."""

    def __init__(self, batch: pa.Table):
        self.batch = batch
        self._cache: dict[str, Distinct | None] = {}

    def get(self, name: str) -> Distinct | None:
        """The column's distinct values, or None when the batch lacks it or it is all null."""
        if name not in self._cache:
            self._cache[name] = self._encode(name)
        return self._cache[name]

    def _encode(self, name: str) -> Distinct | None:
        if name not in self.batch.column_names:
            return None
        column = self.batch.column(name)
        if column.null_count == len(column):
            return None
        if not pa.types.is_string(column.type):
            column = column.cast(pa.string())
        column = column.combine_chunks()
        rows = None
        if column.null_count:  # sparse columns: encode only the rows that carry a value
            rows = pc.indices_nonzero(pc.is_valid(column)).to_numpy()
            column = column.take(pa.array(rows))
        encoded = column.dictionary_encode()
        return Distinct(encoded.dictionary, encoded.indices.to_numpy(zero_copy_only=False), rows, len(self.batch))
