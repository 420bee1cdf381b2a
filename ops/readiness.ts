/**
 * Migration readiness of a wave: a machine is ready when it is registered in SSM, Online, in
 * `enforce`, and compliant on every mandated control. Pure: the compliance statuses are read
 * by {@link complianceByControl} and passed in.
 *
 * Compliance comes from ListResourceComplianceSummaries, one paged query per mandated
 * control filtered by its compliance type (`ComplianceType` EQUAL `Patch` /
 * `Custom:Antivirus` / `Custom:CIS`), 50 a page, its per-resource `Status` COMPLIANT or
 * NON_COMPLIANT. https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_ListResourceComplianceSummaries.html
 * A machine with no summary for a mandated control has never reported it: it blocks.
 */
import { ListResourceComplianceSummariesCommand, type SSMClient } from "@aws-sdk/client-ssm";
import type { FleetMachine } from "./fleet";

/** ListResourceComplianceSummaries' largest page. */
export const COMPLIANCE_PAGE_SIZE = 50;

/** A mandated control and the compliance type its items carry. */
export interface MandatedControl {
  readonly name: string;
  readonly complianceType: string;
}

/** Compliance status by resource ID, for one control. */
export type ComplianceStatuses = ReadonlyMap<string, string>;

/** One machine's readiness. */
export interface MachineReadiness {
  readonly name: string;
  /** Undefined when the machine was expected but is not registered. */
  readonly id?: string;
  readonly registered: boolean;
  readonly pingStatus?: string;
  readonly mode?: string;
  /** Control name → `COMPLIANT`, `NON_COMPLIANT` or `no data`. */
  readonly controls: Readonly<Record<string, string>>;
  /** What keeps it from being ready, in a fixed order; empty when ready. */
  readonly blockers: readonly string[];
  readonly ready: boolean;
}

/** Every resource's status for `control`'s compliance type, all pages. */
export async function complianceByControl(
  ssm: SSMClient,
  control: MandatedControl,
): Promise<Map<string, string>> {
  const statuses = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await ssm.send(
      new ListResourceComplianceSummariesCommand({
        Filters: [{ Key: "ComplianceType", Values: [control.complianceType], Type: "EQUAL" }],
        MaxResults: COMPLIANCE_PAGE_SIZE,
        ...(token ? { NextToken: token } : {}),
      }),
    );
    for (const item of page.ResourceComplianceSummaryItems ?? []) {
      if (item.ResourceId && item.ComplianceType === control.complianceType) {
        statuses.set(item.ResourceId, item.Status ?? "no data");
      }
    }
    token = page.NextToken;
  } while (token);
  return statuses;
}

/** One registered machine's readiness. */
export function machineReadiness(
  machine: FleetMachine,
  controls: readonly MandatedControl[],
  compliance: ReadonlyMap<string, ComplianceStatuses>,
): MachineReadiness {
  const blockers: string[] = [];
  if (machine.pingStatus !== "Online") blockers.push(`ping ${machine.pingStatus ?? "unknown"}`);
  if (machine.mode !== "enforce") blockers.push(`mode ${machine.mode ?? "untagged"}`);
  const statuses: Record<string, string> = {};
  for (const c of controls) {
    const status = compliance.get(c.name)?.get(machine.id) ?? "no data";
    statuses[c.name] = status;
    if (status === "NON_COMPLIANT") blockers.push(`${c.name} non-compliant`);
    else if (status !== "COMPLIANT") blockers.push(`${c.name} no data`);
  }
  return {
    name: machine.name,
    id: machine.id,
    registered: true,
    pingStatus: machine.pingStatus,
    mode: machine.mode,
    controls: statuses,
    blockers,
    ready: blockers.length === 0,
  };
}

/** An expected machine SSM does not know. */
export function unregistered(name: string, controls: readonly MandatedControl[]): MachineReadiness {
  return {
    name,
    registered: false,
    controls: Object.fromEntries(controls.map((c) => [c.name, "no data"])),
    blockers: ["not registered"],
    ready: false,
  };
}

/** A wave's readiness: every machine found, plus expected names SSM does not know. */
export interface WaveReadiness {
  readonly machines: readonly MachineReadiness[];
  readonly ready: number;
  readonly total: number;
  /** True only when the wave has machines and every one is ready. */
  readonly waveReady: boolean;
}

/**
 * The wave's readiness. `expectedNames` (the wave's plan, e.g. from a migration list) adds a
 * "not registered" machine for each name no registered machine carries (case-insensitive).
 */
export function waveReadiness(
  machines: readonly FleetMachine[],
  controls: readonly MandatedControl[],
  compliance: ReadonlyMap<string, ComplianceStatuses>,
  expectedNames: readonly string[] = [],
): WaveReadiness {
  const found = machines.map((m) => machineReadiness(m, controls, compliance));
  const known = new Set(machines.map((m) => m.name.toLowerCase()));
  const missing = [...new Set(expectedNames)]
    .filter((n) => !known.has(n.toLowerCase()))
    .map((n) => unregistered(n, controls));
  const all = [...found, ...missing].sort(
    (a, b) => a.name.localeCompare(b.name) || (a.id ?? "").localeCompare(b.id ?? ""),
  );
  const ready = all.filter((m) => m.ready).length;
  return {
    machines: all,
    ready,
    total: all.length,
    waveReady: all.length > 0 && ready === all.length,
  };
}
