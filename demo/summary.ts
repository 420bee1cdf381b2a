/** What `npm start` prints at the end: before/after scores, the mandated control, the acceptances. */
import type { RiskSnapshot } from "../risk/model";

/** `46 → 3 (−93 %)`. */
export function scoreChange(before: number, after: number): string {
  if (before === 0) return `${before} → ${after}`;
  const pct = Math.round(((after - before) / before) * 100);
  return `${before} → ${after} (${pct > 0 ? "+" : "−"}${Math.abs(pct)} %)`;
}

/** One line per mandated control: compliant machines of all machines, open findings. */
export function mandatedLines(snapshot: RiskSnapshot): string[] {
  return snapshot.controls
    .filter((c) => c.mandatory)
    .map(
      (c) =>
        `mandated ${c.control}: enforced on every machine whatever its mode, compliant on ${c.compliant}/${c.machines}, ${c.open} open`,
    );
}

/** One line per acceptance: what it matched and until when. */
export function acceptanceLines(snapshot: RiskSnapshot): string[] {
  return snapshot.acceptances.map(
    (a) =>
      `accepted risk ${a.id} (${a.control}, approved by ${a.approver}, until ${a.expiresAt.slice(0, 10)}): ${a.findings} finding${a.findings === 1 ? "" : "s"} shown as ${a.status === "expired" ? "acceptance-expired" : "accepted"}`,
  );
}

/** The totals line of one snapshot. */
export function totalsLine(label: string, s: RiskSnapshot): string {
  const t = s.totals;
  return `${label}: risk score ${t.score}, ${t.open} open, ${t.accepted} accepted (${t.machines} machines: ${t.reportMachines} report, ${t.enforceMachines} enforce)`;
}
