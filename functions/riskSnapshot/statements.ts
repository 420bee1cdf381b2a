/**
 * The statements the snapshot runs, read from `risk-statements.json`: the risk SQL builders
 * write that file into the function's code package at deploy time (the Lambda imports no SQL
 * builder). Validated once per cold start, so a package built against another contract fails
 * at init with a message naming the statement, not halfway through a snapshot.
 */
import { SNAPSHOT_COLUMNS, type SnapshotQueryKey, type SnapshotStatements } from "../../risk/model";
import { ConfigurationError } from "./errors";

/** The file name, beside the bundle in the code package. */
export const STATEMENTS_FILE = "risk-statements.json";

/** The SELECT keys, in the contract's order. */
export const SNAPSHOT_QUERY_KEYS = Object.keys(SNAPSHOT_COLUMNS) as SnapshotQueryKey[];

/**
 * Counts `?` execution parameters outside string literals (`'…'`, `''` escaped), quoted
 * identifiers (`"…"`) and comments (`-- …`, `/* … *\/`): a `?` in a regular expression
 * literal is text, not a parameter.
 */
export function placeholderCount(sql: string): number {
  let count = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      // A doubled quote inside is an escaped quote; either way the scan resumes after the pair.
      const end = sql.indexOf(c, i + 1);
      i = end === -1 ? sql.length : end + 1;
    } else if (c === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      i = end === -1 ? sql.length : end + 1;
    } else if (c === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end === -1 ? sql.length : end + 2;
    } else {
      if (c === "?") count++;
      i++;
    }
  }
  return count;
}

function statement(value: unknown, where: string, parameters = 1): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new ConfigurationError(`${where} must be a non-empty SQL string`);
  }
  const found = placeholderCount(value);
  if (found !== parameters) {
    throw new ConfigurationError(
      parameters === 1
        ? `${where} must hold exactly one "?" execution parameter (the snapshot time), found ${found}`
        : `${where} must hold no "?" execution parameter, found ${found}`,
    );
  }
  return value;
}

/**
 * Parses and checks the statements file: `prepare` is present with no `?`; `score` is
 * present, `selects` holds every key of SNAPSHOT_COLUMNS and no other, `appendHistory` is
 * present, each with exactly one `?`.
 */
export function parseStatements(text: string, where = STATEMENTS_FILE): SnapshotStatements {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ConfigurationError(`${where} is not valid JSON`, { cause });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigurationError(
      `${where} must be a JSON object with "prepare", "score", "selects" and "appendHistory"`,
    );
  }
  const { prepare, score, selects, appendHistory } = value as Record<string, unknown>;
  if (typeof selects !== "object" || selects === null || Array.isArray(selects)) {
    throw new ConfigurationError(
      `${where}: "selects" must be an object with the keys ${SNAPSHOT_QUERY_KEYS.join(", ")}`,
    );
  }
  const given = selects as Record<string, unknown>;
  const missing = SNAPSHOT_QUERY_KEYS.filter((k) => !(k in given));
  if (missing.length > 0) {
    throw new ConfigurationError(
      `${where}: "selects" lacks ${missing.join(", ")} (needed: ${SNAPSHOT_QUERY_KEYS.join(", ")})`,
    );
  }
  const unknown = Object.keys(given).filter((k) => !(k in SNAPSHOT_COLUMNS));
  if (unknown.length > 0) {
    throw new ConfigurationError(
      `${where}: "selects" has keys the snapshot contract does not know: ${unknown.join(", ")} (allowed: ${SNAPSHOT_QUERY_KEYS.join(", ")})`,
    );
  }
  const checked = Object.fromEntries(
    SNAPSHOT_QUERY_KEYS.map((k) => [k, statement(given[k], `${where}: selects.${k}`)]),
  ) as Record<SnapshotQueryKey, string>;
  return {
    prepare: statement(prepare, `${where}: prepare`, 0),
    score: statement(score, `${where}: score`),
    selects: checked,
    appendHistory: statement(appendHistory, `${where}: appendHistory`),
  };
}
