"""Row bitmaps of the evaluator: packing (owner, row) pairs, reading rows back, trees over them."""

from __future__ import annotations

import numpy as np

from cybershield.detect.sigma.evaluate import _bitsets, _distinct, _evaluate, _rows


def test_bitsets_pack_every_owner_and_read_back_its_rows():
    height = 21  # not a multiple of eight: the last byte is partial
    pairs = {0: [0, 7, 8, 20], 3: [5], 9: [1, 2, 3, 4, 5, 6, 7, 8, 9, 16]}
    keys = np.array(sorted(owner * height + row for owner, rows in pairs.items() for row in rows))
    bits = _bitsets(keys, height)
    assert sorted(bits) == [0, 3, 9]
    assert {owner: _rows(b, height) for owner, b in bits.items()} == pairs
    assert _bitsets(np.empty(0, dtype=np.int64), height) == {}
    assert _rows(0, height) == []


def test_distinct_sorts_and_drops_repeats():
    assert _distinct(np.array([5, 0, 5, 3, 0, 9])).tolist() == [0, 3, 5, 9]
    assert _distinct(np.empty(0, dtype=np.int64)).tolist() == []


def test_trees_over_bitmaps_negate_within_the_batch():
    every = (1 << 6) - 1
    bits = {1: 0b000111, 2: 0b010101}  # leaf 3 has no rows
    tree = ("and", (("leaf", 1), ("not", ("or", (("leaf", 2), ("leaf", 3))))))
    assert _evaluate(tree, bits, every) == 0b000010
    assert _evaluate(("not", ("leaf", 3)), bits, every) == every
    assert _evaluate(("and", (("leaf", 3), ("not", ("leaf", 1)))), bits, every) == 0
    assert _evaluate(("true",), bits, every) == every
