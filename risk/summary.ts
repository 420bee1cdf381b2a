/**
 * The terminal summary of a risk snapshot (`npm run risk`): fleet score, machines, open
 * findings by severity, coverage per control, the top machines, the files that could not be
 * read and the acceptances that expired or expire soon. Pure: a snapshot in, text out.
 */
import { EXPIRING_SOON_DAYS, SEVERITIES, type RiskSnapshot } from "./model";

/** Options of {@link formatRiskSummary}. */
export interface SummaryOptions {
  /** Machines listed under "Top machines". @default 10 */
  readonly topMachines?: number;
}

type Cell = string | number;

/** Lays rows out in columns: text left-aligned, numbers right-aligned, two spaces apart. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly Cell[])[],
): string[] {
  const all = [header, ...rows];
  const numeric = header.map(
    (_, c) => rows.length > 0 && rows.every((r) => typeof r[c] === "number"),
  );
  const widths = header.map((_, c) => Math.max(...all.map((r) => String(r[c]).length)));
  return all.map((r) =>
    r
      .map((cell, c) =>
        numeric[c] ? String(cell).padStart(widths[c]) : String(cell).padEnd(widths[c]),
      )
      .join("  ")
      .trimEnd(),
  );
}

function percent(value: number): string {
  return `${value.toFixed(1)} %`;
}

/** The summary's lines, joined with newlines (no trailing newline). */
export function formatRiskSummary(snapshot: RiskSnapshot, options: SummaryOptions = {}): string {
  const t = snapshot.totals;
  const lines: string[] = [];
  const range =
    snapshot.dataFrom === null || snapshot.dataTo === null
      ? "no data"
      : `data captured ${snapshot.dataFrom} to ${snapshot.dataTo}`;
  lines.push(`Risk snapshot of fleet ${snapshot.fleet} at ${snapshot.capturedAt} (${range})`);
  const untagged = t.machines - t.reportMachines - t.enforceMachines;
  lines.push(
    `Machines: ${t.machines} (report ${t.reportMachines}, enforce ${t.enforceMachines}` +
      `${untagged > 0 ? `, mode untagged ${untagged}` : ""}); ` +
      `not seen for ${snapshot.staleDays} days: ${t.notSeen}`,
  );
  lines.push(`Fleet score: ${t.score}`);
  const bySeverity = SEVERITIES.filter((s) => t.openBySeverity[s] > 0)
    .map((s) => `${s} ${t.openBySeverity[s]}`)
    .join(", ");
  lines.push(
    `Findings: open ${t.open}${bySeverity === "" ? "" : ` (${bySeverity})`}, ` +
      `accepted ${t.accepted}, acceptance expired ${t.acceptanceExpired}`,
  );

  lines.push("", "Coverage per control");
  if (snapshot.controls.length === 0) {
    lines.push("  (no controls)");
  } else {
    const rows = snapshot.controls.map((c) => [
      c.control,
      c.mandatory ? "mandated" : "",
      c.machines,
      c.compliant,
      percent(c.coveragePercent),
      c.open,
      c.accepted,
      c.acceptanceExpired,
      c.score,
    ]);
    const header = [
      "control",
      "",
      "machines",
      "compliant",
      "coverage",
      "open",
      "accepted",
      "expired",
      "score",
    ];
    lines.push(...formatTable(header, rows).map((l) => `  ${l}`));
  }

  const top = snapshot.topMachines.slice(0, options.topMachines ?? 10);
  lines.push("", `Top machines (${top.length} of ${t.machines})`);
  if (top.length === 0) {
    lines.push("  (none)");
  } else {
    const rows = top.map((m) => [
      m.name,
      m.environment,
      m.mode,
      m.score,
      m.open,
      m.accepted,
      m.lastSeen ?? "never",
    ]);
    const header = ["machine", "environment", "mode", "score", "open", "accepted", "last seen"];
    lines.push(...formatTable(header, rows).map((l) => `  ${l}`));
  }

  const expired = snapshot.acceptances.filter((a) => a.status === "expired");
  const expiring = snapshot.acceptances.filter((a) => a.status === "expiring");
  lines.push(
    "",
    `Acceptances: ${snapshot.acceptances.length}, expired ${expired.length}, ` +
      `expiring within ${EXPIRING_SOON_DAYS} days ${expiring.length}`,
  );
  for (const a of [...expired, ...expiring]) {
    lines.push(
      `  ${a.status.padEnd(8)}  ${a.id} (${a.control}) expires ${a.expiresAt}, ` +
        `approved by ${a.approver}, ${a.findings} finding${a.findings === 1 ? "" : "s"}`,
    );
  }

  const unreadable = snapshot.unreadableFiles;
  lines.push(
    "",
    unreadable.length === 0
      ? "Unreadable files: none"
      : `Unreadable files: ${unreadable.length} (left out of this snapshot)`,
  );
  for (const f of unreadable) lines.push(`  ${f.file}: ${f.problem}`);
  return lines.join("\n");
}
