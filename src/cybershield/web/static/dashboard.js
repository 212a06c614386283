// cybershield dashboard: polls the hub's /dashboard/api/ endpoints and draws the panels (no framework, no build step).
"use strict";

const LEVELS = ["informational", "low", "medium", "high", "critical"];
const POLL_MS = 3000;
const SVG = "http://www.w3.org/2000/svg";
const state = { paused: false, seen: new Set(), firstLoad: true, timer: null, slow: 0 };

// -- small helpers ------------------------------------------------------------------------------
function el(tag, attrs = {}, ...children) {
  const node = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.setAttribute("class", value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
const $ = (id) => document.getElementById(id);
const fmt = (n) => (n === null || n === undefined ? "–" : Number(n).toLocaleString("en"));
function utc(stamp, withDate = true) {
  if (!stamp) return "–";
  const d = new Date(stamp);
  if (Number.isNaN(d.getTime())) return stamp;
  const iso = d.toISOString();
  return withDate ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : iso.slice(11, 16);
}
function ago(stamp) {
  const s = Math.round((Date.now() - new Date(stamp).getTime()) / 1000);
  if (Number.isNaN(s)) return "";
  if (s < 60) return `${Math.max(s, 0)} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}
async function getJSON(path) {
  const response = await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) {
    let why = `${response.status}`;
    try { why = (await response.json()).detail || why; } catch (_) { /* not JSON */ }
    throw new Error(`${path}: ${why}`);
  }
  return response.json();
}
// Re-rendering a panel must not take the keyboard focus away: the focused control is found again by its key.
function keepFocus(container, render) {
  const active = document.activeElement;
  const key = active && container.contains(active) ? active.dataset.key : null;
  render();
  if (key) {
    const again = container.querySelector(`[data-key="${CSS.escape(key)}"]`);
    if (again) again.focus({ preventScroll: true });
  }
}
const levelBadge = (level) => el("span", { class: `level ${level || "medium"}` }, level || "?");

// -- network ----------------------------------------------------------------------------------------
function layout(hubs) {
  const xb = hubs.filter((h) => h.role === "cross-border");
  const national = hubs.filter((h) => h.role !== "cross-border");
  const pos = {};
  const cx = 320, cy = 150;
  xb.forEach((h, i) => { pos[h.name] = [cx + (i - (xb.length - 1) / 2) * 150, cy]; });
  const n = national.length;
  national.forEach((h, i) => {
    if (!xb.length && n === 1) { pos[h.name] = [cx, cy]; return; }
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / n;
    pos[h.name] = [cx + 250 * Math.cos(angle), cy + 112 * Math.sin(angle)];
  });
  return pos;
}

function drawNetwork(data) {
  const svg = $("network-map");
  svg.replaceChildren();
  const pos = layout(data.hubs);
  for (const link of data.links) {
    const [a, b] = [pos[link.from], pos[link.to]];
    if (!a || !b) continue;
    svg.append(el("svg:line", { class: `link ${link.up ? "up" : "down"}`, x1: a[0], y1: a[1], x2: b[0], y2: b[1] },
      el("svg:title", {}, `${link.from} ↔ ${link.to}: ${link.up ? "both up" : "an end is down"}`)));
  }
  for (const hub of data.hubs) {
    const [x, y] = pos[hub.name];
    const up = hub.health !== null;
    const counters = (hub.health && hub.health.counters) || {};
    const cls = `node ${up ? "up" : "down"}${hub.self ? " self" : ""}${hub.role === "cross-border" ? " xb" : ""}`;
    const g = el("svg:g", { class: cls, transform: `translate(${x},${y})` },
      el("svg:title", {}, `${hub.name} (${hub.country}, ${hub.role}): ${up ? "up" : hub.error || "down"}`));
    if (hub.role === "cross-border") g.append(el("svg:rect", { x: -46, y: -24, width: 92, height: 48, rx: 10 }));
    else g.append(el("svg:circle", { r: 29 }));
    g.append(el("svg:text", { class: "count", y: -3 }, up ? fmt(counters.alerts_stored ?? counters.alerts) : "–"));
    g.append(el("svg:text", { class: "sub", y: 12 }, hub.role === "cross-border" ? "warnings issued" : "alerts"));
    if (hub.role === "cross-border" && up) {
      g.querySelector(".count").textContent = fmt(counters.warnings_issued ?? 0);
    }
    g.append(el("svg:text", { y: hub.role === "cross-border" ? 40 : 45 }, `${hub.name}${hub.self ? " (this hub)" : ""}`));
    svg.append(g);
  }
  const rows = data.hubs.map((hub) => {
    const c = (hub.health && hub.health.counters) || {};
    const up = hub.health !== null;
    return el("tr", {},
      el("td", {}, hub.url && !hub.self ? el("a", { href: `${hub.url.replace(/\/$/, "")}/dashboard/`, "data-key": hub.name }, hub.name) : hub.name),
      el("td", {}, hub.country || "–"), el("td", {}, hub.role),
      el("td", {}, el("span", { class: `state ${up ? "up" : "down"}` }, up ? "● up" : `○ ${hub.error || "down"}`)),
      el("td", { class: "num" }, up ? fmt(c.events) : "–"), el("td", { class: "num" }, up ? fmt(c.alerts_stored ?? c.alerts) : "–"),
      el("td", { class: "num" }, up ? fmt(c.envelopes_sent) : "–"), el("td", { class: "num" }, up ? fmt(c.envelopes_received) : "–"),
      el("td", { class: "num" }, up ? fmt(c.warnings) : "–"));
  });
  keepFocus($("hubs"), () => $("hubs").replaceChildren(...rows));
  const upCount = data.hubs.filter((h) => h.health !== null).length;
  $("kpi-hubs").textContent = `${upCount} / ${data.hubs.length}`;
  const self = data.hubs.find((h) => h.self);
  const c = (self && self.health && self.health.counters) || {};
  $("kpi-events").textContent = fmt(c.events);
  $("kpi-alerts").textContent = fmt(c.alerts_stored ?? c.alerts);
  $("network-note").textContent = data.network_file ? `${data.hubs.length} hubs, ${data.links.length} links`
    : "this hub is not part of a network (no network file in its configuration)";
}

// -- alerts -----------------------------------------------------------------------------------------
function alertQuery() {
  const form = new FormData($("filters"));
  const params = new URLSearchParams();
  for (const key of ["kind", "level", "q"]) { const v = (form.get(key) || "").trim(); if (v) params.set(key, v); }
  const minutes = Number(form.get("since") || 0);
  if (minutes) params.set("since", new Date(Date.now() - minutes * 60000).toISOString());
  params.set("limit", "300");
  return params.toString();
}

function alertRow(a, fresh) {
  const techniques = (a.techniques || []).map((t) => el("span", { class: "tag" }, t));
  const observed = (a.observed || []).map((v) => el("span", { class: "tag ioc" }, v));
  return el("tr", { class: fresh ? "fresh" : null, "data-alert": a.id },
    el("td", { class: "time" }, utc(a.time)),
    el("td", {}, levelBadge(a.level)),
    el("td", { class: "kind" }, a.kind),
    el("td", {}, el("button", { type: "button", class: "linkish", "aria-haspopup": "dialog", "data-key": a.id,
      "aria-label": `Open alert: ${a.title}`, onclick: () => openAlert(a.id) }, a.title || a.rule_id),
      a.warning ? el("div", { class: "hint" }, "from an early warning") : null),
    el("td", {}, techniques),
    el("td", {}, observed),
    el("td", { class: "src", title: a.source }, a.source));
}

async function loadAlerts() {
  const rows = await getJSON(`/dashboard/api/alerts?${alertQuery()}`);
  const fresh = rows.filter((a) => !state.seen.has(a.id));
  const body = $("alert-rows");
  const shown = rows.map((a) => a.id).join(",");
  if (shown !== state.shown || !body.childElementCount) {
    state.shown = shown;
    keepFocus(body, () => body.replaceChildren(...(rows.length
      ? rows.map((a) => alertRow(a, !state.firstLoad && !state.seen.has(a.id)))
      : [el("tr", {}, el("td", { colspan: 7, class: "empty" }, "No alert matches these filters yet."))])));
  }
  rows.forEach((a) => state.seen.add(a.id));
  if (!state.firstLoad && fresh.length) $("live").textContent = `${fresh.length} new alert${fresh.length > 1 ? "s" : ""}`;
  state.firstLoad = false;
  $("alerts-note").textContent = `${rows.length}${rows.length >= 300 ? "+" : ""} shown, newest first`;
  $("kpi-high").textContent = fmt(rows.filter((a) => a.level === "high" || a.level === "critical").length);
}

// -- one alert: its events and its explanation ----------------------------------------------------
function facts(pairs) {
  return el("dl", { class: "facts" }, pairs.filter(([, v]) => v !== null && v !== undefined && v !== "")
    .flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
}

function explanation(x) {
  if (!x) return null;
  if (x.rule) {
    const r = x.rule;
    return el("section", { "aria-label": "Sigma rule" }, el("h3", {}, "Sigma rule"),
      facts([["Title", r.title], ["Description", r.description], ["Level", r.level], ["Status", r.status],
        ["Author", r.author], ["Tags", (r.tags || []).join(", ")], ["False positives", (r.falsepositives || []).join("; ")],
        ["Variant", x.variant], ["File", r.file]]),
      r.yaml ? el("details", {}, el("summary", {}, "Rule as written (YAML)"), el("pre", {}, r.yaml)) : null);
  }
  if (x.kind === "sigma" || x.kind === "correlation") {
    return el("section", {}, el("h3", {}, "Sigma rule"), el("p", { class: "hint" }, "This rule is no longer loaded on the hub."));
  }
  if (x.indicator || x.matched) {
    const m = x.matched || {};
    return el("section", { "aria-label": "Indicator" }, el("h3", {}, "Threat-intelligence indicator"),
      facts([["Pattern", x.indicator && el("code", {}, x.indicator.pattern)], ["Indicator", x.indicator && x.indicator.id],
        ["Valid until", x.indicator && (x.indicator.valid_until || "no end")],
        ["Matched", m.value !== undefined ? `${m.field || m.type || ""} = ${m.value}` : JSON.stringify(m)],
        ["From warning", x.warning]]));
  }
  if (x.kind === "model") {
    const top = x.top_features || [];
    const max = Math.max(...top.map((f) => Math.abs(f.contribution)), 1e-9);
    return el("section", { "aria-label": "Model" }, el("h3", {}, "Model explanation"),
      facts([["Model", x.model && `${x.model.name} v${x.model.version} (${x.model.raised_by || ""})`],
        ["Family", x.family], ["Score", x.score], ["Anomaly score", x.anomaly_score]]),
      top.length ? el("table", { class: "table compact", "aria-label": "Top features" },
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Feature"), el("th", { scope: "col" }, "Value"),
          el("th", { scope: "col" }, "Contribution"))),
        el("tbody", {}, top.map((f) => el("tr", {}, el("td", {}, f.feature), el("td", {}, String(f.value)),
          el("td", {}, el("div", { class: "bar", style: `width:${Math.round(100 * Math.abs(f.contribution) / max)}%`,
            title: String(f.contribution) })))))) : null);
  }
  return null;
}

async function openAlert(id) {
  const dialog = $("detail");
  state.opened = id;
  $("detail-title").textContent = "Loading…";
  $("detail-kind").textContent = "";
  $("detail-body").replaceChildren();
  if (!dialog.open) dialog.showModal();
  let d;
  try { d = await getJSON(`/dashboard/api/alerts/${encodeURIComponent(id)}`); } catch (err) {
    $("detail-title").textContent = "This alert cannot be shown";
    $("detail-body").replaceChildren(el("p", {}, err.message));
    return;
  }
  const a = d.row;
  $("detail-title").replaceChildren(levelBadge(a.level), " ", a.title || a.rule_id);
  $("detail-kind").textContent = `${a.kind} alert · ${utc(a.time)} UTC`;
  const events = d.events.map((pairs, i) => el("div", { class: "event" },
    el("table", { "aria-label": `Event ${i + 1}` }, el("tbody", {}, pairs.map(([k, v]) =>
      el("tr", {}, el("td", {}, k), el("td", {}, typeof v === "object" ? JSON.stringify(v) : String(v))))))));
  $("detail-body").replaceChildren(
    el("section", {}, el("h3", {}, "Summary"), facts([["Alert id", a.id], ["Rule id", a.rule_id], ["Created", utc(a.created)],
      ["ATT&CK", (a.techniques || []).length ? a.techniques.map((t) => el("a", {
        href: `https://attack.mitre.org/techniques/${t.replace(".", "/")}/`, rel: "noreferrer", target: "_blank" }, t, " ")) : null],
      ["Observed", (a.observed || []).join(", ")], ["Source", a.source]])),
    explanation(d.explanation),
    el("section", { "aria-label": "Events" }, el("h3", {}, `Events (${d.events.length} of ${d.events_expected})`),
      d.events.length ? events : el("p", { class: "hint" },
        "The events are not in the archive (older than its retention, or not archived yet).")),
    el("details", {}, el("summary", {}, "Alert document (JSON)"), el("pre", {}, JSON.stringify(d.alert, null, 2))));
}

// -- warnings, incidents ------------------------------------------------------------------------------
async function loadWarnings() {
  const rows = await getJSON("/dashboard/api/warnings");
  const list = $("warning-list");
  list.replaceChildren(...(rows.length ? rows.map((w) => el("li", { class: "card" },
    el("h3", {}, w.name || w.id),
    el("p", {}, w.tlp ? el("span", { class: `tlp ${w.tlp}` }, `TLP:${w.tlp}`) : null, " ",
      w.issued ? `issued to the members ${utc(w.received)} UTC (${ago(w.received)})`
        : `received ${utc(w.received)} UTC (${ago(w.received)}) from ${w.sender || "?"}`),
    w.countries.length ? el("p", {}, "Sighted in ", w.countries.map((c) => el("span", { class: "tag" },
      `${c} ×${(w.sightings[c] || {}).count ?? "?"}`))) : null,
    el("p", {}, w.issued ? `${w.indicators} indicator${w.indicators === 1 ? "" : "s"}`
      : `${w.indicators} indicator${w.indicators === 1 ? "" : "s"} into detection, `
        + `${w.retro_hunt_alerts} retro-hunt alert${w.retro_hunt_alerts === 1 ? "" : "s"}`,
      w.techniques.length ? ` · ${w.techniques.join(", ")}` : ""),
    w.description ? el("p", {}, w.description) : null))
    : [el("li", { class: "empty" }, "No early warning received yet.")]));
  const issued = rows.filter((w) => w.issued).length;
  $("warnings-note").textContent = issued ? `${issued} issued, ${rows.length - issued} received` : `${rows.length} received`;
  $("kpi-warnings").textContent = fmt(rows.length);
}

const DEADLINES = { early_warning: "Early warning · 24 h", notification: "Notification · 72 h",
  intermediate: "Intermediate report", final_report: "Final report · 1 month", progress_report: "Progress report" };
const ALWAYS = ["early_warning", "notification", "final_report"];

function countdown(when) {
  const h = (new Date(when).getTime() - Date.now()) / 3600000;
  if (Number.isNaN(h)) return "";
  const span = Math.abs(h) >= 48 ? `${Math.round(Math.abs(h) / 24)} d` : `${Math.max(1, Math.round(Math.abs(h)))} h`;
  return h >= 0 ? `in ${span}` : `${span} ago`;
}

async function loadIncidents() {
  const data = await getJSON("/dashboard/api/incidents");
  const box = $("incident-list");
  const open = data.incidents.filter((i) => i.status !== "closed");
  $("kpi-incidents").textContent = fmt(open.length);
  $("incidents-note").textContent = `${data.incidents.length} incidents, ${open.length} open`;
  box.replaceChildren(...(data.incidents.length ? data.incidents.map((inc) => {
    const clock = inc.clock || {};
    const due = clock.deadlines || {};
    const keys = Object.keys(DEADLINES).filter((k) => ALWAYS.includes(k) || due[k]);
    return el("article", { class: "card incident", "aria-label": `Incident ${inc.title}` },
      el("h3", {}, levelBadge(inc.severity), " ", inc.title),
      el("p", {}, `${inc.id} · ${inc.status} · ${inc.entity_type || "?"} entity`, inc.sector ? ` · ${inc.sector}` : "",
        ` · aware ${utc(inc.aware_at)} UTC`),
      el("div", { class: "clock", role: "list", "aria-label": "NIS2 deadlines" }, keys.map((key) => {
        const st = (clock.state || {})[key] || "pending";
        const when = due[key];
        const sent = (clock.submitted || {})[key];
        return el("div", { class: `deadline ${st}`, role: "listitem" }, el("b", {}, DEADLINES[key]),
          when ? `${utc(when)} UTC` : "not yet due", el("br"),
          el("span", { class: "hint" }, sent ? `${st}: sent ${utc(sent)}` : when ? `${st} · ${countdown(when)}` : st));
      })));
  }) : [el("p", { class: "empty" }, "No incident open.")]));
}

// -- post-quantum readiness (a cross-border hub) ---------------------------------------------------------
const STATUSES = ["pq", "hybrid-pq", "quantum-vulnerable", "classically-broken", "unknown"];
const pct = (share) => `${(100 * share).toFixed(1)} %`;

function drawReadiness(data) {
  const row = (name, c, total) => el("tr", total ? { class: "total" } : {}, el("th", { scope: "row" }, name),
    STATUSES.map((s) => el("td", { class: "num" }, fmt(c.endpoints[s]))),
    el("td", { class: "num" }, pct(c.protected_share)), el("td", { class: "num" }, pct(c.connections_protected_share)));
  const countries = Object.entries(data.by_country);
  $("readiness-rows").replaceChildren(...(countries.length
    ? [...countries.map(([country, c]) => row(country, c, false)), row("All", data, true)]
    : [el("tr", {}, el("td", { colspan: 8, class: "empty" }, "No member has shared its readiness figures yet."))]));
  $("readiness-note").textContent = (data.period ? `week of ${data.period}` : "no week yet")
    + (data.missing.length ? ` · no summary from ${data.missing.join(", ")}` : "");
}

// -- the campaign timeline ------------------------------------------------------------------------------
function drawTimeline(data) {
  const svg = $("timeline");
  svg.replaceChildren();
  const countries = Object.keys(data.countries);
  const times = [];
  for (const points of Object.values(data.countries)) for (const [t] of points) times.push(Date.parse(t));
  for (const w of data.warnings) {
    for (const s of Object.values(w.sightings || {})) times.push(Date.parse(s.first_seen));
  }
  const finite = times.filter(Number.isFinite);
  if (!countries.length || !finite.length) {
    svg.append(el("svg:text", { x: 320, y: 130, "text-anchor": "middle", class: "axis", fill: "#8a98a8" },
      "No alert or warning yet: the campaign appears here as it unfolds."));
    $("campaign-note").textContent = "";
    return;
  }
  const W = 640, left = 56, right = 12, top = 10, bottom = 24;
  const laneH = Math.min(72, (330 - top - bottom) / countries.length);
  svg.setAttribute("viewBox", `0 0 ${W} ${top + bottom + laneH * countries.length}`);
  let t0 = Math.min(...finite), t1 = Math.max(...finite);
  if (t1 - t0 < 60000) { t0 -= 30000; t1 += 30000; }
  const bins = 60, width = (t1 - t0) / bins;
  const x = (t) => left + ((t - t0) / (t1 - t0)) * (W - left - right);
  countries.forEach((_, lane) => {
    if (lane % 2 === 0) svg.append(el("svg:rect", { x: left, y: top + lane * laneH, width: W - left - right, height: laneH, fill: "#1a222c" }));
  });
  const axis = el("svg:g", { class: "axis" });
  const spanDays = (t1 - t0) > 86400000;
  for (let i = 0; i <= 4; i++) {
    const t = t0 + (i * (t1 - t0)) / 4;
    const label = spanDays ? new Date(t).toISOString().slice(5, 16).replace("T", " ") : new Date(t).toISOString().slice(11, 16);
    axis.append(el("svg:line", { class: "grid-line", x1: x(t), x2: x(t), y1: top, y2: top + laneH * countries.length }),
      el("svg:text", { x: x(t), y: top + laneH * countries.length + 15, "text-anchor": i === 0 ? "start" : i === 4 ? "end" : "middle" }, label));
  }
  svg.append(axis);
  countries.forEach((country, lane) => {
    const y0 = top + lane * laneH;
    svg.append(el("svg:text", { class: "lane-label", x: 8, y: y0 + laneH / 2 + 4 }, country),
      el("svg:line", { class: "grid-line", x1: left, x2: W - right, y1: y0 + laneH, y2: y0 + laneH }));
    const binned = new Map();
    for (const [t, count, level] of data.countries[country]) {
      const b = Math.min(bins - 1, Math.floor((Date.parse(t) - t0) / width));
      const prev = binned.get(b) || [0, -1];
      binned.set(b, [prev[0] + count, Math.max(prev[1], LEVELS.indexOf(level))]);
    }
    const peak = Math.max(1, ...[...binned.values()].map(([n]) => n));
    for (const [b, [n, lv]] of binned) {
      const h = Math.max(3, ((laneH - 10) * Math.sqrt(n)) / Math.sqrt(peak));
      svg.append(el("svg:rect", { x: x(t0 + b * width) + 0.5, y: y0 + laneH - 4 - h, width: Math.max(2, x(t0 + width) - left - 1),
        height: h, rx: 1.5, fill: `var(--${LEVELS[Math.max(lv, 1)]})` },
        el("svg:title", {}, `${country}: ${n} alert${n > 1 ? "s" : ""} from ${utc(new Date(t0 + b * width).toISOString())} UTC`)));
    }
    for (const w of data.warnings) {
      const s = (w.sightings || {})[country];
      if (!s) continue;
      const tx = x(Date.parse(s.first_seen)), ty = y0 + 8;
      svg.append(el("svg:path", { d: `M${tx} ${ty - 6} L${tx + 6} ${ty} L${tx} ${ty + 6} L${tx - 6} ${ty} Z`, fill: "#a371f7" },
        el("svg:title", {}, `${w.name}: ${s.count} sighting(s) in ${country} from ${utc(s.first_seen)} UTC`)));
    }
  });
  const missing = data.missing.map((m) => `${m.name}: ${m.why}`).join("; ");
  $("campaign-note").textContent = `${countries.length} countries${missing ? ` · not shown: ${missing}` : ""}`;
}

// -- polling --------------------------------------------------------------------------------------------
async function refresh() {
  if (state.paused) return;
  const live = $("live");
  state.slow = (state.slow + 1) % 3;
  const jobs = [getJSON("/dashboard/api/network").then(drawNetwork), loadAlerts()];
  if (state.slow === 1 || state.firstRound !== false) {
    jobs.push(loadWarnings(), loadIncidents(), getJSON("/dashboard/api/campaign").then(drawTimeline));
    if ($("readiness")) jobs.push(getJSON("/dashboard/api/readiness").then(drawReadiness));
    state.firstRound = false;
  }
  const results = await Promise.allSettled(jobs);
  const failed = results.filter((r) => r.status === "rejected");
  live.classList.toggle("on", !failed.length);
  live.classList.toggle("err", failed.length > 0);
  if (failed.length) { live.textContent = "update failed"; live.title = failed.map((f) => f.reason.message).join("\n"); }
  else if (!/new alert/.test(live.textContent) || state.quiet++ > 1) { live.textContent = `live · ${utc(new Date().toISOString()).slice(11)} UTC`; state.quiet = 0; }
  document.body.dataset.loaded = "true";
}

function schedule() {
  clearTimeout(state.timer);
  state.timer = setTimeout(async () => { await refresh(); schedule(); }, POLL_MS);
}

document.addEventListener("DOMContentLoaded", () => {
  state.quiet = 0;
  const filters = $("filters");
  let typing;
  filters.addEventListener("change", () => { state.firstLoad = true; loadAlerts().catch(() => {}); });
  filters.addEventListener("input", (e) => {
    if (e.target.name !== "q") return;
    clearTimeout(typing);
    typing = setTimeout(() => { state.firstLoad = true; loadAlerts().catch(() => {}); }, 250);
  });
  filters.addEventListener("submit", (e) => e.preventDefault());
  filters.addEventListener("reset", () => setTimeout(() => { state.firstLoad = true; loadAlerts().catch(() => {}); }));
  $("detail").addEventListener("close", () => {  // back to the alert's row, even if the stream was redrawn
    const row = document.querySelector(`#alert-rows [data-key="${CSS.escape(state.opened || "")}"]`);
    if (row) row.focus();
  });
  $("pause").addEventListener("click", (e) => {
    state.paused = !state.paused;
    e.currentTarget.setAttribute("aria-pressed", String(state.paused));
    e.currentTarget.textContent = state.paused ? "Resume updates" : "Pause updates";
    $("live").textContent = state.paused ? "paused" : "resuming…";
    if (!state.paused) refresh();
  });
  refresh().then(schedule);
});
