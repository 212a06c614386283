"""``cybershield reserve``: the EU Cybersecurity Reserve — providers, support requests, their clocks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ._response import emit, handled, service, split_list
from .base import app, console

reserve_app = typer.Typer(help="EU Cybersecurity Reserve: providers, support requests, priority, clocks.",
                          no_args_is_help=True)
app.add_typer(reserve_app, name="reserve")

JSON = Annotated[bool, typer.Option("--json", help="Print the result as one JSON object.")]
AT = Annotated[str | None, typer.Option("--at", help="When (ISO 8601; default now).")]


def _print_requests(requests: list[dict]) -> None:
    table = Table(title="Reserve requests (by priority)")
    for column in ("id", "incident", "priority", "status", "answer due", "provider", "report due", "flags"):
        table.add_column(column)
    for r in requests:
        flags = [f for f in ("answer_overdue", "report_overdue") if r[f]]
        table.add_row(r["id"], r["incident"], f"{r['priority']:.0f}", r["status"], r["answer_due"],
                      r["provider"] or "-", r["report_due"] or "-", f"[red]{' '.join(flags)}[/]" if flags else "")
    console.print(table)


@reserve_app.command("providers")
def providers_command(
    load: Annotated[Path | None, typer.Option("--load", help="A YAML or JSON registry to add or update.")] = None,
    as_json: JSON = False,
) -> None:
    """List the trusted providers (after loading a registry file with --load)."""
    from ..response import read_registry

    with handled():
        svc = service()
        loaded = svc.reserve.load_providers(read_registry(load)) if load else None
        providers = svc.reserve.providers()
    if as_json:
        emit({"providers": [p.as_dict() for p in providers], "loaded": loaded})
        return
    table = Table(title=f"Reserve providers ({len(providers)})")
    for column in ("id", "name", "capabilities", "countries", "languages", "availability"):
        table.add_column(column)
    for p in providers:
        table.add_row(p.id, p.name, ", ".join(p.capabilities), ", ".join(p.countries), ", ".join(p.languages),
                      p.availability)
    console.print(table)


@reserve_app.command("request")
def request_command(
    incident_id: Annotated[str, typer.Argument(help="The incident the support is for.")],
    need: Annotated[list[str], typer.Option("--need", help="A capability needed (repeatable or comma-separated), "
                                            "e.g. forensics, malware-analysis, recovery.")],
    use: Annotated[str, typer.Option("--use", help="The planned use of the support.")],
    estimate: Annotated[str | None, typer.Option("--estimate", help="The estimated needs (people, days).")] = None,
    measure: Annotated[list[str] | None, typer.Option("--measure", help="A measure already taken (repeatable).")] = None,
    language: Annotated[list[str] | None, typer.Option("--language", help="Working language(s).")] = None,
    at: AT = None,
    as_json: JSON = False,
) -> None:
    """Request Reserve support for an incident (Art. 15 content, priority score, 48 h answer clock)."""
    from ..response import SupportNeeds

    with handled():
        svc = service()
        needs = SupportNeeds(tuple(split_list(need)), use, estimate, tuple(measure or ()), tuple(split_list(language)))
        request = svc.reserve.request(incident_id, needs, svc.time(at))
    if as_json:
        emit(request)
        return
    _print_requests([request])
    for c in request["candidates"][:5]:
        console.print(f"candidate {c['provider']} ({c['name']}): covers {', '.join(c['covers'])}"
                      + (f", missing {', '.join(c['missing'])}" if c["missing"] else ""))


@reserve_app.command("status")
def status_command(
    request_id: Annotated[str | None, typer.Argument(help="One request (default: all, by priority).")] = None,
    as_json: JSON = False,
) -> None:
    """Requests by priority with their answer and report clocks."""
    with handled():
        requests = service().reserve.status(request_id)
    emit({"requests": requests}) if as_json else _print_requests(requests)


def _change(as_json: bool, change) -> None:
    """Apply ``change(service)`` to a request and print the request as it is now."""
    with handled():
        request = change(service())
    emit(request) if as_json else _print_requests([request])


@reserve_app.command("assign")
def assign_command(
    request_id: Annotated[str, typer.Argument(help="The reserve request id.")],
    provider: Annotated[str, typer.Option("--provider", help="The provider id.")],
    at: AT = None,
    as_json: JSON = False,
) -> None:
    """Answer a request by assigning a provider."""
    _change(as_json, lambda svc: svc.reserve.assign(request_id, provider, svc.time(at)))


@reserve_app.command("decline")
def decline_command(
    request_id: Annotated[str, typer.Argument(help="The reserve request id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the request is declined.")],
    at: AT = None,
    as_json: JSON = False,
) -> None:
    """Answer a request with a refusal and its reason."""
    _change(as_json, lambda svc: svc.reserve.decline(request_id, reason, svc.time(at)))


@reserve_app.command("end")
def end_command(request_id: Annotated[str, typer.Argument(help="The reserve request id.")], at: AT = None, as_json: JSON = False) -> None:
    """Record that the support ended; the user's report is due one calendar month later."""
    _change(as_json, lambda svc: svc.reserve.end(request_id, svc.time(at)))


@reserve_app.command("report")
def report_command(
    request_id: Annotated[str, typer.Argument(help="The reserve request id.")],
    text: Annotated[str, typer.Option("--text", help="The report on the support received.")],
    at: AT = None,
    as_json: JSON = False,
) -> None:
    """Record the user's report on the support."""
    _change(as_json, lambda svc: svc.reserve.report(request_id, text, svc.time(at)))
