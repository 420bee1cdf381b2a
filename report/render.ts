/**
 * The HTML risk report: one self-contained file rendered from a {@link RiskSnapshot}, read by
 * the business. Pure and deterministic (no clock, no locale, no I/O): the snapshot function,
 * `npm run risk` and the CLI all call {@link renderReport} and get the same bytes.
 *
 * Self-contained means no network at all: inline CSS, charts as inline SVG, system fonts, no
 * script (the per-machine drill-down is `<details>`). A Content-Security-Policy forbids every
 * fetch and every script, so even a value that slipped past escaping could not run or call out.
 * Every value that comes from machines or config (names, titles, reasons, approvers, IDs) is
 * escaped. Every number carries `data-metric` (plus `data-key` for the row it belongs to) so
 * tests read exactly what is shown.
 */
import {
  SEVERITIES,
  RiskSnapshot,
  Severity,
  SnapshotAcceptance,
  SnapshotBreakdownRow,
  SnapshotMachine,
} from "../risk/model";
import { escapeHtml as e } from "./escape";
import { daysBetween, formatDate, formatNumber, formatTime } from "./format";
import { REPORT_CSS } from "./style";
import { coverageBars, trendChart } from "./svg";

/** The policy the report ships with: styles inline, images only as data, nothing else. */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/** A number element tests can read: `<span data-metric="totals.score">1,234</span>`. */
function metric(name: string, value: number, key?: string): string {
  const k = key === undefined ? "" : ` data-key="${e(key)}"`;
  return `<span data-metric="${name}"${k}>${formatNumber(value)}</span>`;
}

const plural = (n: number, one: string, many = `${one}s`): string => (n === 1 ? one : many);

function section(id: string, title: string, body: string, count?: number): string {
  const c = count === undefined ? "" : ` <span class="count">(${formatNumber(count)})</span>`;
  return `<section id="${id}" aria-labelledby="${id}-h"><h2 id="${id}-h">${title}${c}</h2>${body}</section>`;
}

function table(head: readonly string[], rows: readonly string[], numeric: readonly number[] = []) {
  const th = head
    .map((h, i) => `<th${numeric.includes(i) ? ' class="num"' : ""}>${h}</th>`)
    .join("");
  return `<table><thead><tr>${th}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

// Severity and state come from the SQL, so they are escaped like any other value.
const sev = (s: Severity): string => `<span class="sev ${e(s)}">${e(s)}</span>`;

function summary(s: RiskSnapshot): string {
  const t = s.totals;
  const untagged = Math.max(t.machines - t.reportMachines - t.enforceMachines, 0);
  const kpi = (cls: string, label: string, value: string, sub = ""): string =>
    `<div class="kpi ${cls}"><div class="label">${label}</div><div class="value">${value}</div>${sub ? `<div class="sub">${sub}</div>` : ""}</div>`;
  const kpis = [
    kpi(
      "score",
      "Fleet risk score",
      metric("totals.score", t.score),
      "sum of open finding weights",
    ),
    kpi(
      "machines",
      "Machines",
      metric("totals.machines", t.machines),
      `${metric("totals.reportMachines", t.reportMachines)} report · ${metric("totals.enforceMachines", t.enforceMachines)} enforce${untagged ? ` · ${formatNumber(untagged)} untagged` : ""}`,
    ),
    kpi(
      "open",
      "Open findings",
      metric("totals.open", t.open),
      `incl. ${metric("totals.acceptanceExpired", t.acceptanceExpired)} with an expired acceptance`,
    ),
    kpi(
      "accepted",
      "Accepted findings",
      metric("totals.accepted", t.accepted),
      "risk accepted, not scored",
    ),
    kpi(
      "notseen",
      "Machines not seen",
      metric("totals.notSeen", t.notSeen),
      `for ${formatNumber(s.staleDays)} ${plural(s.staleDays, "day")} or more`,
    ),
  ].join("");
  const sevs = SEVERITIES.map(
    (v) => `<li>${sev(v)} ${metric("totals.openBySeverity", t.openBySeverity[v], v)}</li>`,
  ).join("");
  const last = s.history[s.history.length - 1];
  const first = s.history[0];
  const trendNote =
    s.history.length > 1
      ? `<p class="note">Score trend over ${formatNumber(s.history.length)} snapshots, ${e(formatTime(first.capturedAt))} to ${e(formatTime(last.capturedAt))}: from ${formatNumber(first.score)} to ${formatNumber(last.score)}.</p>`
      : "";
  return section(
    "summary",
    "Fleet summary",
    `<div class="kpis">${kpis}</div><h3 class="sub-h">Open findings by severity</h3><ul class="sevs">${sevs}</ul><h3 class="sub-h">Fleet score over time</h3>${trendChart(s.history)}${trendNote}`,
  );
}

function coverage(s: RiskSnapshot): string {
  const rows = s.controls.map((c) => {
    const k = c.control;
    return `<tr><td>${e(c.control)}${c.mandatory ? '<span class="badge">MANDATED</span>' : ""}</td><td>${e(c.complianceType)}</td><td class="num">${metric("control.open", c.open, k)}</td><td class="num">${metric("control.acceptanceExpired", c.acceptanceExpired, k)}</td><td class="num">${metric("control.accepted", c.accepted, k)}</td><td class="num">${metric("control.score", c.score, k)}</td></tr>`;
  });
  const detail = rows.length
    ? table(
        ["Control", "Compliance type", "Open", "Acceptance expired", "Accepted", "Score"],
        rows,
        [2, 3, 4, 5],
      )
    : "";
  return section(
    "coverage",
    "Coverage per control",
    `<p class="note">Share of fleet machines with fresh data for the control and no open finding of it. Mandated controls are enforced everywhere and can never be accepted.</p>${coverageBars(s.controls)}${detail}`,
    s.controls.length,
  );
}

interface Cell {
  environment: string;
  mode: string;
  score: number;
  open: number;
  accepted: number;
  acceptanceExpired: number;
  bySeverity: Record<string, number>;
  byControl: Map<string, number>;
}

/** Folds the environment × mode × control × severity rows into environment × mode cells. */
export function environmentModeCells(rows: readonly SnapshotBreakdownRow[]): Cell[] {
  const cells = new Map<string, Cell>();
  for (const row of rows) {
    const key = JSON.stringify([row.environment, row.mode]);
    const cell = cells.get(key) ?? {
      environment: row.environment,
      mode: row.mode,
      score: 0,
      open: 0,
      accepted: 0,
      acceptanceExpired: 0,
      bySeverity: {},
      byControl: new Map<string, number>(),
    };
    cell.score += row.score;
    cell.open += row.open;
    cell.accepted += row.accepted;
    cell.acceptanceExpired += row.acceptanceExpired;
    cell.bySeverity[row.severity] = (cell.bySeverity[row.severity] ?? 0) + row.open;
    cell.byControl.set(row.control, (cell.byControl.get(row.control) ?? 0) + row.open);
    cells.set(key, cell);
  }
  // Worst first, then by name, so the table reads the same for the same data.
  return [...cells.values()].sort(
    (a, b) =>
      b.score - a.score ||
      (a.environment < b.environment ? -1 : a.environment > b.environment ? 1 : 0) ||
      (a.mode < b.mode ? -1 : a.mode > b.mode ? 1 : 0),
  );
}

function breakdown(s: RiskSnapshot): string {
  const cells = environmentModeCells(s.breakdown);
  if (!cells.length)
    return section(
      "breakdown",
      "Environment × mode",
      `<p class="note" data-empty="breakdown">No findings in any environment.</p>`,
    );
  const rows = cells.map((c) => {
    const k = `${c.environment}/${c.mode}`;
    const controls = [...c.byControl.entries()]
      .filter(([, n]) => n > 0)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, n]) => `${e(name)} ${formatNumber(n)}`)
      .join(" · ");
    return `<tr><td>${e(c.environment)}</td><td>${e(c.mode)}</td><td class="num">${metric("breakdown.score", c.score, k)}</td><td class="num">${metric("breakdown.open", c.open, k)}</td><td class="num">${metric("breakdown.openCritical", c.bySeverity.CRITICAL ?? 0, k)}</td><td class="num">${metric("breakdown.openHigh", c.bySeverity.HIGH ?? 0, k)}</td><td class="num">${metric("breakdown.acceptanceExpired", c.acceptanceExpired, k)}</td><td class="num">${metric("breakdown.accepted", c.accepted, k)}</td><td>${controls || "–"}</td></tr>`;
  });
  return section(
    "breakdown",
    "Environment × mode",
    table(
      [
        "Environment",
        "Mode",
        "Score",
        "Open",
        "Critical",
        "High",
        "Acceptance expired",
        "Accepted",
        "Open by control",
      ],
      rows,
      [2, 3, 4, 5, 6, 7],
    ),
    cells.length,
  );
}

function machine(m: SnapshotMachine, rank: number): string {
  const k = m.resourceId;
  const findings = m.findings.length
    ? table(
        ["Severity", "Control", "Finding", "Title", "State", "Acceptance"],
        m.findings.map(
          (f) =>
            `<tr class="finding" data-state="${e(f.state)}"><td>${sev(f.severity)}</td><td>${e(f.control)}</td><td class="rid">${e(f.findingId)}</td><td>${e(f.title)}</td><td><span class="state ${e(f.state)}">${e(f.state)}</span></td><td>${f.acceptanceId === undefined ? "–" : e(f.acceptanceId)}</td></tr>`,
        ),
      )
    : `<p class="note">No findings.</p>`;
  return (
    `<details class="machine" data-resource-id="${e(m.resourceId)}">` +
    `<summary><span class="twisty"></span><span><span class="name">${e(m.name)}</span><br><span class="rid">${e(m.resourceId)}</span></span><span>${e(m.environment)}</span><span>${e(m.mode)}</span>` +
    `<span class="num">${metric("machine.score", m.score, k)}</span><span class="num">${metric("machine.open", m.open, k)}</span><span class="num">${metric("machine.acceptanceExpired", m.acceptanceExpired, k)}</span><span class="num">${metric("machine.accepted", m.accepted, k)}</span><span>${e(formatTime(m.lastSeen))}</span></summary>` +
    `<div class="findings" aria-label="Findings of rank ${rank}">${findings}</div></details>`
  );
}

function topMachines(s: RiskSnapshot): string {
  if (!s.topMachines.length)
    return section(
      "machines",
      "Top machines by risk",
      `<p class="note" data-empty="machines">No machines in this snapshot.</p>`,
    );
  const head = `<div class="machines-head" aria-hidden="true"><span></span><span>Machine</span><span>Environment</span><span>Mode</span><span class="num">Score</span><span class="num">Open</span><span class="num">Accept. expired</span><span class="num">Accepted</span><span>Last seen</span></div>`;
  return section(
    "machines",
    "Top machines by risk",
    `<p class="note">Click a machine to see its findings.</p>${head}${s.topMachines.map((m, i) => machine(m, i + 1)).join("")}`,
    s.topMachines.length,
  );
}

function expiryText(a: SnapshotAcceptance, now: string): string {
  const days = daysBetween(now, a.expiresAt);
  if (days === null) return "";
  if (days < 0) return `expired ${formatNumber(-days)} ${plural(-days, "day")} ago`;
  return days === 0 ? "expires today" : `in ${formatNumber(days)} ${plural(days, "day")}`;
}

function acceptanceRow(a: SnapshotAcceptance, now: string): string {
  return `<tr data-acceptance-id="${e(a.id)}"><td class="rid">${e(a.id)}</td><td>${e(a.control)}</td><td><span class="status ${e(a.status)}">${e(a.status)}</span></td><td><span class="nowrap">${e(formatDate(a.expiresAt))}</span><br><span class="note">${expiryText(a, now)}</span></td><td>${e(a.approver)}</td><td>${e(a.reason)}</td><td class="num">${metric("acceptance.findings", a.findings, a.id)}</td></tr>`;
}

const ACCEPTANCE_HEAD = ["ID", "Control", "Status", "Expires", "Approver", "Reason", "Findings"];

function acceptances(s: RiskSnapshot): string {
  const current = s.acceptances.filter((a) => a.status !== "expired");
  const attention = s.acceptances
    .filter((a) => a.status !== "active")
    .slice()
    .sort((a, b) => (a.expiresAt < b.expiresAt ? -1 : a.expiresAt > b.expiresAt ? 1 : 0));
  const accepted = current.length
    ? table(
        ACCEPTANCE_HEAD,
        current.map((a) => acceptanceRow(a, s.capturedAt)),
        [6],
      )
    : `<p class="note" data-empty="acceptances">No risk is accepted.</p>`;
  const due = attention.length
    ? `<p class="note">Expired acceptances no longer count: their findings are open again until the acceptance is renewed or the finding fixed.</p>${table(
        ACCEPTANCE_HEAD,
        attention.map((a) => acceptanceRow(a, s.capturedAt)),
        [6],
      )}`
    : `<p class="note" data-empty="expiring">None expired or expiring within 30 days.</p>`;
  return (
    section("accepted", "Accepted risks", accepted, current.length) +
    section("expiring", "Expired and expiring acceptances", due, attention.length)
  );
}

function notSeen(s: RiskSnapshot): string {
  const body = s.notSeen.length
    ? table(
        ["Machine", "Resource ID", "Environment", "Mode", "Last seen", "Days"],
        s.notSeen.map(
          (n) =>
            `<tr><td class="name">${e(n.name)}</td><td class="rid">${e(n.resourceId)}</td><td>${e(n.environment)}</td><td>${e(n.mode)}</td><td>${e(formatTime(n.lastSeen))}</td><td class="num">${n.daysSinceSeen === null ? "never" : metric("notSeen.days", n.daysSinceSeen, n.resourceId)}</td></tr>`,
        ),
        [5],
      )
    : `<p class="note" data-empty="notSeen">Every machine reported within ${formatNumber(s.staleDays)} ${plural(s.staleDays, "day")}.</p>`;
  return section("notseen", "Machines not seen", body, s.notSeen.length);
}

function unreadable(s: RiskSnapshot): string {
  if (!s.unreadableFiles.length) return "";
  return section(
    "unreadable",
    "Unreadable files",
    `<p class="note">These sync files could not be read and were left out; everything else was processed.</p>${table(
      ["File", "Problem"],
      s.unreadableFiles.map(
        (f) => `<tr><td class="rid">${e(f.file)}</td><td>${e(f.problem)}</td></tr>`,
      ),
    )}`,
    s.unreadableFiles.length,
  );
}

function about(s: RiskSnapshot): string {
  const range =
    s.dataFrom === null || s.dataTo === null
      ? "no compliance data"
      : `${e(formatTime(s.dataFrom))} to ${e(formatTime(s.dataTo))}`;
  const weights = SEVERITIES.map((v) => `${v} ${formatNumber(s.weights[v])}`).join(" · ");
  return section(
    "captured",
    "About this data",
    `<table><tbody><tr><th>Snapshot taken</th><td><time datetime="${e(s.capturedAt)}">${e(formatTime(s.capturedAt))}</time></td></tr><tr><th>Data captured</th><td>${range}</td></tr><tr><th>Unknown after</th><td>${formatNumber(s.staleDays)} ${plural(s.staleDays, "day")} without data (counts as a finding)</td></tr><tr><th>Severity weights</th><td>${weights}</td></tr></tbody></table>`,
  );
}

/**
 * Renders a snapshot as one self-contained HTML document.
 * @example
 * fs.writeFileSync("report.html", renderReport(snapshot));
 */
export function renderReport(snapshot: RiskSnapshot): string {
  const title = `Risk report · ${snapshot.fleet}`;
  const subtitle = `Snapshot ${formatTime(snapshot.capturedAt)} · ${formatNumber(snapshot.totals.machines)} ${plural(snapshot.totals.machines, "machine")}`;
  return [
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${e(title)}</title>`,
    `<style>${REPORT_CSS}</style></head>`,
    `<body><header class="top"><h1>${e(title)}</h1><p>${e(subtitle)}</p></header><main>`,
    summary(snapshot),
    coverage(snapshot),
    breakdown(snapshot),
    topMachines(snapshot),
    acceptances(snapshot),
    notSeen(snapshot),
    unreadable(snapshot),
    about(snapshot),
    `</main><footer>ssm-hybrid-fleet risk report · fleet ${e(snapshot.fleet)} · ${e(snapshot.capturedAt)}</footer></body></html>`,
    "",
  ].join("\n");
}
