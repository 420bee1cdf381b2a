/**
 * Where a snapshot's report and data go in the report bucket: `latest.html` for the link
 * that never changes, plus a copy per snapshot under its UTC date, with the snapshot JSON
 * beside it (`reports/2026/11/30/2026-11-30T10:00:00Z.html` and `.json`).
 */

/** The three keys one snapshot writes. */
export interface ReportKeys {
  readonly latest: string;
  readonly dated: string;
  readonly datedJson: string;
}

/** Keys for a snapshot taken at `capturedAt` (ISO 8601, UTC) under `prefix` (empty or ending in `/`). */
export function reportKeys(prefix: string, capturedAt: string): ReportKeys {
  const match = /^(\d{4})-(\d{2})-(\d{2})T[\d:.]+Z$/.exec(capturedAt);
  if (!match) {
    throw new Error(
      `capturedAt must be a UTC ISO 8601 time like 2026-11-30T10:00:00Z, got "${capturedAt}"`,
    );
  }
  const [, year, month, day] = match;
  const base = `${prefix}${year}/${month}/${day}/${capturedAt}`;
  return { latest: `${prefix}latest.html`, dated: `${base}.html`, datedJson: `${base}.json` };
}
