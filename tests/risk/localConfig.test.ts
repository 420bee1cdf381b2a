/**
 * `npm run risk -- --config Pulumi.<stack>.yaml`: the controls (enabled, severity, mandated),
 * the register and the risk settings come out of a stack file as the stack reads them; bad
 * values fail naming the config path; an expiry that has passed is a warning, not an error.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { CONTROL_DEFAULTS } from "../../components/compliance/complianceControls";
import { DEFAULT_SEVERITY_WEIGHTS } from "../../risk/model";
import {
  CONTROL_DEFAULT_SEVERITIES,
  StackFileError,
  defaultRiskSettings,
  riskSettingsFromStackFile,
} from "../../risk/local/config";

const NOW = new Date("2026-11-30T10:00:00Z");

function stack(lines: string[]): string {
  return ["config:", "  aws:region: ap-southeast-2", ...lines.map((l) => `  ${l}`)].join("\n");
}

function problems(text: string): readonly string[] {
  try {
    riskSettingsFromStackFile(text, "Pulumi.x.yaml", NOW);
  } catch (err) {
    assert.ok(err instanceof StackFileError, String(err));
    assert.equal(err.message, `Pulumi.x.yaml:\n${err.problems.map((p) => `  ${p}`).join("\n")}`);
    return err.problems;
  }
  assert.fail("no StackFileError");
}

const ACCEPTANCE = [
  "    - id: dev-kb",
  "      control: patch",
  "      findingPattern: KB1",
  "      tags: { Environment: dev }",
  "      reason: vendor fix due",
  "      approver: CHG-7",
];

describe("risk settings from a stack file", () => {
  it("keeps the control severities equal to the associations' defaults", () => {
    for (const [name, severity] of Object.entries(CONTROL_DEFAULT_SEVERITIES)) {
      assert.equal(severity, CONTROL_DEFAULTS[name as keyof typeof CONTROL_DEFAULTS].severity);
    }
  });

  it("reads the dev stack: mandated anti-virus, CIS at MEDIUM, fleet acme-dev", () => {
    const text = fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.dev.yaml"), "utf8");
    const s = riskSettingsFromStackFile(text, "Pulumi.dev.yaml", NOW);
    assert.deepEqual(s.controls, [
      { name: "patch", complianceType: "Patch", severity: "HIGH", mandatory: false },
      { name: "antivirus", complianceType: "Custom:Antivirus", severity: "HIGH", mandatory: true },
      { name: "cis", complianceType: "Custom:CIS", severity: "MEDIUM", mandatory: false },
    ]);
    assert.equal(s.fleetName, "acme-dev");
    assert.equal(s.staleDays, 7);
    assert.deepEqual(s.weights, DEFAULT_SEVERITY_WEIGHTS);
  });

  it("reads controls, tag keys and every risk setting", () => {
    const s = riskSettingsFromStackFile(
      stack([
        "ssm-hybrid-fleet:modeTagKey: Mode",
        "ssm-hybrid-fleet:environmentTagKey: Env",
        "ssm-hybrid-fleet:fleetTagKey: Fleet",
        "ssm-hybrid-fleet:controls:",
        "    cis: { enabled: false }",
        "    patch: { severity: CRITICAL, mandatory: true }",
        "ssm-hybrid-fleet:risk:",
        "    staleDays: 3",
        "    topMachines: 5",
        "    severityWeights: { CRITICAL: 100, LOW: 0 }",
        "    acceptances:",
        "    - id: av-old",
        "      control: antivirus",
        "      reason: r",
        "      approver: a",
        '      expiresAt: "2027-01-31T00:00:00Z"',
      ]),
      "Pulumi.x.yaml",
      NOW,
    );
    assert.deepEqual(
      s.controls.map((c) => [c.name, c.severity, c.mandatory]),
      [
        ["patch", "CRITICAL", true],
        ["antivirus", "HIGH", false],
      ],
    );
    assert.deepEqual(
      [s.modeTagKey, s.environmentTagKey, s.fleetTagKey, s.fleetName],
      ["Mode", "Env", "Fleet", undefined],
    );
    assert.deepEqual([s.staleDays, s.topMachines], [3, 5]);
    assert.deepEqual(s.weights, { ...DEFAULT_SEVERITY_WEIGHTS, CRITICAL: 100, LOW: 0 });
    assert.deepEqual(
      s.acceptances.map((a) => a.id),
      ["av-old"],
    );
    assert.deepEqual(s.warnings, []);
  });

  it("an acceptance that has expired is a warning (reported as expired), not an error", () => {
    const s = riskSettingsFromStackFile(
      stack([
        "ssm-hybrid-fleet:risk:",
        "  acceptances:",
        ...ACCEPTANCE,
        '      expiresAt: "2026-11-01T00:00:00Z"',
      ]),
      "Pulumi.x.yaml",
      NOW,
    );
    assert.equal(s.acceptances.length, 1);
    assert.deepEqual(s.warnings, [
      "ssm-hybrid-fleet:risk.acceptances[0] (dev-kb) expired at 2026-11-01T00:00:00Z: its findings of patch count as open (acceptance-expired) and the expired-acceptance alarm fires; renew it with a new approval or remove it",
    ]);
  });

  it("refuses a mandated control, a missing approver and an unknown control, by path", () => {
    const got = problems(
      stack([
        "ssm-hybrid-fleet:controls: { antivirus: { mandatory: true } }",
        "ssm-hybrid-fleet:risk:",
        "  acceptances:",
        "    - { id: a, control: antivirus, reason: r, approver: x, expiresAt: '2027-01-01T00:00:00Z' }",
        "    - { id: b, control: patch, reason: r, expiresAt: '2027-01-01T00:00:00Z' }",
        "    - { id: c, control: firewall, reason: r, approver: x, expiresAt: '2027-01-01T00:00:00Z' }",
      ]),
    );
    assert.equal(got.length, 3, got.join("\n"));
    assert.match(
      got[0],
      /^ssm-hybrid-fleet:risk\.acceptances\[0\]\.control: "antivirus" is mandated/,
    );
    assert.match(got[1], /^ssm-hybrid-fleet:risk\.acceptances\[1\]\.approver: is required/);
    assert.match(
      got[2],
      /^ssm-hybrid-fleet:risk\.acceptances\[2\]\.control: must be an enabled control \(patch, antivirus, cis\); got "firewall"$/,
    );
  });

  it("refuses bad risk values and bad controls with the stack schema's words", () => {
    const got = problems(
      stack([
        "ssm-hybrid-fleet:controls: { cis: { severity: SEVERE } }",
        "ssm-hybrid-fleet:risk: { staleDays: 0, severityWeights: { HIGH: 2.5 } }",
      ]),
    );
    assert.ok(
      got.some((p) => p.startsWith("ssm-hybrid-fleet:controls.cis.severity: ")),
      got.join("\n"),
    );
    assert.ok(
      got.some((p) => p.startsWith("ssm-hybrid-fleet:risk.staleDays: ")),
      got.join("\n"),
    );
  });

  it("refuses a fractional weight (the SQL inlines weights as whole numbers)", () => {
    assert.deepEqual(
      problems(stack(["ssm-hybrid-fleet:risk: { severityWeights: { HIGH: 2.5 } }"])),
      [
        "ssm-hybrid-fleet:risk.severityWeights.HIGH: must be a whole number from 0 to 1000; got 2.5",
      ],
    );
  });

  it("refuses a file that is not YAML or has no config mapping", () => {
    assert.match(problems("config: [\n")[0], /^not valid YAML: /);
    assert.deepEqual(problems("name: x\n"), [
      "has no config: mapping (is it a Pulumi.<stack>.yaml?)",
    ]);
  });

  it("without a file: every control on at its default severity, no register", () => {
    const d = defaultRiskSettings();
    assert.deepEqual(
      d.controls.map((c) => [c.name, c.severity, c.mandatory]),
      [
        ["patch", "HIGH", false],
        ["antivirus", "HIGH", false],
        ["cis", "MEDIUM", false],
      ],
    );
    assert.deepEqual(d.acceptances, []);
  });
});
