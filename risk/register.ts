/**
 * The acceptance register as the risk SQL reads it: the stack writes {@link registerFiles}'
 * objects into the bucket under the register prefix (`risk-register/` by default), where the
 * Glue tables of `riskGlueTableSpecs` (risk/sql.ts) catalogue them.
 *
 * Format: two newline-delimited JSON objects, lower-case keys equal to the Glue columns.
 * - `acceptances/acceptances.json`: one line per acceptance, keys `id`, `control`,
 *   `finding_pattern` (left out when the acceptance has none: every finding), `reason`,
 *   `approver`, `expires_at`;
 * - `scopes/scopes.json`: one line per scope entry, `{"acceptance_id", "kind": "name",
 *   "match_value": <name or resource ID>}` or `{"acceptance_id", "kind": "tag", "tag_key",
 *   "match_value": <tag value>}`. An acceptance without names covers every machine name;
 *   without tags it requires none.
 * Lines are sorted by acceptance ID (then kind, tag key, value) so that the objects, and the
 * stack's preview, do not change unless the register does. An empty register is two empty
 * objects (zero lines), which both engines read as empty tables.
 */
import type { Acceptance } from "./model";
import { REGISTER_FOLDERS } from "./sql";

/** Key suffixes (below the register prefix) of the register objects. */
export const REGISTER_KEYS = {
  acceptances: `${REGISTER_FOLDERS.acceptances}/acceptances.json`,
  scopes: `${REGISTER_FOLDERS.scopes}/scopes.json`,
} as const;

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function ndjson(lines: readonly object[]): string {
  return lines.map((l) => `${JSON.stringify(l)}\n`).join("");
}

/**
 * The register objects for a list of (validated) acceptances: S3 key suffix → NDJSON body.
 * @example
 * registerFiles([{ id: "kb-1", control: "patch", findingPattern: "KB50.*", names: ["web-01"],
 *   reason: "vendor fix due", approver: "CAB-42", expiresAt: "2027-03-31T00:00:00Z" }])
 * // { "acceptances/acceptances.json": '{"id":"kb-1","control":"patch",…}\n',
 * //   "scopes/scopes.json": '{"acceptance_id":"kb-1","kind":"name","match_value":"web-01"}\n' }
 */
export function registerFiles(acceptances: readonly Acceptance[]): Record<string, string> {
  const sorted = [...acceptances].sort((a, b) => compare(a.id, b.id));
  const rows = sorted.map((a) => ({
    id: a.id,
    control: a.control,
    ...(a.findingPattern === undefined ? {} : { finding_pattern: a.findingPattern }),
    reason: a.reason,
    approver: a.approver,
    expires_at: a.expiresAt,
  }));
  const scopes: object[] = [];
  for (const a of sorted) {
    for (const name of [...new Set(a.names ?? [])].sort(compare)) {
      scopes.push({ acceptance_id: a.id, kind: "name", match_value: name });
    }
    for (const [key, value] of Object.entries(a.tags ?? {}).sort(([x], [y]) => compare(x, y))) {
      scopes.push({ acceptance_id: a.id, kind: "tag", tag_key: key, match_value: value });
    }
  }
  return { [REGISTER_KEYS.acceptances]: ndjson(rows), [REGISTER_KEYS.scopes]: ndjson(scopes) };
}
