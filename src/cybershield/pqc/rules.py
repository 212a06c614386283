"""Classification tables: protocol versions, cipher suites, certificate keys and signatures, SSH algorithms.

Each lookup returns ``(status, reason)``; the reason names the rule and its source. Sources:
* Protocol versions: RFC 6176 (SSL 2.0 prohibited), RFC 7568 (SSL 3.0 deprecated), RFC 8996 (TLS 1.0 and
  1.1 deprecated). Hybrid and ML-KEM groups exist for TLS 1.3 only (draft-ietf-tls-ecdhe-mlkem).
* Cipher suites (IANA "TLS Cipher Suites" registry): RFC 7465 (RC4 prohibited), SWEET32 / NIST SP 800-131A
  Rev. 2 (3DES disallowed after 2023), RFC 5246 appendix A.5 (export suites must not be negotiated), RFC
  5469 (DES and IDEA removed), RFC 6151 (MD5), NULL and anonymous suites (no encryption, no authentication).
* Certificates: NIST SP 800-131A Rev. 2 (RSA and DSA keys under 2048 bits, SHA-1 signatures disallowed),
  FIPS 186-5 (DSA withdrawn for signing), NIST FIPS 204 (ML-DSA; OIDs 2.16.840.1.101.3.4.3.17-19, in X.509
  by draft-ietf-lamps-dilithium-certificates), FIPS 205 (SLH-DSA; OIDs 2.16.840.1.101.3.4.3.20-31), FIPS
  203 (ML-KEM keys; 2.16.840.1.101.3.4.4.1-3), draft-ietf-lamps-pq-composite-sigs (composite ML-DSA,
  1.3.6.1.5.5.7.6.37-54).
* SSH (IANA "Secure Shell (SSH) Protocol Parameters"): RFC 9142 (key-exchange method guidance: group1-sha1
  and group-exchange-sha1 SHOULD NOT), RFC 8332 / RFC 8709 (host keys), draft-ietf-sshm-mlkem-hybrid-kex
  (mlkem768x25519-sha256, mlkem768nistp256-sha256, mlkem1024nistp384-sha384), draft-ietf-sshm-ntruprime-ssh
  (sntrup761x25519-sha512), draft-sfluhrer-ssh-mldsa (ML-DSA host keys).
"""

from __future__ import annotations

import re

from .status import BROKEN, HYBRID, PQ, UNKNOWN, VULNERABLE

Verdict = tuple[str, str]

# --- protocol versions ----------------------------------------------------------------------------------

_VERSION_ALIASES = {"sslv2": "SSLv2", "sslv3": "SSLv3", "tlsv1": "TLSv10", "tlsv10": "TLSv10", "tls10": "TLSv10",
                    "tlsv11": "TLSv11", "tls11": "TLSv11", "tlsv12": "TLSv12", "tls12": "TLSv12",
                    "tlsv13": "TLSv13", "tls13": "TLSv13", "dtlsv10": "DTLSv10", "dtls10": "DTLSv10",
                    "dtlsv12": "DTLSv12", "dtls12": "DTLSv12", "dtlsv13": "DTLSv13", "dtls13": "DTLSv13"}

VERSIONS: dict[str, Verdict | None] = {
    "SSLv2": (BROKEN, "SSL 2.0 (prohibited by RFC 6176)"),
    "SSLv3": (BROKEN, "SSL 3.0 (deprecated by RFC 7568)"),
    "TLSv10": (BROKEN, "TLS 1.0 (deprecated by RFC 8996)"),
    "TLSv11": (BROKEN, "TLS 1.1 (deprecated by RFC 8996)"),
    "DTLSv10": (BROKEN, "DTLS 1.0 (deprecated by RFC 8996)"),
    "TLSv12": None, "TLSv13": None, "DTLSv12": None, "DTLSv13": None,
}


def protocol_version(text: str | None) -> str | None:
    """The version in Zeek's spelling (TLSv12) from Zeek's, Suricata's ("TLS 1.2") or OpenSSL's ("TLSv1.2")."""
    if not text:
        return None
    return _VERSION_ALIASES.get(re.sub(r"[^a-z0-9]", "", text.lower()))


def is_tls13(version: str | None, cipher: str | None) -> bool | None:
    """Whether a handshake is TLS 1.3 (its version, else its suite), None when neither tells."""
    if version is not None:
        return version in ("TLSv13", "DTLSv13")
    if cipher:
        return "_WITH_" not in cipher and cipher.startswith("TLS_")
    return None


# --- cipher suites --------------------------------------------------------------------------------------

_BROKEN_SUITE_PARTS: list[tuple[str, str]] = [
    ("EXPORT", "export-grade suite (RFC 5246 A.5: must not be negotiated)"),
    ("_NULL_", "NULL suite: no encryption"),
    ("_ANON_", "anonymous suite: no authentication"),
    ("RC4", "RC4 (prohibited by RFC 7465)"),
    ("3DES", "3DES (SWEET32; disallowed by NIST SP 800-131A Rev. 2)"),
    ("DES_EDE", "3DES (SWEET32; disallowed by NIST SP 800-131A Rev. 2)"),
    ("_DES_", "single DES (removed by RFC 5469)"),
    ("DES40", "export DES40 (RFC 5246 A.5)"),
    ("IDEA", "IDEA (removed by RFC 5469)"),
    ("_MD5", "MD5 MAC (RFC 6151)"),
]


def suite_weakness(cipher: str | None) -> str | None:
    """Why a cipher suite is classically broken, or None."""
    if not cipher:
        return None
    upper = cipher.upper()
    return next((reason for part, reason in _BROKEN_SUITE_PARTS if part in upper), None)


def suite_key_exchange(cipher: str | None) -> str | None:
    """The key exchange a TLS 1.0-1.2 suite fixes: rsa, ecdh, dh, psk, (krb5, srp...) or None for TLS 1.3/unknown."""
    if not cipher or "_WITH_" not in cipher:
        return None
    kex = cipher.split("_WITH_")[0].removeprefix("TLS_").removeprefix("SSL_")
    if kex.startswith(("ECDHE", "ECDH")):
        return "ecdh"
    if kex.startswith(("DHE", "DH_", "EDH")) or kex == "DH":
        return "dh"
    if kex.startswith("RSA"):
        return "psk-rsa" if "PSK" in kex else "rsa"
    if kex.startswith("PSK"):
        return "psk"
    return kex.lower() or None


SUITE_KEX: dict[str, Verdict] = {
    "rsa": (VULNERABLE, "RSA key transport (no forward secrecy; Shor's algorithm breaks it)"),
    "psk-rsa": (VULNERABLE, "RSA-encrypted pre-shared key"),
    "ecdh": (VULNERABLE, "elliptic-curve Diffie-Hellman alone (TLS 1.2 defines no post-quantum groups)"),
    "dh": (VULNERABLE, "finite-field Diffie-Hellman alone (TLS 1.2 defines no post-quantum groups)"),
    "psk": (PQ, "pre-shared key only: no public-key key exchange to break"),
}

# --- certificates ---------------------------------------------------------------------------------------

_ML_DSA_OIDS = {f"2.16.840.1.101.3.4.3.{n}": f"ML-DSA-{size}" for n, size in ((17, 44), (18, 65), (19, 87))}
_SLH_DSA_OIDS = {f"2.16.840.1.101.3.4.3.{n}" for n in range(20, 32)}
_ML_KEM_OIDS = {f"2.16.840.1.101.3.4.4.{n}": f"ML-KEM-{size}" for n, size in ((1, 512), (2, 768), (3, 1024))}
_COMPOSITE_OIDS = {f"1.3.6.1.5.5.7.6.{n}" for n in range(37, 55)}
_OID_NAMES = {**_ML_DSA_OIDS, **_ML_KEM_OIDS}


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9.]", "", text.lower())


def _pq_algorithm(text: str) -> Verdict | None:
    """ML-DSA, SLH-DSA, ML-KEM or a composite, by OID or name; None for a classical algorithm."""
    oid = text.strip()
    if oid in _COMPOSITE_OIDS:
        return HYBRID, f"composite ML-DSA {oid} (draft-ietf-lamps-pq-composite-sigs)"
    if oid in _OID_NAMES:
        return PQ, f"{_OID_NAMES[oid]} ({'FIPS 204' if 'DSA' in _OID_NAMES[oid] else 'FIPS 203'})"
    if oid in _SLH_DSA_OIDS:
        return PQ, f"SLH-DSA {oid} (FIPS 205)"
    name = _norm(text)
    pq_part = next((p for p in ("mldsa", "slhdsa", "mlkem", "dilithium", "sphincs", "falcon") if p in name), None)
    if pq_part is None:
        return None
    if any(classic in name for classic in ("rsa", "ecdsa", "ed25519", "ed448", "p256", "p384", "brainpool")) \
            and pq_part != "slhdsa" or "composite" in name:
        return HYBRID, f"composite {text} (draft-ietf-lamps-pq-composite-sigs)"
    source = {"mldsa": "FIPS 204", "slhdsa": "FIPS 205", "mlkem": "FIPS 203"}.get(pq_part, "pre-standard")
    return PQ, f"{text} ({source})"


def certificate_key(key_alg: str | None, key_type: str | None, key_length: int | None) -> Verdict:
    """A certificate's subject public key, from Zeek's key_alg (OpenSSL name or OID), key_type and length."""
    text = key_alg or key_type
    if not text:
        return UNKNOWN, "certificate key algorithm not logged"
    pq = _pq_algorithm(text)
    if pq:
        return pq
    name = _norm(f"{key_alg or ''} {key_type or ''}")
    size = f"{key_length}-bit " if key_length else ""
    if "rsa" in name:
        if key_length and key_length < 2048:
            return BROKEN, f"RSA key of {key_length} bits (< 2048, NIST SP 800-131A Rev. 2)"
        return VULNERABLE, f"{size}RSA key (Shor's algorithm breaks it)"
    if "dsa" in name and "ecdsa" not in name:
        return BROKEN, f"{size}DSA key (withdrawn for signing by FIPS 186-5)"
    if any(p in name for p in ("ed25519", "ed448", "x25519", "x448")):
        return VULNERABLE, f"{text} key (Shor's algorithm breaks it)"
    if "ec" in name:
        if key_length and key_length < 224:
            return BROKEN, f"{key_length}-bit elliptic curve key (< 224 bits, NIST SP 800-131A Rev. 2)"
        return VULNERABLE, f"{size}elliptic-curve key (Shor's algorithm breaks it)"
    return UNKNOWN, f"certificate key algorithm {text!r} is not in the rule table"


_SHA1_MD = re.compile(r"(sha1|sha-1|md5|md2|md4)(?![0-9])")


def signature_algorithm(sig_alg: str | None) -> Verdict:
    """A certificate's signature algorithm (OpenSSL name such as sha256WithRSAEncryption, or an OID)."""
    if not sig_alg:
        return UNKNOWN, "certificate signature algorithm not logged"
    pq = _pq_algorithm(sig_alg)
    if pq:
        return pq
    name = sig_alg.lower()
    if _SHA1_MD.search(name) or name in ("1.2.840.113549.1.1.5", "1.2.840.10045.4.1", "1.2.840.113549.1.1.4"):
        return BROKEN, f"{sig_alg}: SHA-1/MD5 signature (NIST SP 800-131A Rev. 2; SHAttered)"
    if any(p in name for p in ("rsa", "ecdsa", "ed25519", "ed448", "dsa", "pss", "1.2.840.")):
        return VULNERABLE, f"{sig_alg}: classical signature (Shor's algorithm breaks it)"
    return UNKNOWN, f"signature algorithm {sig_alg!r} is not in the rule table"


# --- SSH ------------------------------------------------------------------------------------------------

_SSH_HYBRID = "hybrid ML-KEM + ECDH (FIPS 203, draft-ietf-sshm-mlkem-hybrid-kex)"
_SSH_ECDH = "elliptic-curve Diffie-Hellman alone (RFC 8731 / RFC 5656)"
_SSH_DH = "finite-field Diffie-Hellman alone (RFC 8268 / RFC 4419)"

SSH_KEX: dict[str, Verdict] = {
    "mlkem768x25519-sha256": (HYBRID, _SSH_HYBRID),
    "mlkem768nistp256-sha256": (HYBRID, _SSH_HYBRID),
    "mlkem1024nistp384-sha384": (HYBRID, _SSH_HYBRID),
    "sntrup761x25519-sha512": (HYBRID, "hybrid Streamlined NTRU Prime + X25519 (draft-ietf-sshm-ntruprime-ssh)"),
    "sntrup761x25519-sha512@openssh.com": (HYBRID, "hybrid Streamlined NTRU Prime + X25519 (OpenSSH 9.0)"),
    "curve25519-sha256": (VULNERABLE, _SSH_ECDH),
    "curve25519-sha256@libssh.org": (VULNERABLE, _SSH_ECDH),
    "curve448-sha512": (VULNERABLE, _SSH_ECDH),
    "ecdh-sha2-nistp256": (VULNERABLE, _SSH_ECDH),
    "ecdh-sha2-nistp384": (VULNERABLE, _SSH_ECDH),
    "ecdh-sha2-nistp521": (VULNERABLE, _SSH_ECDH),
    "diffie-hellman-group14-sha256": (VULNERABLE, _SSH_DH),
    "diffie-hellman-group15-sha512": (VULNERABLE, _SSH_DH),
    "diffie-hellman-group16-sha512": (VULNERABLE, _SSH_DH),
    "diffie-hellman-group17-sha512": (VULNERABLE, _SSH_DH),
    "diffie-hellman-group18-sha512": (VULNERABLE, _SSH_DH),
    "diffie-hellman-group-exchange-sha256": (VULNERABLE, _SSH_DH),
    "diffie-hellman-group14-sha1": (VULNERABLE, "finite-field Diffie-Hellman with a SHA-1 exchange hash (RFC 9142: MAY)"),
    "rsa2048-sha256": (VULNERABLE, "RSA key transport (RFC 4432)"),
    "diffie-hellman-group1-sha1": (BROKEN, "1024-bit Oakley group 2 with SHA-1 (RFC 9142: SHOULD NOT)"),
    "diffie-hellman-group-exchange-sha1": (BROKEN, "group exchange with SHA-1 (RFC 9142: SHOULD NOT)"),
    "rsa1024-sha1": (BROKEN, "1024-bit RSA key transport with SHA-1 (RFC 4432, RFC 9142)"),
}

_SSH_SIG = "classical host-key signature (Shor's algorithm breaks it)"
SSH_HOST_KEYS: dict[str, Verdict] = {
    "ssh-rsa": (BROKEN, "ssh-rsa: RSA with SHA-1 signatures (RFC 8332; disabled by OpenSSH 8.8)"),
    "ssh-dss": (BROKEN, "ssh-dss: 1024-bit DSA (disabled by OpenSSH 7.0; FIPS 186-5)"),
    "ssh-rsa-cert-v01@openssh.com": (BROKEN, "RSA certificate with SHA-1 signatures (RFC 8332)"),
    "ssh-dss-cert-v01@openssh.com": (BROKEN, "1024-bit DSA certificate (FIPS 186-5)"),
    **{name: (VULNERABLE, _SSH_SIG) for name in (
        "rsa-sha2-256", "rsa-sha2-512", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "ssh-ed25519", "ssh-ed448", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
        "rsa-sha2-256-cert-v01@openssh.com", "rsa-sha2-512-cert-v01@openssh.com",
        "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp384-cert-v01@openssh.com",
        "ecdsa-sha2-nistp521-cert-v01@openssh.com", "ssh-ed25519-cert-v01@openssh.com")},
}


def ssh_kex(name: str | None) -> Verdict:
    if not name:
        return UNKNOWN, "SSH key-exchange method not logged"
    found = SSH_KEX.get(name.strip().lower())
    if found:
        return found
    lowered = name.lower()
    if "mlkem" in lowered or "sntrup" in lowered or "kyber" in lowered:
        hybrid = any(p in lowered for p in ("x25519", "nistp", "curve25519", "x448"))
        return (HYBRID if hybrid else PQ), f"{name}: post-quantum key exchange by name (not in the table)"
    return UNKNOWN, f"SSH key-exchange method {name!r} is not in the rule table"


def ssh_host_key(name: str | None) -> Verdict:
    if not name:
        return UNKNOWN, "SSH host-key algorithm not logged"
    found = SSH_HOST_KEYS.get(name.strip().lower())
    if found:
        return found
    pq = _pq_algorithm(name)
    if pq:
        return pq[0], f"{name}: post-quantum host key (draft-sfluhrer-ssh-mldsa)"
    return UNKNOWN, f"SSH host-key algorithm {name!r} is not in the rule table"


def negotiate_ssh_kex(client_offer: str | None, server_offer: str | None) -> str | None:
    """RFC 4253 7.1: the first key-exchange method of the client's list that the server also supports.

    The lists come from HASSH strings (``kex;ciphers;macs;compression``) as Suricata logs them; markers
    such as ``ext-info-c`` and ``kex-strict-*`` are not methods and are passed over.
    """
    if not client_offer or not server_offer:
        return None
    server = set(server_offer.split(";")[0].split(","))
    for method in client_offer.split(";")[0].split(","):
        if method in server and not method.startswith(("ext-info-", "kex-strict-")):
            return method
    return None
