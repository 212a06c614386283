"""Versioned models on disk: ``<root>/<name>/<version>/`` with an active version per name.

Each version holds the model's files (LightGBM text models, NumPy arrays without pickles, JSON:
a model received from a peer hub is data, never code), ``manifest.json`` (feature schema,
training-data fingerprint, parameters, metrics, SHA-256 of every file, checked on load) and a
model card, ``MODEL_CARD.md``. ``<root>/<name>/ACTIVE`` names the version detection loads.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .dataset import fingerprint
from .features import FEATURE_NAMES, FORMATS, FlowFeatures
from .scorer import FlowScorer
from .splits import time_split

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def _check_name(name: str) -> str:
    if not _NAME.match(name) or ".." in name:
        raise ValueError(f"bad model name {name!r}: letters, digits, '.', '_', '-' (at most 64), not starting with a dot")
    return name


@dataclass(frozen=True)
class ModelVersion:
    name: str
    version: int
    path: Path
    manifest: dict

    @property
    def metrics(self) -> dict:
        return self.manifest.get("metrics", {})


class ModelRegistry:
    def __init__(self, root: Path):
        self.root = Path(root)

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and _NAME.match(p.name))

    def versions(self, name: str) -> list[ModelVersion]:
        folder = self.root / _check_name(name)
        if not folder.is_dir():
            return []
        found = []
        for child in folder.iterdir():
            manifest = child / "manifest.json"
            if child.name.isdigit() and manifest.is_file():
                found.append(ModelVersion(name, int(child.name), child, json.loads(manifest.read_text())))
        return sorted(found, key=lambda v: v.version)

    def active_version(self, name: str) -> int | None:
        marker = self.root / _check_name(name) / "ACTIVE"
        text = marker.read_text().strip() if marker.is_file() else ""
        return int(text) if text.isdigit() else None

    def get(self, name: str, version: int | None = None) -> ModelVersion:
        """The named version, or the active one; LookupError saying what exists when there is none."""
        versions = self.versions(name)
        if not versions:
            known = ", ".join(self.names()) or "none"
            raise LookupError(f"there is no model {name!r} in {self.root} (models: {known}); "
                              "train one with `cybershield model train`")
        wanted = version if version is not None else self.active_version(name)
        for v in versions:
            if v.version == wanted:
                return v
        known = ", ".join(str(v.version) for v in versions)
        if wanted is None:
            raise LookupError(f"model {name!r} has no active version in {self.root} (versions: {known}); "
                              "name one with --version or `cybershield model activate`")
        raise LookupError(f"model {name!r} has no version {wanted} in {self.root} (versions: {known})")

    def activate(self, name: str, version: int) -> ModelVersion:
        model = self.get(name, version)
        (self.root / name / "ACTIVE").write_text(f"{version}\n")
        return model

    def register(self, name: str, scorer: FlowScorer, *, data_fingerprint: str, training: dict, metrics: dict,
                 activate: bool = True) -> ModelVersion:
        """Store a new version (one more than the last) and, by default, make it the active one."""
        folder = self.root / _check_name(name)
        version = max((v.version for v in self.versions(name)), default=0) + 1
        path = folder / str(version)
        path.mkdir(parents=True)
        files = scorer.to_files()
        for filename, content in files.items():
            (path / filename).write_bytes(content)
        manifest = {
            "name": name, "version": version, "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "features": FEATURE_NAMES, "formats": list(FORMATS), "data_fingerprint": data_fingerprint,
            "training": training, "metrics": metrics,
            "thresholds": {"budget": scorer.budget, "classifier": scorer.classifier.threshold,
                           "anomaly": scorer.anomaly.threshold},
            "families": scorer.classifier.family_names,
            "files": {f: hashlib.sha256(c).hexdigest() for f, c in files.items()},
        }
        (path / "manifest.json").write_text(json.dumps(manifest, indent=1))
        model = ModelVersion(name, version, path, manifest)
        (path / "MODEL_CARD.md").write_text(model_card(model))
        if activate:
            self.activate(name, version)
        return model

    def load(self, name: str, version: int | None = None) -> tuple[ModelVersion, FlowScorer]:
        """The model's scorer, after checking every file against the manifest's SHA-256."""
        model = self.get(name, version)
        files = {}
        for filename, digest in model.manifest["files"].items():
            if not (model.path / filename).is_file():
                raise ValueError(f"{model.path / filename} is missing: the model is incomplete, refusing to load it")
            content = (model.path / filename).read_bytes()
            if hashlib.sha256(content).hexdigest() != digest:
                raise ValueError(f"{model.path / filename} does not match its manifest digest: refusing to load it")
            files[filename] = content
        return model, FlowScorer.from_files(files)


def training_flows(model: ModelVersion, load: Callable[[list[Path], int | None], FlowFeatures]
                   ) -> tuple[FlowFeatures | None, str | None]:
    """The flows ``model`` learnt from, rebuilt from the files its manifest names with ``load(paths,
    max_per_class)`` (the same sample, the same hold-out) and checked against its training-data
    fingerprint; else None and the reason, for a note to the user."""
    training = model.manifest.get("training", {})
    sources = [Path(s) for s in training.get("sources", [])]
    missing = [str(s) for s in sources if not s.exists()]
    if not sources or missing:
        return None, ("the model's manifest names no training files" if not sources else
                      "the model's training files are not here: " + ", ".join(missing))
    learnt = load(sources, training.get("max_per_class"))
    if fingerprint(learnt) != model.manifest.get("data_fingerprint"):
        return None, "the model's training files changed since it was trained (fingerprint differs)"
    holdout = training.get("holdout") or 0
    return (learnt.take(time_split(learnt, holdout)[0]) if holdout else learnt), None


def model_card(model: ModelVersion) -> str:
    m = model.manifest
    t, metrics = m["training"], m.get("metrics", {})
    lines = [
        f"# Model card: {m['name']} v{m['version']}", "",
        f"Created {m['created']}. Flow scorer of cybershield: a LightGBM attack detector with a family model, "
        "and a benign-only anomaly detector (distance to k-means prototypes of benign traffic, in each prototype's per-feature spread). A flow alerts when either model's score "
        f"passes its threshold; the false-positive budget is {m['thresholds']['budget']:.4%} of benign flows, "
        "half to each model.", "",
        "## Intended use",
        "Scoring flow records (CICFlowMeter, NetFlow v2, Zeek conn) in a SOC hub to raise explained alerts "
        "for an analyst. Not for blocking traffic on its own.", "",
        "## Training data",
        f"- files: {', '.join(t.get('sources', [])) or 'n/a'}",
        f"- fingerprint (features + labels): `{m['data_fingerprint']}`",
        f"- flows learnt from: {t.get('train_flows', 'n/a')}; held out (latest {t.get('holdout', 0):.0%} "
        "of each label, never seen): " + str(t.get("holdout_flows", 0)),
        f"- families: {', '.join(m['families'])}",
        f"- features: {len(m['features'])} (identifiers such as addresses, ports, flow ids and times excluded)", "",
        "## Parameters", "```json", json.dumps({k: v for k, v in t.items() if k not in ("sources",)}, indent=1), "```", "",
        "## Metrics on the held-out flows",
    ]
    if metrics.get("per_class"):
        lines += [f"macro-F1 {metrics.get('macro_f1')}, benign FPR {metrics.get('benign_fpr')}, "
                  f"anomaly ROC-AUC mean {metrics.get('anomaly_auc_mean')} / min {metrics.get('anomaly_auc_min')}", "",
                  "| class | precision | recall | F1 | support |", "|---|---|---|---|---|"]
        lines += [f"| {c} | {v['precision']} | {v['recall']} | {v['f1']} | {v['support']} |"
                  for c, v in metrics["per_class"].items()]
    else:
        lines.append("None: trained on all the data given (no hold-out); evaluate it on other data.")
    lines += ["", "## Caveats",
              "- The split is per label in time order: test flows are later than training flows of their label.",
              "- Class-capped data sets (CIC-IDS2017 here) hold far less benign traffic than a real network: "
              "precision and false-positive rates are optimistic against a SOC's base rate.",
              "- Families with a handful of flows (Heartbleed, SQL injection, XSS, Infiltration) give noisy figures.",
              "- A model learnt on one capture drifts on another network; recalibrate the threshold on local benign "
              "traffic before relying on its false-positive budget.", ""]
    return "\n".join(lines)
