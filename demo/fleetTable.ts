/** The terminal's fleet table: one line per machine with its tags, controls and risk. */
import { renderTable, type Column } from "../cli/table";
import type { FakeComplianceRecord, FakeInstance } from "../local/fakeSsm";
import type { RiskSnapshot } from "../risk/model";

/** One line of the table. */
export interface FleetRow {
  readonly name: string;
  readonly id: string;
  readonly environment: string;
  readonly mode: string;
  /** Per compliance type: `ok` or `N open`, from what the node reported. */
  readonly patch: string;
  readonly antivirus: string;
  readonly cis: string;
  readonly score: number;
  readonly accepted: number;
}

const COLUMNS: readonly Column<FleetRow>[] = [
  { header: "NAME", value: (r) => r.name },
  { header: "MANAGED NODE", value: (r) => r.id },
  { header: "ENV", value: (r) => r.environment },
  { header: "MODE", value: (r) => r.mode },
  { header: "PATCH", value: (r) => r.patch },
  { header: "ANTI-VIRUS", value: (r) => r.antivirus },
  { header: "CIS", value: (r) => r.cis },
  { header: "ACCEPTED", value: (r) => (r.accepted > 0 ? String(r.accepted) : "") },
  { header: "RISK", value: (r) => String(r.score) },
];

function verdict(records: readonly FakeComplianceRecord[], id: string, type: string): string {
  const record = records.find((r) => r.ResourceId === id && r.ComplianceType === type);
  if (!record) return "no data";
  // The documents' CONTROL item summarises the others; count the findings themselves.
  const open = record.Items.filter((i) => i.Status === "NON_COMPLIANT" && i.Id !== "CONTROL");
  // What enforce mode did on this run (the documents record it on the CONTROL item).
  const action = record.Items.find((i) => i.Id === "CONTROL")?.Details?.action;
  const did = action && action !== "none" ? ` (${action})` : "";
  return (open.length === 0 ? "ok" : `${open.length} failing`) + did;
}

/** The rows for `nodes`, with their compliance as reported and their risk from `snapshot`. */
export function fleetRows(
  nodes: readonly FakeInstance[],
  compliance: readonly FakeComplianceRecord[],
  snapshot: RiskSnapshot,
  tagKeys: { readonly environment: string; readonly mode: string },
): FleetRow[] {
  const tag = (n: FakeInstance, key: string) => n.Tags?.find((t) => t.Key === key)?.Value ?? "";
  return nodes.map((n) => {
    const risk = snapshot.topMachines.find((m) => m.resourceId === n.InstanceId);
    return {
      name: n.Name ?? n.InstanceId,
      id: n.InstanceId,
      environment: tag(n, tagKeys.environment),
      mode: tag(n, tagKeys.mode),
      patch: verdict(compliance, n.InstanceId, "Patch"),
      antivirus: verdict(compliance, n.InstanceId, "Custom:Antivirus"),
      cis: verdict(compliance, n.InstanceId, "Custom:CIS"),
      score: risk?.score ?? 0,
      accepted: risk?.accepted ?? 0,
    };
  });
}

/** The table as text. */
export function formatFleetTable(rows: readonly FleetRow[]): string {
  return renderTable(COLUMNS, rows, { color: false });
}
