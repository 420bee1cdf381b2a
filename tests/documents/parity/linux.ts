/**
 * The Linux half of the parity table (`scenarios.json`): makes a scenario's facts true in the sh
 * sandbox, runs the Linux step, and normalizes the request the way `Parity.Tests.ps1` does for
 * the Windows step, so the two can be compared field by field.
 */
import * as fs from "fs";
import * as path from "path";
import { ComplianceRequest, Sandbox } from "../sandbox";

/** Facts of one scenario (see `scenarios.json`). */
export interface ScenarioFacts {
  unconfigured?: boolean;
  agent?: boolean;
  service?: "running" | "stopped" | "absent";
  definitionsGlob?: string;
  definitions?: { file: string; hoursOld: number }[];
  noDefinitionsPath?: boolean;
  awsFails?: boolean;
  resultFormat?: "xccdf" | "tsv";
  scannerResult?: string;
  tsv?: string;
}

/** An item as the table writes it: Id, Status, Severity, Title, Details. */
export type NormalizedItem = [string, string, string, string, Record<string, string>];

/** What both steps must agree on. */
export interface Normalized {
  exitCode: number;
  complianceType: string;
  items: NormalizedItem[];
}

/** One row of the table. */
export interface Scenario {
  name: string;
  document: string;
  params: Record<string, string>;
  facts: ScenarioFacts;
  expect: Normalized;
}

const FIXTURES = path.join(__dirname, "..", "..", "fixtures", "documents");

/** The table. */
export function loadScenarios(): Scenario[] {
  return JSON.parse(fs.readFileSync(path.join(__dirname, "scenarios.json"), "utf8")).scenarios;
}

function sortedDetails(d: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.keys(d ?? {})
      .sort()
      .map((k) => [k, d[k]]),
  );
}

/** The request reduced to what the table states (ExecutionTime varies, fixed fields checked). */
export function normalize(exitCode: number, req: ComplianceRequest): Normalized {
  const fixed = [
    req.ResourceId,
    req.ResourceType,
    req.UploadType,
    req.ExecutionSummary.ExecutionType,
  ];
  const want = ["mi-0123456789abcdef0", "ManagedInstance", "COMPLETE", "Command"];
  if (fixed.join("|") !== want.join("|")) throw new Error(`unexpected request fields ${fixed}`);
  return {
    exitCode,
    complianceType: req.ComplianceType,
    items: req.Items.map((i) => [i.Id, i.Status, i.Severity, i.Title, sortedDetails(i.Details)]),
  };
}

/** The table's expectation with the platform's placeholders filled in. */
export function expected(e: Normalized, paths: Record<string, string>): Normalized {
  let json = JSON.stringify(e);
  for (const [k, v] of Object.entries(paths)) json = json.split(`{${k}}`).join(v);
  const parsed: Normalized = JSON.parse(json);
  return {
    ...parsed,
    items: parsed.items.map(([a, b, c, d, det]) => [a, b, c, d, sortedDetails(det)]),
  };
}

/** Runs one scenario against the Linux step in a fresh sandbox. */
export function runLinux(s: Scenario): { got: Normalized; paths: Record<string, string> } {
  const sb = new Sandbox();
  try {
    const f = s.facts;
    const paths = {
      os: "Linux",
      agentPath: path.join(sb.root, "opt/av/bin/avagent"),
      definitionsPath: path.join(sb.root, "var/lib/av/defs"),
    };
    const p: Record<string, string> = { ...s.params };
    const env: Record<string, string> = f.awsFails ? { FAKE_AWS_RC: "255" } : {};
    if (s.document === "antivirus.yaml") {
      if (!f.unconfigured) {
        p.LinuxServiceName = "avagent";
        p.LinuxAgentPath = paths.agentPath;
        if (!f.noDefinitionsPath) p.LinuxDefinitionsPath = paths.definitionsPath;
        if (f.definitionsGlob) p.LinuxDefinitionsGlob = f.definitionsGlob;
        if (f.agent) sb.file("opt/av/bin/avagent");
        if (f.service === "running") sb.service("avagent", "active");
        if (f.service === "stopped") sb.service("avagent", "inactive");
        for (const d of f.definitions ?? [])
          sb.file(`var/lib/av/defs/${d.file}`, "defs", d.hoursOld);
      }
    } else {
      const result = path.join(sb.root, f.resultFormat === "tsv" ? "results.tsv" : "results.xml");
      const src = f.tsv
        ? sb.file("scanner-output", f.tsv)
        : path.join(FIXTURES, f.scannerResult ?? "");
      const scanner = sb.file("opt/vendor/bin/scan", `#!/bin/sh\ncp '${src}' '${result}'\n`);
      fs.chmodSync(scanner, 0o755);
      Object.assign(p, {
        Scanner: "command",
        ResultFormat: f.resultFormat ?? "xccdf",
        LinuxScannerCommand: scanner,
        LinuxResultFile: result,
      });
    }
    const r = sb.run(s.document, p, env);
    const reqs = sb.requests();
    if (reqs.length !== 1) {
      throw new Error(`expected one request, got ${reqs.length}:\n${r.stdout}\n${r.stderr}`);
    }
    return { got: normalize(r.code, reqs[0]), paths };
  } finally {
    sb.dispose();
  }
}
