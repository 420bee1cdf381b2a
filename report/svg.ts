/**
 * The report's charts as inline SVG strings (no script, no external resource): the fleet
 * score trend and the coverage bars. Pure and deterministic; every label is escaped.
 */
import { SnapshotControl, SnapshotHistoryPoint } from "../risk/model";
import { escapeHtml } from "./escape";
import { formatNumber, formatPercent, formatTime } from "./format";

const TREND = { width: 720, height: 200, left: 48, right: 16, top: 16, bottom: 28 } as const;

/** Rounds chart coordinates so the markup stays short and stable. */
const r = (n: number): string => String(Math.round(n * 10) / 10);

/** A "nice" upper bound for the y axis (1, 2, 2.5, 5 × 10^k at or above the max). */
function niceMax(max: number): number {
  if (max <= 0) return 1;
  const step = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= max) return m * step;
  return 10 * step;
}

/**
 * The fleet score over time as a line (x by capture time; by position when a time does not
 * parse), with a dot per snapshot carrying its exact value in `data-value`.
 * History with no points renders a short note instead of an empty chart.
 */
export function trendChart(history: readonly SnapshotHistoryPoint[]): string {
  if (history.length === 0)
    return `<p class="note" data-empty="history">No score history yet: the trend starts with the next snapshots.</p>`;
  const { width, height, left, right, top, bottom } = TREND;
  const times = history.map((p) => Date.parse(p.capturedAt));
  const byTime = times.every((t) => !Number.isNaN(t)) && times[times.length - 1] > times[0];
  const x0 = byTime ? times[0] : 0;
  const span = byTime ? times[times.length - 1] - times[0] : Math.max(history.length - 1, 1);
  const yMax = niceMax(Math.max(...history.map((p) => p.score)));
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const x = (i: number): number =>
    history.length === 1
      ? left + plotW / 2
      : left + (((byTime ? times[i] : i) - x0) / span) * plotW;
  const y = (v: number): number => top + plotH - (Math.max(v, 0) / yMax) * plotH;

  const points = history.map((p, i) => `${r(x(i))},${r(y(p.score))}`).join(" ");
  const base = r(top + plotH);
  const area =
    history.length > 1
      ? `<polygon class="trend-area" points="${r(x(0))},${base} ${points} ${r(x(history.length - 1))},${base}"/>`
      : "";
  const grid = [0, 0.5, 1]
    .map((f) => {
      const gy = r(y(yMax * f));
      return `<line class="grid" x1="${left}" x2="${width - right}" y1="${gy}" y2="${gy}"/><text class="axis" x="${left - 6}" y="${gy}" dy="4" text-anchor="end">${formatNumber(yMax * f)}</text>`;
    })
    .join("");
  const dots = history
    .map(
      (p, i) =>
        `<circle class="trend-dot" cx="${r(x(i))}" cy="${r(y(p.score))}" r="3.5" data-metric="history.score" data-key="${escapeHtml(p.capturedAt)}" data-value="${p.score}"><title>${escapeHtml(formatTime(p.capturedAt))}: score ${formatNumber(p.score)}, ${formatNumber(p.openCritical)} critical, ${formatNumber(p.openHigh)} high, ${formatNumber(p.machines)} machines</title></circle>`,
    )
    .join("");
  const first = history[0];
  const last = history[history.length - 1];
  const labels =
    `<text class="axis" x="${left}" y="${height - 8}">${escapeHtml(formatTime(first.capturedAt))}</text>` +
    (history.length > 1
      ? `<text class="axis" x="${width - right}" y="${height - 8}" text-anchor="end">${escapeHtml(formatTime(last.capturedAt))}</text>`
      : "");
  return (
    `<svg class="chart trend" viewBox="0 0 ${width} ${height}" role="img" aria-label="Fleet score over ${history.length} snapshot${history.length === 1 ? "" : "s"}, now ${formatNumber(last.score)}" xmlns="http://www.w3.org/2000/svg">` +
    grid +
    area +
    (history.length > 1 ? `<polyline class="trend-line" points="${points}"/>` : "") +
    dots +
    labels +
    `</svg>`
  );
}

/** Coverage band of a percentage: drives the bar colour (and nothing else). */
export function coverageBand(percent: number): "good" | "fair" | "poor" {
  return percent >= 90 ? "good" : percent >= 70 ? "fair" : "poor";
}

/**
 * Coverage per control as horizontal bars (0–100 %), mandated controls marked, with the
 * compliant / machines count beside each bar.
 */
export function coverageBars(controls: readonly SnapshotControl[]): string {
  if (controls.length === 0)
    return `<p class="note" data-empty="controls">No controls in this snapshot.</p>`;
  const row = 34;
  const width = 720;
  const label = 220;
  const barW = 360;
  const height = controls.length * row + 8;
  const bars = controls
    .map((c, i) => {
      const y = 4 + i * row;
      const pct = Math.min(Math.max(c.coveragePercent, 0), 100);
      const name = escapeHtml(c.control);
      const key = `data-key="${name}"`;
      return (
        `<g class="bar ${coverageBand(pct)}">` +
        `<text class="bar-label" x="0" y="${y + 18}">${name}${c.mandatory ? ` <tspan class="mandated">MANDATED</tspan>` : ""}</text>` +
        `<rect class="bar-track" x="${label}" y="${y + 4}" width="${barW}" height="20" rx="3"/>` +
        `<rect class="bar-fill" x="${label}" y="${y + 4}" width="${r((pct / 100) * barW)}" height="20" rx="3"/>` +
        `<text class="bar-value" x="${label + barW + 10}" y="${y + 19}"><tspan data-metric="control.coveragePercent" ${key}>${formatPercent(c.coveragePercent)}</tspan> % · <tspan data-metric="control.compliant" ${key}>${formatNumber(c.compliant)}</tspan>/<tspan data-metric="control.machines" ${key}>${formatNumber(c.machines)}</tspan></text>` +
        `</g>`
      );
    })
    .join("");
  return `<svg class="chart coverage" viewBox="0 0 ${width} ${height}" role="img" aria-label="Coverage per control" xmlns="http://www.w3.org/2000/svg">${bars}</svg>`;
}
