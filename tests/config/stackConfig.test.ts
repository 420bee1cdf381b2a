import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { CONFIG_SCHEMA, PROJECT } from "../../config/schema";
import { loadFleetArgs, parseStackConfig } from "../../config/stackConfig";

const ROOT = path.join(__dirname, "..", "..");
const ctx = { project: PROJECT, stack: "dev" };
const from = (values: Record<string, string>) => (key: string) => values[key];

describe("stack config", () => {
  it("Pulumi.yaml declares exactly the schema's keys, each with type, description and default", () => {
    const project = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
    assert.equal(project.name, PROJECT);
    assert.equal(project.main, "index.ts");
    const expected: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(CONFIG_SCHEMA)) {
      expected[key] = {
        type: v.type,
        ...(v.type === "array" ? { items: { type: "string" } } : {}),
        description: v.description,
        default: v.default,
      };
    }
    assert.deepEqual(project.config, expected);
  });

  it("README documents every key with its default", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    for (const [key, v] of Object.entries(CONFIG_SCHEMA)) {
      const row = readme.split("\n").find((l) => l.startsWith(`| \`${key}\``));
      assert.ok(row, `README has no row for ${key}`);
      assert.ok(
        row.includes(`\`${JSON.stringify(v.default)}\``),
        `README row for ${key} lacks its default`,
      );
    }
  });

  it("the dev stack's config (Pulumi.dev.yaml) is valid", () => {
    const stack = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")).config;
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(stack)) {
      if (!k.startsWith(`${PROJECT}:`)) continue;
      values[k.slice(PROJECT.length + 1)] = typeof v === "string" ? v : JSON.stringify(v);
    }
    const args = loadFleetArgs(from(values), { ...ctx, presentKeys: Object.keys(values) });
    assert.equal(args.fleetName, "acme-dev");
    assert.equal(args.tokenAuth, true);
    assert.deepEqual(args.allowedTags, {
      Team: { values: ["web", "db", "platform"] },
      CostCentre: { pattern: "[0-9]{4}" },
    });
    assert.equal(args.bootstrapTokens?.[0].namePattern, "web-[0-9]{2,4}");
  });

  it("applies every default", () => {
    const c = parseStackConfig(from({}), ctx);
    assert.deepEqual(c, {
      fleetName: "ssm-hybrid-fleet-dev",
      environment: "dev",
      fleetTagKey: "HybridFleet",
      modeTagKey: "ComplianceMode",
      environmentTagKey: "Environment",
      defaultMode: "report",
      activationTtlMinutes: 60,
      throttleRateLimit: 10,
      throttleBurstLimit: 20,
      logRetentionDays: 30,
      ec2Auth: true,
      allowedAccounts: [],
      tokenAuth: false,
      bootstrapTokens: [],
      allowedTags: {},
      manageApiGatewayAccount: true,
    });
  });

  it("parses token and tag lines", () => {
    const sha = "b".repeat(64);
    const c = parseStackConfig(
      from({
        bootstrapTokens: JSON.stringify([`  dc1 ${sha} 2027-01-01T00:00:00Z prod web [0-9]+ `]),
        allowedTags: JSON.stringify(["Team=a|b", "Cost~[0-9]{4}", "Empty="]),
      }),
      ctx,
    );
    assert.deepEqual(c.bootstrapTokens, [
      {
        id: "dc1",
        sha256: sha,
        expiresAt: "2027-01-01T00:00:00Z",
        environment: "prod",
        namePattern: "web [0-9]+",
      },
    ]);
    assert.deepEqual(c.allowedTags, {
      Team: { values: ["a", "b"] },
      Cost: { pattern: "[0-9]{4}" },
      Empty: { values: [""] },
    });
  });

  const refusals: Array<[string, Record<string, string>, string]> = [
    [
      "an unknown key",
      { defaultMod: "x" },
      "config ssm-hybrid-fleet:defaultMod is not a known key; known keys: " +
        Object.keys(CONFIG_SCHEMA).join(", "),
    ],
    [
      "a bad mode",
      { defaultMode: "audit" },
      'config ssm-hybrid-fleet:defaultMode must be one of report, enforce; got "audit"',
    ],
    [
      "a non-integer",
      { activationTtlMinutes: "1h" },
      'config ssm-hybrid-fleet:activationTtlMinutes must be a whole number; got "1h"',
    ],
    [
      "a non-boolean",
      { ec2Auth: "yes" },
      'config ssm-hybrid-fleet:ec2Auth must be true or false; got "yes"',
    ],
    [
      "a non-list",
      { allowedAccounts: "123456789012" },
      "config ssm-hybrid-fleet:allowedAccounts must be a list of strings",
    ],
    [
      "a short token line",
      { bootstrapTokens: '["dc1 abc"]' },
      "config ssm-hybrid-fleet:bootstrapTokens[0] must be '<id> <sha256> <expiresAt> <environment> <namePattern>'",
    ],
    [
      "a tag line without = or ~",
      { allowedTags: '["Team"]' },
      "config ssm-hybrid-fleet:allowedTags[0] must be 'Key=value1|value2' or 'Key~regex'",
    ],
    [
      "a repeated tag",
      { allowedTags: '["Team=a","Team=b"]' },
      'config ssm-hybrid-fleet:allowedTags[1] repeats tag key "Team"',
    ],
  ];
  for (const [what, values, message] of refusals) {
    it(`refuses ${what}, naming the key`, () => {
      assert.throws(
        () => parseStackConfig(from(values), { ...ctx, presentKeys: Object.keys(values) }),
        (err: Error) => err.name === "ConfigError" && err.message === message,
      );
    });
  }

  const rangeRefusals: Array<[Record<string, string>, string]> = [
    [
      { activationTtlMinutes: "0" },
      "config ssm-hybrid-fleet:activationTtlMinutes must be a whole number from 1 to 43200; got 0",
    ],
    [
      { logRetentionDays: "10" },
      "config ssm-hybrid-fleet:logRetentionDays must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653; got 10",
    ],
    [
      { tokenAuth: "true" },
      "config ssm-hybrid-fleet:bootstrapTokens is empty but tokenAuth is on: add a grant (npm run token:new)",
    ],
    [
      { allowedAccounts: '["1234"]' },
      'config ssm-hybrid-fleet:allowedAccounts must hold 12-digit account IDs; got "1234"',
    ],
    [
      { bootstrapTokens: '["dc1 notahash 2027-01-01T00:00:00Z prod .*"]' },
      "config ssm-hybrid-fleet:bootstrapTokens[0].sha256 must be the token's SHA-256 as 64 lower-case hex characters (never the token itself)",
    ],
  ];
  for (const [values, message] of rangeRefusals) {
    it(`refuses ${Object.keys(values)[0]}=${Object.values(values)[0]} through the components' validators`, () => {
      assert.throws(
        () => loadFleetArgs(from(values), ctx),
        (err: Error) => err.name === "ConfigError" && err.message === message,
      );
    });
  }
});
