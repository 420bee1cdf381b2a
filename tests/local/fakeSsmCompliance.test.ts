/**
 * PutComplianceItems and ListComplianceItems in the fake SSM, driven by the real SSMClient:
 * what `npm start`'s documents send and its simulated Resource Data Sync reads back.
 */
import { strict as assert } from "node:assert";
import {
  ListComplianceItemsCommand,
  PutComplianceItemsCommand,
  SSMClient,
  type PutComplianceItemsCommandInput,
} from "@aws-sdk/client-ssm";
import { startFakeSsm, type FakeSsm } from "../../local/fakeSsm";
import { rejection } from "./support";

const NODE = "mi-0123456789abcdef0";

function put(
  type: string,
  items: PutComplianceItemsCommandInput["Items"],
  extra: Partial<PutComplianceItemsCommandInput> = {},
): PutComplianceItemsCommand {
  return new PutComplianceItemsCommand({
    ResourceId: NODE,
    ResourceType: "ManagedInstance",
    ComplianceType: type,
    ExecutionSummary: { ExecutionTime: new Date("2026-12-01T00:00:00Z") },
    Items: items,
    ...extra,
  });
}

describe("fakeSsm compliance (PutComplianceItems, ListComplianceItems)", () => {
  let ssm: FakeSsm;
  let client: SSMClient;

  beforeEach(async () => {
    ssm = await startFakeSsm({
      instances: [{ InstanceId: NODE, PingStatus: "Online", ResourceType: "ManagedInstance" }],
    });
    client = new SSMClient({
      endpoint: ssm.url,
      region: ssm.region,
      credentials: { accessKeyId: "AKIALOCALTEST", secretAccessKey: "local-test" },
      maxAttempts: 1,
    });
  });
  afterEach(async () => {
    client.destroy();
    await ssm.close();
  });

  it("keeps one record per node and type; COMPLETE replaces, PARTIAL merges by Id", async () => {
    await client.send(
      put("Custom:CIS", [
        { Id: "r1", Severity: "HIGH", Status: "NON_COMPLIANT", Title: "rule 1" },
        { Id: "r2", Severity: "LOW", Status: "COMPLIANT" },
      ]),
    );
    await client.send(put("Patch", [{ Id: "openssl", Severity: "CRITICAL", Status: "COMPLIANT" }]));
    await client.send(put("Custom:CIS", [{ Id: "r3", Severity: "MEDIUM", Status: "COMPLIANT" }]));
    await client.send(
      put("Patch", [{ Id: "curl", Severity: "HIGH", Status: "NON_COMPLIANT" }], {
        UploadType: "PARTIAL",
      }),
    );
    const byType = Object.fromEntries(
      ssm.compliance.map((r) => [r.ComplianceType, r.Items.map((i) => i.Id)]),
    );
    assert.deepEqual(byType, { "Custom:CIS": ["r3"], Patch: ["openssl", "curl"] });
    assert.equal(
      ssm.compliance[0].ExecutionSummary.ExecutionTime.toISOString(),
      "2026-12-01T00:00:00.000Z",
    );
  });

  it("lists items per node, filtered by type and paged", async () => {
    await client.send(
      put(
        "Patch",
        Array.from({ length: 3 }, (_, i) => ({
          Id: `p${i}`,
          Severity: "HIGH" as const,
          Status: "COMPLIANT" as const,
          Details: { PatchState: "Installed" },
        })),
      ),
    );
    await client.send(
      put("Custom:Antivirus", [{ Id: "CONTROL", Severity: "HIGH", Status: "COMPLIANT" }]),
    );
    const first = await client.send(
      new ListComplianceItemsCommand({
        ResourceIds: [NODE],
        ResourceTypes: ["ManagedInstance"],
        Filters: [{ Key: "ComplianceType", Values: ["Patch"], Type: "EQUAL" }],
        MaxResults: 2,
      }),
    );
    assert.deepEqual(
      first.ComplianceItems?.map((i) => i.Id),
      ["p0", "p1"],
    );
    assert.equal(first.ComplianceItems?.[0].Details?.PatchState, "Installed");
    assert.ok(first.ComplianceItems?.[0].ExecutionSummary?.ExecutionTime instanceof Date);
    const second = await client.send(
      new ListComplianceItemsCommand({
        ResourceIds: [NODE],
        ResourceTypes: ["ManagedInstance"],
        Filters: [{ Key: "ComplianceType", Values: ["Patch"], Type: "EQUAL" }],
        MaxResults: 2,
        NextToken: first.NextToken,
      }),
    );
    assert.deepEqual(
      second.ComplianceItems?.map((i) => i.Id),
      ["p2"],
    );
    assert.equal(second.NextToken, undefined);
  });

  it("refuses what SSM refuses: bad type name, bad severity, unknown node", async () => {
    const badType = await rejection(
      client.send(put("Custom:AV-Agent", [{ Id: "x", Severity: "HIGH", Status: "COMPLIANT" }])),
    );
    assert.equal(badType.name, "ValidationException");
    assert.match(badType.message, /complianceType/);
    const badSeverity = await rejection(
      client.send(put("Patch", [{ Id: "x", Severity: "SEVERE" as "HIGH", Status: "COMPLIANT" }])),
    );
    assert.equal(badSeverity.name, "ValidationException");
    assert.match(badSeverity.message, /items\.1\.member\.severity/);
    const unknown = await rejection(
      client.send(
        put("Patch", [{ Id: "x", Severity: "HIGH", Status: "COMPLIANT" }], {
          ResourceId: "mi-00000000000000000",
        }),
      ),
    );
    assert.equal(unknown.name, "InvalidResourceId");
    assert.equal(ssm.compliance.length, 0);
  });
});
