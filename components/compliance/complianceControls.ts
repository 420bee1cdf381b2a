/**
 * State Manager associations that measure (report mode) and enforce (enforce mode) the fleet's
 * controls, the fleet's own SSM documents, and the S3 bucket that keeps association output.
 */
import * as fs from "fs";
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { formatPath, schemaProblems } from "../shared/argsSchema";
import {
  ASSOCIATION_SEVERITIES,
  CONTROL_NAMES,
  ComplianceControlsArgsSchema,
} from "./complianceControls.schema";
import { ArgumentError } from "../shared/errors";
import { denyInsecureTransport } from "../shared/policies";
import { createPrivateBucket } from "../shared/privateBucket";
import {
  formatIssues,
  INVENTORY_PARAMETERS,
  validateCommandDocument,
} from "./ssmDocumentValidator";
import { PACKAGE_ROOT } from "../shared/packageRoot";
import { fleetDocumentName, type FleetDocumentKind } from "./documentNames";

/** Type token of {@link ComplianceControls}; never change it (a rename needs an alias). */
export const COMPLIANCE_CONTROLS_TYPE = "ssm-hybrid-fleet:compliance:ComplianceControls";

export { ASSOCIATION_SEVERITIES, CONTROL_NAMES };
/** A control that has a report and an enforce association. */
export type ControlName = (typeof CONTROL_NAMES)[number];
/** The mode tag's values. */
export type ComplianceMode = "report" | "enforce";
/** A severity an association accepts. */
export type AssociationSeverity = (typeof ASSOCIATION_SEVERITIES)[number];

/** Settings every control shares. */
export interface ControlSettings {
  /** Create this control's associations. @default true */
  readonly enabled?: boolean;
  /** `rate(...)` or `cron(...)` schedule. @default per control: see {@link CONTROL_DEFAULTS} */
  readonly schedule?: string;
  /** Compliance severity of the association. @default per control */
  readonly severity?: AssociationSeverity;
  /**
   * Enforce on every fleet machine whatever its mode tag (one enforce association targeting
   * only the fleet tag, no report association). @default false
   */
  readonly mandatory?: boolean;
  /** Overrides {@link ComplianceControlsArgs.maxConcurrency} for this control. */
  readonly maxConcurrency?: string;
  /** Overrides {@link ComplianceControlsArgs.maxErrors} for this control. */
  readonly maxErrors?: string;
}

/** Patch control: `AWS-RunPatchBaseline` with Scan (report) or Install (enforce). */
export interface PatchControlSettings extends ControlSettings {
  /** Reboot after installing (enforce mode). NoReboot leaves nodes InstalledPendingReboot. @default "RebootIfNeeded" */
  readonly rebootOption?: "RebootIfNeeded" | "NoReboot";
}

/** Where a vendor agent comes from and how it shows it is there, for one OS. */
export interface AgentPlatformSettings {
  /** https:// URL or s3://bucket/key of the installer. @default none: enforce mode cannot install */
  readonly installerSource?: string;
  /** SHA-256 (hex) the installer must have before it runs. @default none */
  readonly installerSha256?: string;
  /** Space-separated installer arguments (no quotes). @default none */
  readonly installArgs?: string;
  /** Service the agent runs as. @default none */
  readonly serviceName?: string;
  /** File whose presence means "installed". @default the service exists */
  readonly agentPath?: string;
  /** Definitions file, or folder whose newest signature file's age is checked. @default no check */
  readonly definitionsPath?: string;
  /**
   * Space-separated name globs of the signature files counted in a definitions folder (other
   * files, like freshclam.dat, are rewritten by failed updates and would look fresh).
   * @default Linux "daily.c[lv]d main.c[lv]d" (ClamAV), Windows "*.vdm" (Microsoft Defender)
   */
  readonly definitionsGlob?: string;
}

/** Anti-virus control: this package's anti-virus document. */
export interface AntivirusControlSettings extends ControlSettings {
  /** Definitions older than this are non-compliant. @default 48 */
  readonly maxDefinitionsAgeHours?: number;
  /** Linux agent. @default none (machines report "not configured") */
  readonly linux?: AgentPlatformSettings;
  /** Windows agent. @default none (machines report "not configured") */
  readonly windows?: AgentPlatformSettings;
}

/** A vendor CIS scanner on one OS. */
export interface ScannerPlatformSettings {
  /** Scanner executable. */
  readonly scannerCommand?: string;
  /** Arguments in report mode. @default none */
  readonly scannerArgs?: string;
  /** Arguments in enforce mode. @default the report arguments */
  readonly remediateArgs?: string;
  /** Result file the scanner writes. */
  readonly resultFile?: string;
}

/** CIS control: this package's CIS document. */
export interface CisControlSettings extends ControlSettings {
  /** Linux scanner. @default "openscap" */
  readonly scanner?: "openscap" | "command";
  /** XCCDF profile id. @default "auto" (the distribution's CIS level 1 server profile) */
  readonly profile?: string;
  /** SCAP data stream path. @default "auto" (SCAP Security Guide's file for the distribution) */
  readonly scapContent?: string;
  /** Install OpenSCAP and SCAP Security Guide when missing, even in report mode. @default true */
  readonly installScanner?: boolean;
  /** Vendor result format. @default "xccdf" */
  readonly resultFormat?: "xccdf" | "tsv";
  /** Vendor scanner on Linux (scanner "command"). */
  readonly linux?: ScannerPlatformSettings;
  /** Vendor scanner on Windows (OpenSCAP has no Windows content). */
  readonly windows?: ScannerPlatformSettings;
}

/** Software inventory (`AWS-GatherSoftwareInventory`) on every fleet machine. */
export interface InventorySettings {
  /** @default true */
  readonly enabled?: boolean;
  /** @default "rate(1 day)" */
  readonly schedule?: string;
  /** @default the component's */
  readonly maxConcurrency?: string;
  /** @default the component's */
  readonly maxErrors?: string;
  /** Parameters of AWS-GatherSoftwareInventory (e.g. `{ files: "..." }`). @default the document's */
  readonly parameters?: Readonly<Record<string, string | undefined>>;
}

/** The per-control configuration (what the stack's `controls` config key holds). */
export interface ComplianceControlsConfig {
  /** @default enabled, see {@link CONTROL_DEFAULTS} */
  readonly patch?: PatchControlSettings;
  /** @default enabled, see {@link CONTROL_DEFAULTS} */
  readonly antivirus?: AntivirusControlSettings;
  /** @default enabled, see {@link CONTROL_DEFAULTS} */
  readonly cis?: CisControlSettings;
  /** @default enabled, daily */
  readonly inventory?: InventorySettings;
}

/** Schedule and severity each control gets unless configured. */
export const CONTROL_DEFAULTS: Readonly<
  Record<ControlName | "inventory", { schedule: string; severity: AssociationSeverity }>
> = {
  patch: { schedule: "rate(1 day)", severity: "HIGH" },
  antivirus: { schedule: "rate(1 day)", severity: "HIGH" },
  cis: { schedule: "rate(7 days)", severity: "MEDIUM" },
  inventory: { schedule: "rate(1 day)", severity: "UNSPECIFIED" },
};

/** Arguments of {@link ComplianceControls}. */
export interface ComplianceControlsArgs {
  /** The fleet tag's value on machines this stack manages; also names documents and associations. */
  readonly fleetName: string;
  /** Name of the role managed instances use; it gets write access to the output prefix only. */
  readonly managedInstanceRoleName: pulumi.Input<string>;
  /** Tag key whose value (`report`/`enforce`) picks the associations. @default "ComplianceMode" */
  readonly modeTagKey?: string;
  /** Tag key that marks machines this stack manages. @default "HybridFleet" */
  readonly fleetTagKey?: string;
  /** Per-control settings. @default every control enabled with {@link CONTROL_DEFAULTS} */
  readonly controls?: ComplianceControlsConfig;
  /** Targets run at once. @default "10%" */
  readonly maxConcurrency?: string;
  /** Failures before State Manager stops sending. @default "10%" */
  readonly maxErrors?: string;
  /** AUTO: State Manager reports Association compliance itself. @default "AUTO" */
  readonly syncCompliance?: "AUTO" | "MANUAL";
  /** Days association output is kept. @default 30 */
  readonly outputExpirationDays?: number;
  /** Key prefix of association output in the bucket. @default "association-output" */
  readonly outputPrefix?: string;
  /** Tags for the bucket and documents. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Outcome of {@link validateComplianceControlsArgs}. */
export interface ComplianceValidation {
  /** Every problem, each naming its field (e.g. `controls.cis.schedule`). */
  readonly errors: ArgumentError[];
  /** Risky-but-allowed settings, worded for `pulumi.log.warn`. */
  readonly warnings: string[];
}

export { INVENTORY_PARAMETERS };

const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,100}$/;
const TAG_KEY_PATTERN = /^[A-Za-z0-9 _.:/=+@-]{1,128}$/;
const CONCURRENCY_PATTERN = /^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$/;
const MAX_ERRORS_PATTERN = /^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$/;
const PREFIX_PATTERN = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

/**
 * Checks a State Manager schedule: `rate(N minutes|hours|days)` between 30 minutes and 31 days
 * (singular unit for 1), or `cron(...)` with six or seven fields. Returns a problem or undefined.
 */
export function checkSchedule(schedule: string): string | undefined {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(schedule);
  if (rate) {
    const n = Number(rate[1]);
    const unit = rate[2];
    if ((n === 1) !== !unit.endsWith("s"))
      return "uses a plural unit with 1 or a singular unit otherwise";
    const minutes = n * (unit.startsWith("minute") ? 1 : unit.startsWith("hour") ? 60 : 1440);
    if (minutes < 30 || minutes >= 31 * 1440) return "must be between 30 minutes and 31 days";
    return undefined;
  }
  const cron = /^cron\((.+)\)$/.exec(schedule);
  if (cron) {
    const fields = cron[1].trim().split(/\s+/).length;
    return fields === 6 || fields === 7 ? undefined : "cron() needs 6 or 7 fields";
  }
  return "must be rate(...) or cron(...)";
}

/**
 * Validates the component's arguments (typically read from stack config) before anything is
 * created. Every error names the field and what is allowed; warnings flag risky-but-allowed
 * settings. Parameter values that reach our documents are checked against the documents' own
 * `allowedPattern`s, so a bad value fails here instead of at the association's first run.
 */
export function validateComplianceControlsArgs(args: ComplianceControlsArgs): ComplianceValidation {
  const messages = collectProblems(args);
  const errors = messages.errors.map((m) => {
    // Every message starts with the field path it is about.
    const space = m.indexOf(" ");
    return new ArgumentError("ComplianceControls", m.slice(0, space), m.slice(space + 1));
  });
  return { errors, warnings: messages.warnings };
}

function collectProblems(args: ComplianceControlsArgs): { errors: string[]; warnings: string[] } {
  const warnings: string[] = [];
  // Shape, types, enums and unknown keys at every depth: the schema the stack config shares.
  const errors = schemaProblems(ComplianceControlsArgsSchema, args).map(
    (p) => `${formatPath(p.path)} ${p.problem}`,
  );
  if (errors.length) return { errors, warnings };
  if (!NAME_PATTERN.test(args.fleetName)) {
    errors.push(
      `fleetName must match ${NAME_PATTERN.source}, got ${JSON.stringify(args.fleetName)}`,
    );
  }
  for (const key of ["modeTagKey", "fleetTagKey"] as const) {
    const v = args[key];
    if (v !== undefined && (!TAG_KEY_PATTERN.test(v) || v.startsWith("aws:"))) {
      errors.push(
        `${key} must be a tag key matching ${TAG_KEY_PATTERN.source} not starting with aws:, got ${JSON.stringify(v)}`,
      );
    }
  }
  const checkConcurrency = (field: string, v: string | undefined) => {
    if (v !== undefined && !CONCURRENCY_PATTERN.test(v)) {
      errors.push(
        `${field} must be a count or percentage like "10" or "10%" (${CONCURRENCY_PATTERN.source}), got ${JSON.stringify(v)}`,
      );
    }
  };
  const checkMaxErrors = (field: string, v: string | undefined) => {
    if (v !== undefined && !MAX_ERRORS_PATTERN.test(v)) {
      errors.push(
        `${field} must be a count or percentage like "0", "1" or "10%" (${MAX_ERRORS_PATTERN.source}), got ${JSON.stringify(v)}`,
      );
    }
  };
  checkConcurrency("maxConcurrency", args.maxConcurrency);
  checkMaxErrors("maxErrors", args.maxErrors);
  const days = args.outputExpirationDays;
  if (days !== undefined && !(days >= 1 && days <= 3650)) {
    errors.push(
      `outputExpirationDays must be a whole number of days from 1 to 3650, got ${JSON.stringify(days)}`,
    );
  }
  if (args.outputPrefix !== undefined && !PREFIX_PATTERN.test(args.outputPrefix)) {
    errors.push(
      `outputPrefix must be S3 key segments matching ${PREFIX_PATTERN.source} (no leading or trailing /), got ${JSON.stringify(args.outputPrefix)}`,
    );
  }

  const controls: ComplianceControlsConfig = args.controls ?? {};
  for (const control of [...CONTROL_NAMES, "inventory"] as const) {
    const field = `controls.${control}`;
    const c: ControlSettings | undefined = controls[control];
    if (c === undefined) continue;
    if (c.schedule !== undefined) {
      const problem = checkSchedule(c.schedule);
      if (problem) errors.push(`${field}.schedule ${problem}, got ${JSON.stringify(c.schedule)}`);
    }
    checkConcurrency(`${field}.maxConcurrency`, c.maxConcurrency);
    checkMaxErrors(`${field}.maxErrors`, c.maxErrors);
    if (c.mandatory === true && c.enabled === false) {
      errors.push(
        `${field}.mandatory is true but ${field}.enabled is false: a mandated control cannot be switched off`,
      );
    }
  }
  if (errors.length) return { errors, warnings };

  // Values that become document parameters must pass the documents' own constraints.
  const docs = loadFleetDocuments();
  for (const control of ["antivirus", "cis"] as const) {
    const c = (controls as ComplianceControlsConfig)[control];
    if (c?.enabled === false) continue;
    const params = documentParameters(control, "report", controls as ComplianceControlsConfig);
    const spec = docs[control].parameters as Record<
      string,
      { allowedPattern?: string; allowedValues?: string[] }
    >;
    for (const [param, { value, field }] of Object.entries(params)) {
      const p = spec[param];
      if (p.allowedPattern && !new RegExp(p.allowedPattern).test(value)) {
        errors.push(`${field} must match ${p.allowedPattern}, got ${JSON.stringify(value)}`);
      }
      if (p.allowedValues && !p.allowedValues.includes(value)) {
        errors.push(
          `${field} must be one of ${p.allowedValues.join(", ")}, got ${JSON.stringify(value)}`,
        );
      }
    }
  }
  for (const os of ["linux", "windows"] as const) {
    const a = (controls as ComplianceControlsConfig).antivirus?.[os];
    if (a && (a.installerSource === undefined) !== (a.installerSha256 === undefined)) {
      errors.push(
        `controls.antivirus.${os}.installerSource and installerSha256 go together: set both or neither`,
      );
    }
  }
  const avc = (controls as ComplianceControlsConfig).antivirus;
  if (
    avc?.enabled !== false &&
    !avc?.linux?.serviceName &&
    !avc?.linux?.agentPath &&
    !avc?.windows?.serviceName &&
    !avc?.windows?.agentPath
  ) {
    warnings.push(
      "controls.antivirus is enabled but names no agent (linux/windows serviceName or agentPath): every machine will report it NON_COMPLIANT",
    );
  }
  // AWS: a node with two or more inventory associations runs neither (Quick Setup and
  // InstanceIds=* associations count), and this one targets every fleet machine. Only a
  // deliberate enabled: true/false silences the warning. See the README, "Software inventory".
  if ((controls as ComplianceControlsConfig).inventory?.enabled === undefined) {
    warnings.push(
      "controls.inventory is on by default and targets every fleet machine, but a node with two inventory associations runs neither: if this account already has one (Quick Setup, or an InstanceIds=* association; list them with aws ssm list-associations --association-filter-list key=Name,value=AWS-GatherSoftwareInventory) set controls.inventory.enabled: false, else true to silence this",
    );
  }
  for (const control of CONTROL_NAMES) {
    const c = (controls as ComplianceControlsConfig)[control];
    if (
      c?.mandatory &&
      control === "patch" &&
      (c as PatchControlSettings).rebootOption !== "NoReboot"
    ) {
      warnings.push(
        "controls.patch is mandatory with rebootOption RebootIfNeeded: every fleet machine may reboot after patching, whatever its mode tag",
      );
    }
  }
  return { errors, warnings };
}

/** A document parameter's value and the config field it came from (for error messages). */
interface ParameterSource {
  readonly value: string;
  readonly field: string;
}

/**
 * The parameters an association passes to its document, with the config field each came
 * from. Only settings that are set are passed; the document's defaults cover the rest.
 */
export function documentParameters(
  control: ControlName | "inventory",
  mode: ComplianceMode,
  controls: ComplianceControlsConfig,
): Record<string, ParameterSource> {
  const out: Record<string, ParameterSource> = {};
  const put = (param: string, value: string | number | boolean | undefined, field: string) => {
    if (value !== undefined)
      out[param] = { value: String(value), field: `controls.${control}.${field}` };
  };
  switch (control) {
    case "patch": {
      put("Operation", mode === "report" ? "Scan" : "Install", "mode");
      if (mode === "enforce")
        put("RebootOption", controls.patch?.rebootOption ?? "RebootIfNeeded", "rebootOption");
      break;
    }
    case "antivirus": {
      const c = controls.antivirus ?? {};
      put("Mode", mode, "mode");
      put("Severity", c.severity ?? CONTROL_DEFAULTS.antivirus.severity, "severity");
      put("MaxDefinitionsAgeHours", c.maxDefinitionsAgeHours, "maxDefinitionsAgeHours");
      for (const [os, prefix] of [
        ["linux", "Linux"],
        ["windows", "Windows"],
      ] as const) {
        const a = c[os] ?? {};
        put(`${prefix}InstallerSource`, a.installerSource, `${os}.installerSource`);
        put(`${prefix}InstallerSha256`, a.installerSha256, `${os}.installerSha256`);
        put(`${prefix}InstallArgs`, a.installArgs, `${os}.installArgs`);
        put(`${prefix}ServiceName`, a.serviceName, `${os}.serviceName`);
        put(`${prefix}AgentPath`, a.agentPath, `${os}.agentPath`);
        put(`${prefix}DefinitionsPath`, a.definitionsPath, `${os}.definitionsPath`);
        put(`${prefix}DefinitionsGlob`, a.definitionsGlob, `${os}.definitionsGlob`);
      }
      break;
    }
    case "cis": {
      const c = controls.cis ?? {};
      put("Mode", mode, "mode");
      put("Severity", c.severity ?? CONTROL_DEFAULTS.cis.severity, "severity");
      put("Scanner", c.scanner, "scanner");
      put("CisProfile", c.profile, "profile");
      put("ScapContent", c.scapContent, "scapContent");
      put("InstallScanner", c.installScanner, "installScanner");
      put("ResultFormat", c.resultFormat, "resultFormat");
      for (const [os, prefix] of [
        ["linux", "Linux"],
        ["windows", "Windows"],
      ] as const) {
        const s = c[os] ?? {};
        put(`${prefix}ScannerCommand`, s.scannerCommand, `${os}.scannerCommand`);
        put(`${prefix}ScannerArgs`, s.scannerArgs, `${os}.scannerArgs`);
        put(`${prefix}RemediateArgs`, s.remediateArgs, `${os}.remediateArgs`);
        put(`${prefix}ResultFile`, s.resultFile, `${os}.resultFile`);
      }
      break;
    }
    case "inventory": {
      for (const [k, v] of Object.entries(controls.inventory?.parameters ?? {}))
        put(k, v, `parameters.${k}`);
      break;
    }
  }
  return out;
}

/** The YAML documents this package ships, by what they are for. */
export interface FleetDocuments {
  readonly agentInstall: { readonly content: string; readonly parameters: Record<string, unknown> };
  readonly antivirus: { readonly content: string; readonly parameters: Record<string, unknown> };
  readonly cis: { readonly content: string; readonly parameters: Record<string, unknown> };
}

/** The shipped SSM documents' folder (beside `components/` in source and package alike). */
function documentsDir(): string {
  return path.join(PACKAGE_ROOT, "documents");
}

/** Reads the shipped documents (`documents/agent-install.yaml`, `antivirus.yaml`, `cis.yaml`). */
export function loadFleetDocuments(): FleetDocuments {
  const dir = documentsDir();
  const read = (file: string) => {
    const content = fs.readFileSync(path.join(dir, file), "utf8");
    return { content, parameters: YAML.parse(content).parameters as Record<string, unknown> };
  };
  return {
    agentInstall: read("agent-install.yaml"),
    antivirus: read("antivirus.yaml"),
    cis: read("cis.yaml"),
  };
}

/**
 * Policy for the managed-instance role: write association output under the prefix only.
 * The agent also reads the bucket's encryption settings before uploading.
 */
export function outputWritePolicy(bucketArn: string, prefix: string): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "WriteAssociationOutput",
        Effect: "Allow",
        Action: "s3:PutObject",
        Resource: `${bucketArn}/${prefix}/*`,
      },
      {
        Sid: "ReadOutputBucketEncryption",
        Effect: "Allow",
        Action: "s3:GetEncryptionConfiguration",
        Resource: bucketArn,
      },
    ],
  };
}

/** Bucket policy: refuse anything not over TLS. */
export function outputBucketPolicy(bucketArn: string): object {
  return { Version: "2012-10-17", Statement: [denyInsecureTransport(bucketArn)] };
}

/**
 * Report and enforce associations for patch, anti-virus and CIS, software inventory on every
 * fleet machine, the fleet's documents, and the output bucket.
 *
 * @example
 * const controls = new ComplianceControls("fleet", {
 *   fleetName: "acme-prod",
 *   managedInstanceRoleName: role.name,
 *   controls: {
 *     antivirus: { mandatory: true, linux: { serviceName: "falcon-sensor", agentPath: "/opt/CrowdStrike/falconctl" } },
 *     cis: { schedule: "rate(7 days)" },
 *   },
 * });
 */
export class ComplianceControls extends pulumi.ComponentResource {
  /** Name of the bucket holding association output. */
  public readonly outputBucketName: pulumi.Output<string>;
  /** ARN of the bucket holding association output. */
  public readonly outputBucketArn: pulumi.Output<string>;
  /** Names of the fleet's SSM documents. */
  public readonly documentNames: {
    readonly agentInstall: pulumi.Output<string>;
    readonly antivirus: pulumi.Output<string>;
    readonly cis: pulumi.Output<string>;
  };
  /** Association IDs keyed `<control>-<mode>` (and `inventory`). */
  public readonly associationIds: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: ComplianceControlsArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before registering anything, so bad input leaves no half-built component.
    const { errors, warnings } = validateComplianceControlsArgs(args);
    if (errors.length) throw errors[0];
    super(COMPLIANCE_CONTROLS_TYPE, name, {}, opts);
    for (const w of warnings) pulumi.log.warn(w, this);

    const fleetName = args.fleetName;
    const modeTagKey = args.modeTagKey ?? "ComplianceMode";
    const fleetTagKey = args.fleetTagKey ?? "HybridFleet";
    const controls = args.controls ?? {};
    const maxConcurrency = args.maxConcurrency ?? "10%";
    const maxErrors = args.maxErrors ?? "10%";
    const syncCompliance = args.syncCompliance ?? "AUTO";
    const expirationDays = args.outputExpirationDays ?? 30;
    const outputPrefix = args.outputPrefix ?? "association-output";
    const tags = args.tags;

    const docs = loadFleetDocuments();
    const makeDocument = (key: string, what: FleetDocumentKind, content: string) => {
      const docName = fleetDocumentName(fleetName, what);
      const issues = validateCommandDocument(content, { name: docName, strict: true });
      // Only a corrupted install could get here: the shipped documents pass in the tests.
      if (issues.length) {
        throw new Error(
          `ComplianceControls ${name}: document ${docName} is invalid:\n${formatIssues(issues)}`,
        );
      }
      return new aws.ssm.Document(
        `${name}-${key}-document`,
        {
          name: docName,
          documentType: "Command",
          documentFormat: "YAML",
          targetType: "/",
          content,
          tags,
        },
        { parent: this },
      );
    };
    const agentInstallDoc = makeDocument(
      "agent-install",
      "AgentInstall",
      docs.agentInstall.content,
    );
    const antivirusDoc = makeDocument("antivirus", "Antivirus", docs.antivirus.content);
    const cisDoc = makeDocument("cis", "CIS", docs.cis.content);

    // SSE-S3 rather than KMS: the agent would otherwise need kms:GenerateDataKey on the key.
    const { bucket, publicAccess } = createPrivateBucket(
      `${name}-output`,
      { forceDestroy: false, tags },
      { parent: this },
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-output-lifecycle`,
      {
        bucket: bucket.id,
        rules: [
          {
            id: "expire-association-output",
            status: "Enabled",
            filter: { prefix: `${outputPrefix}/` },
            expiration: { days: expirationDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
          },
        ],
      },
      { parent: this },
    );
    new aws.s3.BucketPolicy(
      `${name}-output-policy`,
      {
        bucket: bucket.id,
        policy: bucket.arn.apply((arn) => JSON.stringify(outputBucketPolicy(arn))),
      },
      { parent: this, dependsOn: [publicAccess] },
    );
    new aws.iam.RolePolicy(
      `${name}-output-write`,
      {
        role: args.managedInstanceRoleName,
        policy: bucket.arn.apply((arn) => JSON.stringify(outputWritePolicy(arn, outputPrefix))),
      },
      { parent: this },
    );

    const fleetTarget = { key: `tag:${fleetTagKey}`, values: [fleetName] };
    const documentFor: Record<ControlName | "inventory", pulumi.Input<string>> = {
      patch: "AWS-RunPatchBaseline",
      antivirus: antivirusDoc.name,
      cis: cisDoc.name,
      inventory: "AWS-GatherSoftwareInventory",
    };
    const associationIds: Record<string, pulumi.Output<string>> = {};
    const associate = (
      control: ControlName | "inventory",
      mode: ComplianceMode | undefined,
      settings: ControlSettings,
      targets: { key: string; values: string[] }[],
      severity: AssociationSeverity,
    ) => {
      const key = mode ? `${control}-${mode}` : control;
      const params = mode
        ? documentParameters(control, mode, controls)
        : documentParameters(control, "report", controls);
      const parameters = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.value]));
      const association = new aws.ssm.Association(
        `${name}-${key}`,
        {
          name: documentFor[control],
          associationName: `${fleetName}-${key}`,
          targets,
          parameters: Object.keys(parameters).length ? parameters : undefined,
          scheduleExpression: settings.schedule ?? CONTROL_DEFAULTS[control].schedule,
          complianceSeverity: severity,
          maxConcurrency: settings.maxConcurrency ?? maxConcurrency,
          maxErrors: settings.maxErrors ?? maxErrors,
          syncCompliance,
          outputLocation: {
            s3BucketName: bucket.bucket,
            s3KeyPrefix: `${outputPrefix}/${key}`,
            s3Region: bucket.bucketRegion,
          },
        },
        { parent: this },
      );
      associationIds[key] = association.associationId;
    };

    for (const control of CONTROL_NAMES) {
      const settings: ControlSettings = controls[control] ?? {};
      if (settings.enabled === false) continue;
      const severity = settings.severity ?? CONTROL_DEFAULTS[control].severity;
      if (settings.mandatory) {
        associate(control, "enforce", settings, [fleetTarget], severity);
        continue;
      }
      for (const mode of ["report", "enforce"] as const) {
        associate(
          control,
          mode,
          settings,
          [{ key: `tag:${modeTagKey}`, values: [mode] }, fleetTarget],
          severity,
        );
      }
    }
    const inventory = controls.inventory ?? {};
    if (inventory.enabled !== false) {
      associate(
        "inventory",
        undefined,
        inventory,
        [fleetTarget],
        CONTROL_DEFAULTS.inventory.severity,
      );
    }

    this.outputBucketName = bucket.bucket;
    this.outputBucketArn = bucket.arn;
    this.documentNames = {
      agentInstall: agentInstallDoc.name,
      antivirus: antivirusDoc.name,
      cis: cisDoc.name,
    };
    this.associationIds = associationIds;
    this.registerOutputs({
      outputBucketName: this.outputBucketName,
      outputBucketArn: this.outputBucketArn,
      documentNames: this.documentNames,
      associationIds: this.associationIds,
    });
  }
}
