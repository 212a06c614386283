"""Classifying handshakes: one verdict per distinct combination of algorithms, joined back column-wise.

A capture of millions of handshakes holds a few hundred distinct combinations of protocol version,
cipher suite, group, certificate key and signature (or SSH key exchange and host key). Each
combination is classified once by ``classify_use`` (plain rules, readable), and the verdicts are
joined back onto the handshakes by Polars, so the cost per handshake is a hash join.

A use's status:
* ``classically-broken`` when any part is broken today (protocol, suite, group, key size, SHA-1...);
* else from the key exchange, which decides harvest-now-decrypt-later exposure: ``pq`` when both the
  key exchange and the authentication are post-quantum, ``hybrid-pq`` when the key exchange is hybrid
  or post-quantum but the authentication is not (yet), ``quantum-vulnerable`` when the key exchange is
  classical, ``unknown`` when the logs do not tell (the reason says what was missing).
"""

from __future__ import annotations

import polars as pl

from . import groups, rules
from .status import BROKEN, HYBRID, PQ, SEVERITY, UNKNOWN, VULNERABLE, worst

#: The columns a verdict depends on.
COMBINATION = ["sensor", "service", "version", "cipher", "group", "cert_id_present", "cert_found", "cert_key_alg",
               "cert_key_type", "cert_key_length", "cert_sig_alg", "ssh_kex", "ssh_host_key"]

VERDICT: dict[str, pl.DataType] = {
    "protocol": pl.String, "kex_name": pl.String, "kex_code_point": pl.String, "kex_status": pl.String,
    "kex_reason": pl.String, "auth_status": pl.String, "auth_reason": pl.String, "status": pl.String,
    "reason": pl.String,
}


def _tls_key_exchange(use: dict, protocol: str | None, tls13: bool | None) -> tuple[str, str, str | None, str | None]:
    """(status, reason, group name, code point) of a TLS handshake's key exchange."""
    family = rules.suite_key_exchange(use["cipher"])
    if family in ("rsa", "psk-rsa", "psk"):
        status, reason = rules.SUITE_KEX[family]
        return status, reason, family.upper(), None
    if use["group"]:
        group = groups.lookup(use["group"])
        code = group.code_point if group.code >= 0 else None
        return group.status, f"{group.name or use['group']}: {group.reason}", group.name or use["group"], code
    if not (use["version"] or use["cipher"]):
        return UNKNOWN, "handshake not completed: no version, cipher suite or group logged", None, None
    if tls13:
        where = " (Suricata EVE does not log it)" if use["sensor"] == "suricata" else ""
        return UNKNOWN, f"TLS 1.3 key-exchange group not logged{where}", None, None
    if family in rules.SUITE_KEX:
        status, reason = rules.SUITE_KEX[family]
        return status, reason, family.upper(), None
    if tls13 is False and protocol is not None:
        return VULNERABLE, f"{protocol}: no post-quantum key exchange is defined before TLS 1.3", None, None
    return UNKNOWN, "neither the key-exchange group nor the cipher suite was logged", None, None


def _tls_authentication(use: dict, tls13: bool | None) -> list[tuple[str, str]]:
    if not use["cert_found"]:
        if use["cert_id_present"]:
            return [(UNKNOWN, "the server certificate is not in the certificate log (x509) read")]
        if tls13:
            return [(UNKNOWN, "no certificate seen: TLS 1.3 encrypts it")]
        return [(UNKNOWN, "no certificate logged for this handshake (resumed session or none sent)")]
    key = rules.certificate_key(use["cert_key_alg"], use["cert_key_type"], use["cert_key_length"])
    return [key, rules.signature_algorithm(use["cert_sig_alg"])]


def classify_use(use: dict) -> dict:
    """The verdict for one combination (a dict with the ``COMBINATION`` keys)."""
    broken: list[str] = []
    if use["service"] == "ssh":
        protocol = "SSH-2.0"
        kex_status, kex_reason = rules.ssh_kex(use["ssh_kex"])
        kex_name, code = use["ssh_kex"], None
        if kex_status == UNKNOWN and use["sensor"] == "suricata" and not use["ssh_kex"]:
            kex_reason = "SSH key exchange not negotiable from the logged HASSH strings (missing or no common method)"
        auth = [rules.ssh_host_key(use["ssh_host_key"])]
        if not use["ssh_host_key"] and use["sensor"] == "suricata":
            auth = [(UNKNOWN, "Suricata EVE does not log the SSH host-key algorithm")]
    else:
        protocol = rules.protocol_version(use["version"])
        version_rule = rules.VERSIONS.get(protocol) if protocol else None
        if version_rule:
            broken.append(version_rule[1])
        weakness = rules.suite_weakness(use["cipher"])
        if weakness:
            broken.append(weakness)
        tls13 = rules.is_tls13(protocol, use["cipher"])
        kex_status, kex_reason, kex_name, code = _tls_key_exchange(use, protocol, tls13)
        auth = _tls_authentication(use, tls13)
        protocol = protocol or use["version"]
    if kex_status == BROKEN:
        broken.append(kex_reason)
    broken.extend(reason for status, reason in auth if status == BROKEN)
    auth_status = worst(status for status, _ in auth)
    auth_reason = "; ".join(reason for _, reason in auth)
    if broken:
        status = BROKEN
    elif kex_status in (PQ, HYBRID):
        status = PQ if kex_status == PQ and auth_status == PQ else HYBRID
    else:
        status = kex_status
    reasons = broken if broken else [f"key exchange: {kex_reason}", f"authentication: {auth_reason}"]
    return {"protocol": protocol, "kex_name": kex_name, "kex_code_point": code, "kex_status": kex_status,
            "kex_reason": kex_reason, "auth_status": auth_status, "auth_reason": auth_reason, "status": status,
            "reason": "; ".join(dict.fromkeys(reasons))}


def classify(handshakes: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The handshakes (joined to certificates) with ``combo``, ``status`` and ``severity`` added, and the
    table of combinations: ``combo``, the ``COMBINATION`` columns and the ``VERDICT`` columns."""
    frame = handshakes.with_columns(cert_id_present=pl.col("cert_id").is_not_null())
    combinations = frame.select(COMBINATION).unique().with_row_index("combo")
    verdicts = pl.DataFrame([classify_use(use) for use in combinations.drop("combo").iter_rows(named=True)],
                            schema=VERDICT)
    table = pl.concat([combinations, verdicts], how="horizontal").with_columns(
        severity=pl.col("status").replace_strict(SEVERITY, return_dtype=pl.Int64))
    classified = frame.join(table.select("combo", *COMBINATION, "status", "severity"), on=COMBINATION, how="left",
                            nulls_equal=True)
    return classified, table


__all__ = ["BROKEN", "COMBINATION", "VERDICT", "classify", "classify_use"]
