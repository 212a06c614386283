"""Property tests: random and mutated bytes fed to every parser never raise, and read = parsed + quarantined."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cybershield.events import PARSERS, Quarantine, concat, ingest

SAMPLES = Path(__file__).parent / "samples"
#: A valid sample per format to mutate; formats without one get random bytes behind a plausible first line.
SEEDS = {path.stem: path.read_bytes() for path in SAMPLES.iterdir()}
FIRST_LINES = {"cicflowmeter": b"Flow ID,Src IP,Src Port,Dst IP,Dst Port,Protocol,Timestamp,Label\n",
               "netflow-v2": b"IPV4_SRC_ADDR,L4_SRC_PORT,IPV4_DST_ADDR,L4_DST_PORT,PROTOCOL,Label\n"}


def seed_of(fmt: str) -> bytes:
    return SEEDS.get(fmt, FIRST_LINES.get(fmt, b""))


def check_invariant(fmt: str, content: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input"
        path.write_bytes(content)
        batches, quarantine = [], Quarantine()
        summary = ingest([path], fmt, sink=batches.append, quarantine=quarantine)
    assert summary.read == summary.parsed + summary.quarantined
    assert concat(batches).num_rows == summary.parsed
    assert quarantine.total == summary.quarantined
    assert all(e.reason and e.detail for e in quarantine.entries)


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    """The seed with a few bytes flipped, cut, duplicated or spliced with junk."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(0, 6))):
        if not data:
            break
        pos = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["flip", "cut", "insert", "dup", "truncate"]))
        if op == "flip":
            data[pos] ^= draw(st.integers(1, 255))
        elif op == "cut":
            del data[pos:pos + draw(st.integers(1, 64))]
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=32))
        elif op == "dup":
            data[pos:pos] = data[pos:pos + draw(st.integers(1, 200))]
        else:
            del data[pos:]
    return bytes(data)


TEXT_FORMATS = sorted(name for name in PARSERS if name != "evtx")
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
@FUZZ
@given(data=st.data())
def test_mutated_samples_never_raise(fmt, data):
    check_invariant(fmt, data.draw(mutated(seed_of(fmt))))


@pytest.mark.parametrize("fmt", sorted(PARSERS))
@FUZZ
@given(junk=st.binary(max_size=2048))
def test_random_bytes_never_raise(fmt, junk):
    check_invariant(fmt, seed_of(fmt)[:200] + junk)


def test_every_text_format_has_a_seed_or_first_line():
    assert [f for f in TEXT_FORMATS if not seed_of(f)] == []


def test_unmutated_seeds_parse_cleanly():
    for fmt in TEXT_FORMATS:
        if fmt in SEEDS:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "input"
                path.write_bytes(SEEDS[fmt])
                summary = ingest([path], fmt)
            assert summary.parsed > 0, fmt


@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_mutated_evtx_never_raises(shared_data, data):
    seed = (shared_data / "evtx-attack-samples/Other/maldoc_mshta_via_shellbrowserwind_rundll32.evtx").read_bytes()
    check_invariant("evtx", data.draw(mutated(seed)))
