/**
 * HybridFleet's risk wiring: which risk parts exist for which arguments, what the RiskView is
 * given (controls from the compliance settings, the sync's names, the fleet's tags).
 */
import * as assert from "node:assert/strict";
import { installMocks, resourceNamed, resourcesOfType, unwrap } from "../../support/pulumiMocks";
import type { HybridFleetArgs } from "../../../components/hybridFleet";

const BASE: HybridFleetArgs = {
  fleetName: "acme-prod",
  environment: "prod",
  tags: { HybridFleet: "acme-prod" },
};

async function build(args: HybridFleetArgs) {
  installMocks();
  const { HybridFleet } = await import("../../../components/hybridFleet");
  const fleet = new HybridFleet("fleet", args);
  await unwrap(fleet.activationApi.functionName);
  if (fleet.riskView) await unwrap(fleet.riskView.functionName);
  await new Promise((r) => setTimeout(r, 50));
  return fleet;
}

const parts = () =>
  ["RiskView", "RiskDashboard", "RiskAlerts"].map(
    (t) => resourcesOfType(`ssm-hybrid-fleet:risk:${t}`).length,
  );

describe("HybridFleet risk wiring", function () {
  this.timeout(120_000);

  it("builds the risk view, dashboard and alerts by default, from the compliance controls", async () => {
    const { riskControls } = await import("../../../components/hybridFleet");
    const args: HybridFleetArgs = {
      ...BASE,
      compliance: {
        controls: {
          antivirus: { mandatory: true },
          cis: { enabled: false },
          patch: { severity: "CRITICAL" },
        },
      },
    };
    const fleet = await build(args);
    assert.deepEqual(parts(), [1, 1, 1]);
    assert.deepEqual(riskControls(args), [
      { name: "patch", complianceType: "Patch", severity: "CRITICAL", mandatory: false },
      { name: "antivirus", complianceType: "Custom:Antivirus", severity: "HIGH", mandatory: true },
    ]);
    const fn = resourceNamed("fleet-risk-snapshot", "aws:lambda/function:Function");
    const statements = JSON.parse(await (await fn.inputs.code.assets)["risk-statements.json"].text);
    // The disabled control has no no-data finding: its compliance type is named nowhere as a
    // control in the scoring (which computes the findings the other statements read).
    assert.doesNotMatch(statements.score, /'cis'/);
    assert.match(statements.score, /'antivirus'/);
    assert.deepEqual(fn.inputs.tags, { HybridFleet: "acme-prod" });
    assert.equal(fn.inputs.environment.variables.FLEET_NAME, "acme-prod");
    assert.equal(
      await unwrap(fleet.riskView?.reportUrl),
      "s3://fleet-sync-data/risk-reports/latest.html",
    );
    const dashboard = resourcesOfType("aws:cloudwatch/dashboard:Dashboard")[0];
    assert.match(JSON.stringify(dashboard.inputs.dashboardBody), /risk-reports\/latest\.html/);
    // The alarms' states are on the dashboard too.
    assert.match(JSON.stringify(dashboard.inputs.dashboardBody), /silent-pipeline/);
  });

  it("leaves the dashboard out with dashboard: false", async () => {
    await build({ ...BASE, risk: { dashboard: false } });
    assert.deepEqual(parts(), [1, 0, 1]);
  });

  it("leaves every risk part out with risk: false", async () => {
    const fleet = await build({ ...BASE, risk: false });
    assert.deepEqual(parts(), [0, 0, 0]);
    assert.equal(fleet.riskView, undefined);
  });

  it("leaves the risk view out when the sync is off and risk is not asked for", async () => {
    await build({ ...BASE, sync: false });
    assert.deepEqual(parts(), [0, 0, 0]);
  });

  it("refuses risk settings without the sync, naming risk", async () => {
    const { validateHybridFleetArgs } = await import("../../../components/hybridFleet");
    assert.throws(() => validateHybridFleetArgs({ ...BASE, sync: false, risk: {} }), {
      message:
        "HybridFleet: risk needs the compliance sync, which is off (sync: false / complianceSync: false): turn the sync on, or the risk view off (risk: false / risk.enabled: false)",
    });
  });

  it("refuses a bad risk setting before anything is created, naming it", async () => {
    installMocks();
    const { HybridFleet } = await import("../../../components/hybridFleet");
    assert.throws(() => new HybridFleet("fleet", { ...BASE, risk: { topMachines: 0 } }), {
      message: "HybridFleet: risk.topMachines must be a whole number from 1 to 500; got 0",
    });
    assert.equal(resourcesOfType("ssm-hybrid-fleet:index:HybridFleet").length, 0);
  });
});
