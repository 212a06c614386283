"""Finding 1: a consumer paging with ``added_after`` from ``X-TAXII-Date-Added-Last`` under concurrent writers
(threads POSTing to the server, and two other processes writing to the same database) misses nothing
and sees nothing twice."""

from __future__ import annotations

import subprocess
import sys
import threading

import requests

from cybershield.exchange import TAXII

from ..intel.factory import indicator
from .conftest import PASSWORDS

WRITER = """
import sys
from cybershield.intel import IntelStore
sys.path.insert(0, sys.argv[3])
from tests.intel.factory import indicator
store = IntelStore.open(sys.argv[1])
base = int(sys.argv[2])
for n in range(base, base + 60, 3):
    store.add([indicator(i, tlp="GREEN") for i in range(n, n + 3)], collection="hub")
"""


def _consume(url: str, stop: threading.Event, seen: list[str]) -> None:
    """Page like ``taxii sync``: ``added_after`` = the last ``X-TAXII-Date-Added-Last`` answered."""
    session = requests.Session()
    session.auth = ("be-hub", PASSWORDS["be-hub"])
    session.headers["Accept"] = TAXII
    bookmark, quiet = None, 0
    while quiet < 3:  # after the writers stop, until three polls in a row bring nothing
        params = {"limit": "7"} | ({"added_after": bookmark} if bookmark else {})
        answer = session.get(url + "objects/", params=params, timeout=30)
        answer.raise_for_status()
        objects = answer.json().get("objects", [])
        seen += [o["id"] for o in objects]
        bookmark = answer.headers.get("X-TAXII-Date-Added-Last", bookmark)
        quiet = quiet + 1 if stop.is_set() and not objects else 0


def test_consumer_misses_and_repeats_nothing_under_concurrent_writers(hub, db_url):
    url = hub.collection_url("hub")
    root = str(__import__("pathlib").Path(__file__).parents[2])
    processes = [subprocess.Popen([sys.executable, "-c", WRITER, db_url, str(base), root])
                 for base in (100_000, 200_000)]

    def post(first: int) -> None:
        session = requests.Session()
        session.auth = ("be-hub", PASSWORDS["be-hub"])
        session.headers.update({"Accept": TAXII, "Content-Type": TAXII})
        for n in range(first, first + 60, 2):
            answer = session.post(url + "objects/", json={"objects": [indicator(n, tlp="GREEN"),
                                                                      indicator(n + 1, tlp="GREEN")]}, timeout=60)
            assert answer.status_code == 202, answer.text

    writers = [threading.Thread(target=post, args=(1000 * (k + 1),)) for k in range(4)]
    stop, seen = threading.Event(), []
    consumer = threading.Thread(target=_consume, args=(url, stop, seen))
    consumer.start()
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    for process in processes:
        assert process.wait(120) == 0
    stop.set()
    consumer.join(120)
    expected = {indicator(n)["id"] for k in range(4) for n in range(1000 * (k + 1), 1000 * (k + 1) + 60)}
    expected |= {indicator(n)["id"] for base in (100_000, 200_000) for n in range(base, base + 60)}
    assert len(seen) == len(set(seen)), "an object was served twice"
    assert set(seen) == expected, f"missed {len(expected - set(seen))} of {len(expected)}"
