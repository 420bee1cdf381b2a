import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { installMocks, resourceNamed, resourcesOfType, unwrap } from "./support/pulumiMocks";
import { readStackConfig } from "../local/stackConfigFile";

const ROOT = path.join(__dirname, "..");

describe("stack program (index.ts) with the dev stack's config", () => {
  let program: typeof import("../index");

  before(async () => {
    installMocks(readStackConfig(ROOT, "dev"), "ssm-hybrid-fleet", "dev");
    program = await import("../index");
    await unwrap(program.activationUrl);
  });

  it("builds one HybridFleet holding the activation API, the compliance controls and the sync", () => {
    assert.equal(resourcesOfType("ssm-hybrid-fleet:index:HybridFleet").length, 1);
    for (const type of [
      "ssm-hybrid-fleet:activation:ActivationApi",
      "ssm-hybrid-fleet:compliance:ComplianceControls",
      "ssm-hybrid-fleet:compliance:ComplianceSync",
    ]) {
      const parts = resourcesOfType(type);
      assert.equal(parts.length, 1, type);
      assert.equal(
        parts[0].parent,
        "urn:pulumi:dev::ssm-hybrid-fleet::ssm-hybrid-fleet:index:HybridFleet::fleet",
      );
    }
  });

  it("lets the managed-instance role write association output", () => {
    const [write] = resourcesOfType("aws:iam/rolePolicy:RolePolicy").filter(
      (p) => p.name === "fleet-compliance-output-write",
    );
    assert.equal(write.inputs.role, "fleet-activation-managed-instance");
  });

  it("applies the stack's control settings: anti-virus mandated, so no report association", () => {
    const associations = resourcesOfType("aws:ssm/association:Association");
    assert.deepEqual(associations.map((a) => a.name).sort(), [
      "fleet-compliance-antivirus-enforce",
      "fleet-compliance-cis-enforce",
      "fleet-compliance-cis-report",
      "fleet-compliance-inventory",
      "fleet-compliance-patch-enforce",
      "fleet-compliance-patch-report",
    ]);
    const av = associations.find((a) => a.name === "fleet-compliance-antivirus-enforce");
    assert.deepEqual(av?.inputs.targets, [{ key: "tag:HybridFleet", values: ["acme-dev"] }]);
  });

  it("passes the stack config through to the function", async () => {
    const fn = resourceNamed("fleet-activation-function", "aws:lambda/function:Function");
    const env = fn.inputs.environment.variables;
    assert.equal(env.FLEET_NAME, "acme-dev");
    assert.equal(env.ENVIRONMENT, "dev");
    assert.equal(env.TOKEN_AUTH, "enabled");
    // The grants ride in the code package (the environment holds 4 KB in all).
    assert.equal(env.BOOTSTRAP_TOKENS_FILE, "bootstrap-tokens.json");
    const grants = await (await fn.inputs.code.assets)["bootstrap-tokens.json"].text;
    assert.equal(JSON.parse(grants)[0].id, "dc1-web");
    assert.deepEqual(JSON.parse(env.ALLOWED_TAGS), {
      Team: { values: ["web", "db", "platform"] },
      CostCentre: { pattern: "[0-9]{4}" },
    });
    assert.deepEqual(fn.inputs.tags, { HybridFleet: "acme-dev", "managed-by": "ssm-hybrid-fleet" });
  });

  it("exports the activation URL, the managed-instance role and the fleet tag", async () => {
    assert.equal(
      await unwrap(program.activationUrl),
      "https://fleet-activation-api-id.execute-api.ap-southeast-2.amazonaws.com/latest/activate",
    );
    assert.equal(
      await unwrap(program.managedInstanceRoleName),
      "fleet-activation-managed-instance",
    );
    assert.deepEqual(program.fleetTag, { key: "HybridFleet", value: "acme-dev" });
    // From the fleet name ("acme-dev" has a "-", so it carries a hash of the fleet name).
    assert.equal(await unwrap(program.complianceDatabaseName), "hybrid_fleet_acme_dev_c2f9a54e");
    assert.deepEqual(await unwrap(program.documentNames), {
      agentInstall: "HybridFleet-acme-dev-AgentInstall",
      antivirus: "HybridFleet-acme-dev-Antivirus",
      cis: "HybridFleet-acme-dev-CIS",
    });
  });

  it("builds the risk view, its dashboard and its alerts with the stack's risk settings", async () => {
    const fleetUrn = "urn:pulumi:dev::ssm-hybrid-fleet::ssm-hybrid-fleet:index:HybridFleet::fleet";
    for (const type of [
      "ssm-hybrid-fleet:risk:RiskView",
      "ssm-hybrid-fleet:risk:RiskDashboard",
      "ssm-hybrid-fleet:risk:RiskAlerts",
    ]) {
      const parts = resourcesOfType(type);
      assert.equal(parts.length, 1, type);
      assert.equal(parts[0].parent, fleetUrn, type);
    }
    const fn = resourceNamed("fleet-risk-snapshot", "aws:lambda/function:Function");
    assert.equal(fn.inputs.environment.variables.FLEET_NAME, "acme-dev");
    assert.equal(fn.inputs.environment.variables.ATHENA_DATABASE, "hybrid_fleet_acme_dev_c2f9a54e");
    const register = resourceNamed("fleet-risk-register-acceptances");
    assert.equal(JSON.parse(register.inputs.content).id, "legacy-erp-kb");
    assert.equal(resourcesOfType("aws:cloudwatch/dashboard:Dashboard").length, 1);
    assert.ok(resourcesOfType("aws:cloudwatch/metricAlarm:MetricAlarm").length >= 5);
    assert.equal(resourcesOfType("aws:sns/topic:Topic").length, 1);
    assert.deepEqual(
      resourcesOfType("aws:sns/topicSubscription:TopicSubscription").map((s) => s.inputs.endpoint),
      ["secops@example.com"],
    );
    assert.equal(
      await unwrap(program.riskReportUrl),
      "s3://fleet-sync-data/risk-reports/latest.html",
    );
    assert.equal(await unwrap(program.riskFunctionName), "fleet-risk-snapshot");
    assert.equal(await unwrap(program.riskHistoryTableName), "risk_history");
    assert.match(
      (await unwrap(program.riskDashboardUrl)) ?? "",
      /#dashboards\/dashboard\/HybridFleet-acme-dev-risk$/,
    );
    assert.match(
      (await unwrap(program.riskAlertTopicArn)) ?? "",
      /^arn:aws:sns:ap-southeast-2:123456789012:/,
    );
  });

  it("npm run synth prints every resource and writes them as JSON", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "scripts/synth.ts", "dev"],
      { cwd: ROOT },
    );
    assert.match(
      stdout,
      /aws:lambda\/function:Function\s+fleet-activation-function\s+parent=fleet-activation\s+runtime=nodejs22.x/,
    );
    const written = JSON.parse(fs.readFileSync(path.join(ROOT, "synth-out", "dev.json"), "utf8"));
    const stage = written.resources.find(
      (r: { type: string }) => r.type === "aws:apigateway/stage:Stage",
    );
    assert.equal(stage.inputs.stageName, "latest");
    assert.equal(stage.parent, "fleet-activation");
    const policy = written.resources.find(
      (r: { name: string; inputs: object }) =>
        r.name === "fleet-activation-function" && "policy" in r.inputs,
    );
    assert.equal(policy.inputs.policy.Statement[2].Action, "iam:PassRole");
    assert.equal(
      written.resources.length,
      stdout.split("\n").filter((l) => l.includes("parent=")).length,
    );
    assert.match(written.outputs.activationUrl, /\/latest\/activate$/);
    // The risk view synthesizes too: its function, dashboard, alarms and topic.
    assert.match(
      stdout,
      /aws:lambda\/function:Function\s+fleet-risk-snapshot\s+parent=fleet-risk\s/,
    );
    for (const type of [
      "aws:cloudwatch/dashboard:Dashboard",
      "aws:cloudwatch/metricAlarm:MetricAlarm",
      "aws:sns/topic:Topic",
    ]) {
      assert.ok(
        written.resources.some((r: { type: string }) => r.type === type),
        type,
      );
    }
    assert.equal(written.outputs.riskReportUrl, "s3://fleet-sync-data/risk-reports/latest.html");
  });
});
