/**
 * How long the Athena queries may take in one invocation: QUERY_BUDGET_SECONDS, but never
 * past the Lambda timeout minus what follows the queries (render, three S3 puts, the EMF
 * lines), so a slow Athena ends in a named timeout and a stopped query rather than in
 * Lambda killing the function mid-poll with the query still running.
 */

/** Time kept back from the Lambda timeout for what follows the queries. */
export const AFTER_QUERIES_RESERVE_MS = 20_000;

/** Shortest budget given, so a misconfigured timeout still polls once and says so. */
export const MIN_QUERY_BUDGET_MS = 1_000;

/** The query budget in ms, from the configured seconds and the invocation's time left. */
export function queryBudgetMs(configuredSeconds: number, remainingMs: number): number {
  return Math.max(
    MIN_QUERY_BUDGET_MS,
    Math.min(configuredSeconds * 1000, remainingMs - AFTER_QUERIES_RESERVE_MS),
  );
}
