/**
 * The pure side of `remediate`: document and parameter choice, parameter checks against the
 * shipped documents, SSM's rate-control patterns, batching past 50 with the rate controls
 * shared across batches, status reading (StatusDetails over Status), progress and exit code.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import YAML from "yaml";
import {
  errorBudgetLeft,
  outputExcerpt,
  parameterProblems,
  parseParameters,
  parseRateControl,
  parseRemediation,
  planBatches,
  progressBar,
  progressLine,
  progressOf,
  remediationDocument,
  remediationExitCode,
  responseCode,
  targetResult,
  targetStatus,
  type DocumentParameterDefinition,
  type TargetResult,
} from "../../ops/remediation";

const ids = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `mi-${i.toString(16).padStart(17, "0")}`);

function shippedParameters(file: string): Record<string, DocumentParameterDefinition> {
  const text = fs.readFileSync(path.join(__dirname, "../../documents", file), "utf8");
  return YAML.parse(text).parameters;
}

describe("ops/remediation", () => {
  describe("remediationDocument", () => {
    const cases: Array<[string, Parameters<typeof remediationDocument>, object]> = [
      [
        "patch runs AWS-RunPatchBaseline with Install",
        ["patch", "acme"],
        {
          documentName: "AWS-RunPatchBaseline",
          parameters: { Operation: ["Install"], RebootOption: ["RebootIfNeeded"] },
        },
      ],
      [
        "patch needs no fleet name",
        ["patch", undefined, { RebootOption: ["NoReboot"] }],
        {
          documentName: "AWS-RunPatchBaseline",
          parameters: { Operation: ["Install"], RebootOption: ["NoReboot"] },
        },
      ],
      [
        "antivirus runs the fleet's document in enforce mode",
        ["antivirus", "acme", { LinuxServiceName: ["clamav-daemon"] }],
        {
          documentName: "HybridFleet-acme-Antivirus",
          parameters: { Mode: ["enforce"], LinuxServiceName: ["clamav-daemon"] },
          fleetDocument: "Antivirus",
        },
      ],
      [
        "cis runs the fleet's CIS document",
        ["cis", "acme"],
        {
          documentName: "HybridFleet-acme-CIS",
          parameters: { Mode: ["enforce"] },
          fleetDocument: "CIS",
        },
      ],
      [
        "agent-install passes only the given parameters",
        ["agent-install", "acme", { LinuxInstallerSource: ["https://x.example/a.deb"] }],
        {
          documentName: "HybridFleet-acme-AgentInstall",
          parameters: { LinuxInstallerSource: ["https://x.example/a.deb"] },
          fleetDocument: "AgentInstall",
        },
      ],
      [
        "--document overrides the name and needs no fleet",
        ["cis", undefined, {}, "Custom-CIS-Fix"],
        { documentName: "Custom-CIS-Fix", parameters: { Mode: ["enforce"] } },
      ],
    ];
    for (const [what, args, expected] of cases) {
      it(what, () => assert.deepEqual(remediationDocument(...args), expected));
    }

    it("names the way out when a fleet document has no fleet name", () => {
      assert.throws(() => remediationDocument("antivirus", undefined), {
        name: "RemediationUsageError",
        message:
          "antivirus runs the fleet's document HybridFleet-<fleet>-Antivirus: give --fleet NAME (or HYBRID_FLEET_NAME), or --document NAME",
      });
    });

    it("refuses a --document SSM would refuse", () => {
      assert.throws(() => remediationDocument("patch", "acme", {}, "a b"), {
        message:
          '--document must be a document name or ARN matching ^[a-zA-Z0-9_\\-.:/]{3,128}$, got "a b"',
      });
    });

    it("uses the same names as ComplianceControls creates", async () => {
      const source = fs.readFileSync(
        path.join(__dirname, "../../components/compliance/complianceControls.ts"),
        "utf8",
      );
      // The component names its documents through the same helper, with these kinds.
      for (const kind of ["AgentInstall", "Antivirus", "CIS"]) {
        assert.match(source, new RegExp(`makeDocument\\([^;]*"${kind}"`, "s"));
      }
      assert.match(source, /fleetDocumentName\(fleetName, what\)/);
    });
  });

  describe("parseRemediation and parseParameters", () => {
    it("accepts the four remediations and names them when refusing", () => {
      for (const r of ["patch", "antivirus", "cis", "agent-install"])
        assert.equal(parseRemediation(r), r);
      assert.throws(() => parseRemediation("inventory"), {
        message: 'control must be one of patch, antivirus, cis, agent-install, got "inventory"',
      });
    });

    it("splits on the first = and refuses malformed or repeated pairs", () => {
      assert.deepEqual(parseParameters(["A=1", "B=x=y", "C="]), { A: ["1"], B: ["x=y"], C: [""] });
      assert.throws(() => parseParameters(["A"]), {
        message: '--parameters must be NAME=VALUE (e.g. Operation=Install), got "A"',
      });
      assert.throws(() => parseParameters(["=1"]), { name: "RemediationUsageError" });
      assert.throws(() => parseParameters(["A=1", "A=2"]), {
        message: "--parameters A is given twice",
      });
    });

    it("round-trips any key without = and any value (property)", () => {
      fc.assert(
        fc.property(
          fc.dictionary(
            fc
              .string({ minLength: 1 })
              .filter((k) => !k.includes("=") && k.trim() === k && k !== ""),
            fc.string(),
          ),
          (dict) => {
            const pairs = Object.entries(dict).map(([k, v]) => `${k}=${v}`);
            const parsed = parseParameters(pairs);
            assert.deepEqual(
              parsed,
              Object.fromEntries(Object.entries(dict).map(([k, v]) => [k, [v]])),
            );
          },
        ),
      );
    });
  });

  describe("parameterProblems against the shipped documents", () => {
    it("passes the enforce defaults of antivirus and cis", () => {
      for (const [remediation, file] of [
        ["antivirus", "antivirus.yaml"],
        ["cis", "cis.yaml"],
      ] as const) {
        const doc = remediationDocument(remediation, "acme");
        assert.deepEqual(
          parameterProblems(doc.parameters, shippedParameters(file), doc.documentName),
          [],
        );
      }
    });

    it("names an unknown parameter, a value outside allowedValues and one failing the pattern", () => {
      const problems = parameterProblems(
        { Mode: ["fix"], Sevrity: ["HIGH"], MaxDefinitionsAgeHours: ["0"] },
        shippedParameters("antivirus.yaml"),
        "HybridFleet-acme-Antivirus",
      );
      assert.equal(problems.length, 3);
      assert.equal(problems[0], '--parameters Mode must be one of report, enforce, got "fix"');
      assert.match(
        problems[1],
        /^--parameters Sevrity: HybridFleet-acme-Antivirus has no such parameter; it takes Mode, Severity, /,
      );
      assert.equal(
        problems[2],
        '--parameters MaxDefinitionsAgeHours must match ^[1-9][0-9]{0,3}$, got "0"',
      );
    });

    it("treats inherited object keys as unknown parameters, not declared ones", () => {
      assert.deepEqual(
        parameterProblems(
          { constructor: ["x"], toString: ["y"] },
          { Mode: { default: "report" } },
          "Doc",
        ),
        [
          "--parameters constructor: Doc has no such parameter; it takes Mode",
          "--parameters toString: Doc has no such parameter; it takes Mode",
        ],
      );
      assert.deepEqual(parameterProblems({}, { constructor: { type: "String" } }, "Doc"), [
        "--parameters constructor is required by Doc",
      ]);
    });

    it("reports a required parameter that is missing", () => {
      assert.deepEqual(parameterProblems({}, { Operation: { type: "String" } }, "Doc"), [
        "--parameters Operation is required by Doc",
      ]);
    });
  });

  describe("parseRateControl", () => {
    const good: Array<[string, "--max-concurrency" | "--max-errors", string, number]> = [
      ["10", "--max-concurrency", "count", 10],
      ["10%", "--max-concurrency", "percent", 10],
      ["100%", "--max-concurrency", "percent", 100],
      ["0", "--max-errors", "count", 0],
      ["0%", "--max-errors", "percent", 0],
      ["5%", "--max-errors", "percent", 5],
    ];
    for (const [text, option, kind, value] of good) {
      it(`reads ${option} ${text}`, () =>
        assert.deepEqual(parseRateControl(text, option), { kind, value, text }));
    }
    const bad: Array<[string, "--max-concurrency" | "--max-errors"]> = [
      ["0", "--max-concurrency"],
      ["0%", "--max-concurrency"],
      ["101%", "--max-concurrency"],
      ["05", "--max-errors"],
      ["ten", "--max-errors"],
      ["", "--max-errors"],
    ];
    for (const [text, option] of bad) {
      it(`refuses ${option} ${JSON.stringify(text)}`, () =>
        assert.throws(() => parseRateControl(text, option), {
          name: "RemediationUsageError",
          message: new RegExp(
            `^${option} must be a count from [01] .* got ${JSON.stringify(text)}$`,
          ),
        }));
    }
  });

  describe("planBatches", () => {
    it("cuts 120 targets into 50, 50, 20 and passes a percentage to each, in one wave", () => {
      const plan = planBatches(
        ids(120),
        parseRateControl("10%", "--max-concurrency"),
        parseRateControl("0", "--max-errors"),
      );
      assert.equal(plan.waves.length, 1);
      assert.deepEqual(
        plan.waves[0].map((b) => [b.instanceIds.length, b.maxConcurrency, b.maxErrors]),
        [
          [50, "10%", "0"],
          [50, "10%", "0"],
          [20, "10%", "0"],
        ],
      );
      assert.deepEqual(
        plan.waves.flat().flatMap((b) => b.instanceIds),
        ids(120),
      );
    });

    it("shares a count across the batches of a wave so the fleet-wide limit holds", () => {
      const plan = planBatches(
        ids(120),
        parseRateControl("10", "--max-concurrency"),
        parseRateControl("4", "--max-errors"),
      );
      assert.deepEqual(
        plan.waves.map((w) => w.map((b) => [b.instanceIds.length, b.maxConcurrency, b.maxErrors])),
        [
          [
            [50, "3", "1"],
            [50, "3", "1"],
            [20, "3", "1"],
          ],
        ],
      );
    });

    it("sends batches in waves when the concurrency count is below the number of batches", () => {
      const plan = planBatches(
        ids(120),
        parseRateControl("2", "--max-concurrency"),
        parseRateControl("0", "--max-errors"),
      );
      assert.deepEqual(
        plan.waves.map((w) => w.map((b) => [b.instanceIds.length, b.maxConcurrency])),
        [
          [
            [50, "1"],
            [50, "1"],
          ],
          [[20, "2"]],
        ],
      );
    });

    it("never exceeds 50 IDs per batch nor loses or repeats a target (property)", () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 400 }),
          fc.oneof(
            fc.integer({ min: 1, max: 200 }).map(String),
            fc.integer({ min: 1, max: 100 }).map((n) => `${n}%`),
          ),
          (n, concurrency) => {
            const plan = planBatches(
              ids(n),
              parseRateControl(concurrency, "--max-concurrency"),
              parseRateControl("0", "--max-errors"),
            );
            const batches = plan.waves.flat();
            assert.ok(
              batches.every((b) => b.instanceIds.length >= 1 && b.instanceIds.length <= 50),
            );
            assert.deepEqual(
              batches.flatMap((b) => b.instanceIds),
              ids(n),
            );
            if (!concurrency.endsWith("%")) {
              for (const wave of plan.waves) {
                const running = wave.reduce((sum, b) => sum + Number(b.maxConcurrency), 0);
                assert.ok(
                  running <= Math.max(Number(concurrency), 1),
                  `${running} > ${concurrency}`,
                );
              }
            }
          },
        ),
      );
    });

    it("keeps sending waves while errors stay within MaxErrors", () => {
      assert.equal(errorBudgetLeft(parseRateControl("0", "--max-errors"), 0, 100), true);
      assert.equal(errorBudgetLeft(parseRateControl("0", "--max-errors"), 1, 100), false);
      assert.equal(errorBudgetLeft(parseRateControl("10%", "--max-errors"), 10, 100), true);
      assert.equal(errorBudgetLeft(parseRateControl("10%", "--max-errors"), 11, 100), false);
    });
  });

  describe("reading invocations", () => {
    const cases: Array<[string | undefined, string | undefined, string]> = [
      [undefined, undefined, "Pending"],
      ["InProgress", "InProgress", "InProgress"],
      ["Delayed", "Delayed", "Delayed"],
      ["Success", "Success", "Success"],
      ["Failed", "Failed", "Failed"],
      ["TimedOut", "Execution Timed Out", "ExecutionTimedOut"],
      ["TimedOut", "DeliveryTimedOut", "DeliveryTimedOut"],
      ["Failed", "Undeliverable", "Undeliverable"],
      ["Cancelled", "Terminated", "Terminated"],
      ["Failed", "InvalidPlatform", "InvalidPlatform"],
      ["SomethingNew", "SomethingNew", "Pending"],
    ];
    for (const [status, details, expected] of cases) {
      it(`shows ${status}/${details} as ${expected}`, () =>
        assert.equal(
          targetStatus(
            status === undefined ? undefined : { Status: status, StatusDetails: details },
          ),
          expected,
        ));
    }

    it("takes the response code and output of the first failing plugin, else the last", () => {
      const inv = {
        CommandPlugins: [
          { Name: "a", Status: "Success", ResponseCode: 0, Output: "ok" },
          { Name: "b", Status: "Failed", ResponseCode: 2, Output: "scan\n\nclamd not running  \n" },
          { Name: "c", Status: "Success", ResponseCode: 0, Output: "late" },
        ],
      };
      assert.equal(responseCode(inv), 2);
      assert.equal(outputExcerpt(inv), "clamd not running");
      const ok = {
        CommandPlugins: [{ Status: "Success", ResponseCode: 0, Output: "a\nall done" }],
      };
      assert.equal(responseCode(ok), 0);
      assert.equal(outputExcerpt(ok), "all done");
      assert.equal(responseCode(undefined), undefined);
    });

    it("cuts long output with an ellipsis and skips the agent's ----ERROR---- marker", () => {
      const inv = {
        CommandPlugins: [
          {
            Status: "Failed",
            ResponseCode: 1,
            Output: `${"x".repeat(80)}\n----------ERROR-------\n`,
          },
        ],
      };
      assert.equal(outputExcerpt(inv, 10), "xxxxxxxxx…");
    });

    it("marks a target never sent as NotSent", () => {
      assert.equal(
        targetResult({ instanceId: "mi-1", name: "a" }, undefined, undefined).status,
        "NotSent",
      );
      assert.equal(
        targetResult({ instanceId: "mi-1", name: "a" }, undefined, "cmd").status,
        "Pending",
      );
    });
  });

  describe("progress and exit code", () => {
    const row = (status: TargetResult["status"]): TargetResult => ({
      name: "n",
      instanceId: "mi-1",
      status,
      output: "",
    });
    const rows = [
      row("Success"),
      row("Success"),
      row("Failed"),
      row("InProgress"),
      row("Undeliverable"),
    ];

    it("counts done targets and statuses in a fixed order", () => {
      const p = progressOf(rows);
      assert.deepEqual(p, {
        done: 4,
        total: 5,
        counts: { Success: 2, Failed: 1, Undeliverable: 1, InProgress: 1 },
        errors: 1,
      });
      assert.equal(progressLine(p), "4/5 done  Success 2  Failed 1  Undeliverable 1  InProgress 1");
      assert.equal(
        progressBar(p),
        "[################----] 4/5 done  Success 2  Failed 1  Undeliverable 1  InProgress 1",
      );
    });

    it("exits 0 only when every target succeeded", () => {
      assert.equal(remediationExitCode([row("Success"), row("Success")]), 0);
      assert.equal(remediationExitCode(rows), 1);
      assert.equal(remediationExitCode([row("Success"), row("Undeliverable")]), 1);
      assert.equal(remediationExitCode([]), 1);
    });
  });
});
