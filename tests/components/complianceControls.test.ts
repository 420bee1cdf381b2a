import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import {
  REGION,
  allResources,
  installMocks,
  resetRecorded,
  resourceNamed,
  resourcesOfType,
  unwrap,
} from "../support/pulumiMocks";

type Mod = typeof import("../../components/compliance/complianceControls");
type Args = import("../../components/compliance/complianceControls").ComplianceControlsArgs;
let mod: Mod;

const ASSOCIATION = "aws:ssm/association:Association";
const DOCS = path.join(__dirname, "..", "..", "documents");

const AV_LINUX = {
  serviceName: "falcon-sensor",
  agentPath: "/opt/CrowdStrike/falconctl",
  installerSource: "s3://acme-agents/falcon/falcon-sensor-7.10.rpm",
  installerSha256: "a".repeat(64),
  installArgs: "--nogpgcheck",
};

async function build(
  args: Partial<
    import("../../components/compliance/complianceControls").ComplianceControlsArgs
  > = {},
) {
  resetRecorded();
  const c = new mod.ComplianceControls("cc", {
    fleetName: "acme-prod",
    managedInstanceRoleName: "acme-mi-role",
    ...args,
  });
  await Promise.all([
    unwrap(c.outputBucketArn),
    unwrap(c.urn),
    ...Object.values(c.documentNames).map((o) => unwrap(o)),
    ...Object.values(c.associationIds).map((o) => unwrap(o)),
  ]);
  return c;
}

function associations(): Record<string, Record<string, unknown>> {
  return Object.fromEntries(resourcesOfType(ASSOCIATION).map((r) => [r.name, r.inputs]));
}

const output = (key: string) => ({
  s3BucketName: "cc-output",
  s3KeyPrefix: `association-output/${key}`,
  s3Region: REGION,
});
const modeTargets = (mode: string) => [
  { key: "tag:ComplianceMode", values: [mode] },
  { key: "tag:HybridFleet", values: ["acme-prod"] },
];
const common = { maxConcurrency: "10%", maxErrors: "10%", syncCompliance: "AUTO" };

describe("ComplianceControls component", () => {
  before(async () => {
    installMocks();
    mod = await import("../../components/compliance/complianceControls");
  });

  it("creates exactly one report and one enforce association per control, plus inventory", async () => {
    await build({ controls: { antivirus: { linux: AV_LINUX } } });

    assert.deepEqual(associations(), {
      "cc-patch-report": {
        ...common,
        name: "AWS-RunPatchBaseline",
        associationName: "acme-prod-patch-report",
        targets: modeTargets("report"),
        parameters: { Operation: "Scan" },
        scheduleExpression: "rate(1 day)",
        complianceSeverity: "HIGH",
        outputLocation: output("patch-report"),
      },
      "cc-patch-enforce": {
        ...common,
        name: "AWS-RunPatchBaseline",
        associationName: "acme-prod-patch-enforce",
        targets: modeTargets("enforce"),
        parameters: { Operation: "Install", RebootOption: "RebootIfNeeded" },
        scheduleExpression: "rate(1 day)",
        complianceSeverity: "HIGH",
        outputLocation: output("patch-enforce"),
      },
      "cc-antivirus-report": {
        ...common,
        name: "HybridFleet-acme-prod-Antivirus",
        associationName: "acme-prod-antivirus-report",
        targets: modeTargets("report"),
        parameters: {
          Mode: "report",
          Severity: "HIGH",
          LinuxInstallerSource: AV_LINUX.installerSource,
          LinuxInstallerSha256: AV_LINUX.installerSha256,
          LinuxInstallArgs: "--nogpgcheck",
          LinuxServiceName: "falcon-sensor",
          LinuxAgentPath: "/opt/CrowdStrike/falconctl",
        },
        scheduleExpression: "rate(1 day)",
        complianceSeverity: "HIGH",
        outputLocation: output("antivirus-report"),
      },
      "cc-antivirus-enforce": {
        ...common,
        name: "HybridFleet-acme-prod-Antivirus",
        associationName: "acme-prod-antivirus-enforce",
        targets: modeTargets("enforce"),
        parameters: {
          Mode: "enforce",
          Severity: "HIGH",
          LinuxInstallerSource: AV_LINUX.installerSource,
          LinuxInstallerSha256: AV_LINUX.installerSha256,
          LinuxInstallArgs: "--nogpgcheck",
          LinuxServiceName: "falcon-sensor",
          LinuxAgentPath: "/opt/CrowdStrike/falconctl",
        },
        scheduleExpression: "rate(1 day)",
        complianceSeverity: "HIGH",
        outputLocation: output("antivirus-enforce"),
      },
      "cc-cis-report": {
        ...common,
        name: "HybridFleet-acme-prod-CIS",
        associationName: "acme-prod-cis-report",
        targets: modeTargets("report"),
        parameters: { Mode: "report", Severity: "MEDIUM" },
        scheduleExpression: "rate(7 days)",
        complianceSeverity: "MEDIUM",
        outputLocation: output("cis-report"),
      },
      "cc-cis-enforce": {
        ...common,
        name: "HybridFleet-acme-prod-CIS",
        associationName: "acme-prod-cis-enforce",
        targets: modeTargets("enforce"),
        parameters: { Mode: "enforce", Severity: "MEDIUM" },
        scheduleExpression: "rate(7 days)",
        complianceSeverity: "MEDIUM",
        outputLocation: output("cis-enforce"),
      },
      "cc-inventory": {
        ...common,
        name: "AWS-GatherSoftwareInventory",
        associationName: "acme-prod-inventory",
        targets: [{ key: "tag:HybridFleet", values: ["acme-prod"] }],
        scheduleExpression: "rate(1 day)",
        complianceSeverity: "UNSPECIFIED",
        outputLocation: output("inventory"),
      },
    });
  });

  it("enforces a mandatory control on every fleet machine and drops its report association", async () => {
    await build({
      controls: {
        antivirus: {
          mandatory: true,
          severity: "CRITICAL",
          linux: {
            serviceName: "clamav-daemon",
            definitionsPath: "/var/lib/clamav",
            definitionsGlob: "daily.c[lv]d main.c[lv]d",
          },
          windows: { definitionsGlob: "*.vdm" },
        },
        patch: { mandatory: true, rebootOption: "NoReboot" },
      },
    });

    const a = associations();
    assert.deepEqual(Object.keys(a).sort(), [
      "cc-antivirus-enforce",
      "cc-cis-enforce",
      "cc-cis-report",
      "cc-inventory",
      "cc-patch-enforce",
    ]);
    assert.deepEqual(a["cc-antivirus-enforce"].targets, [
      { key: "tag:HybridFleet", values: ["acme-prod"] },
    ]);
    assert.deepEqual(a["cc-antivirus-enforce"].parameters, {
      Mode: "enforce",
      Severity: "CRITICAL",
      LinuxServiceName: "clamav-daemon",
      LinuxDefinitionsPath: "/var/lib/clamav",
      LinuxDefinitionsGlob: "daily.c[lv]d main.c[lv]d",
      WindowsDefinitionsGlob: "*.vdm",
    });
    assert.equal(a["cc-antivirus-enforce"].complianceSeverity, "CRITICAL");
    assert.equal(a["cc-antivirus-enforce"].associationName, "acme-prod-antivirus-enforce");
    assert.deepEqual(a["cc-patch-enforce"].targets, [
      { key: "tag:HybridFleet", values: ["acme-prod"] },
    ]);
    assert.deepEqual(a["cc-patch-enforce"].parameters, {
      Operation: "Install",
      RebootOption: "NoReboot",
    });
    assert.deepEqual(a["cc-cis-report"].targets, modeTargets("report"));
  });

  it("creates no inventory association with controls.inventory.enabled: false (a node with two inventory associations runs neither)", async () => {
    const c = await build({ controls: { inventory: { enabled: false } } });

    assert.ok(
      !resourcesOfType(ASSOCIATION).some((r) => r.inputs.name === "AWS-GatherSoftwareInventory"),
    );
    assert.deepEqual(Object.keys(c.associationIds).sort(), [
      "antivirus-enforce",
      "antivirus-report",
      "cis-enforce",
      "cis-report",
      "patch-enforce",
      "patch-report",
    ]);
  });

  it("honours switches, schedules, severities, limits and tag keys per control", async () => {
    await build({
      modeTagKey: "Compliance",
      fleetTagKey: "ManagedBy",
      maxConcurrency: "25",
      maxErrors: "0",
      syncCompliance: "MANUAL",
      outputPrefix: "ssm/output",
      controls: {
        patch: { enabled: false },
        antivirus: { enabled: false },
        cis: {
          schedule: "cron(0 3 ? * SUN *)",
          severity: "HIGH",
          maxConcurrency: "5%",
          maxErrors: "1",
          scanner: "command",
          resultFormat: "tsv",
          installScanner: false,
          linux: {
            scannerCommand: "/opt/cis/scan",
            scannerArgs: "--all",
            resultFile: "/var/tmp/cis.tsv",
          },
          windows: { scannerCommand: "C:\\CIS\\Assessor-CLI.bat", resultFile: "C:\\CIS\\out.xml" },
        },
        inventory: { schedule: "rate(12 hours)", parameters: { files: "", windowsRegistry: "" } },
      },
    });

    const a = associations();
    assert.deepEqual(Object.keys(a).sort(), ["cc-cis-enforce", "cc-cis-report", "cc-inventory"]);
    assert.deepEqual(a["cc-cis-enforce"], {
      name: "HybridFleet-acme-prod-CIS",
      associationName: "acme-prod-cis-enforce",
      targets: [
        { key: "tag:Compliance", values: ["enforce"] },
        { key: "tag:ManagedBy", values: ["acme-prod"] },
      ],
      parameters: {
        Mode: "enforce",
        Severity: "HIGH",
        Scanner: "command",
        InstallScanner: "false",
        ResultFormat: "tsv",
        LinuxScannerCommand: "/opt/cis/scan",
        LinuxScannerArgs: "--all",
        LinuxResultFile: "/var/tmp/cis.tsv",
        WindowsScannerCommand: "C:\\CIS\\Assessor-CLI.bat",
        WindowsResultFile: "C:\\CIS\\out.xml",
      },
      scheduleExpression: "cron(0 3 ? * SUN *)",
      complianceSeverity: "HIGH",
      maxConcurrency: "5%",
      maxErrors: "1",
      syncCompliance: "MANUAL",
      outputLocation: {
        s3BucketName: "cc-output",
        s3KeyPrefix: "ssm/output/cis-enforce",
        s3Region: REGION,
      },
    });
    assert.deepEqual(a["cc-inventory"].targets, [{ key: "tag:ManagedBy", values: ["acme-prod"] }]);
    assert.deepEqual(a["cc-inventory"].parameters, { files: "", windowsRegistry: "" });
    assert.equal(a["cc-inventory"].scheduleExpression, "rate(12 hours)");
    assert.equal(a["cc-inventory"].maxConcurrency, "25");
    assert.equal(a["cc-inventory"].maxErrors, "0");
    const policy = JSON.parse(resourceNamed("cc-output-write").inputs.policy);
    assert.equal(policy.Statement[0].Resource, "arn:aws:s3:::cc-output/ssm/output/*");
  });

  it("creates the fleet's documents from documents/*.yaml, in YAML", async () => {
    const c = await build();

    const docs = resourcesOfType("aws:ssm/document:Document");
    assert.deepEqual(
      docs.map((d) => [d.name, d.inputs.name]),
      [
        ["cc-agent-install-document", "HybridFleet-acme-prod-AgentInstall"],
        ["cc-antivirus-document", "HybridFleet-acme-prod-Antivirus"],
        ["cc-cis-document", "HybridFleet-acme-prod-CIS"],
      ],
    );
    for (const [d, file] of docs.map(
      (d, i) => [d, ["agent-install", "antivirus", "cis"][i]] as const,
    )) {
      assert.deepEqual(d.inputs, {
        name: d.inputs.name,
        documentType: "Command",
        documentFormat: "YAML",
        targetType: "/",
        content: fs.readFileSync(path.join(DOCS, `${file}.yaml`), "utf8"),
      });
    }
    assert.equal(await unwrap(c.documentNames.cis), "HybridFleet-acme-prod-CIS");
  });

  it("keeps output in an encrypted, private, expiring bucket the role may only write under its prefix", async () => {
    const c = await build({ outputExpirationDays: 14, tags: { Team: "cloud-ops" } });

    assert.deepEqual(resourceNamed("cc-output", "aws:s3/bucket:Bucket").inputs, {
      forceDestroy: false,
      tags: { Team: "cloud-ops" },
    });
    assert.deepEqual(resourceNamed("cc-output-public-access").inputs, {
      bucket: "cc-output-id",
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    assert.deepEqual(resourceNamed("cc-output-encryption").inputs, {
      bucket: "cc-output-id",
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    assert.deepEqual(resourceNamed("cc-output-ownership").inputs, {
      bucket: "cc-output-id",
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    assert.deepEqual(resourceNamed("cc-output-lifecycle").inputs, {
      bucket: "cc-output-id",
      rules: [
        {
          id: "expire-association-output",
          status: "Enabled",
          filter: { prefix: "association-output/" },
          expiration: { days: 14 },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
        },
      ],
    });
    assert.deepEqual(JSON.parse(resourceNamed("cc-output-policy").inputs.policy), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: ["arn:aws:s3:::cc-output", "arn:aws:s3:::cc-output/*"],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    });
    const rolePolicy = resourceNamed("cc-output-write", "aws:iam/rolePolicy:RolePolicy");
    assert.equal(rolePolicy.inputs.role, "acme-mi-role");
    assert.deepEqual(JSON.parse(rolePolicy.inputs.policy), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "WriteAssociationOutput",
          Effect: "Allow",
          Action: "s3:PutObject",
          Resource: "arn:aws:s3:::cc-output/association-output/*",
        },
        {
          Sid: "ReadOutputBucketEncryption",
          Effect: "Allow",
          Action: "s3:GetEncryptionConfiguration",
          Resource: "arn:aws:s3:::cc-output",
        },
      ],
    });
    assert.equal(await unwrap(c.outputBucketName), "cc-output");
  });

  it("registers under its type token with every child parented to it", async () => {
    await build();

    const component = resourceNamed("cc", "ssm-hybrid-fleet:compliance:ComplianceControls");
    const children = allResources().filter((r) => r !== component);
    assert.equal(children.length, 3 + 7 + 7);
    for (const child of children) assert.equal(child.parent, component.urn, child.name);
    assert.deepEqual(
      [...new Set(children.map((r) => r.type))].sort(),
      [
        "aws:iam/rolePolicy:RolePolicy",
        "aws:s3/bucket:Bucket",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        "aws:s3/bucketPolicy:BucketPolicy",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        ASSOCIATION,
        "aws:ssm/document:Document",
      ].sort(),
    );
  });

  it("refuses invalid arguments before creating anything", async () => {
    resetRecorded();
    assert.throws(
      () =>
        new mod.ComplianceControls("bad", {
          fleetName: "acme prod",
          managedInstanceRoleName: "r",
        }),
      {
        name: "ArgumentError",
        field: "fleetName",
        message:
          'ComplianceControls: fleetName must match ^[A-Za-z0-9_.-]{1,100}$, got "acme prod"',
      },
    );
    assert.equal(resourcesOfType(ASSOCIATION).length, 0);
  });
});

describe("validateComplianceControlsArgs", () => {
  before(async () => {
    installMocks();
    mod = await import("../../components/compliance/complianceControls");
  });

  const base = { fleetName: "acme-prod", managedInstanceRoleName: "r" };
  const cases: [string, Record<string, unknown>, string[]][] = [
    ["valid defaults", {}, []],
    [
      "modeTagKey",
      { modeTagKey: "aws:mode" },
      [
        'modeTagKey must be a tag key matching ^[A-Za-z0-9 _.:/=+@-]{1,128}$ not starting with aws:, got "aws:mode"',
      ],
    ],
    [
      "maxConcurrency",
      { maxConcurrency: "0" },
      [
        'maxConcurrency must be a count or percentage like "10" or "10%" (^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$), got "0"',
      ],
    ],
    [
      "maxErrors",
      { maxErrors: "101%" },
      [
        'maxErrors must be a count or percentage like "0", "1" or "10%" (^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$), got "101%"',
      ],
    ],
    [
      "syncCompliance",
      { syncCompliance: "auto" },
      ['syncCompliance must be one of AUTO, MANUAL; got "auto"'],
    ],
    [
      "outputExpirationDays",
      { outputExpirationDays: 0 },
      ["outputExpirationDays must be a whole number of days from 1 to 3650, got 0"],
    ],
    [
      "outputPrefix",
      { outputPrefix: "/out/" },
      [
        'outputPrefix must be S3 key segments matching ^[A-Za-z0-9_.-]+(\\/[A-Za-z0-9_.-]+)*$ (no leading or trailing /), got "/out/"',
      ],
    ],
    [
      "unknown control",
      { controls: { av: {} } },
      ["controls.av is not a known key; known: patch, antivirus, cis, inventory"],
    ],
    [
      "unknown setting",
      { controls: { patch: { schedul: "rate(1 day)" } } },
      [
        "controls.patch.schedul is not a known key; known: enabled, schedule, severity, mandatory, maxConcurrency, maxErrors, rebootOption",
      ],
    ],
    [
      "rate too fast",
      { controls: { cis: { schedule: "rate(10 minutes)" } } },
      ['controls.cis.schedule must be between 30 minutes and 31 days, got "rate(10 minutes)"'],
    ],
    [
      "rate plural",
      { controls: { cis: { schedule: "rate(1 days)" } } },
      [
        'controls.cis.schedule uses a plural unit with 1 or a singular unit otherwise, got "rate(1 days)"',
      ],
    ],
    [
      "not a schedule",
      { controls: { patch: { schedule: "daily" } } },
      ['controls.patch.schedule must be rate(...) or cron(...), got "daily"'],
    ],
    [
      "severity",
      { controls: { cis: { severity: "INFORMATIONAL" } } },
      [
        'controls.cis.severity must be one of CRITICAL, HIGH, MEDIUM, LOW, UNSPECIFIED; got "INFORMATIONAL"',
      ],
    ],
    [
      "flags",
      { controls: { patch: { enabled: "yes" } } },
      ['controls.patch.enabled must be true or false; got "yes"'],
    ],
    [
      "mandatory but off",
      { controls: { antivirus: { mandatory: true, enabled: false } } },
      [
        "controls.antivirus.mandatory is true but controls.antivirus.enabled is false: a mandated control cannot be switched off",
      ],
    ],
    [
      "reboot option",
      { controls: { patch: { rebootOption: "Always" } } },
      ['controls.patch.rebootOption must be one of RebootIfNeeded, NoReboot; got "Always"'],
    ],
    [
      "inventory parameter",
      { controls: { inventory: { parameters: { software: "Enabled" } } } },
      [
        "controls.inventory.parameters.software is not a known key; known: applications, awsComponents, files, networkConfig, windowsUpdates, instanceDetailedInformation, services, windowsRegistry, windowsRoles, customInventory, billingInfo",
      ],
    ],
    [
      "definitions age",
      { controls: { antivirus: { maxDefinitionsAgeHours: 1.5, linux: { serviceName: "av" } } } },
      ["controls.antivirus.maxDefinitionsAgeHours must be a whole number from 1 to 9999; got 1.5"],
    ],
    [
      "installer hash",
      {
        controls: {
          antivirus: {
            linux: {
              serviceName: "av",
              installerSource: "https://x.example.com/a.rpm",
              installerSha256: "abc",
            },
          },
        },
      },
      ['controls.antivirus.linux.installerSha256 must match ^([A-Fa-f0-9]{64})?$, got "abc"'],
    ],
    [
      "installer source scheme",
      {
        controls: {
          antivirus: {
            windows: {
              serviceName: "av",
              installerSource: "http://x.example.com/a.msi",
              installerSha256: "b".repeat(64),
            },
          },
        },
      },
      [
        'controls.antivirus.windows.installerSource must match ^((https|s3)://[A-Za-z0-9._~:/?#@!%+=,&-]{1,1000})?$, got "http://x.example.com/a.msi"',
      ],
    ],
    [
      "installer pair",
      {
        controls: {
          antivirus: {
            linux: { serviceName: "av", installerSource: "https://x.example.com/a.rpm" },
          },
        },
      },
      [
        "controls.antivirus.linux.installerSource and installerSha256 go together: set both or neither",
      ],
    ],
    [
      "hostile install args",
      { controls: { antivirus: { linux: { serviceName: "av", installArgs: "--x; reboot" } } } },
      [
        'controls.antivirus.linux.installArgs must match ^[A-Za-z0-9 _./:=,@+-]{0,512}$, got "--x; reboot"',
      ],
    ],
    [
      "hostile definitions glob",
      {
        controls: { antivirus: { linux: { serviceName: "av", definitionsGlob: "*.cvd;reboot" } } },
      },
      [
        'controls.antivirus.linux.definitionsGlob must match ^[A-Za-z0-9_.*?\\[\\]-]{1,100}( [A-Za-z0-9_.*?\\[\\]-]{1,100}){0,9}$, got "*.cvd;reboot"',
      ],
    ],
    [
      "cis scanner",
      { controls: { cis: { scanner: "ciscat" } } },
      ['controls.cis.scanner must be one of openscap, command; got "ciscat"'],
    ],
    [
      "cis windows path",
      { controls: { cis: { windows: { scannerCommand: "C:/CIS/scan.bat" } } } },
      [
        'controls.cis.windows.scannerCommand must match ^([A-Za-z]:\\\\[A-Za-z0-9 _.\\\\()-]{1,250})?$, got "C:/CIS/scan.bat"',
      ],
    ],
  ];

  for (const [what, extra, expected] of cases) {
    it(`${what}: ${expected.length ? "rejected with the exact message" : "accepted"}`, () => {
      const controls = extra.controls as Record<string, unknown> | undefined;
      const withAv = controls?.antivirus === undefined && expected.length === 0;
      const args = { ...base, ...extra } as unknown as Args;
      const r = mod.validateComplianceControlsArgs(args);
      assert.deepEqual(
        r.errors.map((e) => e.message),
        expected.map((m) => `ComplianceControls: ${m}`),
      );
      for (const e of r.errors) assert.equal(e.name, "ArgumentError");
      if (withAv) assert.equal(r.warnings.length, controls?.inventory === undefined ? 2 : 1);
    });
  }

  const INVENTORY_WARNING =
    "controls.inventory is on by default and targets every fleet machine, but a node with two inventory associations runs neither: if this account already has one (Quick Setup, or an InstanceIds=* association; list them with aws ssm list-associations --association-filter-list key=Name,value=AWS-GatherSoftwareInventory) set controls.inventory.enabled: false, else true to silence this";

  it("warns about risky-but-allowed settings", () => {
    const r = mod.validateComplianceControlsArgs({
      ...base,
      controls: { patch: { mandatory: true } },
    } as Args);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.warnings, [
      "controls.antivirus is enabled but names no agent (linux/windows serviceName or agentPath): every machine will report it NON_COMPLIANT",
      INVENTORY_WARNING,
      "controls.patch is mandatory with rebootOption RebootIfNeeded: every fleet machine may reboot after patching, whatever its mode tag",
    ]);
    assert.deepEqual(
      mod.validateComplianceControlsArgs({
        ...base,
        controls: { antivirus: { enabled: false }, inventory: { enabled: true } },
      } as Args).warnings,
      [],
    );
  });

  it("warns about a second inventory association only while inventory is left at its default", () => {
    const warned = (inventory?: { enabled?: boolean }) =>
      mod
        .validateComplianceControlsArgs({
          ...base,
          controls: { antivirus: { enabled: false }, ...(inventory ? { inventory } : {}) },
        } as Args)
        .warnings.includes(INVENTORY_WARNING);
    assert.equal(warned(), true);
    assert.equal(warned({}), true);
    assert.equal(warned({ enabled: true }), false);
    assert.equal(warned({ enabled: false }), false);
  });

  it("checkSchedule accepts AWS's documented forms", () => {
    for (const ok of [
      "rate(30 minutes)",
      "rate(1 hour)",
      "rate(12 hours)",
      "rate(1 day)",
      "rate(30 days)",
      "cron(0 2 ? * SUN *)",
      "cron(0 */4 * * ? *)",
    ]) {
      assert.equal(mod.checkSchedule(ok), undefined, ok);
    }
    assert.equal(mod.checkSchedule("rate(31 days)"), "must be between 30 minutes and 31 days");
    assert.equal(mod.checkSchedule("cron(0 2 * *)"), "cron() needs 6 or 7 fields");
  });
});
