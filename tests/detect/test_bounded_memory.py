"""``cybershield detect`` streams: over a generated input of a few hundred MB (distinct flat Windows
JSON lines), the peak resident memory of the whole process stays under 500 MB and every alert is
written."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import orjson

from .sigma_helpers import SYSMON, rule

TARGET_BYTES = 256 * 2**20
LIMIT_MB = 500


def _generate(path: Path) -> int:
    """Distinct Sysmon and Security events as JSON lines, written a chunk at a time."""
    sysmon = ('{"EventTime":"2026-11-02 08:%02d:%02d","Hostname":"WKS%05d.corp.example","EventID":1,'
              '"SourceName":"Microsoft-Windows-Sysmon","RecordNumber":%d,"Channel":"' + SYSMON + '",'
              '"UtcTime":"2026-11-02 08:%02d:%02d.%03d","ProcessGuid":"{365ABB72-%04X-5CC4-0000-0010%08X}",'
              '"ProcessId":%d,"Image":"C:\\\\Users\\\\user%d\\\\AppData\\\\Local\\\\Temp\\\\%s.exe",'
              '"CommandLine":"%s.exe -k job%d --target host%d","User":"CORP\\\\user%d",'
              '"Hashes":"SHA1=%040X,MD5=%032X","ParentImage":"C:\\\\Windows\\\\explorer.exe"}\n')
    security = ('{"@timestamp":"2026-11-02T08:%02d:%02d.000Z","Hostname":"DC%03d.corp.example","EventID":4624,'
                '"Channel":"Security","RecordNumber":%d,"TargetUserName":"user%d","TargetDomainName":"CORP",'
                '"LogonType":%d,"IpAddress":"10.%d.%d.%d","IpPort":"%d","ProcessId":"0x%x"}\n')
    names = ["whoami", "svchost", "powershell", "cmd", "rundll32", "msiexec", "notepad", "chrome"]
    written = n = 0
    with open(path, "w") as out:
        while written < TARGET_BYTES:
            chunk = []
            for _ in range(5000):
                n += 1
                m, s = divmod(n % 3600, 60)
                if n % 4:
                    name = names[(n >> 2) % len(names)]
                    chunk.append(sysmon % (m, s, n % 20000, n, m, s, n % 1000, n % 65536, n, n % 65536, n % 5000, name,
                                           name, n, n % 977, n % 5000, n * 7919, n * 104729))
                else:
                    chunk.append(security % (m, s, n % 50, n, n % 5000, 3 + n % 8, n % 256, (n >> 8) % 256, n % 251,
                                             n % 65536, n % 65536))
            text = "".join(chunk)
            out.write(text)
            written += len(text)
    return n


def _watch_peak(pid: int, peak: list[int]) -> None:
    """The process's own high-water mark (``VmHWM``, kB), read until it exits. Not ``ru_maxrss``: Linux keeps
    that across exec, so a child forked from a large test process would report the parent's size."""
    status = Path(f"/proc/{pid}/status")
    while True:
        try:
            text = status.read_text()
        except OSError:
            return
        for line in text.splitlines():
            if line.startswith("VmHWM:"):
                peak[0] = max(peak[0], int(line.split()[1]))
        if "State:\tZ" in text:
            return
        time.sleep(0.05)


def test_detect_streams_a_large_input_in_bounded_memory(tmp_path):
    events = tmp_path / "big.json"
    count = _generate(events)
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "whoami.yml").write_text(rule("Whoami", "sel:\n  Image|endswith: '\\whoami.exe'\ncondition: sel"))
    (rules / "logon.yml").write_text(rule("Network logon from 10.8", "sel:\n  LogonType: 3\n  IpAddress|startswith: '10.8.'\n"
                                          "condition: sel", "product: windows\n  service: security"))
    cli = Path(sys.executable).with_name("cybershield")
    env = dict(os.environ, CYBERSHIELD_VAR=str(tmp_path / "var"), POLARS_MAX_THREADS="1")
    proc = subprocess.Popen([str(cli), "detect", str(events), "--rules", str(rules), "--json",
                             "--out", str(tmp_path / "alerts.jsonl")], env=env, stdout=subprocess.PIPE)
    peak = [0]
    watcher = threading.Thread(target=_watch_peak, args=(proc.pid, peak), daemon=True)
    watcher.start()
    out = proc.stdout.read()
    status = proc.wait()
    watcher.join()
    assert status == 0, out[-500:]
    summary = orjson.loads(out.splitlines()[-1])
    assert summary["events"] == count and summary["quarantined"] == 0
    whoami = sum(1 for i in range(1, count + 1) if i % 4 and (i >> 2) % 8 == 0)  # the Sysmon events of whoami
    logons = sum(1 for i in range(4, count + 1, 4) if 3 + i % 8 == 3 and i % 256 == 8)
    assert summary["alerts"] == whoami + logons == summary["alerts_stored"]
    assert whoami > 1000 and logons > 100
    assert (tmp_path / "alerts.jsonl").read_bytes().count(b"\n") == summary["alerts"]
    peak_mb = peak[0] / 1024
    assert peak_mb > 50, "the process's memory was never read"
    assert peak_mb < LIMIT_MB, f"peak resident memory {peak_mb:.0f} MB over {events.stat().st_size / 2**20:.0f} MB of input"
