/**
 * RiskDashboard under Pulumi's mocks: exactly one dashboard, named from the fleet, whose body
 * is the pure builder's output for the resolved inputs; its console URL; argument checks.
 */
import { strict as assert } from "node:assert";
import * as crypto from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import {
  REGION,
  RecordedResource,
  allResources,
  installMocks,
  unwrap,
} from "../../support/pulumiMocks";

type Module = typeof import("../../../components/risk/riskDashboard");
type Body = typeof import("../../../components/risk/riskDashboard.body");
let mod: Module;
let body: Body;

const TYPE = "ssm-hybrid-fleet:risk:RiskDashboard";
const urn = (type: string, name: string) => `urn:pulumi:dev::ssm-hybrid-fleet::${type}::${name}`;

function childrenOf(name: string): RecordedResource[] {
  return allResources().filter((r) => r.parent === urn(TYPE, name));
}

async function build(
  name: string,
  args: import("../../../components/risk/riskDashboard").RiskDashboardArgs,
): Promise<import("../../../components/risk/riskDashboard").RiskDashboard> {
  const d = new mod.RiskDashboard(name, args);
  await unwrap(pulumi.all([d.dashboardUrl, d.dashboardArn]).apply(() => true));
  await new Promise((r) => setTimeout(r, 50));
  return d;
}

describe("RiskDashboard component (mocks)", () => {
  before(async () => {
    installMocks();
    mod = await import("../../../components/risk/riskDashboard");
    body = await import("../../../components/risk/riskDashboard.body");
  });

  describe("with saved queries, a workgroup and a report bucket", () => {
    let d: import("../../../components/risk/riskDashboard").RiskDashboard;
    before(async () => {
      d = await build("risk", {
        fleet: "acme-prod",
        snapshotPeriodMinutes: 30,
        savedQueries: {
          "fleet-compliance": pulumi.output("q-1"),
          "not-seen": "q-2",
        },
        workgroupName: pulumi.output("HybridFleet-acme-prod"),
        reportBucketName: pulumi.output("fleet-data"),
        alarmArns: {
          "not-seen": pulumi.output("arn:aws:cloudwatch:ap-southeast-2:123456789012:alarm:b"),
          "critical-prod": "arn:aws:cloudwatch:ap-southeast-2:123456789012:alarm:a",
        },
      });
    });

    it("creates exactly one dashboard, parented to the component", () => {
      assert.deepEqual(
        childrenOf("risk").map((r) => `${r.type}::${r.name}`),
        ["aws:cloudwatch/dashboard:Dashboard::risk-dashboard"],
      );
    });

    it("names it from the fleet and sends the builder's body for the resolved inputs", () => {
      const [dash] = childrenOf("risk");
      assert.equal(dash.inputs.dashboardName, "HybridFleet-acme-prod-risk");
      assert.deepEqual(
        JSON.parse(dash.inputs.dashboardBody),
        body.riskDashboardBody({
          fleet: "acme-prod",
          region: REGION,
          periodSeconds: 1800,
          savedQueries: { "fleet-compliance": "q-1", "not-seen": "q-2" },
          workgroupName: "HybridFleet-acme-prod",
          report: { bucket: "fleet-data", key: "reports/latest.html" },
          alarmArns: [
            "arn:aws:cloudwatch:ap-southeast-2:123456789012:alarm:a",
            "arn:aws:cloudwatch:ap-southeast-2:123456789012:alarm:b",
          ],
        }),
      );
    });

    it("outputs the console URL of the dashboard in the stack's region", async () => {
      assert.equal(
        await unwrap(d.dashboardUrl),
        `https://${REGION}.console.aws.amazon.com/cloudwatch/home?region=${REGION}#dashboards/dashboard/HybridFleet-acme-prod-risk`,
      );
      assert.equal(await unwrap(d.dashboardName), "HybridFleet-acme-prod-risk");
    });
  });

  it("fits a fleet name with characters dashboards refuse (hash-suffixed, ≤255)", async () => {
    await build("all", { fleet: "(all)" });
    const [dash] = childrenOf("all");
    const hash = crypto.createHash("sha256").update("HybridFleet-(all)-risk").digest("hex");
    assert.equal(dash.inputs.dashboardName, `HybridFleet--all--risk-${hash.slice(0, 8)}`);
    const long = mod.defaultDashboardName("x".repeat(400));
    assert.equal(long.length, 255);
    // Without a report bucket or queries the links panel has no links, only the title.
    assert.doesNotMatch(
      JSON.parse(dash.inputs.dashboardBody).widgets[0].properties.markdown,
      /\]\(/,
    );
  });

  const refusals: [
    string,
    Partial<import("../../../components/risk/riskDashboard").RiskDashboardArgs>,
    string,
  ][] = [
    [
      "an empty fleet",
      { fleet: "" },
      'RiskDashboard: fleet must be a non-empty fleet name without quotes or backslashes, got ""',
    ],
    [
      "a dashboard name with a space",
      { dashboardName: "risk board" },
      'RiskDashboard: dashboardName "risk board" must be 1–255 characters of A-Z a-z 0-9 - _',
    ],
    [
      "a snapshot period of 0",
      { snapshotPeriodMinutes: 0 },
      "RiskDashboard: snapshotPeriodMinutes must be a whole number of minutes from 1 to 1440, got 0",
    ],
    [
      "an empty environment",
      { environments: ["prod", ""] },
      'RiskDashboard: environments[1] must be a non-empty environment name without quotes or backslashes, got ""',
    ],
    [
      "a report key with a leading slash",
      { reportKey: "/reports/latest.html" },
      'RiskDashboard: reportKey "/reports/latest.html" must be a non-empty S3 key without a leading /',
    ],
  ];
  for (const [what, change, message] of refusals) {
    it(`refuses ${what} before creating anything`, () => {
      const before = allResources().length;
      assert.throws(() => new mod.RiskDashboard("bad", { fleet: "acme", ...change }), { message });
      assert.equal(allResources().length, before);
    });
  }
});
