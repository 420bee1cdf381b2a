/* eslint-disable @typescript-eslint/no-explicit-any -- the tests break arbitrary document JSON on purpose */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import {
  DocumentIssue,
  MAX_DOCUMENT_BYTES,
  checkAllowedPattern,
  formatIssues,
  validateCommandDocument,
  validateDocumentName,
} from "../../components/compliance/ssmDocumentValidator";

const AWS_OWNED = path.join(__dirname, "..", "fixtures", "documents", "aws-owned");
const OURS = path.join(__dirname, "..", "..", "documents");

function awsDoc(name: string): any {
  return JSON.parse(fs.readFileSync(path.join(AWS_OWNED, `${name}.json`), "utf8"));
}

function check(doc: unknown, opts = {}): DocumentIssue[] {
  return validateCommandDocument(JSON.stringify(doc), opts);
}

describe("ssmDocumentValidator on AWS's own documents", () => {
  const files = fs.readdirSync(AWS_OWNED).filter((f) => f.endsWith(".json"));

  for (const file of files.filter((f) => f !== "AWS-RunShellScript.json")) {
    it(`accepts ${file} (schema 2.2, Amazon-owned)`, () => {
      const content = fs.readFileSync(path.join(AWS_OWNED, file), "utf8");
      assert.equal(JSON.parse(content).schemaVersion, "2.2");
      const issues = validateCommandDocument(content, {
        amazonOwned: true,
        name: file.replace(/\.json$/, ""),
      });
      assert.deepEqual(issues, [], formatIssues(issues));
    });
  }

  it("rejects AWS-RunShellScript, a schema 1.2 document", () => {
    assert.deepEqual(check(awsDoc("AWS-RunShellScript"), { amazonOwned: true }), [
      {
        path: "runtimeConfig",
        message:
          "unknown top-level element; schema 2.2 allows schemaVersion, description, parameters, mainSteps",
      },
      { path: "schemaVersion", message: 'must be "2.2", got "1.2"' },
      { path: "mainSteps", message: "is required and must be a non-empty list of steps" },
    ]);
  });
});

describe("ssmDocumentValidator on broken copies (one rule violated each)", () => {
  type Case = [string, string, (d: any) => void, DocumentIssue | DocumentIssue[]];
  const cases: Case[] = [
    [
      "schema version",
      "AWS-RunRemoteScript",
      (d) => (d.schemaVersion = "2.0"),
      { path: "schemaVersion", message: 'must be "2.2", got "2.0"' },
    ],
    [
      "mainSteps required",
      "AWS-RunRemoteScript",
      (d) => delete d.mainSteps,
      { path: "mainSteps", message: "is required and must be a non-empty list of steps" },
    ],
    [
      "top-level elements",
      "AWS-RunRemoteScript",
      (d) => (d.outputs = ["x"]),
      {
        path: "outputs",
        message:
          "unknown top-level element; schema 2.2 allows schemaVersion, description, parameters, mainSteps",
      },
    ],
    [
      "known actions",
      "AWS-RunRemoteScript",
      (d) => (d.mainSteps[2].action = "aws:runShelScript"),
      {
        path: "mainSteps[2].action",
        message:
          'unknown action "aws:runShelScript"; known actions: aws:applications, aws:cloudWatch, aws:configureDocker, aws:configurePackage, aws:domainJoin, aws:downloadContent, aws:psModule, aws:refreshAssociation, aws:runDockerAction, aws:runDocument, aws:runPowerShellScript, aws:runShellScript, aws:softwareInventory, aws:updateAgent, aws:updateSsmAgent',
      },
    ],
    [
      "required inputs",
      "AWS-RunRemoteScript",
      (d) => delete d.mainSteps[2].inputs.runCommand,
      { path: "mainSteps[2].inputs.runCommand", message: "is required by aws:runShellScript" },
    ],
    [
      "known inputs",
      "AWS-RunRemoteScript",
      (d) => (d.mainSteps[0].inputs.destination = "/tmp"),
      {
        path: "mainSteps[0].inputs.destination",
        message:
          "unknown input for aws:downloadContent; allowed: sourceType, sourceInfo, destinationPath, finallyStep, onFailure, onSuccess, id",
      },
    ],
    [
      "input types",
      "AWS-RunRemoteScript",
      (d) => (d.mainSteps[2].inputs.runCommand = "echo hi"),
      {
        path: "mainSteps[2].inputs.runCommand",
        message: "must be a StringList for aws:runShellScript",
      },
    ],
    [
      "enumerated input values",
      "AWS-ConfigureAWSPackage",
      (d) => (d.mainSteps[1].inputs.action = "Reinstall"),
      {
        path: "mainSteps[1].inputs.action",
        message: 'must be one of Install, Uninstall, got "Reinstall"',
      },
    ],
    [
      "step name required",
      "AWS-RunRemoteScript",
      (d) => delete d.mainSteps[1].name,
      { path: "mainSteps[1].name", message: "is required" },
    ],
    [
      "unique step names",
      "AWS-RunRemoteScript",
      (d) => (d.mainSteps[2].name = "runPowerShellScript"),
      { path: "mainSteps[2].name", message: 'duplicate step name "runPowerShellScript"' },
    ],
    [
      "step elements",
      "AWS-RunRemoteScript",
      (d) => (d.mainSteps[2].timeoutSeconds = "60"),
      {
        path: "mainSteps[2].timeoutSeconds",
        message: "unknown step element; allowed: action, name, inputs, precondition",
      },
    ],
    [
      "precondition operator",
      "AWS-RunRemoteScript",
      (d) => (d.mainSteps[2].precondition = { StringLike: ["platformType", "Linux"] }),
      {
        path: "mainSteps[2].precondition",
        message: "must be { StringEquals: [left, right] } (the only supported operator)",
      },
    ],
    [
      "precondition platform",
      "AWS-RunRemoteScript",
      (d) => (d.mainSteps[2].precondition.StringEquals[1] = "linux"),
      {
        path: "mainSteps[2].precondition.StringEquals",
        message: 'platformType must equal one of Linux, Windows, MacOS, got "linux"',
      },
    ],
    [
      "precondition operands",
      "AWS-RunRemoteScript",
      (d) => d.mainSteps[2].precondition.StringEquals.push("MacOS"),
      {
        path: "mainSteps[2].precondition.StringEquals",
        message: "must be a list of exactly two strings",
      },
    ],
    [
      "parameter types",
      "AWS-RunRemoteScript",
      (d) => (d.parameters.commandLine.type = "Number"),
      {
        path: "parameters.commandLine.type",
        message:
          'must be one of String, StringList, Integer, Boolean, MapList, StringMap, got "Number"',
      },
    ],
    [
      "only String/StringList embedded in commands",
      "AWS-RunRemoteScript",
      (d) => {
        d.parameters.commandLine.type = "Integer";
        d.parameters.commandLine.default = 3;
      },
      [1, 2].map((step) => ({
        path: `mainSteps[${step}].inputs.runCommand[3]`,
        message:
          "parameter commandLine of type Integer cannot be used here; only String and StringList parameters can be embedded",
      })),
    ],
    [
      "parameter properties",
      "AWS-RunRemoteScript",
      (d) => (d.parameters.sourceType.allowedValue = ["S3"]),
      {
        path: "parameters.sourceType.allowedValue",
        message:
          "unknown parameter property; allowed: type, description, default, allowedValues, allowedPattern, displayType, minItems, maxItems, minChars, maxChars, interpolationType",
      },
    ],
    [
      "every {{ param }} resolves",
      "AWS-RunRemoteScript",
      (d) => (d.mainSteps[2].inputs.runCommand[3] = " {{ commandLin }} "),
      {
        path: "mainSteps[2].inputs.runCommand[3]",
        message: "{{ commandLin }} does not name a declared parameter",
      },
    ],
    [
      "allowedPattern is RE2",
      "AWS-RunRemoteScript",
      (d) => (d.parameters.executionTimeout.allowedPattern = "^(?=\\d)([1-9][0-9]{0,4})$"),
      {
        path: "parameters.executionTimeout.allowedPattern",
        message: "uses lookaround, which RE2 does not support",
      },
    ],
    [
      "default within allowedValues",
      "AWS-RunPatchBaseline",
      (d) => (d.parameters.RebootOption.default = "Always"),
      { path: "parameters.RebootOption.default", message: '"Always" is not one of allowedValues' },
    ],
  ];

  for (const [rule, base, mutate, expected] of cases) {
    it(`${rule}: ${base} broken fails with the right message`, () => {
      const doc = awsDoc(base);
      assert.deepEqual(check(doc, { amazonOwned: true }), [], "the unbroken copy must pass");
      mutate(doc);
      assert.deepEqual(check(doc, { amazonOwned: true }), [expected].flat());
    });
  }

  it("content over 64 KB fails for a customer document", () => {
    const content = fs.readFileSync(path.join(AWS_OWNED, "AWS-RunPatchBaseline.json"), "utf8");
    const bytes = Buffer.byteLength(content);
    assert.ok(bytes > MAX_DOCUMENT_BYTES);
    assert.deepEqual(validateCommandDocument(content, { name: "Fleet-RunPatchBaseline" }), [
      { path: "$", message: `content is ${bytes} bytes; CreateDocument accepts at most 65536` },
    ]);
  });

  it("document names follow CreateDocument's pattern and reserved prefixes", () => {
    const table: [string, string | undefined][] = [
      ["HybridFleet-prod-cis", undefined],
      ["ab", 'name "ab" must match ^[a-zA-Z0-9_\\-.]{3,128}$'],
      ["my doc", 'name "my doc" must match ^[a-zA-Z0-9_\\-.]{3,128}$'],
      ["x".repeat(129), `name "${"x".repeat(129)}" must match ^[a-zA-Z0-9_\\-.]{3,128}$`],
      ["AWS-RunPatchBaseline", 'name "AWS-RunPatchBaseline" starts with the reserved prefix "aws"'],
      ["amazon-x", 'name "amazon-x" starts with the reserved prefix "amazon"'],
      ["AmznFoo", 'name "AmznFoo" starts with the reserved prefix "amzn"'],
      ["AWSSupport-Fix", 'name "AWSSupport-Fix" starts with the reserved prefix "aws"'],
    ];
    for (const [name, expected] of table) assert.equal(validateDocumentName(name), expected, name);
    assert.deepEqual(
      validateCommandDocument(JSON.stringify(awsDoc("AWS-ConfigureDocker")), {
        name: "AWS-ConfigureDocker",
      }),
      [
        {
          path: "name",
          message: 'name "AWS-ConfigureDocker" starts with the reserved prefix "aws"',
        },
      ],
    );
  });

  it("RE2 pattern checks", () => {
    assert.equal(checkAllowedPattern("^[a-z]+$"), undefined);
    assert.equal(checkAllowedPattern("^(?!x)"), "uses lookaround, which RE2 does not support");
    assert.equal(
      checkAllowedPattern("^(a)\\1$"),
      "uses a backreference, which RE2 does not support",
    );
    assert.match(checkAllowedPattern("^[a-$")!, /^does not compile: /);
  });

  it("reports content that is not JSON or YAML", () => {
    const issues = validateCommandDocument("mainSteps: [\n");
    assert.equal(issues.length, 1);
    assert.match(issues[0].message, /^content is neither JSON nor YAML: /);
  });
});

describe("ssmDocumentValidator strict mode (this project's policy)", () => {
  const ours = ["agent-install.yaml", "antivirus.yaml", "cis.yaml"];

  for (const file of ours) {
    it(`accepts documents/${file}`, () => {
      const content = fs.readFileSync(path.join(OURS, file), "utf8");
      const issues = validateCommandDocument(content, {
        strict: true,
        name: `HybridFleet-prod-${file}`.replace(".yaml", ""),
      });
      assert.deepEqual(issues, [], formatIssues(issues));
    });
  }

  it("rejects a parameter without allowedPattern or allowedValues", () => {
    const doc = YAML.parse(fs.readFileSync(path.join(OURS, "antivirus.yaml"), "utf8"));
    delete doc.parameters.LinuxServiceName.allowedPattern;
    assert.deepEqual(check(doc, { strict: true }), [
      {
        path: "parameters.LinuxServiceName",
        message: "needs allowedPattern or allowedValues in this project's documents",
      },
    ]);
    assert.deepEqual(check(doc), [], "AWS's own rules allow it");
  });

  it("rejects a parameter used outside single quotes in a script", () => {
    const doc = YAML.parse(fs.readFileSync(path.join(OURS, "cis.yaml"), "utf8"));
    doc.mainSteps[0].inputs.runCommand[0] += 'echo "{{ Mode }}"\n';
    assert.deepEqual(check(doc, { strict: true }), [
      {
        path: "mainSteps[0].inputs.runCommand[0]",
        message:
          "{{ Mode }} must appear only as '{{ Name }}' (single-quoted) in this project's documents",
      },
    ]);
  });

  it("rejects non-String parameter types and AWS's looser documents", () => {
    const doc = YAML.parse(fs.readFileSync(path.join(OURS, "cis.yaml"), "utf8"));
    doc.parameters.Mode.type = "StringList";
    doc.parameters.Mode.default = ["report"];
    doc.parameters.Severity.type = "Boolean";
    delete doc.parameters.Severity.allowedValues;
    doc.parameters.Severity.default = true;
    assert.deepEqual(
      check(doc, { strict: true }).map((i) => i.path),
      [
        "parameters.Severity.type",
        "parameters.Severity",
        "mainSteps[0].inputs.runCommand[0]",
        "mainSteps[1].inputs.runCommand[0]",
      ],
    );
    assert.ok(check(awsDoc("AWS-RunRemoteScript"), { strict: true, amazonOwned: true }).length > 0);
  });
});
