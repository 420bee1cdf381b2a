/**
 * The fleet score's day-over-day change, the input of the "score up by more than N %"
 * alarm: against the newest history point at least 24 hours older than this snapshot.
 */
import type { SnapshotHistoryPoint } from "../../risk/model";

/** 24 hours, in milliseconds. */
export const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * (score − baseline) / baseline, where the baseline is the newest history point captured at
 * least 24 h before `now`; null when there is none or its score is 0 (no share of zero).
 */
export function dayOverDay(
  history: readonly SnapshotHistoryPoint[],
  score: number,
  now: Date,
): number | null {
  const cutoff = now.getTime() - DAY_MS;
  let baseline: { at: number; score: number } | undefined;
  for (const point of history) {
    const at = Date.parse(point.capturedAt);
    if (Number.isNaN(at) || at > cutoff) continue;
    if (baseline === undefined || at > baseline.at) baseline = { at, score: point.score };
  }
  if (baseline === undefined || baseline.score === 0) return null;
  return (score - baseline.score) / baseline.score;
}
