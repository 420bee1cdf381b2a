/**
 * Deterministic number and time formatting for the report: no locale, no time zone and no
 * clock of the machine that renders it (the same snapshot always gives the same bytes).
 */

/**
 * A number as the report shows it: thousands separated by commas, at most two decimals,
 * trailing zeros dropped (`1234.5` → `1,234.5`). Non-finite numbers show as `–`.
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return "–";
  const sign = value < 0 ? "-" : "";
  const [whole, fraction] = Math.abs(value).toFixed(2).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const decimals = fraction.replace(/0+$/, "");
  return `${sign}${grouped}${decimals ? `.${decimals}` : ""}`;
}

/** A percentage with one decimal (`87.5`), as SnapshotControl.coveragePercent carries it. */
export function formatPercent(value: number): string {
  return Number.isFinite(value) ? value.toFixed(1) : "–";
}

/**
 * An ISO 8601 instant as `2026-11-30 10:00 UTC`; anything unparseable is returned as given
 * (the caller escapes it), null as `never`.
 */
export function formatTime(iso: string | null): string {
  if (iso === null) return "never";
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const d = new Date(ms).toISOString();
  return `${d.slice(0, 10)} ${d.slice(11, 16)} UTC`;
}

/** An ISO 8601 instant as its UTC date (`2026-11-30`), or as given when unparseable. */
export function formatDate(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString().slice(0, 10);
}

/**
 * Whole days from `from` to `to` (negative when `to` is earlier), rounded toward zero;
 * null when either is unparseable.
 */
export function daysBetween(from: string, to: string): number | null {
  const a = Date.parse(from);
  const b = Date.parse(to);
  if (Number.isNaN(a) || Number.isNaN(b)) return null;
  return Math.trunc((b - a) / 86_400_000);
}
