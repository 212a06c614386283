"""``cybershield model``: train, evaluate, list and activate flow models of the learning registry."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import orjson
import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from ..config import settings
from .base import app, console

if TYPE_CHECKING:
    from ..learning import FlowFeatures, ModelRegistry

model_app = typer.Typer(help="Flow models: train, evaluate (time-ordered hold-out), list, activate.",
                        no_args_is_help=True)
app.add_typer(model_app, name="model")

DataOption = Annotated[list[Path], typer.Option("--data", "-d", help="Flow files (CICFlowMeter, NetFlow v2, Zeek conn).")]
RegistryOption = Annotated[Path | None, typer.Option("--registry", help="Model registry folder (default: var/models).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")]
PerClassOption = Annotated[int | None, typer.Option("--max-per-class", help="Keep at most N flows per label "
                                                                           "(evenly spread in time): quick runs.")]


def _registry(path: Path | None) -> ModelRegistry:
    from ..learning import ModelRegistry  # LightGBM and scikit-learn load only for model commands

    return ModelRegistry(path or settings().var_dir / "models")


def _sources(paths: list[Path]) -> list[str]:
    return [str(p.resolve()) for p in paths]


def _progress(quiet: bool) -> Progress:
    return Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, disable=quiet, transient=True)


def _load(paths: list[Path], per_class: int | None, progress: Progress) -> FlowFeatures:
    from ..learning import load_flows, subsample

    for path in paths:
        if not path.exists():
            console.print(f"[red]no such file: {path}[/]")
            raise typer.Exit(2)
    task = progress.add_task("reading flows", total=len(paths))
    features, summary = load_flows(paths, on_file=lambda path, stats: progress.advance(task))
    if summary.quarantined:
        console.print(f"[yellow]{summary.quarantined:,} records quarantined[/] ({dict(summary.by_reason)})")
    labelled = sum(1 for label in features.labels if label is not None)
    if labelled == 0:
        console.print(f"[red]no labelled flows in {len(paths)} file(s)[/] ({len(features):,} flows, "
                      f"{summary.parsed:,} events): training and evaluation need a label column")
        raise typer.Exit(2)
    return subsample(features, per_class) if per_class else features


def _check(**options: tuple[float | None, float, float, str]) -> None:
    """Options as ``name=(value, lowest, highest, allowed range in words)``: every one out of range is named,
    then exit code 2. None (not given) passes."""
    problems = [f"--{name.replace('_', '-')} must be {words}, not {value}"
                for name, (value, low, high, words) in options.items() if value is not None and not low <= value <= high]
    for problem in problems:
        console.print(f"[red]{problem}[/]")
    if problems:
        raise typer.Exit(2)


AT_LEAST_ONE = (1, float("inf"), "at least 1")


@model_app.command("train")
def train_command(
    data: DataOption,
    out: Annotated[str, typer.Option("--out", "-o", help="Model name in the registry (a new version is added).")],
    holdout: Annotated[float, typer.Option(help="Latest share of each label kept out of training, for the "
                                                "model card's metrics (0: learn from everything).")] = 0.3,
    budget: Annotated[float, typer.Option(help="False-positive budget: share of benign flows allowed to alert.")] = 0.001,
    rounds: Annotated[int, typer.Option(help="Boosting rounds of the LightGBM detector (the family model "
                                            "gets a quarter).")] = 100,
    prototypes: Annotated[int, typer.Option(help="Benign prototypes of the anomaly detector.")] = 128,
    per_class: PerClassOption = None,
    registry: RegistryOption = None,
    activate: Annotated[bool, typer.Option(help="Make the new version the active one.")] = True,
    as_json: JsonOption = False,
) -> None:
    """Train the classifier and the anomaly detector on labelled flows and register them."""
    from ..learning import FlowScorer, evaluate, fingerprint, time_split, trained_until

    _check(holdout=(holdout, 0, math.nextafter(1, 0), "in [0, 1)"), budget=(budget, 1e-12, math.nextafter(1, 0), "in (0, 1)"),
           rounds=(rounds, *AT_LEAST_ONE), prototypes=(prototypes, *AT_LEAST_ONE), max_per_class=(per_class, *AT_LEAST_ONE))
    models = _registry(registry)
    try:
        models.versions(out)  # checks the name before minutes of training, not after
    except ValueError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    with _progress(as_json) as progress:
        features = _load(data, per_class, progress)
        step = progress.add_task("training", total=None)
        train_idx, test_idx = time_split(features, holdout) if holdout else (None, [])
        train = features.take(train_idx) if holdout else features
        try:
            scorer = FlowScorer.train(train, budget, rounds, prototypes)
        except ValueError as exc:
            console.print(f"[red]cannot train: {exc}[/]")
            raise typer.Exit(2) from None
        metrics = {}
        if holdout:
            progress.update(step, description="scoring the held-out flows")
            metrics = evaluate(features, holdout, scorer=scorer, leave_one_out=False, baselines=False).metrics
    training = {"sources": _sources(data), "trained_until": trained_until(train), "holdout": holdout, "budget": budget, "rounds": rounds,
                "prototypes": prototypes, "max_per_class": per_class, "train_flows": len(train),
                "holdout_flows": len(test_idx)}
    model = models.register(out, scorer, data_fingerprint=fingerprint(features), training=training,
                                         metrics=metrics, activate=activate)
    if as_json:
        sys.stdout.write(orjson.dumps({"name": model.name, "version": model.version, "path": str(model.path),
                                       "metrics": metrics}).decode() + "\n")
        return
    console.print(f"registered [bold]{model.name}[/] v{model.version} in {model.path}"
                  + (" (active)" if activate else ""))
    if metrics:
        print_metrics(metrics, f"{model.name} v{model.version}: held-out latest {holdout:.0%} of each label")


@model_app.command("evaluate")
def evaluate_command(
    model: Annotated[str, typer.Option("--model", "-m", help="Model name in the registry.")],
    data: DataOption,
    version: Annotated[int | None, typer.Option(help="Version (default: the active one).")] = None,
    test_fraction: Annotated[float | None, typer.Option(help="Latest share of each label to test on, in (0, 1]; "
                                                             "1 scores every flow of a separate test file "
                                                             "(default: the model's hold-out).")] = None,
    report: Annotated[Path | None, typer.Option(help="Folder for the HTML report (default: "
                                                     "var/reports/model-NAME-vVERSION).")] = None,
    leave_one_out: Annotated[bool, typer.Option(help="Leave-one-family-out runs (one retraining per family).")] = True,
    baselines: Annotated[bool, typer.Option(help="Majority-class and random-forest baselines.")] = True,
    per_class: PerClassOption = None,
    registry: RegistryOption = None,
    as_json: JsonOption = False,
) -> None:
    """Score a registered model on the latest flows of each label (all of them with --test-fraction 1).
    The baselines and leave-one-family-out learn from the model's own training flows (the files its
    manifest names); when those files are gone or changed, they are left out with a note."""
    from ..learning import evaluate, training_flows, write_report

    _check(test_fraction=(test_fraction, 1e-12, 1, "in (0, 1]"), max_per_class=(per_class, *AT_LEAST_ONE))
    try:
        entry, scorer = _registry(registry).load(model, version)
    except (LookupError, ValueError, OSError) as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    training = entry.manifest.get("training", {})
    fraction = test_fraction if test_fraction is not None else training.get("holdout") or 0.3
    with _progress(as_json) as progress:
        features = _load(data, per_class, progress)
        reference, note = None, None
        if baselines or leave_one_out:  # the evaluation data may be the training data, sampled alike: not twice
            reference, note = training_flows(entry, lambda paths, sample: features if (
                _sources(paths) == _sources(data) and sample == per_class) else _load(paths, sample, progress))
        # the same files it learnt from: score only flows later than any it saw (per label)
        seen = training.get("trained_until") if set(_sources(data)) & set(training.get("sources", [])) else None
        task = progress.add_task("evaluating", total=None)
        try:
            ev = evaluate(features, fraction, scorer=scorer, rounds=training.get("rounds", 100),
                          leave_one_out=leave_one_out and reference is not None,
                          baselines=baselines and reference is not None, trained_until=seen, reference=reference,
                          on_step=lambda text: progress.update(task, description=text))
        except ValueError as exc:
            console.print(f"[red]{model} v{entry.version}: {exc}[/]")
            raise typer.Exit(2) from None
    ev.metrics["model"] = {"name": entry.name, "version": entry.version}
    if note:
        ev.metrics["notes"].insert(0, f"baselines and leave-one-family-out left out: {note}")
    folder = report or settings().var_dir / "reports" / f"model-{entry.name}-v{entry.version}"
    try:
        page = write_report(ev, folder, f"{entry.name} v{entry.version}: evaluation on {', '.join(map(str, data))}")
    except OSError as exc:
        console.print(f"[red]cannot write the report to {folder}: {exc.strerror or exc}[/]")
        raise typer.Exit(2) from None
    ev.metrics["report"] = str(page)
    if as_json:
        sys.stdout.write(orjson.dumps(ev.metrics, option=orjson.OPT_SERIALIZE_NUMPY).decode() + "\n")
        return
    print_metrics(ev.metrics, f"{entry.name} v{entry.version}: latest {fraction:.0%} of each label")
    for line in ev.metrics["notes"]:
        console.print(f"[yellow]{line}[/]")
    console.print(f"report: {page}")


@model_app.command("list")
def list_command(registry: RegistryOption = None, as_json: JsonOption = False) -> None:
    """The registered models, their versions and held-out figures; * marks the active version."""
    reg = _registry(registry)
    rows = []
    for name in reg.names():
        active = reg.active_version(name)
        for v in reg.versions(name):
            m = v.metrics
            rows.append({"name": name, "version": v.version, "active": v.version == active,
                         "created": v.manifest["created"], "macro_f1": m.get("macro_f1"),
                         "benign_fpr": m.get("benign_fpr"), "anomaly_auc_min": m.get("anomaly_auc_min")})
    if as_json:
        sys.stdout.write(orjson.dumps(rows).decode() + "\n")
        return
    table = Table(title=f"models in {reg.root}")
    for col in ("name", "version", "created", "macro-F1", "benign FPR", "anomaly AUC min"):
        table.add_column(col, justify="left" if col in ("name", "created") else "right")
    for r in rows:
        table.add_row(r["name"], f"{r['version']}{' *' if r['active'] else ''}", r["created"], str(r["macro_f1"]),
                      str(r["benign_fpr"]), str(r["anomaly_auc_min"]))
    console.print(table)


@model_app.command("activate")
def activate_command(
    name: Annotated[str, typer.Argument(help="Model name in the registry.")],
    version: Annotated[int, typer.Argument(help="The version that becomes active.")],
    registry: RegistryOption = None,
) -> None:
    """Make VERSION the version that detection loads for NAME."""
    try:
        _registry(registry).activate(name, version)
    except (LookupError, ValueError) as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    console.print(f"{name}: version {version} is active")


@model_app.command("features")
def features_command() -> None:
    """Print the feature mapping (feature -> column per flow format) as a Markdown table."""
    from ..learning import feature_table

    sys.stdout.write(feature_table() + "\n")


def print_metrics(m: dict, title: str) -> None:
    """The headline figures and the per-class table, with the baselines when present."""
    head = Table(title=title)
    head.add_column("metric")
    head.add_column("value", justify="right")
    head.add_column("target", justify="right")
    targets = m.get("targets", {})
    for key, label in (("macro_f1", "macro-F1 (alerts, family labels)"), ("macro_f1_classifier", "macro-F1 (classifier only)"),
                       ("family_macro_f1", "macro-F1 of the family names, attack flows"),
                       ("benign_fpr", f"benign FPR at the threshold (budget {m['budget']:.2%})"),
                       ("anomaly_auc_mean", "anomaly ROC-AUC, mean over families"),
                       ("anomaly_auc_min", "anomaly ROC-AUC, worst family")):
        goal = targets.get(key)
        mark = "" if goal is None else f"{goal['target']} {'✓' if goal['reached'] else '✗'}"
        head.add_row(label, str(m.get(key)), mark)
    for name, base in m.get("baselines", {}).items():
        head.add_row(f"baseline: {name.replace('_', ' ')} macro-F1", str(base["macro_f1"]), "")
    console.print(head)
    per = Table(title="per class (held-out flows)")
    for col in ("class", "precision", "recall", "F1", "support", "alerted", "anomaly AUC", "caught if left out"):
        per.add_column(col, justify="left" if col == "class" else "right")
    lofo = m.get("leave_one_family_out", {})
    for c, v in m["per_class"].items():
        left_out = lofo.get(c, {}).get("either")
        per.add_row(c, f"{v['precision']:.3f}", f"{v['recall']:.3f}", f"{v['f1']:.3f}", str(v["support"]),
                    str(m["detection_rate"].get(c, "")), str(m["anomaly_auc"].get(c, "")),
                    "" if left_out is None else str(left_out))
    console.print(per)
