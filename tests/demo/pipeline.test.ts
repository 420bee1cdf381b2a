/**
 * End to end: `npm start`'s pipeline (demo/pipeline.ts) with a fleet of 5, asserting each
 * stage's numbers, worked out by hand from demo/fleetPlan.ts and the demo stack:
 *
 *   i  name                 env   missing patches   anti-virus  failing CIS rule
 *   0  i-0c5541936caf78c12  dev   -                 yes         sshd_disable_root_login (high)
 *   1  erp-01               prod  openssl           yes         -
 *   2  db-02                dev   openssl, curl     NO          sysctl_net_ipv4_ip_forward (medium)
 *   3  web-03               prod  -                 yes         service_auditd_enabled (low)
 *   4  app-04               dev   openssl           yes         sshd_disable_root_login (high)
 *
 * Weights (risk/model.ts): CRITICAL 10, HIGH 5, MEDIUM 2, LOW 1. openssl is CRITICAL, curl HIGH.
 * The CIS document adds a CONTROL item with the association's severity (MEDIUM) that is
 * NON_COMPLIANT when a rule fails. erp-01's openssl is accepted (erp-openssl).
 *
 * Before: patch 10+5 (db-02) + 10 (app-04) = 25; CIS (5+2) + (2+2) + (1+2) + (5+2) = 21 → 46,
 * open 3 patch + 8 CIS = 11, accepted 1. Anti-virus is mandated: its enforce association runs
 * everywhere from the start and installs ClamAV on db-02, so it never shows as a finding.
 * After `mode set enforce --tag Environment=dev`: the dev machines (0, 2, 4) patch and remediate;
 * left are web-03's CIS 1+2 = 3 (2 open) and erp-01's accepted openssl.
 *
 * Any stage whose contract breaks (the mode tag key the activation API applies vs the one the
 * associations target, the compliance types the documents write vs what the risk SQL reads,
 * the sync layout) changes these numbers.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runDemo, type DemoResult } from "../../demo/pipeline";
import { EC2_INSTANCE_ID } from "../../demo/fleetPlan";

const NAMES = [EC2_INSTANCE_ID, "erp-01", "db-02", "web-03", "app-04"];
const ENVIRONMENTS = ["dev", "prod", "dev", "prod", "dev"];

describe("npm start pipeline, end to end (5 machines)", function () {
  this.timeout(400_000);
  let result: DemoResult;
  let workDir: string;

  before(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), "demo-e2e-"));
    result = await runDemo({ machines: 5, workDir, progress: () => undefined });
  });
  after(() => {
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  const records = (round: "before" | "after", type: string) =>
    result[round].compliance.filter((r) => r.ComplianceType === type);
  const items = (round: "before" | "after", type: string, status?: string) =>
    records(round, type)
      .flatMap((r) => r.Items)
      .filter((i) => status === undefined || i.Status === status);
  const nodeNamed = (name: string) => {
    const node = result.before.nodes.find((n) => n.Name === name);
    assert.ok(node, `no node named ${name}`);
    return node;
  };

  it("registers every machine under its own name, tagged from its activation", () => {
    assert.deepEqual(
      result.before.nodes.map((n) => n.Name),
      NAMES,
    );
    result.before.nodes.forEach((n, i) => {
      assert.match(n.InstanceId, /^mi-[0-9a-f]{17}$/);
      const tags = Object.fromEntries((n.Tags ?? []).map((t) => [t.Key, t.Value]));
      assert.deepEqual(tags, {
        Name: NAMES[i],
        Environment: ENVIRONMENTS[i],
        ComplianceMode: "report",
        HybridFleet: "demo",
      });
    });
    // The EC2 machine proved itself with the signed document: its activation says so.
    const ec2 = nodeNamed(EC2_INSTANCE_ID);
    assert.equal(
      result.machines.find((m) => m.node.InstanceId === ec2.InstanceId)?.sandbox.machine.kind,
      "ec2",
    );
  });

  it("declares the stack's six associations and applies them per mode", () => {
    assert.deepEqual(result.associations.map((a) => a.name).sort(), [
      "demo-antivirus-enforce",
      "demo-cis-enforce",
      "demo-cis-report",
      "demo-inventory",
      "demo-patch-enforce",
      "demo-patch-report",
    ]);
    const perAssociation = (round: "before" | "after") => {
      const counts: Record<string, number> = {};
      for (const r of result[round].runs) counts[r.association] = (counts[r.association] ?? 0) + 1;
      return counts;
    };
    // Report mode everywhere; the mandated anti-virus and the inventory on every machine.
    assert.deepEqual(perAssociation("before"), {
      "demo-patch-report": 5,
      "demo-antivirus-enforce": 5,
      "demo-cis-report": 5,
      "demo-inventory": 5,
    });
    // Only the dev machines newly match the enforce associations.
    assert.deepEqual(perAssociation("after"), { "demo-patch-enforce": 3, "demo-cis-enforce": 3 });
    assert.deepEqual(
      [...new Set(result.after.runs.map((r) => r.name))].sort(),
      [EC2_INSTANCE_ID, "app-04", "db-02"].sort(),
    );
    assert.ok([...result.before.runs, ...result.after.runs].every((r) => r.exitCode === 0));
  });

  it("puts the compliance items each control's document writes", () => {
    // Patch: 4 baseline patches per machine; missing 0+1+2+0+1.
    assert.equal(items("before", "Patch").length, 20);
    assert.equal(items("before", "Patch", "NON_COMPLIANT").length, 4);
    // Anti-virus: installed, service running, definitions fresh, CONTROL; all compliant.
    assert.equal(items("before", "Custom:Antivirus").length, 20);
    assert.equal(items("before", "Custom:Antivirus", "NON_COMPLIANT").length, 0);
    const db02 = records("before", "Custom:Antivirus").find(
      (r) => r.ResourceId === nodeNamed("db-02").InstanceId,
    );
    assert.equal(db02?.Items.find((i) => i.Id === "CONTROL")?.Details?.action, "installed+started");
    // CIS: 4 rules + CONTROL per machine; 4 machines fail one rule (and so their CONTROL).
    assert.equal(items("before", "Custom:CIS").length, 25);
    assert.equal(items("before", "Custom:CIS", "NON_COMPLIANT").length, 8);
    // State Manager's own: one per applied association per machine.
    assert.equal(items("before", "Association").length, 20);
    assert.equal(items("before", "Association", "NON_COMPLIANT").length, 0);

    assert.equal(items("after", "Patch", "NON_COMPLIANT").length, 1);
    assert.equal(items("after", "Custom:CIS", "NON_COMPLIANT").length, 2);
    assert.equal(items("after", "Association").length, 20);
  });

  it("writes one sync file per machine and type, in the sync layout", () => {
    const expected = {
      "AWS:ComplianceItem": 5,
      "AWS:ComplianceSummary": 5,
      "AWS:InstanceInformation": 5,
      "AWS:Tag": 5,
    };
    assert.deepEqual(result.before.syncFiles, expected);
    assert.deepEqual(result.after.syncFiles, expected);
    const dir = path.join(
      workDir,
      "s3",
      "compliance-sync",
      "AWS:ComplianceItem",
      "accountid=189292791360",
      "region=ap-southeast-2",
      "resourcetype=ManagedInstanceInventory",
    );
    const files = fs.readdirSync(dir).sort();
    assert.deepEqual(files, result.before.nodes.map((n) => `${n.InstanceId}.json`).sort());
    // After: 20 patch + 20 anti-virus + 25 CIS + 20 association lines.
    const lines = files.flatMap((f) =>
      fs.readFileSync(path.join(dir, f), "utf8").split("\n").filter(Boolean),
    );
    assert.equal(lines.length, 85);
  });

  it("scores the risk before enforcement: 46, 11 open, erp-01's openssl accepted", () => {
    const t = result.before.snapshot.totals;
    assert.deepEqual(
      {
        score: t.score,
        open: t.open,
        accepted: t.accepted,
        machines: t.machines,
        report: t.reportMachines,
      },
      { score: 46, open: 11, accepted: 1, machines: 5, report: 5 },
    );
    const byControl = Object.fromEntries(
      result.before.snapshot.controls.map((c) => [c.control, c.score]),
    );
    assert.equal(byControl.patch, 25);
    assert.equal(byControl.cis, 21);
    assert.equal(byControl.antivirus, 0);
  });

  it("switches dev to enforce with the CLI, and the risk goes down to 3", () => {
    assert.equal(result.modeSet.code, 0, result.modeSet.stderr);
    assert.match(result.modeSet.stdout, /3 changed, 0 unchanged, 0 failed/);
    const modes = Object.fromEntries(
      result.after.nodes.map((n) => [
        n.Name,
        n.Tags?.find((t) => t.Key === "ComplianceMode")?.Value,
      ]),
    );
    assert.deepEqual(modes, {
      [EC2_INSTANCE_ID]: "enforce",
      "erp-01": "report",
      "db-02": "enforce",
      "web-03": "report",
      "app-04": "enforce",
    });
    const t = result.after.snapshot.totals;
    assert.deepEqual(
      { score: t.score, open: t.open, accepted: t.accepted, enforce: t.enforceMachines },
      { score: 3, open: 2, accepted: 1, enforce: 3 },
    );
    const antivirus = result.after.snapshot.controls.find((c) => c.control === "antivirus");
    assert.deepEqual(
      {
        mandatory: antivirus?.mandatory,
        compliant: antivirus?.compliant,
        machines: antivirus?.machines,
      },
      { mandatory: true, compliant: 5, machines: 5 },
    );
    const acceptance = result.after.snapshot.acceptances.find((a) => a.id === "erp-openssl");
    assert.deepEqual(
      { findings: acceptance?.findings, status: acceptance?.status },
      { findings: 1, status: "active" },
    );
    assert.ok(fs.statSync(result.after.reportFile).size > 0);
    assert.match(fs.readFileSync(result.after.reportFile, "utf8"), /erp-openssl/);
  });
});
