/** Cell formats shared by the commands' tables. */

/** `-` for a missing value. */
export const NONE = "-";

/** `2026-11-30 23:59` (UTC, minutes), or `-`. */
export function formatUtcMinute(date: Date | undefined): string {
  if (!date || Number.isNaN(date.getTime())) return NONE;
  return date.toISOString().slice(0, 16).replace("T", " ");
}

/** The text, or `-` when empty or missing. */
export function orNone(text: string | undefined): string {
  return text ? text : NONE;
}
