import { strict as assert } from "node:assert";
import { targetsMatch } from "../../local/stateManager";

describe("simulated State Manager: targetsMatch", () => {
  const tags = { ComplianceMode: "report", HybridFleet: "acme", Environment: "dev" };
  for (const [title, targets, expected] of [
    [
      "every key must match",
      [
        { key: "tag:ComplianceMode", values: ["report"] },
        { key: "tag:HybridFleet", values: ["acme"] },
      ],
      true,
    ],
    [
      "any value of a key matches",
      [{ key: "tag:ComplianceMode", values: ["enforce", "report"] }],
      true,
    ],
    [
      "one key not matching is no match",
      [
        { key: "tag:ComplianceMode", values: ["report"] },
        { key: "tag:HybridFleet", values: ["other"] },
      ],
      false,
    ],
    ["a missing tag is no match", [{ key: "tag:Mode", values: ["report"] }], false],
    ["non-tag keys match nothing", [{ key: "InstanceIds", values: ["*"] }], false],
    ["no targets match nothing", [], false],
  ] as const) {
    it(title, () => assert.equal(targetsMatch(targets, tags), expected));
  }
});
