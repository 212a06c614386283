"""The evaluation as an HTML page with PNG plots (confusion matrix, per-class bars, ROC curves)."""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np
from sklearn.metrics import confusion_matrix, roc_curve

from ..charts import pyplot
from .evaluate import Evaluation
from .features import BENIGN


def _confusion(plt, ev: Evaluation, path: Path) -> None:
    labels = ev.classes + sorted(set(ev.predicted) - set(ev.classes))
    cm = confusion_matrix(ev.true, ev.predicted, labels=labels).astype(float)
    rows = cm.sum(axis=1, keepdims=True)
    share = np.divide(cm, rows, out=np.zeros_like(cm), where=rows > 0)
    fig, ax = plt.subplots(figsize=(0.5 * len(labels) + 4, 0.5 * len(labels) + 3))
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=70, ha="right", fontsize=8)
    ax.set_yticks(range(len(ev.classes)), ev.classes, fontsize=8)
    ax.set_ylim(len(ev.classes) - 0.5, -0.5)
    for i in range(len(ev.classes)):
        for j in range(len(labels)):
            if cm[i, j]:
                ax.text(j, i, f"{int(cm[i, j])}", ha="center", va="center", fontsize=6,
                        color="white" if share[i, j] > 0.5 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("confusion matrix (colour: share of the true class)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _per_class_bars(plt, metrics: dict, path: Path) -> None:
    names = list(metrics["per_class"])
    x = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(0.6 * len(names) + 4, 4.5))
    for k, key in enumerate(("precision", "recall", "f1")):
        ax.bar(x + (k - 1) * 0.27, [metrics["per_class"][n][key] for n in names], width=0.27, label=key)
    ax.set_xticks(x, names, rotation=60, ha="right", fontsize=8)
    ax.set_ylim(0, 1.2)
    ax.legend(loc="upper center", ncol=3)
    ax.set_title(f"per class at the alert threshold (macro-F1 {metrics['macro_f1']})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _roc(plt, ev: Evaluation, scores: np.ndarray, title: str, path: Path) -> None:
    benign = ev.true == BENIGN
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    for family in (c for c in ev.classes if c != BENIGN):
        mask = benign | (ev.true == family)
        if benign.any() and (ev.true == family).any():
            fpr, tpr, _ = roc_curve(ev.true[mask] == family, scores[mask])
            ax.plot(fpr, tpr, lw=1, label=family)
    ax.plot([0, 1], [0, 1], color="grey", lw=0.5, ls="--")
    ax.set_xscale("symlog", linthresh=1e-3)
    ax.set_xlabel("benign false-positive rate (log beyond 0.1%)")
    ax.set_ylabel("share of the family detected")
    ax.set_title(title)
    ax.legend(fontsize=6, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _table(header: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape('' if c is None else str(c))}</td>" for c in r) + "</tr>"
                   for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def write_report(ev: Evaluation, folder: Path, title: str) -> Path:
    """Write ``index.html`` and its PNGs into ``folder``; return the page's path."""
    plt = pyplot()
    folder.mkdir(parents=True, exist_ok=True)
    m = ev.metrics
    _confusion(plt, ev, folder / "confusion.png")
    _per_class_bars(plt, m, folder / "per_class.png")
    _roc(plt, ev, ev.anomaly_score, "anomaly detector (benign only): ROC per family", folder / "roc_anomaly.png")
    _roc(plt, ev, ev.score, "classifier: ROC per family", folder / "roc_classifier.png")
    summary = [["macro-F1 (alerts)", m["macro_f1"]], ["macro-F1 (classifier only)", m["macro_f1_classifier"]],
               ["benign FPR at threshold", m["benign_fpr"]], ["budget", m["budget"]],
               ["anomaly ROC-AUC mean / min", f"{m['anomaly_auc_mean']} / {m['anomaly_auc_min']}"]]
    for name, base in m.get("baselines", {}).items():
        summary.append([f"baseline {name}: macro-F1", base["macro_f1"]])
    parts = [f"<h1>{html.escape(title)}</h1>", *(f"<p><b>{html.escape(note)}</b></p>" for note in m.get("notes", [])),
             _table(["metric", "value"], summary),
             "<h2>Per class</h2>", '<img src="per_class.png">',
             _table(["class", "precision", "recall", "F1", "support", "detected"],
                    [[c, v["precision"], v["recall"], v["f1"], v["support"], m["detection_rate"].get(c, "")]
                     for c, v in m["per_class"].items()]),
             "<h2>Confusion matrix</h2>", '<img src="confusion.png">',
             "<h2>ROC curves</h2>", '<img src="roc_anomaly.png"> <img src="roc_classifier.png">',
             _table(["family", "anomaly ROC-AUC", "classifier ROC-AUC"],
                    [[f, m["anomaly_auc"][f], m["classifier_auc"][f]] for f in m["anomaly_auc"]])]
    if m.get("leave_one_family_out"):
        parts += ["<h2>Leave one family out</h2><p>The classifier is retrained without the family; share of the "
                  "family's held-out flows still alerted.</p>",
                  _table(["family", "flows", "classifier", "anomaly", "either"],
                         [[f, v["flows"], v["classifier"], v["anomaly"], v["either"]]
                          for f, v in m["leave_one_family_out"].items()])]
    parts += ["<h2>All figures</h2>", f"<pre>{html.escape(json.dumps(m, indent=1))}</pre>"]
    style = "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}" \
            "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}img{max-width:48%}"
    page = folder / "index.html"
    page.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
                    f"<style>{style}</style></head><body>{''.join(parts)}</body></html>")
    return page
