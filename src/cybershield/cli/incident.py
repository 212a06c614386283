"""``cybershield incident``: incidents from alerts, their lifecycle, the NIS2 clock, reports, audit and review."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..response import ENTITY_TYPES, REPORT_FORMATS, REPORT_KINDS, STATES  # light ones
from ._response import emit, handled, print_ranking, service, split_list
from .base import app, console

incident_app = typer.Typer(help="Incidents: grouping, lifecycle, NIS2 clock and reports, audit trail, review.",
                           no_args_is_help=True)
app.add_typer(incident_app, name="incident")

JSON = Annotated[bool, typer.Option("--json", help="Print the result as one JSON object.")]
ACTOR = Annotated[str, typer.Option("--actor", help="Who does it (recorded in the audit trail).")]


def _print_incident(incident: dict, clock: dict | None = None) -> None:
    table = Table(title=f"{incident['id']}: {incident['title']}", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for key in ("status", "severity", "owner", "entity_type", "sector", "aware_at", "resolved_at", "merged_into"):
        table.add_row(key, str(incident.get(key) or "-"))
    for key in ("entities", "observables", "techniques", "software", "tasks", "notes", "mitigation",
                "vulnerabilities", "lessons"):
        if incident.get(key):
            table.add_row(key, "\n".join(str(v) for v in incident[key]))
    if "alerts" in incident:
        table.add_row("alerts", f"{len(incident['alerts'])}")
        table.add_row("submissions", "\n".join(f"{s['kind']} at {s['submitted_at']}" for s in incident["submissions"])
                      or "-")
    console.print(table)
    if clock:
        _print_clock(clock)


def _print_clock(clock: dict) -> None:
    table = Table(title=f"NIS2 clock (aware {clock['aware_at']}, shown in {clock['timezone']})")
    for column in ("report", "due (local)", "due (UTC)", "submitted", "state"):
        table.add_column(column)
    colours = {"overdue": "red", "due-soon": "yellow", "late": "red", "met": "green"}
    for key, due in clock["deadlines"].items():
        state = clock["state"][key]
        table.add_row(key, clock["local"][key] or "-", due or "-", clock["submitted"][key] or "-",
                      f"[{colours.get(state, 'white')}]{state}[/]")
    console.print(table)


@incident_app.command("open")
def open_command(
    title: Annotated[str, typer.Option("--title", help="What happened, in a line.")],
    aware_at: Annotated[str, typer.Option("--aware-at", help="When the entity became aware (ISO 8601; no offset: "
                                          "the hub's time zone).")],
    entity_type: Annotated[str, typer.Option("--entity-type", help=f"NIS2 type: {', '.join(ENTITY_TYPES)}.")],
    sector: Annotated[str | None, typer.Option(help="The entity's sector (NIS2 Annex I/II), e.g. health.")] = None,
    entity: Annotated[str | None, typer.Option(help="The affected entity's name.")] = None,
    country: Annotated[str | None, typer.Option(help="Its member state (ISO 3166 alpha-2).")] = None,
    severity: Annotated[str, typer.Option(help="low, medium, high or critical.")] = "medium",
    owner: Annotated[str | None, typer.Option(help="The analyst in charge.")] = None,
    alert: Annotated[list[str] | None, typer.Option("--alert", help="A stored alert id to attach (repeatable).")] = None,
    actor: ACTOR = "analyst",
    as_json: JSON = False,
) -> None:
    """Open an incident by hand; prints it with its id."""
    with handled():
        svc = service()
        incident = svc.store.open_incident(title, svc.time(aware_at), entity_type, sector=sector, severity=severity,
                                           owner=owner, entity=entity, country=country, actor=actor,
                                           alerts=split_list(alert))
    emit(incident) if as_json else _print_incident(incident)


@incident_app.command("group")
def group_command(
    entity_type: Annotated[str | None, typer.Option("--entity-type", help="NIS2 type for new incidents.")] = None,
    as_json: JSON = False,
) -> None:
    """Group the stored alerts that are in no incident yet into incidents (rules: hub config response.grouping)."""
    with handled():
        svc = service()
        results = svc.store.group(svc.rules, entity_type=entity_type)
    if as_json:
        emit({"incidents": results, "rules": list(svc.rules.rules), "window_minutes": svc.rules.window.total_seconds() / 60})
        return
    table = Table(title=f"grouping ({', '.join(svc.rules.rules)}; window {svc.rules.window})")
    for column in ("incident", "new", "alerts"):
        table.add_column(column)
    for r in results:
        table.add_row(r["incident"], "new" if r["new"] else "continued", str(r["alerts"]))
    console.print(table)


@incident_app.command("list")
def list_command(
    status: Annotated[str | None, typer.Option(help=f"Only this status: {', '.join(STATES)}.")] = None,
    include_merged: Annotated[bool, typer.Option("--all", help="Include incidents merged into others.")] = False,
    as_json: JSON = False,
) -> None:
    """List incidents, oldest awareness first."""
    with handled():
        incidents = service().store.list(status, include_merged)
    if as_json:
        emit({"incidents": incidents})
        return
    table = Table(title=f"incidents ({len(incidents)})")
    for column in ("id", "status", "severity", "entity", "aware at", "title"):
        table.add_column(column)
    for i in incidents:
        table.add_row(i["id"], i["status"], i["severity"], i["entity_type"] or "-", i["aware_at"], i["title"])
    console.print(table)


@incident_app.command("show")
def show_command(incident_id: Annotated[str, typer.Argument(help="The incident id.")], as_json: JSON = False) -> None:
    """An incident with its alerts, submissions and NIS2 clock."""
    with handled():
        svc = service()
        incident = svc.store.get(incident_id)
        clock = svc.clock(incident_id)
    emit({**incident, "clock": clock}) if as_json else _print_incident(incident, clock)


@incident_app.command("update")
def update_command(
    incident_id: Annotated[str, typer.Argument(help="The incident id.")],
    status: Annotated[str | None, typer.Option(help=f"Move to: {', '.join(STATES)} (allowed moves only).")] = None,
    severity: Annotated[str | None, typer.Option(help="low, medium, high or critical.")] = None,
    owner: Annotated[str | None, typer.Option(help="The analyst in charge (a new one).")] = None,
    title: Annotated[str | None, typer.Option(help="A new title.")] = None,
    entity_type: Annotated[str | None, typer.Option("--entity-type", help=f"NIS2 type: {', '.join(ENTITY_TYPES)}.")] = None,
    sector: Annotated[str | None, typer.Option(help="The entity's sector (NIS2 Annex I/II), e.g. health.")] = None,
    description: Annotated[str | None, typer.Option(help="The detailed description (final report).")] = None,
    impact: Annotated[str | None, typer.Option(help="The impact, in words.")] = None,
    root_cause: Annotated[str | None, typer.Option("--root-cause", help="The root cause (final report).")] = None,
    threat_type: Annotated[str | None, typer.Option("--threat-type", help="The type of threat, in words.")] = None,
    suspected_malicious: Annotated[bool | None, typer.Option("--suspected-malicious/--not-malicious",
                                                             help="Suspected unlawful or malicious act?")] = None,
    cross_border: Annotated[bool | None, typer.Option("--cross-border/--no-cross-border",
                                                      help="Does it affect other member states?")] = None,
    significant: Annotated[bool | None, typer.Option("--significant/--not-significant",
                                                     help="A significant incident under NIS2 Art. 23(3)?")] = None,
    intermediate_due: Annotated[str | None, typer.Option("--intermediate-due",
                                                         help="The CSIRT asked for an intermediate report by then.")] = None,
    note: Annotated[list[str] | None, typer.Option(help="Add a note (repeatable).")] = None,
    task: Annotated[list[str] | None, typer.Option(help="Add a task (repeatable).")] = None,
    observable: Annotated[list[str] | None, typer.Option(help="Add TYPE=VALUE, e.g. ipv4-addr=203.0.113.9.")] = None,
    technique: Annotated[list[str] | None, typer.Option(help="Add ATT&CK technique ids (comma-separated ok).")] = None,
    software: Annotated[list[str] | None, typer.Option(help="Add ATT&CK software ids or names.")] = None,
    mitigation: Annotated[list[str] | None, typer.Option(help="Add a mitigation measure taken.")] = None,
    vulnerability: Annotated[list[str] | None, typer.Option(help="Add an exploited vulnerability (CVE id).")] = None,
    lesson: Annotated[list[str] | None, typer.Option(help="Add a lesson learned.")] = None,
    cause: Annotated[list[str] | None, typer.Option(help="Add a contributing cause.")] = None,
    country: Annotated[list[str] | None, typer.Option(help="Add an affected member state.")] = None,
    add_entity: Annotated[list[str] | None, typer.Option("--add-entity", help="NAME|TYPE|SECTOR|COUNTRY.")] = None,
    event: Annotated[list[str] | None, typer.Option(help="Add a timeline event TIME|HUB|WHAT (a peer's step).")] = None,
    actor: ACTOR = "analyst",
    as_json: JSON = False,
) -> None:
    """Change an incident; every change goes to the audit trail."""
    values = {k: v for k, v in locals().items() if k not in ("incident_id", "actor", "as_json")}
    from ..response import build_changes  # after locals(): values holds the options only

    with handled():
        svc = service()
        incident = svc.store.update(incident_id, build_changes(values, actor, svc.tz), actor)
    emit(incident) if as_json else _print_incident(incident)


@incident_app.command("merge")
def merge_command(
    target: Annotated[str, typer.Argument(help="The incident that stays.")],
    others: Annotated[list[str], typer.Argument(help="Incidents merged into it.")],
    actor: ACTOR = "analyst",
    as_json: JSON = False,
) -> None:
    """Merge incidents into one (alerts, observables, techniques …); the others point to it."""
    with handled():
        incident = service().store.merge(target, others, actor)
    emit(incident) if as_json else _print_incident(incident)


@incident_app.command("split")
def split_command(
    incident_id: Annotated[str, typer.Argument(help="The incident to split.")],
    alert: Annotated[list[str], typer.Option("--alert", help="An alert that moves to the new incident (repeatable).")],
    title: Annotated[str, typer.Option(help="The new incident's title.")],
    actor: ACTOR = "analyst",
    as_json: JSON = False,
) -> None:
    """Move some alerts of an incident into a new incident."""
    with handled():
        incident = service().store.split(incident_id, split_list(alert), title, actor)
    emit(incident) if as_json else _print_incident(incident)


@incident_app.command("clock")
def clock_command(
    incident_id: Annotated[str, typer.Argument(help="The incident id.")],
    at: Annotated[str | None, typer.Option("--at", help="Evaluate at this time instead of now.")] = None,
    as_json: JSON = False,
) -> None:
    """The NIS2 deadlines (UTC, and local in the hub's time zone), submissions, reminders and overdue flags."""
    with handled():
        svc = service()
        clock = svc.clock(incident_id, svc.time(at))
    emit(clock) if as_json else _print_clock(clock)


@incident_app.command("report")
def report_command(
    incident_id: Annotated[str, typer.Argument(help="The incident id.")],
    kind: Annotated[str, typer.Option("--kind", help=f"One of: {', '.join(REPORT_KINDS)}.")],
    out: Annotated[Path | None, typer.Option("--out", help="Write here (default: standard output).")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help=f"{', '.join(REPORT_FORMATS)}; default from --out "
                                            "(.html → html, .stix.json → stix, else json).")] = None,
    as_json: JSON = False,
) -> None:
    """Generate a NIS2 report as JSON, a STIX 2.1 bundle or an HTML page."""
    if fmt is None:
        name = out.name.lower() if out else ""
        fmt = "html" if name.endswith((".html", ".htm")) else "stix" if name.endswith(".stix.json") else "json"
    with handled():
        text = service().render_report(incident_id, kind, fmt)
        if out is None:
            typer.echo(text)
            return
        try:
            out.write_text(text)
        except OSError as exc:
            console.print(f"[red]cannot write {out}: {exc}[/]")
            raise typer.Exit(2) from None
    summary = {"incident": incident_id, "report": kind, "format": fmt, "out": str(out)}
    emit(summary) if as_json else console.print(f"{kind} report of {incident_id} ({fmt}) written to {out}")


@incident_app.command("submit")
def submit_command(
    incident_id: Annotated[str, typer.Argument(help="The incident id.")],
    report: Annotated[str, typer.Option("--report", help=f"One of: {', '.join(REPORT_KINDS)}.")],
    at: Annotated[str | None, typer.Option("--at", help="When it was submitted (default now).")] = None,
    actor: ACTOR = "analyst",
    as_json: JSON = False,
) -> None:
    """Record that a report was submitted (the report as generated is kept); the clock moves on."""
    with handled():
        svc = service()
        result = svc.submit(incident_id, report, svc.time(at), actor)
    if as_json:
        emit(result)
    else:
        console.print(f"{report} report of {incident_id} submitted at {result['submitted_at']}")
        _print_clock(result["clock"])


@incident_app.command("verify")
def verify_command(as_json: JSON = False) -> None:
    """Verify the hash-chained audit trail; exit 1 and name the entries when it was tampered with."""
    with handled():
        count, findings = service().store.verify()
    if as_json:
        emit({"entries": count, "intact": not findings, "findings": [f.as_dict() for f in findings]})
    elif findings:
        for f in findings:
            console.print(f"[red]{f.problem}[/]: {f.detail}")
    else:
        console.print(f"[green]audit trail intact[/]: {count} entries")
    if findings:
        raise typer.Exit(1)


@incident_app.command("audit")
def audit_command(incident_id: Annotated[str | None, typer.Argument(help="Only this incident.")] = None,
                  as_json: JSON = False) -> None:
    """The audit trail (of one incident or of all), oldest first."""
    with handled():
        entries = service().store.audit(incident_id)
    if as_json:
        emit({"entries": entries})
        return
    table = Table(title="audit trail")
    for column in ("seq", "at", "actor", "action", "incident", "hash"):
        table.add_column(column)
    for e in entries:
        table.add_row(str(e["seq"]), e.get("at", "?"), e.get("actor", "?"), e.get("action", "?"),
                      e.get("incident") or "-", e["hash"][:16])
    console.print(table)


@incident_app.command("review")
def review_command(
    incident_id: Annotated[str, typer.Argument(help="The incident id.")],
    out: Annotated[Path, typer.Option("--out", help="The folder for review.json and review.html.")],
    as_json: JSON = False,
) -> None:
    """Write the incident review package (Art. 21) for a significant or large-scale incident."""
    from ..response import write_review

    with handled():
        svc = service()
        review = svc.review(incident_id)
        paths = write_review(review, out)
        svc.store.record(incident_id, "review", {"out": str(out)})
    summary = {"incident": incident_id, "files": [str(p) for p in paths], "timeline": len(review["timeline"]),
               "shared": len(review["shared"]), "techniques": review["techniques"]}
    emit(summary) if as_json else console.print(f"review package of {incident_id}: {', '.join(map(str, paths))}")


@incident_app.command("attribute")
def attribute_command(
    incident_id: Annotated[str, typer.Argument(help="The incident id.")],
    top: Annotated[int, typer.Option(help="How many candidates.")] = 5,
    as_json: JSON = False,
) -> None:
    """Rank ATT&CK intrusion sets by the incident's techniques (its own and its alerts') and software."""
    with handled():
        ranking = service().attribute(incident_id, top)
    emit(ranking) if as_json else print_ranking(ranking)
