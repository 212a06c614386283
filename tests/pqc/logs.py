"""Small crafted logs: Zeek ssl/x509/ssh (JSON and TSV) and Suricata EVE tls/ssh, one handshake per case."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

T0 = 1764583200.0  # 2025-12-01T10:00:00Z, a Monday

#: case -> (ssl fields, certificate fields or None); the server address is 10.9.0.<n> (n = position + 1).
TLS_CASES: dict[str, tuple[dict, dict | None]] = {
    "hybrid-x25519mlkem768": ({"version": "TLSv13", "cipher": "TLS_AES_128_GCM_SHA256", "curve": "X25519MLKEM768"},
                              {"key_alg": "rsaEncryption", "key_type": "rsa", "key_length": 2048,
                               "sig_alg": "sha256WithRSAEncryption"}),
    "hybrid-p256mlkem768": ({"version": "TLSv13", "cipher": "TLS_AES_256_GCM_SHA384", "curve": "SecP256r1MLKEM768"},
                            {"key_alg": "id-ecPublicKey", "key_type": "ecdsa", "key_length": 256,
                             "sig_alg": "ecdsa-with-SHA256"}),
    "hybrid-p384mlkem1024-by-code": ({"version": "TLSv13", "cipher": "TLS_AES_256_GCM_SHA384", "curve": "unknown-4589"},
                                     None),
    "pq-mlkem768-mldsa": ({"version": "TLSv13", "cipher": "TLS_AES_256_GCM_SHA384", "curve": "MLKEM768"},
                          {"key_alg": "ML-DSA-65", "key_type": None, "key_length": None,
                           "sig_alg": "2.16.840.1.101.3.4.3.18"}),
    "pq-mlkem1024-rsa-cert": ({"version": "TLSv13", "cipher": "TLS_AES_256_GCM_SHA384", "curve": "0x0202"},
                              {"key_alg": "rsaEncryption", "key_type": "rsa", "key_length": 3072,
                               "sig_alg": "sha384WithRSAEncryption"}),
    "vulnerable-x25519": ({"version": "TLSv13", "cipher": "TLS_AES_128_GCM_SHA256", "curve": "x25519"}, None),
    "vulnerable-rsa-kex": ({"version": "TLSv12", "cipher": "TLS_RSA_WITH_AES_128_GCM_SHA256", "curve": None},
                           {"key_alg": "rsaEncryption", "key_type": "rsa", "key_length": 2048,
                            "sig_alg": "sha256WithRSAEncryption"}),
    "broken-tls10": ({"version": "TLSv10", "cipher": "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "curve": "secp256r1"},
                     None),
    "broken-sslv3-rc4": ({"version": "SSLv3", "cipher": "TLS_RSA_WITH_RC4_128_SHA", "curve": None}, None),
    "broken-3des": ({"version": "TLSv12", "cipher": "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "curve": None}, None),
    "broken-export": ({"version": "TLSv12", "cipher": "TLS_RSA_EXPORT_WITH_RC4_40_MD5", "curve": None}, None),
    "broken-rsa1024": ({"version": "TLSv12", "cipher": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "curve": "secp384r1"},
                       {"key_alg": "rsaEncryption", "key_type": "rsa", "key_length": 1024,
                        "sig_alg": "sha256WithRSAEncryption"}),
    "broken-sha1-signature": ({"version": "TLSv12", "cipher": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                               "curve": "x25519"},
                              {"key_alg": "rsaEncryption", "key_type": "rsa", "key_length": 2048,
                               "sig_alg": "sha1WithRSAEncryption"}),
    "unknown-tls13-no-group": ({"version": "TLSv13", "cipher": "TLS_AES_128_GCM_SHA256", "curve": None}, None),
    "unknown-group-code": ({"version": "TLSv13", "cipher": "TLS_AES_128_GCM_SHA256", "curve": "unknown-31337"},
                           None),
    "unknown-not-completed": ({"version": None, "cipher": None, "curve": None}, None),
}

#: case -> (kex, host key)
SSH_CASES: dict[str, tuple[str | None, str | None]] = {
    "ssh-hybrid-mlkem": ("mlkem768x25519-sha256", "ssh-ed25519"),
    "ssh-hybrid-sntrup": ("sntrup761x25519-sha512@openssh.com", "rsa-sha2-512"),
    "ssh-vulnerable-curve25519": ("curve25519-sha256", "ecdsa-sha2-nistp256"),
    "ssh-broken-group1": ("diffie-hellman-group1-sha1", "ssh-rsa"),
    "ssh-unknown": (None, None),
}

EXPECTED = {name: name.split("-")[0] if not name.startswith("ssh-") else name.split("-")[1]
            for name in [*TLS_CASES, *SSH_CASES]}
_STATUS = {"hybrid": "hybrid-pq", "pq": "pq", "vulnerable": "quantum-vulnerable", "broken": "classically-broken",
           "unknown": "unknown"}
EXPECTED = {name: _STATUS[word] for name, word in EXPECTED.items()}
EXPECTED["pq-mlkem1024-rsa-cert"] = "hybrid-pq"  # ML-KEM key exchange, RSA authentication: not fully pq


def address(i: int) -> str:
    return f"10.9.0.{i + 1}"


def _ssl_records() -> tuple[list[dict], list[dict]]:
    ssl, x509 = [], []
    for i, (name, (fields, cert)) in enumerate(TLS_CASES.items()):
        fp = f"{i:064x}" if cert else None
        ssl.append({"ts": T0 + i, "uid": f"C{i}", "id.orig_h": "192.0.2.10", "id.orig_p": 40000 + i,
                    "id.resp_h": address(i), "id.resp_p": 443, "server_name": f"{name}.example",
                    "version": fields["version"], "cipher": fields["cipher"], "curve": fields["curve"],
                    "established": fields["version"] is not None, "cert_chain_fps": [fp] if fp else []})
        if cert:
            x509.append({"ts": T0 + i, "fingerprint": fp, "certificate.version": 3,
                         "certificate.subject": f"CN={name}.example", "certificate.issuer": "CN=Test CA",
                         "certificate.not_valid_before": T0 - 86400, "certificate.not_valid_after": T0 + 6 * 365 * 86400,
                         "certificate.key_alg": cert["key_alg"], "certificate.sig_alg": cert["sig_alg"],
                         "certificate.key_type": cert["key_type"], "certificate.key_length": cert["key_length"],
                         "san.dns": [f"{name}.example"]})
    return ssl, x509


def _ssh_records() -> list[dict]:
    return [{"ts": T0 + 100 + i, "uid": f"S{i}", "id.orig_h": "192.0.2.20", "id.orig_p": 50000 + i,
             "id.resp_h": f"10.9.1.{i + 1}", "id.resp_p": 22, "version": 2, "client": "SSH-2.0-OpenSSH_9.9",
             "server": "SSH-2.0-OpenSSH_9.9", "kex_alg": kex, "host_key_alg": host_key}
            for i, (kex, host_key) in enumerate(SSH_CASES.values())]


def write_zeek_json(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    ssl, x509 = _ssl_records()
    for name, records in (("ssl", ssl), ("x509", x509), ("ssh", _ssh_records())):
        (folder / f"{name}.log").write_text("".join(json.dumps({k: v for k, v in r.items() if v is not None}) + "\n"
                                                    for r in records))
    return folder


_TYPES = {"ts": "time", "id.orig_p": "port", "id.resp_p": "port", "version": "string", "established": "bool",
          "cert_chain_fps": "vector[string]", "san.dns": "vector[string]", "certificate.version": "count",
          "certificate.key_length": "count", "certificate.not_valid_before": "time",
          "certificate.not_valid_after": "time"}


def _tsv(path: str, records: list[dict], types: dict[str, str]) -> str:
    fields = list(records[0])
    lines = ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-", f"#path\t{path}",
             "#fields\t" + "\t".join(fields), "#types\t" + "\t".join(types.get(f, "string") for f in fields)]
    for r in records:
        values = []
        for f in fields:
            v = r[f]
            if v is None:
                values.append("-")
            elif isinstance(v, bool):
                values.append("T" if v else "F")
            elif isinstance(v, list):
                values.append(",".join(v) if v else "(empty)")
            else:
                values.append(str(v))
        lines.append("\t".join(values))
    return "\n".join(lines) + "\n"


def write_zeek_tsv(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    ssl, x509 = _ssl_records()
    ssh_types = {**_TYPES, "version": "count"}
    (folder / "ssl.log").write_text(_tsv("ssl", ssl, _TYPES))
    (folder / "x509.log").write_text(_tsv("x509", x509, _TYPES))
    (folder / "ssh.log").write_text(_tsv("ssh", _ssh_records(), ssh_types))
    return folder


def der_certificate(key_size: int | None, days: int = 365) -> str:
    """A self-signed certificate, RSA of ``key_size`` bits with SHA-256 or ML-DSA-65 (``key_size`` None),
    base64 DER as Suricata logs it in tls.certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import mldsa, rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size) if key_size else \
        mldsa.MLDSA65PrivateKey.generate()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "suricata.example")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(7).not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("suricata.example")]), critical=False)
            .sign(key, hashes.SHA256() if key_size else None))
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def suricata_events(weak_der: str, strong_der: str) -> list[dict]:
    base = {"timestamp": "2025-12-01T10:00:00.000000+0000", "proto": "TCP", "src_ip": "192.0.2.30"}
    tls = [
        {**base, "event_type": "tls", "src_port": 41000, "dest_ip": "10.9.2.1", "dest_port": 443,
         "tls": {"subject": "CN=suricata.example", "issuerdn": "CN=suricata.example", "serial": "07",
                 "fingerprint": "aa:bb:01", "sni": "weak.example", "version": "TLS 1.2",
                 "notbefore": "2025-11-30T10:00:00", "notafter": "2026-12-01T10:00:00", "certificate": weak_der}},
        {**base, "event_type": "tls", "src_port": 41001, "dest_ip": "10.9.2.2", "dest_port": 443,
         "tls": {"subject": "CN=suricata.example", "issuerdn": "CN=suricata.example", "serial": "08",
                 "fingerprint": "aa:bb:02", "sni": "strong.example", "version": "TLS 1.2",
                 "notbefore": "2025-11-30T10:00:00", "notafter": "2032-12-01T10:00:00", "certificate": strong_der}},
        {**base, "event_type": "tls", "src_port": 41002, "dest_ip": "10.9.2.3", "dest_port": 443,
         "tls": {"sni": "tls13.example", "version": "TLS 1.3"}},
    ]
    ssh = [{**base, "event_type": "ssh", "src_port": 42000, "dest_ip": "10.9.3.1", "dest_port": 22,
            "ssh": {"client": {"proto_version": "2.0", "software_version": "OpenSSH_9.6",
                               "hassh": {"hash": "x", "string": "ext-info-c,mlkem768x25519-sha256,curve25519-sha256;"
                                                                "aes128-ctr;hmac-sha2-256;none"}},
                    "server": {"proto_version": "2.0", "software_version": "OpenSSH_8.9",
                               "hassh": {"hash": "y", "string": "curve25519-sha256,ecdh-sha2-nistp256;aes128-ctr;"
                                                                "hmac-sha2-256;none"}}}},
           {**base, "event_type": "ssh", "src_port": 42001, "dest_ip": "10.9.3.2", "dest_port": 22,
            "ssh": {"client": {"hassh": {"string": "mlkem768x25519-sha256,curve25519-sha256;a;b;none"}},
                    "server": {"hassh": {"string": "mlkem768x25519-sha256;a;b;none"}}}},
           {**base, "event_type": "alert", "src_port": 1, "dest_ip": "10.9.9.9", "dest_port": 80,
            "alert": {"signature": "not a handshake", "signature_id": 1}}]
    return tls + ssh


def write_suricata(folder: Path, weak_der: str, strong_der: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "eve.json"
    path.write_text("".join(json.dumps(e) + "\n" for e in suricata_events(weak_der, strong_der)))
    return path
