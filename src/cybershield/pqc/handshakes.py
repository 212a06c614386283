"""Handshakes and certificates out of normalised events, column by column.

``HandshakeCollector`` is an ingest sink: it keeps, from each event batch, only the rows of the
datasets it reads (Zeek ``ssl``, ``x509``, ``ssh``; Suricata EVE ``tls``, ``ssh``) and only the
columns it needs, renamed to one handshake schema (``HANDSHAKE``) and one certificate schema
(``CERTIFICATE``). ``join_certificates`` attaches each TLS handshake's server certificate: Zeek's
``ssl.cert_chain_fps`` (or, before Zeek 4, ``cert_chain_fuids``) first entry against ``x509.fingerprint``
(or ``x509.id``); Suricata logs the certificate with the handshake itself (``tls.fingerprint``,
``tls.subject``..., and the whole certificate in ``tls.certificate`` when configured, which is parsed
with ``cryptography`` once per distinct certificate for its key and signature algorithms).
A missing or mistyped column is a null, never an error: classification then says what is unknown.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections import Counter

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from ..events import timestamps

log = logging.getLogger(__name__)

TIME = pl.Datetime("us", "UTC")

HANDSHAKE: dict[str, pl.DataType] = {
    "time": TIME, "sensor": pl.String, "service": pl.String, "client": pl.String, "server": pl.String,
    "port": pl.Int64, "sni": pl.String, "version": pl.String, "cipher": pl.String, "group": pl.String,
    "cert_id": pl.String, "ssh_kex": pl.String, "ssh_host_key": pl.String, "software": pl.String,
}

CERTIFICATE: dict[str, pl.DataType] = {
    "cert_id": pl.String, "cert_fingerprint": pl.String, "cert_subject": pl.String, "cert_issuer": pl.String,
    "cert_key_alg": pl.String, "cert_key_type": pl.String, "cert_key_length": pl.Int64, "cert_sig_alg": pl.String,
    "cert_curve": pl.String, "cert_not_before": TIME, "cert_not_after": TIME, "cert_hosts": pl.List(pl.String),
}

_CONN = {"time": "@timestamp", "client": "source.ip", "server": "destination.ip", "port": "destination.port"}

#: dataset -> (handshake or certificate, source column for each output column)
_ZEEK_SSL = {**_CONN, "sni": "tls.client.server_name", "version": "tls.version", "cipher": "zeek.ssl.cipher",
             "group": "zeek.ssl.curve", "cert_id": ("zeek.ssl.cert_chain_fps", "zeek.ssl.cert_chain_fuids")}
_ZEEK_SSH = {**_CONN, "ssh_kex": "zeek.ssh.kex_alg", "ssh_host_key": "zeek.ssh.host_key_alg",
             "software": "zeek.ssh.server"}
_SURICATA_TLS = {**_CONN, "sni": "tls.client.server_name", "version": "tls.version",
                 "cipher": ("suricata.tls.cipher_suite", "suricata.tls.cipher"),
                 "cert_id": ("suricata.tls.fingerprint", "suricata.tls.serial")}
_SURICATA_SSH = {**_CONN, "software": "suricata.ssh.server.software_version"}
_ZEEK_X509 = {"cert_id": ("zeek.x509.fingerprint", "zeek.x509.id"), "cert_fingerprint": "zeek.x509.fingerprint",
              "cert_subject": "zeek.x509.certificate.subject", "cert_issuer": "zeek.x509.certificate.issuer",
              "cert_key_alg": "zeek.x509.certificate.key_alg", "cert_key_type": "zeek.x509.certificate.key_type",
              "cert_key_length": "zeek.x509.certificate.key_length", "cert_sig_alg": "zeek.x509.certificate.sig_alg",
              "cert_curve": "zeek.x509.certificate.curve",
              "cert_not_before": "zeek.x509.certificate.not_valid_before",
              "cert_not_after": "zeek.x509.certificate.not_valid_after", "cert_hosts": "zeek.x509.san.dns"}
_SURICATA_CERT = {"cert_id": ("suricata.tls.fingerprint", "suricata.tls.serial"),
                  "cert_fingerprint": "suricata.tls.fingerprint", "cert_subject": "suricata.tls.subject",
                  "cert_issuer": "suricata.tls.issuerdn", "cert_not_before": "suricata.tls.notbefore",
                  "cert_not_after": "suricata.tls.notafter", "cert_der": "suricata.tls.certificate"}

_HANDSHAKE_SPECS = {"zeek.ssl": _ZEEK_SSL, "zeek.ssh": _ZEEK_SSH, "suricata.tls": _SURICATA_TLS,
                    "suricata.ssh": _SURICATA_SSH}
DATASETS = (*_HANDSHAKE_SPECS, "zeek.x509")


def _source(table: pa.Table, spec: str | tuple[str, ...]) -> pa.ChunkedArray | None:
    names = (spec,) if isinstance(spec, str) else spec
    return next((table.column(n) for n in names if n in table.column_names), None)


def _cast(col: pa.ChunkedArray, dtype: pl.DataType) -> pl.Series:
    """A column as ``dtype``: first element of a list, times parsed, bad values null."""
    if dtype == TIME:
        return pl.Series(values=timestamps(col)).cast(TIME, strict=False)
    series = pl.Series(values=col)
    if isinstance(dtype, pl.List):
        return series.cast(dtype, strict=False) if isinstance(series.dtype, pl.List) else \
            pl.Series([None] * len(series), dtype=dtype)
    if isinstance(series.dtype, pl.List):
        series = series.list.first()
    if isinstance(series.dtype, pl.Struct | pl.Object | pl.Null):
        return pl.Series([None] * len(series), dtype=dtype)
    return series.cast(dtype, strict=False)


def _select(table: pa.Table, spec: dict, schema: dict[str, pl.DataType], constants: dict[str, str]) -> pl.DataFrame:
    n = table.num_rows
    columns = {}
    for name, dtype in schema.items():
        col = _source(table, spec[name]) if name in spec else None
        if name in constants:
            columns[name] = pl.repeat(constants[name], n, dtype=pl.String, eager=True)
        elif col is None:
            columns[name] = pl.Series([None] * n, dtype=dtype)
        else:
            columns[name] = _cast(col, dtype)
    return pl.DataFrame(columns)


class HandshakeCollector:
    """An ingest sink gathering handshakes and certificates; ``events`` counts what it was shown."""

    def __init__(self) -> None:
        self._handshakes: list[pl.DataFrame] = []
        self._certificates: list[pl.DataFrame] = []
        self.events = 0
        self.ignored: Counter = Counter()  # datasets not read (conn, dns ...), by name

    def __call__(self, table: pa.Table) -> None:
        self.events += table.num_rows
        if "event.dataset" not in table.column_names:
            self.ignored["(no dataset)"] += table.num_rows
            return
        datasets = table.column("event.dataset")
        for dataset in pc.unique(datasets).to_pylist():
            if dataset not in DATASETS:
                matches = pc.is_null(datasets) if dataset is None else pc.equal(datasets, dataset)
                self.ignored[str(dataset)] += pc.sum(matches).as_py()
                continue
            self._add(dataset, table.filter(pc.fill_null(pc.equal(datasets, dataset), False)))

    def _add(self, dataset: str, rows: pa.Table) -> None:
        sensor, _, kind = dataset.partition(".")
        if dataset == "zeek.x509":
            self._certificates.append(_select(rows, _ZEEK_X509, CERTIFICATE, {}))
            return
        service = "ssh" if kind == "ssh" else "tls"
        frame = _select(rows, _HANDSHAKE_SPECS[dataset], HANDSHAKE, {"sensor": sensor, "service": service})
        if dataset == "suricata.ssh":
            frame = frame.with_columns(ssh_kex=_suricata_ssh_kex(rows))
        elif dataset == "suricata.tls":
            self._certificates.append(suricata_certificates(rows))
        self._handshakes.append(frame)

    def handshakes(self) -> pl.DataFrame:
        if not self._handshakes:
            return pl.DataFrame(schema=HANDSHAKE)
        return pl.concat(self._handshakes, how="vertical_relaxed")

    def certificates(self) -> pl.DataFrame:
        """Distinct certificates by ``cert_id`` (the first one logged wins)."""
        if not self._certificates:
            return pl.DataFrame(schema=CERTIFICATE)
        frame = pl.concat(self._certificates, how="vertical_relaxed")
        return frame.filter(pl.col("cert_id").is_not_null()).unique("cert_id", keep="first", maintain_order=True)



def join_certificates(handshakes: pl.DataFrame, certificates: pl.DataFrame) -> pl.DataFrame:
    """Every handshake with its certificate's columns (null where none was logged) and ``cert_found``."""
    certs = certificates.with_columns(cert_found=pl.lit(True))
    return handshakes.join(certs, on="cert_id", how="left").with_columns(pl.col("cert_found").fill_null(False))


def _suricata_ssh_kex(rows: pa.Table) -> pl.Series:
    """The negotiated key exchange from the client's and the server's HASSH strings (RFC 4253 7.1)."""
    from .rules import negotiate_ssh_kex

    client = _source(rows, "suricata.ssh.client.hassh.string")
    server = _source(rows, "suricata.ssh.server.hassh.string")
    if client is None or server is None:
        return pl.Series([None] * rows.num_rows, dtype=pl.String)
    pairs = pl.DataFrame({"c": _cast(client, pl.String), "s": _cast(server, pl.String)})
    distinct = pairs.unique()
    distinct = distinct.with_columns(kex=pl.Series([negotiate_ssh_kex(c, s) for c, s in distinct.iter_rows()],
                                                   dtype=pl.String))
    return pairs.join(distinct, on=["c", "s"], how="left", nulls_equal=True, maintain_order="left")["kex"]


def suricata_certificates(rows: pa.Table) -> pl.DataFrame:
    """The certificates Suricata logged with its TLS events; key and signature from ``tls.certificate`` (DER)."""
    spec = dict(_SURICATA_CERT)
    schema = {**CERTIFICATE, "cert_der": pl.String}
    frame = _select(rows, spec, schema, {}).filter(pl.col("cert_id").is_not_null()).unique("cert_id")
    parsed = [_der_fields(der) for der in frame["cert_der"].to_list()]
    keys = ("cert_key_alg", "cert_key_type", "cert_key_length", "cert_sig_alg", "cert_curve", "cert_hosts")
    updates = {k: pl.Series(k, [p.get(k) for p in parsed], dtype=CERTIFICATE[k]) for k in keys}
    return frame.drop("cert_der").with_columns(**updates)


def _der_fields(der_b64: str | None) -> dict:
    """Key and signature algorithm of a base64 DER certificate; {} when absent or unreadable."""
    if not der_b64:
        return {}
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa

    try:
        cert = x509.load_der_x509_certificate(base64.b64decode(der_b64, validate=False))
    except (ValueError, binascii.Error, TypeError) as exc:
        log.debug("unreadable certificate in tls.certificate: %s", exc)
        return {}
    fields: dict = {}
    key_oid = cert.public_key_algorithm_oid
    fields["cert_key_alg"] = key_oid._name if key_oid._name != "Unknown OID" else key_oid.dotted_string
    sig_oid = cert.signature_algorithm_oid
    fields["cert_sig_alg"] = sig_oid._name if sig_oid._name != "Unknown OID" else sig_oid.dotted_string
    try:
        key = cert.public_key()
    except (ValueError, TypeError, NotImplementedError) as exc:  # an algorithm cryptography has no class for
        log.debug("certificate key not loaded: %s", exc)
        key = None
    if isinstance(key, rsa.RSAPublicKey | dsa.DSAPublicKey):
        fields["cert_key_length"] = key.key_size
        fields["cert_key_type"] = "rsa" if isinstance(key, rsa.RSAPublicKey) else "dsa"
    elif isinstance(key, ec.EllipticCurvePublicKey):
        fields["cert_key_length"], fields["cert_curve"], fields["cert_key_type"] = key.key_size, key.curve.name, "ecdsa"
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        fields["cert_hosts"] = san.get_values_for_type(x509.DNSName)
    except (x509.ExtensionNotFound, ValueError):
        pass
    return fields
