"""The rule tables, one lookup at a time."""

from __future__ import annotations

import pytest

from cybershield.pqc import groups, rules
from cybershield.pqc.status import BROKEN, HYBRID, PQ, UNKNOWN, VULNERABLE


@pytest.mark.parametrize(("text", "name", "status"), [
    ("X25519MLKEM768", "X25519MLKEM768", HYBRID),
    ("x25519_mlkem768", "X25519MLKEM768", HYBRID),
    ("0x11ec", "X25519MLKEM768", HYBRID),
    ("4587", "SecP256r1MLKEM768", HYBRID),
    ("unknown-4589", "SecP384r1MLKEM1024", HYBRID),
    ("MLKEM512", "MLKEM512", PQ),
    ("0x0201", "MLKEM768", PQ),
    ("unknown-514", "MLKEM1024", PQ),
    ("X25519Kyber768Draft00", "X25519Kyber768Draft00", HYBRID),
    ("prime256v1", "secp256r1", VULNERABLE),
    ("x25519", "x25519", VULNERABLE),
    ("ffdhe2048", "ffdhe2048", VULNERABLE),
    ("secp192r1", "secp192r1", BROKEN),
])
def test_groups(text, name, status):
    group = groups.lookup(text)
    assert (group.name, group.status) == (name, status)


def test_unknown_groups_say_why():
    assert groups.lookup(None).status == UNKNOWN
    unknown = groups.lookup("unknown-31337")
    assert unknown.status == UNKNOWN and "0x7a69" in unknown.reason
    assert groups.lookup("SecP521r1MLKEM1024").status == HYBRID  # not yet in the table: by its parts
    assert groups.lookup("frobnicate").status == UNKNOWN


@pytest.mark.parametrize(("version", "broken"), [
    ("SSLv3", True), ("TLSv10", True), ("TLS 1.1", True), ("TLSv1.2", False), ("TLS 1.3", False), ("SSLv2", True),
])
def test_protocol_versions(version, broken):
    canonical = rules.protocol_version(version)
    assert (rules.VERSIONS[canonical] is not None) == broken


@pytest.mark.parametrize(("cipher", "weak"), [
    ("TLS_RSA_WITH_RC4_128_SHA", "RC4"), ("TLS_RSA_WITH_3DES_EDE_CBC_SHA", "3DES"),
    ("TLS_RSA_EXPORT_WITH_DES40_CBC_SHA", "export"), ("TLS_DH_anon_WITH_AES_128_CBC_SHA", "anonymous"),
    ("TLS_RSA_WITH_NULL_SHA", "NULL"), ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", None),
    ("TLS_AES_128_GCM_SHA256", None),
])
def test_cipher_suite_weaknesses(cipher, weak):
    reason = rules.suite_weakness(cipher)
    assert (reason is None) == (weak is None)
    if weak:
        assert weak in reason


def test_suite_key_exchange():
    assert rules.suite_key_exchange("TLS_RSA_WITH_AES_128_CBC_SHA") == "rsa"
    assert rules.suite_key_exchange("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256") == "ecdh"
    assert rules.suite_key_exchange("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256") == "dh"
    assert rules.suite_key_exchange("TLS_PSK_WITH_AES_128_GCM_SHA256") == "psk"
    assert rules.suite_key_exchange("TLS_AES_128_GCM_SHA256") is None


@pytest.mark.parametrize(("key_alg", "key_type", "length", "status"), [
    ("rsaEncryption", "rsa", 2048, VULNERABLE), ("rsaEncryption", "rsa", 1024, BROKEN),
    ("id-ecPublicKey", "ecdsa", 256, VULNERABLE), ("id-ecPublicKey", "ecdsa", 192, BROKEN),
    ("dsaEncryption", "dsa", 2048, BROKEN), ("ED25519", None, None, VULNERABLE),
    ("ML-DSA-44", None, None, PQ), ("2.16.840.1.101.3.4.3.19", None, None, PQ),
    ("2.16.840.1.101.3.4.3.20", None, None, PQ), ("1.3.6.1.5.5.7.6.40", None, None, HYBRID),
    ("MLDSA65-ECDSA-P256-SHA512", None, None, HYBRID), (None, None, None, UNKNOWN), ("gost", None, None, UNKNOWN),
])
def test_certificate_keys(key_alg, key_type, length, status):
    assert rules.certificate_key(key_alg, key_type, length)[0] == status


@pytest.mark.parametrize(("sig_alg", "status"), [
    ("sha1WithRSAEncryption", BROKEN), ("ecdsa-with-SHA1", BROKEN), ("md5WithRSAEncryption", BROKEN),
    ("sha256WithRSAEncryption", VULNERABLE), ("ecdsa-with-SHA384", VULNERABLE), ("ED25519", VULNERABLE),
    ("2.16.840.1.101.3.4.3.17", PQ), ("ML-DSA-87", PQ), (None, UNKNOWN),
])
def test_signature_algorithms(sig_alg, status):
    assert rules.signature_algorithm(sig_alg)[0] == status


@pytest.mark.parametrize(("kex", "status"), [
    ("mlkem768x25519-sha256", HYBRID), ("sntrup761x25519-sha512", HYBRID), ("mlkem1024nistp384-sha384", HYBRID),
    ("curve25519-sha256@libssh.org", VULNERABLE), ("diffie-hellman-group14-sha256", VULNERABLE),
    ("diffie-hellman-group1-sha1", BROKEN), ("diffie-hellman-group-exchange-sha1", BROKEN), (None, UNKNOWN),
    ("mlkem1024-sha384", PQ), ("whatever", UNKNOWN),
])
def test_ssh_key_exchange(kex, status):
    assert rules.ssh_kex(kex)[0] == status


@pytest.mark.parametrize(("host_key", "status"), [
    ("ssh-rsa", BROKEN), ("ssh-dss", BROKEN), ("rsa-sha2-512", VULNERABLE), ("ssh-ed25519", VULNERABLE),
    ("ssh-mldsa-65", PQ), ("mldsa65-ed25519", HYBRID), (None, UNKNOWN),
])
def test_ssh_host_keys(host_key, status):
    assert rules.ssh_host_key(host_key)[0] == status


def test_ssh_negotiation_follows_the_client_order():
    client = "ext-info-c,kex-strict-c-v00@openssh.com,mlkem768x25519-sha256,curve25519-sha256;aes;mac;none"
    assert rules.negotiate_ssh_kex(client, "curve25519-sha256,mlkem768x25519-sha256;aes;mac;none") == \
        "mlkem768x25519-sha256"
    assert rules.negotiate_ssh_kex(client, "diffie-hellman-group1-sha1;aes;mac;none") is None
    assert rules.negotiate_ssh_kex(None, "x") is None
