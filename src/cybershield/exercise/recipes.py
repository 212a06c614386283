"""What each stage of a campaign looks like in telemetry, and the benign background around it.

Attack stages come from real captures when the shared data is there: the EVTX attack samples of the
stage's tactic, CIC-IDS2017 attack flows (the Ares botnet's beacons, port scans, DDoS), re-timed into
the stage and re-addressed into the victim's network and onto the campaign's infrastructure. Phishing
and ransomware impact are written here (Office spawning encoded PowerShell that fetches the campaign's
payload; shadow copies deleted and recovery disabled). Without the shared data every stage is generated.
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

import pyarrow.csv as pacsv

from ..intel.stixtime import parse_time as utc
from .infrastructure import BACKGROUND_RANGE, Infrastructure
from .records import AddressMap, Record, readdress, retime
from .scenario import Constituent
from .telemetry import sysmon_event

#: How long one stage's telemetry lasts at most once re-timed.
STAGE_WINDOW = timedelta(minutes=30)
#: EVTX attack samples per stage recipe: the folder (ATT&CK tactic) and how many files to draw.
EVTX_TACTICS = {"execution": "Execution", "lateral-movement": "Lateral Movement",
                "credential-access": "Credential Access"}
#: CIC-IDS2017 labels per flow recipe, and how many flows to draw.
FLOW_LABELS = {"beacon": ("Botnet", 60), "scanning": ("Portscan", 300), "ddos": ("DDoS", 400)}
_DROPPED_COLUMNS = ("id", "Label", "Attempted Category")


@dataclass(frozen=True)
class StageContext:
    """Everything a recipe needs: the seed's generator, the victim, the infrastructure, where real data is."""

    rng: random.Random
    victim: Constituent
    infrastructure: Infrastructure
    recipe: str
    label: str
    start: datetime
    data_dir: Path | None


def stage_records(ctx: StageContext) -> list[Record]:
    """The stage's records, re-timed to start at ``ctx.start`` and re-addressed into the victim's network."""
    records = _RECIPES[ctx.recipe](ctx)
    mapping = AddressMap(ctx.rng, ctx.victim.network, list(ctx.infrastructure.c2_addresses))
    return retime(readdress(records, mapping), ctx.start, STAGE_WINDOW)


def background_records(rng: random.Random, victim: Constituent, kinds: tuple[str, ...], start: datetime,
                       duration: timedelta, per_hour: int, data_dir: Path | None) -> list[Record]:
    """Benign traffic of one constituent over the scenario: Zeek conn and dns, and benign flows."""
    count = int(per_hour * duration / timedelta(hours=1))
    if not count:
        return []
    moments = sorted(start + duration * rng.random() for _ in range(count))
    flows = _cic_rows("BENIGN", data_dir) if "flows" in kinds and data_dir else []
    records = []
    for at in moments:
        kind = rng.choice(kinds)
        client = _host(rng, victim.network)
        if kind == "flows" and flows:
            row = dict(rng.choice(flows))
            row["Src IP"], row["Dst IP"] = client, f"{BACKGROUND_RANGE}{rng.randint(1, 254)}"
            records.append(Record(at, "cicflowmeter", row, "background"))
        elif kind == "dns":
            records.append(Record(at, "zeek-json", _dns(rng, client, rng.choice(_BENIGN_NAMES)), "background"))
        else:
            records.append(Record(at, "zeek-json", _conn(rng, client, f"{BACKGROUND_RANGE}{rng.randint(1, 254)}",
                                                         rng.choice((80, 443, 443, 443, 22, 993))), "background"))
    return records


_BENIGN_NAMES = ("www.europa.eu", "login.microsoftonline.com", "updates.example.org", "cdn.example.net",
                 "intranet.example.eu", "mail.example.eu")


def _host(rng: random.Random, network: ipaddress.IPv4Network) -> str:
    return str(network.network_address + rng.randrange(2, min(network.num_addresses - 2, 4094)))


def _conn(rng: random.Random, client: str, server: str, port: int) -> dict:
    return {"_path": "conn", "ts": 0.0, "uid": f"C{rng.getrandbits(60):015x}", "id.orig_h": client,
            "id.orig_p": rng.randint(49152, 65535), "id.resp_h": server, "id.resp_p": port, "proto": "tcp",
            "service": "ssl" if port == 443 else None, "duration": round(rng.expovariate(2), 6),
            "orig_bytes": rng.randint(40, 4000), "resp_bytes": rng.randint(40, 90000), "conn_state": "SF",
            "orig_pkts": rng.randint(1, 40), "resp_pkts": rng.randint(1, 80)}


def _dns(rng: random.Random, client: str, name: str) -> dict:
    return {"_path": "dns", "ts": 0.0, "uid": f"D{rng.getrandbits(60):015x}", "id.orig_h": client,
            "id.orig_p": rng.randint(49152, 65535), "id.resp_h": "10.0.0.2", "id.resp_p": 53, "proto": "udp",
            "query": name, "qtype_name": "A", "rcode_name": "NOERROR"}


# -- attack stages ------------------------------------------------------------------------------


def _phishing(ctx: StageContext) -> list[Record]:
    """A macro document spawns encoded PowerShell, which resolves and calls the C2 and drops the payload."""
    rng, infra = ctx.rng, ctx.infrastructure
    # the crew's first-stage server, domain and payload are the same in every country it phishes
    victim, c2, domain, payload = _host(rng, ctx.victim.network), infra.c2_addresses[0], infra.domains[0], \
        infra.payloads[0]
    user, computer = f"{ctx.victim.name.upper()}\\user{rng.randint(10, 99)}", f"ws-{rng.randint(100, 999)}.{ctx.victim.name}.example"
    word = "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE"
    shell = "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"
    encoded = "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA"
    base, rid = ctx.start, rng.randint(1000, 90000)
    steps = [
        (1, {"Image": word, "CommandLine": f"WINWORD.EXE /n invoice-{rng.randint(100, 999)}.docm",
             "ParentImage": "C:\\Windows\\explorer.exe", "User": user, "ProcessId": rng.randint(1000, 9000)}),
        (1, {"Image": shell, "CommandLine": f"powershell.exe -nop -w hidden -enc {encoded}", "ParentImage": word,
             "User": user, "ProcessId": rng.randint(1000, 9000), "Hashes": f"SHA256={payload.upper()}"}),
        (22, {"Image": shell, "QueryName": domain, "QueryResults": c2}),
        (3, {"Image": shell, "DestinationIp": c2, "DestinationPort": 443, "DestinationHostname": domain,
             "SourceIp": victim, "SourcePort": rng.randint(49152, 65535), "User": user, "Protocol": "tcp"}),
        (11, {"Image": shell, "TargetFilename": f"C:\\Users\\{user.split(chr(92))[1]}\\AppData\\Roaming\\svchost.exe"}),
    ]
    records = [Record(base + timedelta(seconds=40 * i), "evtx-json", sysmon_event(rid + i, eid, base, data, computer),
                      ctx.label) for i, (eid, data) in enumerate(steps)]
    records.append(Record(base + timedelta(seconds=95), "zeek-json", _dns(rng, victim, domain), ctx.label))
    return records


def _ransomware(ctx: StageContext) -> list[Record]:
    """The impact: shadow copies deleted, the backup catalogue wiped, recovery disabled, then encryption."""
    rng, base = ctx.rng, ctx.start
    computer, rid = f"srv-{rng.randint(10, 99)}.{ctx.victim.name}.example", rng.randint(1000, 90000)
    payload = f"C:\\ProgramData\\{rng.choice(ctx.infrastructure.payloads)[:8]}.exe"
    commands = [("C:\\Windows\\System32\\vssadmin.exe", "vssadmin.exe delete shadows /all /quiet"),
                ("C:\\Windows\\System32\\wbadmin.exe", "wbadmin delete catalog -quiet"),
                ("C:\\Windows\\System32\\bcdedit.exe", "bcdedit /set {default} recoveryenabled no"),
                ("C:\\Windows\\System32\\wevtutil.exe", "wevtutil cl Security")]
    records = [Record(base + timedelta(seconds=20 * i), "evtx-json", sysmon_event(rid + i, 1, base, {
        "Image": image, "CommandLine": command, "ParentImage": payload, "User": "NT AUTHORITY\\SYSTEM",
        "ProcessId": rng.randint(1000, 9000), "IntegrityLevel": "System"}, computer), ctx.label)
        for i, (image, command) in enumerate(commands)]
    records += [Record(base + timedelta(seconds=100 + i), "evtx-json", sysmon_event(rid + 10 + i, 11, base, {
        "Image": payload, "TargetFilename": f"C:\\Shares\\records\\file{i:04d}.docx.locked"}, computer), ctx.label)
        for i in range(20)]
    return records


def _from_evtx(ctx: StageContext) -> list[Record]:
    """Two EVTX attack samples of the stage's tactic, or the generated phishing chain without them."""
    files = sorted((ctx.data_dir / "evtx-attack-samples" / EVTX_TACTICS[ctx.recipe]).glob("*.evtx")) \
        if ctx.data_dir else []
    if not files:
        return _phishing(ctx)
    records = []
    for path in ctx.rng.sample(files, min(2, len(files))):
        records += [Record(utc(e["Event"]["System"]["TimeCreated"]["#attributes"]["SystemTime"]), "evtx-json", e,
                           ctx.label) for e in _evtx_events(path)]
    return records


def _from_flows(ctx: StageContext) -> list[Record]:
    """CIC-IDS2017 attack flows of the stage's kind, or generated connections to the C2 without them."""
    label, count = FLOW_LABELS[ctx.recipe]
    rows = _cic_rows(label, ctx.data_dir) if ctx.data_dir else []
    if not rows:
        return _generated_flows(ctx, count)
    chosen = sorted(ctx.rng.sample(range(len(rows)), min(count, len(rows))))
    return [Record(utc(rows[i]["Timestamp"].replace(" ", "T") + "Z"), "cicflowmeter", dict(rows[i]), ctx.label)
            for i in chosen]


def _generated_flows(ctx: StageContext, count: int) -> list[Record]:
    rng, recipe = ctx.rng, ctx.recipe
    victim, records = _host(rng, ctx.victim.network), []
    for i in range(count):
        at = ctx.start + timedelta(seconds=(60 if recipe == "beacon" else 0.2) * i)
        if recipe == "beacon":
            row = _conn(rng, victim, rng.choice(ctx.infrastructure.c2_addresses), 8080)
        elif recipe == "scanning":
            row = _conn(rng, rng.choice(ctx.infrastructure.c2_addresses), victim, rng.randint(1, 1024))
            row.update(conn_state="REJ", orig_bytes=0, resp_bytes=0, duration=0.0)
        else:
            row = _conn(rng, rng.choice(ctx.infrastructure.c2_addresses), victim, 80)
            row.update(conn_state="S0", resp_bytes=0)
        records.append(Record(at, "zeek-json", row, ctx.label))
    return records


@cache
def _evtx_events(path: Path) -> tuple[dict, ...]:
    import evtx
    import orjson

    return tuple(orjson.loads(r["data"]) for r in evtx.PyEvtxParser(str(path)).records_json())


@cache
def _cic_rows(label: str, data_dir: Path | None) -> tuple[dict, ...]:
    path = data_dir / "cicids2017" / "train.csv.gz" if data_dir else None
    if path is None or not path.is_file():
        return ()
    table = _cic_table(path)
    rows = table.filter(table.column("Label").to_numpy(zero_copy_only=False) == label)
    return tuple({k: v for k, v in row.items() if k not in _DROPPED_COLUMNS} for row in rows.to_pylist())


@cache
def _cic_table(path: Path):
    return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(strings_can_be_null=True, column_types={
        "Timestamp": "string", "Label": "string", "Src IP": "string", "Dst IP": "string", "Flow ID": "string"}))


_RECIPES: dict[str, Callable[[StageContext], list[Record]]] = {
    "phishing": _phishing, "ransomware": _ransomware, "execution": _from_evtx, "lateral-movement": _from_evtx,
    "credential-access": _from_evtx, "beacon": _from_flows, "scanning": _from_flows, "ddos": _from_flows,
}
