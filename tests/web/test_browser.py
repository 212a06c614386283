"""The dashboard in headless Chromium (Playwright): it loads, shows the hubs, an alert appears live and opens
to its events and its rule from the keyboard, the filters narrow the stream, a warning appears."""

from __future__ import annotations

import orjson
from playwright.sync_api import Page, expect

from ..hub.conftest import warning_bundle
from .test_dashboard import ingest

ENCODED = "PowerShell With an Encoded Command"
LIVE_MS = 30_000  # detection runs behind the ingest answer, and the page polls every few seconds


def test_dashboard_shows_the_network_then_alerts_and_a_warning_live(network, sysmon_body, page: Page):
    de, _ = network
    page.goto(de.url + "/")
    expect(page).to_have_url(de.url + "/dashboard/")
    expect(page.locator("body[data-loaded]")).to_have_count(1, timeout=LIVE_MS)

    hubs = page.locator("#hubs tr")
    expect(hubs).to_have_count(4)
    expect(hubs.filter(has_text="fr-hub")).to_contain_text("up")
    expect(hubs.filter(has_text="nl-hub")).to_contain_text("unreachable")
    expect(page.locator("#network-map .node")).to_have_count(4)
    expect(page.locator("#network-map .node.self")).to_contain_text("de-hub")
    expect(page.locator("#alert-rows")).to_contain_text("No alert")
    expect(page.locator("#incident-list")).to_contain_text("No incident open.")

    ingest(de, sysmon_body)
    opener = page.get_by_role("button", name=f"Open alert: {ENCODED}").first
    expect(opener).to_be_visible(timeout=LIVE_MS)
    expect(page.locator("#kpi-alerts")).not_to_have_text("0", timeout=LIVE_MS)
    expect(page.get_by_role("img", name="Campaign across countries").locator("text.lane-label")).to_have_text(
        ["DE", "FR"], timeout=LIVE_MS)  # a lane per hub that answers (fr-hub's is empty), none for the hubs down

    opener.focus()
    page.keyboard.press("Enter")  # a real button: the keyboard opens it
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#detail-title")).to_contain_text(ENCODED)
    expect(dialog.get_by_role("table", name="Event 1")).to_contain_text("process.command_line", timeout=LIVE_MS)
    expect(dialog).to_contain_text("Events (1 of 1)")
    expect(dialog).to_contain_text("Sigma rule")
    dialog.get_by_text("Rule as written (YAML)").click()
    expect(dialog.locator("pre").first).to_contain_text("detection:")
    page.wait_for_timeout(3500)  # a poll of the stream behind the dialog
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator("#alert-rows button:focus")).to_have_text(ENCODED)  # the focus is back on its row

    page.get_by_label("Text").fill("no alert is called this")
    expect(page.locator("#alert-rows")).to_contain_text("No alert matches", timeout=LIVE_MS)
    page.get_by_label("Text").fill("")
    page.get_by_label("Level at least").select_option("high")
    rows = page.locator("#alert-rows tr[data-alert]")
    expect(rows.first).to_be_visible(timeout=LIVE_MS)
    assert {level.lower() for level in rows.locator(".level").all_inner_texts()} <= {"high", "critical"}

    bundle = warning_bundle("203.0.113.77")
    with de.client("ops") as client:
        client.post("/api/v1/warnings", content=orjson.dumps(bundle)).raise_for_status()
    expect(page.locator("#warning-list")).to_contain_text("Early warning: C2 in DE and FR", timeout=LIVE_MS)
