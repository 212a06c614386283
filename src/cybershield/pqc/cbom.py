"""The inventory as a CycloneDX 1.6 cryptographic bill of materials (CBOM), with cyclonedx-python-lib.

Components of type ``cryptographic-asset``:
* ``algorithm``: each key-exchange group or SSH key-exchange method, certificate key algorithm (by size),
  signature algorithm and SSH host-key algorithm seen, with its primitive and NIST quantum security level;
* ``related-crypto-material``: the public keys of certificates (algorithm and size);
* ``certificate``: each server certificate (subject, issuer, validity, signature and key references);
* ``protocol``: each protocol version (TLS 1.2, SSH 2.0...) with its cipher suites and the algorithms used.
Every component carries ``cybershield:pqc:*`` properties (status, reason, connections) and, as evidence
occurrences, the endpoints (``address:port/service``) where it was seen.
"""

from __future__ import annotations

import re

from cyclonedx.model import Property
from cyclonedx.model.bom import Bom
from cyclonedx.model.bom_ref import BomRef
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.component_evidence import ComponentEvidence, Occurrence
from cyclonedx.model.crypto import (
    AlgorithmProperties,
    CertificateProperties,
    CryptoAssetType,
    CryptoPrimitive,
    CryptoProperties,
    ProtocolProperties,
    ProtocolPropertiesCipherSuite,
    ProtocolPropertiesType,
    RelatedCryptoMaterialProperties,
    RelatedCryptoMaterialType,
)
from cyclonedx.model.dependency import Dependency
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from . import rules
from .inventory import Inventory
from .status import HYBRID, PQ, worst

#: Endpoints listed as evidence per component (the counts are properties, whatever the number): the
#: library compares whole components when it sorts them, so long lists cost time on every comparison.
MAX_OCCURRENCES = 25
_LEVEL = re.compile(r"(512|768|1024|44|65|87)")
_NIST_LEVEL = {"512": 1, "768": 3, "1024": 5, "44": 2, "65": 3, "87": 5}


def _ref(kind: str, name: str) -> BomRef:
    return BomRef(f"crypto/{kind}/{re.sub(r'[^A-Za-z0-9._:-]+', '-', name)}")


class _Asset:
    def __init__(self, kind: str, name: str):
        self.kind, self.name = kind, name
        self.statuses: set[str] = set()
        self.reasons: set[str] = set()
        self.connections = 0
        self.endpoints: set[str] = set()
        self.extra: dict = {}

    def seen(self, status: str, reason: str | None, connections: int, endpoint: str) -> None:
        self.statuses.add(status)
        if reason:
            self.reasons.add(reason)
        self.connections += connections
        self.endpoints.add(endpoint)

    def properties(self) -> list[Property]:
        props = [Property(name="cybershield:pqc:status", value=worst(self.statuses)),
                 Property(name="cybershield:pqc:connections", value=str(self.connections)),
                 Property(name="cybershield:pqc:endpoints", value=str(len(self.endpoints)))]
        props += [Property(name="cybershield:pqc:reason", value=r) for r in sorted(self.reasons)[:5]]
        return props

    def evidence(self) -> ComponentEvidence:
        return ComponentEvidence(occurrences=[Occurrence(location=e) for e in sorted(self.endpoints)[:MAX_OCCURRENCES]])


def _quantum_level(name: str, status: str) -> int:
    if status not in (PQ, HYBRID):
        return 0
    found = _LEVEL.search(name.replace("-", ""))
    return _NIST_LEVEL.get(found.group(1), 1) if found else 1


def _algorithm(asset: _Asset, primitive: CryptoPrimitive, parameter: str | None = None) -> Component:
    status = worst(asset.statuses)
    props = AlgorithmProperties(primitive=primitive, parameter_set_identifier=parameter,
                                nist_quantum_security_level=_quantum_level(asset.name, status))
    return Component(name=asset.name, type=ComponentType.CRYPTOGRAPHIC_ASSET, bom_ref=_ref("algorithm", asset.name),
                     crypto_properties=CryptoProperties(asset_type=CryptoAssetType.ALGORITHM, algorithm_properties=props,
                                                        oid=asset.extra.get("oid")),
                     properties=asset.properties(), evidence=asset.evidence())


def _kex_primitive(name: str) -> CryptoPrimitive:
    lowered = name.lower()
    if "mlkem" in lowered or "kyber" in lowered or "sntrup" in lowered:
        return CryptoPrimitive.KEM
    return CryptoPrimitive.PKE if lowered.startswith("rsa") else CryptoPrimitive.KEY_AGREE


def build_cbom(inventory: Inventory) -> Bom:
    """The CBOM of an inventory."""
    algorithms: dict[str, tuple[_Asset, CryptoPrimitive, str | None]] = {}
    keys: dict[str, _Asset] = {}
    certificates: dict[str, tuple[_Asset, dict]] = {}
    protocols: dict[tuple[str, str], tuple[_Asset, set[str], set[BomRef]]] = {}

    def algorithm(name: str, primitive: CryptoPrimitive, parameter: str | None = None) -> _Asset:
        entry = algorithms.get(name)
        if entry is None:
            entry = algorithms[name] = (_Asset("algorithm", name), primitive, parameter)
        return entry[0]

    for use in inventory.uses.iter_rows(named=True):
        where = f"{use['server']}:{use['port']}/{use['service']}"
        n, status = use["connections"], use["status"]
        refs: set[BomRef] = set()
        if use["kex_name"]:
            kex = algorithm(use["kex_name"], _kex_primitive(use["kex_name"]))
            kex.seen(use["kex_status"], use["kex_reason"], n, where)
            refs.add(_ref("algorithm", use["kex_name"]))
        if use["ssh_host_key"]:
            host_status, host_reason = rules.ssh_host_key(use["ssh_host_key"])
            algorithm(use["ssh_host_key"], CryptoPrimitive.SIGNATURE).seen(host_status, host_reason, n, where)
            refs.add(_ref("algorithm", use["ssh_host_key"]))
        key_name = use["cert_key_alg"] or use["cert_key_type"]
        if use["cert_id"] and (key_name or use["cert_sig_alg"]):
            cert, fields = certificates.setdefault(use["cert_id"], (_Asset("certificate", use["cert_id"]), use))
            cert.seen(use["auth_status"], use["auth_reason"], n, where)
            if key_name:
                key_status, key_reason = rules.certificate_key(use["cert_key_alg"], use["cert_key_type"],
                                                               use["cert_key_length"])
                size = str(use["cert_key_length"]) if use["cert_key_length"] else None
                algorithm(key_name, CryptoPrimitive.SIGNATURE).seen(key_status, key_reason, n, where)
                key_label = f"{key_name}-{size}" if size else key_name
                key = keys.setdefault(key_label, _Asset("key", key_label))
                key.extra.update(algorithm=key_name, size=use["cert_key_length"])
                key.seen(key_status, key_reason, n, where)
            if use["cert_sig_alg"]:
                sig_status, sig_reason = rules.signature_algorithm(use["cert_sig_alg"])
                algorithm(use["cert_sig_alg"], CryptoPrimitive.SIGNATURE).seen(sig_status, sig_reason, n, where)
        protocol_name = use["protocol"] or "unknown"
        proto, suites, proto_refs = protocols.setdefault((use["service"], protocol_name),
                                                         (_Asset("protocol", f"{use['service']}:{protocol_name}"),
                                                          set(), set()))
        proto.seen(status, None, n, where)
        if use["cipher"]:
            suites.add(use["cipher"])
        proto_refs |= refs

    bom = Bom()
    for asset, primitive, parameter in algorithms.values():
        bom.components.add(_algorithm(asset, primitive, parameter))
    for label, key in keys.items():
        material = RelatedCryptoMaterialProperties(type=RelatedCryptoMaterialType.PUBLIC_KEY,
                                                   algorithm_ref=_ref("algorithm", key.extra["algorithm"]),
                                                   size=key.extra["size"])
        bom.components.add(Component(
            name=label, type=ComponentType.CRYPTOGRAPHIC_ASSET, bom_ref=_ref("key", label),
            crypto_properties=CryptoProperties(asset_type=CryptoAssetType.RELATED_CRYPTO_MATERIAL,
                                               related_crypto_material_properties=material),
            properties=key.properties(), evidence=key.evidence()))
    for cert_id, (cert, fields) in certificates.items():
        key_name = fields["cert_key_alg"] or fields["cert_key_type"]
        size = fields["cert_key_length"]
        props = CertificateProperties(
            subject_name=fields["cert_subject"], issuer_name=fields["cert_issuer"],
            not_valid_before=fields["cert_not_before"], not_valid_after=fields["cert_not_after"],
            signature_algorithm_ref=_ref("algorithm", fields["cert_sig_alg"]) if fields["cert_sig_alg"] else None,
            subject_public_key_ref=_ref("key", f"{key_name}-{size}" if size else key_name) if key_name else None,
            certificate_format="X.509")
        bom.components.add(Component(
            name=fields["cert_subject"] or cert_id, version=cert_id, type=ComponentType.CRYPTOGRAPHIC_ASSET,
            bom_ref=_ref("certificate", cert_id),
            crypto_properties=CryptoProperties(asset_type=CryptoAssetType.CERTIFICATE, certificate_properties=props),
            properties=cert.properties(), evidence=cert.evidence()))
    for (service, version), (proto, suites, refs) in protocols.items():
        kind = ProtocolPropertiesType.SSH if service == "ssh" else ProtocolPropertiesType.TLS
        props = ProtocolProperties(type=kind, version=version,
                                   cipher_suites=[ProtocolPropertiesCipherSuite(name=s) for s in sorted(suites)],
                                   crypto_refs=sorted(refs, key=lambda r: r.value or ""))
        bom.components.add(Component(
            name=f"{service.upper()} {version}", type=ComponentType.CRYPTOGRAPHIC_ASSET,
            bom_ref=_ref("protocol", f"{service}-{version}"),
            crypto_properties=CryptoProperties(asset_type=CryptoAssetType.PROTOCOL, protocol_properties=props),
            properties=proto.properties(), evidence=proto.evidence()))
    return bom


def _register_dependencies(bom: Bom) -> None:
    """Give every component its (empty) dependency entry, in one pass.

    The library's own ``Bom.validate`` registers them one by one with a linear search each, which is
    quadratic: minutes for a national hub's ten thousand certificates. Registered here, its search is
    skipped by the instance-level replacement below, which keeps the library's behaviour for new targets.
    """
    known = {d.ref.value for d in bom.dependencies}
    for component in bom.components:
        if component.bom_ref.value not in known:
            known.add(component.bom_ref.value)
            bom.dependencies.add(Dependency(ref=component.bom_ref))
    library = bom.register_dependency

    def register(target, depends_on=None) -> None:
        if depends_on or target.bom_ref.value not in known:
            library(target, depends_on)

    bom.register_dependency = register  # type: ignore[method-assign]


def cbom_json(inventory: Inventory) -> str:
    bom = build_cbom(inventory)
    _register_dependencies(bom)
    return JsonV1Dot6(bom).output_as_string(indent=2)


def validate_cbom(text: str) -> str | None:
    """None when ``text`` is valid against the CycloneDX 1.6 JSON schema, else the first error."""
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    return None if error is None else str(error)
