/**
 * The mocked fleet the README's "CLI" examples are printed from (tests/cli/readme.test.ts
 * checks that every `$ hybrid-fleet …` block there is exactly what the CLI prints here).
 * Print them afresh with: npx ts-node --transpile-only tests/cli/support/demoFleet.ts
 */
import {
  AddTagsToResourceCommand,
  ListResourceComplianceSummariesCommand,
} from "@aws-sdk/client-ssm";
import { runHarness, type HarnessResult } from "./cliHarness";
import { machine, miId, mockFleetSsm } from "./mockFleet";

const at = (iso: string) => new Date(iso);

/** Six machines of fleet acme in two migration waves, plus one of another fleet. */
export function demoMachines() {
  const acme = (env: string, wave: string, mode?: string) => ({
    HybridFleet: "acme",
    Environment: env,
    Wave: wave,
    ...(mode ? { ComplianceMode: mode } : {}),
  });
  return [
    machine({
      n: 0x1a01,
      name: "web-01",
      tags: acme("prod", "3", "enforce"),
      lastPing: at("2026-11-30T23:55:12Z"),
    }),
    machine({
      n: 0x1a02,
      name: "web-02",
      tags: acme("prod", "3", "report"),
      lastPing: at("2026-11-30T23:54:40Z"),
    }),
    machine({
      n: 0x1a03,
      name: "db-01",
      tags: acme("prod", "3", "enforce"),
      lastPing: at("2026-11-30T23:50:03Z"),
    }),
    machine({
      n: 0x1a04,
      name: "db-02",
      tags: acme("prod", "3", "enforce"),
      ping: "ConnectionLost",
      lastPing: at("2026-11-27T04:12:55Z"),
      agentVersion: "3.2.582.0",
    }),
    machine({
      n: 0x1a05,
      name: "build-01",
      tags: acme("dev", "4", "report"),
      lastPing: at("2026-11-30T23:57:31Z"),
    }),
    machine({
      n: 0x1a06,
      name: "build-02",
      tags: acme("dev", "4"),
      lastPing: at("2026-11-30T23:56:02Z"),
    }),
    machine({
      n: 0x1b01,
      name: "kiosk-01",
      tags: { HybridFleet: "retail", Environment: "prod", Wave: "3" },
    }),
  ];
}

const COMPLIANCE: Record<string, Record<string, "COMPLIANT" | "NON_COMPLIANT">> = {
  Patch: {
    [miId(0x1a01)]: "COMPLIANT",
    [miId(0x1a02)]: "COMPLIANT",
    [miId(0x1a03)]: "NON_COMPLIANT",
    [miId(0x1a04)]: "COMPLIANT",
  },
  "Custom:Antivirus": {
    [miId(0x1a01)]: "COMPLIANT",
    [miId(0x1a02)]: "COMPLIANT",
    [miId(0x1a03)]: "COMPLIANT",
  },
};

/** The README's examples, in order. */
export const DEMO_COMMANDS: readonly (readonly string[])[] = [
  ["instances", "--fleet", "acme"],
  ["instances", "--fleet", "acme", "--tag", "Wave=3", "--name", "web-*", "--json"],
  ["mode", "set", "enforce", "--fleet", "acme", "--tag", "Wave=3", "--yes"],
  ["mode", "set", "enforce", "--fleet", "acme", "--tag", "Wave=4"],
  ["ready", "--fleet", "acme", "--tag", "Wave=3", "--mandated", "patch,antivirus"],
];

/** One example: the command line and what the CLI printed. */
export interface DemoRun extends HarnessResult {
  readonly argv: readonly string[];
}

/** Runs every example against a fresh mocked fleet each. */
export async function runDemo(): Promise<DemoRun[]> {
  const runs: DemoRun[] = [];
  for (const argv of DEMO_COMMANDS) {
    const ssm = mockFleetSsm(demoMachines());
    ssm.on(AddTagsToResourceCommand).resolves({});
    ssm.on(ListResourceComplianceSummariesCommand).callsFake((input) => {
      const type = input.Filters?.[0]?.Values?.[0] ?? "";
      return {
        ResourceComplianceSummaryItems: Object.entries(COMPLIANCE[type] ?? {}).map(
          ([ResourceId, Status]) => ({
            ComplianceType: type,
            ResourceType: "ManagedInstance",
            ResourceId,
            Status,
          }),
        ),
      };
    });
    try {
      runs.push({ argv, ...(await runHarness(argv)) });
    } finally {
      ssm.restore();
    }
  }
  return runs;
}

/** A run as the README shows it: the prompt line, stdout, stderr, and a non-zero exit code. */
export function demoBlock(run: DemoRun): string {
  const quote = (a: string) => (/[*?\s]/.test(a) ? `'${a}'` : a);
  const exit = run.code === 0 ? "" : `(exit ${run.code})\n`;
  return `$ hybrid-fleet ${run.argv.map(quote).join(" ")}\n${run.stdout}${run.stderr}${exit}`;
}

if (require.main === module) {
  void runDemo().then((runs) => {
    for (const run of runs) process.stdout.write(`\`\`\`text\n${demoBlock(run)}\`\`\`\n\n`);
  });
}
