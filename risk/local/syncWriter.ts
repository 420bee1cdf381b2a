/**
 * Writes files in the exact Resource Data Sync layout (DESIGN.md "sync layout", aws-facts.md,
 * tests/fixtures/sync/SOURCE.txt):
 *
 *   <root>/<prefix>/AWS:<Type>/accountid=<acct>/region=<region>/resourcetype=ManagedInstanceInventory/<id>.json
 *
 * newline-delimited JSON, one line per item, each line the type's attributes plus `ResourceId`,
 * `CaptureTime` and `SchemaVersion`. Used by the generated sample fleet (sampleFleet.ts) and by
 * `npm start`'s simulated sync (local/resourceDataSync.ts).
 */
import * as path from "node:path";
import type { Severity } from "../model";

/** The `resourcetype=` partition value of managed nodes. */
export const SYNC_RESOURCE_TYPE = "ManagedInstanceInventory";

/** Casing of the metadata keys (the real casing is unconfirmed: the tables read all three). */
export type SyncKeyCasing = "pascal" | "camel" | "lower";

function casedKey(key: string, casing: SyncKeyCasing): string {
  if (casing === "lower") return key.toLowerCase();
  if (casing === "camel") return key[0].toLowerCase() + key.slice(1);
  return key;
}

/** `ms` as the sync writes times: ISO 8601 UTC, whole seconds. */
export function syncTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.000Z$/, "Z");
}

/** One line: attributes PascalCase (lower case with `lower`), then the metadata. */
export function syncLine(
  resourceId: string,
  attributes: Readonly<Record<string, string | number>>,
  captureTime: string,
  casing: SyncKeyCasing = "pascal",
): string {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(attributes)) {
    out[casing === "lower" ? k.toLowerCase() : k] = v;
  }
  out[casedKey("ResourceId", casing)] = resourceId;
  out[casedKey("CaptureTime", casing)] = captureTime;
  out[casedKey("SchemaVersion", casing)] = "1.0";
  return JSON.stringify(out);
}

/** The folder of one type's files for one account and region. */
export function syncTypeDir(
  root: string,
  prefix: string,
  type: string,
  accountId: string,
  region: string,
): string {
  return path.join(
    root,
    ...(prefix ? prefix.split("/") : []),
    type,
    `accountid=${accountId}`,
    `region=${region}`,
    `resourcetype=${SYNC_RESOURCE_TYPE}`,
  );
}

/** Severity and the word the summary's count columns use for it. */
export const SUMMARY_SEVERITY_NAMES: readonly (readonly [Severity, string])[] = [
  ["CRITICAL", "Critical"],
  ["HIGH", "High"],
  ["MEDIUM", "Medium"],
  ["LOW", "Low"],
  ["INFORMATIONAL", "Informational"],
  ["UNSPECIFIED", "Unspecified"],
];

/**
 * An `AWS:ComplianceSummary` line's counts (`Compliant<Sev>Count`, `NonCompliant<Sev>Count`)
 * and its worst non-compliant severity (undefined when every item is compliant).
 */
export function summaryCounts(
  items: readonly { readonly severity: string; readonly status: string }[],
  count: (n: number) => string | number = (n) => n,
): { counts: Record<string, string | number>; worst: Severity | undefined } {
  const counts: Record<string, string | number> = {};
  let worst: Severity | undefined;
  for (const [sev, label] of SUMMARY_SEVERITY_NAMES) {
    const of = (s: string) => items.filter((i) => i.status === s && i.severity === sev).length;
    const nc = of("NON_COMPLIANT");
    counts[`Compliant${label}Count`] = count(of("COMPLIANT"));
    counts[`NonCompliant${label}Count`] = count(nc);
    if (nc > 0 && worst === undefined) worst = sev;
  }
  return { counts, worst };
}

/** One compliance type's run, as its `AWS:ComplianceSummary` line names it. */
export interface SummaryRun {
  readonly type: string;
  readonly executionId: string;
  /** Sync time text (`syncTime`). */
  readonly executionTime: string;
  /** @default "" */
  readonly patchBaselineId?: string;
}

/**
 * The attributes of an `AWS:ComplianceSummary` line for one run of a compliance type: its
 * status and worst severity, and the counts of {@link summaryCounts} (`count` formats them).
 */
export function summaryAttributes(
  run: SummaryRun,
  items: readonly { readonly severity: string; readonly status: string }[],
  count?: (n: number) => string | number,
): Record<string, string | number> {
  const { counts, worst } = summaryCounts(items, count);
  return {
    ComplianceType: run.type,
    PatchGroup: "",
    PatchBaselineId: run.patchBaselineId ?? "",
    Status: worst === undefined ? "COMPLIANT" : "NON_COMPLIANT",
    OverallSeverity: worst ?? "UNSPECIFIED",
    ExecutionId: run.executionId,
    ExecutionType: "Command",
    ExecutionTime: run.executionTime,
    ...counts,
  };
}
