import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  DescribeInstanceInformationCommand,
  ListResourceComplianceSummariesCommand,
  SSMServiceException,
  type ListResourceComplianceSummariesCommandInput,
} from "@aws-sdk/client-ssm";
import { runHarness } from "./support/cliHarness";
import {
  machine,
  miId,
  mockFleetSsm,
  type MockMachine,
  restoreAllMocks,
} from "./support/mockFleet";

const FLEET = ["--fleet", "acme"];
const ROOT = path.join(__dirname, "../..");

const wave = (n: number, name: string, mode: string | undefined, ping?: "ConnectionLost") =>
  machine({
    n,
    name,
    ping,
    tags: { HybridFleet: "acme", Wave: "3", ...(mode ? { ComplianceMode: mode } : {}) },
  });

/** Wave 3 of fleet acme: one ready machine and one blocked by each rule. */
function wave3(): MockMachine[] {
  return [
    wave(1, "web-01", "enforce"),
    wave(2, "web-02", "report"),
    wave(3, "db-01", "enforce", "ConnectionLost"),
    wave(4, "db-02", "enforce"),
    wave(5, "app-01", undefined),
    machine({
      n: 6,
      name: "web-09",
      tags: { HybridFleet: "acme", Wave: "4", ComplianceMode: "enforce" },
    }),
  ];
}

type Status = "COMPLIANT" | "NON_COMPLIANT";

/**
 * Serves per-resource compliance summaries by compliance type (shape of the aws-cli example in
 * tests/fixtures/cli/list-resource-compliance-summaries.rst), `pageSize` a page. Padding
 * resources of other machines push the wave's past the first page.
 */
function mockCompliance(
  ssm: ReturnType<typeof mockFleetSsm>,
  byType: Record<string, Record<string, Status>>,
  padding = 0,
) {
  ssm
    .on(ListResourceComplianceSummariesCommand)
    .callsFake((input: ListResourceComplianceSummariesCommandInput) => {
      const type = input.Filters?.find((f) => f.Key === "ComplianceType")?.Values?.[0] ?? "";
      const pad = Array.from({ length: padding }, (_, i): [string, Status] => [
        miId(1000 + i),
        "COMPLIANT",
      ]);
      const items = [...pad, ...Object.entries(byType[type] ?? {})].map(([id, Status]) => ({
        ComplianceType: type,
        ResourceType: "ManagedInstance",
        ResourceId: id,
        Status,
        OverallSeverity: "UNSPECIFIED",
        ExecutionSummary: { ExecutionTime: new Date("2026-11-30T10:00:00Z") },
      }));
      const size = input.MaxResults ?? 50;
      const start = input.NextToken ? Number(input.NextToken) : 0;
      const next = start + size < items.length ? String(start + size) : undefined;
      return {
        ResourceComplianceSummaryItems: items.slice(start, start + size),
        ...(next ? { NextToken: next } : {}),
      };
    });
}

const COMPLIANCE = {
  Patch: {
    [miId(1)]: "COMPLIANT",
    [miId(2)]: "COMPLIANT",
    [miId(3)]: "COMPLIANT",
    [miId(4)]: "NON_COMPLIANT",
    [miId(5)]: "COMPLIANT",
  },
  "Custom:Antivirus": {
    [miId(1)]: "COMPLIANT",
    [miId(2)]: "COMPLIANT",
    [miId(3)]: "COMPLIANT",
    [miId(4)]: "COMPLIANT",
  },
} as const;

describe("hybrid-fleet ready", () => {
  afterEach(restoreAllMocks);

  it("prints each machine's readiness and what blocks it, exactly; exit 1 when any is blocked", async () => {
    const ssm = mockFleetSsm(wave3());
    mockCompliance(ssm, COMPLIANCE, 70);
    const r = await runHarness([
      "ready",
      "--tag",
      "Wave=3",
      "--mandated",
      "patch,antivirus",
      ...FLEET,
    ]);
    const calls = ssm
      .commandCalls(ListResourceComplianceSummariesCommand)
      .map((c) => c.args[0].input);
    ssm.restore();
    assert.equal(r.stderr, "");
    assert.equal(r.code, 1);
    assert.equal(
      r.stdout,
      [
        "NAME    ID                    PING            MODE      PATCH          ANTIVIRUS  READY  BLOCKED BY",
        "app-01  mi-00000000000000005  Online          untagged  COMPLIANT      no data    no     mode untagged, antivirus no data",
        "db-01   mi-00000000000000003  ConnectionLost  enforce   COMPLIANT      COMPLIANT  no     ping ConnectionLost",
        "db-02   mi-00000000000000004  Online          enforce   NON_COMPLIANT  COMPLIANT  no     patch non-compliant",
        "web-01  mi-00000000000000001  Online          enforce   COMPLIANT      COMPLIANT  yes    -",
        "web-02  mi-00000000000000002  Online          report    COMPLIANT      COMPLIANT  no     mode report",
        "Wave Wave=3: 1 of 5 machines ready (mandated: patch, antivirus): NOT READY",
        "",
      ].join("\n"),
    );
    // One paged query per control, filtered by its compliance type: 75 items = 2 pages each.
    assert.deepEqual(calls, [
      { Filters: [{ Key: "ComplianceType", Values: ["Patch"], Type: "EQUAL" }], MaxResults: 50 },
      {
        Filters: [{ Key: "ComplianceType", Values: ["Patch"], Type: "EQUAL" }],
        MaxResults: 50,
        NextToken: "50",
      },
      {
        Filters: [{ Key: "ComplianceType", Values: ["Custom:Antivirus"], Type: "EQUAL" }],
        MaxResults: 50,
      },
      {
        Filters: [{ Key: "ComplianceType", Values: ["Custom:Antivirus"], Type: "EQUAL" }],
        MaxResults: 50,
        NextToken: "50",
      },
    ]);
  });

  it("exit 0 when every machine of the wave is ready", async () => {
    const ssm = mockFleetSsm(wave3());
    mockCompliance(ssm, COMPLIANCE);
    const r = await runHarness([
      "ready",
      "--tag",
      "Wave=3",
      "--name",
      "web-01",
      "--mandated",
      "patch",
      ...FLEET,
    ]);
    ssm.restore();
    assert.equal(r.code, 0, r.stdout);
    assert.ok(
      r.stdout.endsWith("Wave Wave=3: 1 of 1 machines ready (mandated: patch): READY\n"),
      r.stdout,
    );
  });

  it("takes mandated controls and the fleet from the stack file (dev: antivirus mandated, fleet acme-dev)", async () => {
    const fleet = [
      machine({
        n: 1,
        name: "web-01",
        tags: { HybridFleet: "acme-dev", Wave: "3", ComplianceMode: "enforce" },
      }),
    ];
    const ssm = mockFleetSsm(fleet);
    mockCompliance(ssm, { "Custom:Antivirus": { [miId(1)]: "COMPLIANT" } });
    const r = await runHarness([
      "--json",
      "ready",
      "--tag",
      "Wave=3",
      "--config",
      path.join(ROOT, "Pulumi.dev.yaml"),
    ]);
    const types = ssm
      .commandCalls(ListResourceComplianceSummariesCommand)
      .map((c) => c.args[0].input.Filters?.[0].Values?.[0]);
    ssm.restore();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(types, ["Custom:Antivirus"]);
    const out = JSON.parse(r.stdout);
    assert.equal(out.fleet, "acme-dev");
    assert.deepEqual(out.mandated, ["antivirus"]);
    assert.equal(out.ready, true);
  });

  it("--expect-file: a planned machine SSM does not know blocks as not registered", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ready-"));
    const file = path.join(dir, "wave3.txt");
    fs.writeFileSync(file, "# wave 3\nweb-01\nWEB-01\nfile-01\n\n");
    const ssm = mockFleetSsm(wave3());
    mockCompliance(ssm, COMPLIANCE);
    const r = await runHarness([
      "--json",
      "ready",
      "--tag",
      "Wave=3",
      "--name",
      "web-01",
      "--mandated",
      "patch",
      "--expect-file",
      file,
      ...FLEET,
    ]);
    ssm.restore();
    fs.rmSync(dir, { recursive: true });
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(
      out.machines.map((m: { name: string; blockers: string[] }) => [m.name, m.blockers]),
      [
        ["file-01", ["not registered"]],
        ["web-01", []],
      ],
    );
    assert.equal(out.readyCount, 1);
    assert.equal(out.total, 2);
  });

  it("pages past 50 machines: a wave of 60, all ready (exit 0)", async () => {
    const fleet = Array.from({ length: 60 }, (_, i) =>
      machine({
        n: i + 1,
        name: `n-${i + 1}`,
        tags: { HybridFleet: "acme", Wave: "6", ComplianceMode: "enforce" },
      }),
    );
    const ssm = mockFleetSsm(fleet);
    mockCompliance(ssm, {
      Patch: Object.fromEntries(fleet.map((m) => [m.node.InstanceId!, "COMPLIANT" as const])),
    });
    const r = await runHarness([
      "--json",
      "ready",
      "--tag",
      "Wave=6",
      "--mandated",
      "patch",
      ...FLEET,
    ]);
    const pages = ssm.commandCalls(DescribeInstanceInformationCommand).length;
    ssm.restore();
    assert.equal(r.code, 0, r.stderr);
    assert.equal(pages, 2);
    const out = JSON.parse(r.stdout);
    assert.equal(out.total, 60);
    assert.equal(out.readyCount, 60);
  });

  it("throttled reading compliance after the SDK's retries: exit 3", async () => {
    const ssm = mockFleetSsm(wave3());
    ssm.on(ListResourceComplianceSummariesCommand).rejects(
      new SSMServiceException({
        name: "ThrottlingException",
        message: "Rate exceeded",
        $fault: "client",
        $metadata: { attempts: 6 },
      }),
    );
    const r = await runHarness(["ready", "--tag", "Wave=3", "--mandated", "patch", ...FLEET]);
    ssm.restore();
    assert.equal(r.code, 3);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^AWS error: throttled after 6 attempts/);
  });

  it("an empty wave is not ready (exit 1)", async () => {
    const ssm = mockFleetSsm(wave3());
    mockCompliance(ssm, COMPLIANCE);
    const r = await runHarness(["ready", "--tag", "Wave=7", "--mandated", "patch", ...FLEET]);
    ssm.restore();
    assert.equal(r.code, 1);
    assert.ok(
      r.stdout.endsWith("Wave Wave=7: 0 of 0 machines ready (mandated: patch): NOT READY\n"),
    );
  });

  for (const [what, argv, message] of [
    [
      "no wave tag",
      ["ready", "--mandated", "patch", ...FLEET],
      /ready needs the wave as --tag KEY=VALUE/,
    ],
    ["no mandated controls", ["ready", "--tag", "Wave=3", ...FLEET], /exactly one of --mandated/],
    [
      "an unknown control",
      ["ready", "--tag", "Wave=3", "--mandated", "patch,edr", ...FLEET],
      /--mandated: unknown control "edr"; allowed: patch, antivirus, cis/,
    ],
    [
      "a missing stack file",
      ["ready", "--tag", "Wave=3", "--config", "nope.yaml", ...FLEET],
      /--config nope.yaml does not exist/,
    ],
  ] as const) {
    it(`${what}: usage error, exit 2, no AWS call`, async () => {
      const ssm = mockFleetSsm(wave3());
      const r = await runHarness([...argv]);
      assert.equal(ssm.calls().length, 0);
      ssm.restore();
      assert.equal(r.code, 2);
      assert.match(r.stderr, message);
    });
  }
});
