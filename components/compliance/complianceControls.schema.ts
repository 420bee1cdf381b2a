/**
 * The schema of {@link ComplianceControlsArgs}: shape, types and enums, strict at every depth.
 * `validateComplianceControlsArgs` runs it first; the stack config's `controls` key is
 * {@link ComplianceControlsConfigSchema} itself, so `controls.cis.severity` fails with the same
 * words as a component argument and as a stack config value. Schedules, patterns and the
 * documents' parameter constraints are checked afterwards by the validator.
 */
import { z } from "zod";
import { intRange, pulumiInput, strictObject, wholeNumber } from "../shared/argsSchema";
import { INVENTORY_PARAMETERS } from "./ssmDocumentValidator";

/** Controls that have a report and an enforce association. */
export const CONTROL_NAMES = ["patch", "antivirus", "cis"] as const;
/** Severities an association accepts (`complianceSeverity`; no INFORMATIONAL there). */
export const ASSOCIATION_SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNSPECIFIED"] as const;

const settings = {
  enabled: z.boolean().optional().describe("Create this control's associations. Default true."),
  schedule: z
    .string()
    .optional()
    .describe("rate(...) or cron(...) schedule, 30 minutes to 31 days. Default per control."),
  severity: z
    .enum(ASSOCIATION_SEVERITIES)
    .optional()
    .describe("Compliance severity of the association. Default per control."),
  mandatory: z
    .boolean()
    .optional()
    .describe("Enforce on every fleet machine whatever its mode tag. Default false."),
  maxConcurrency: z
    .string()
    .optional()
    .describe("Overrides associationMaxConcurrency for this control."),
  maxErrors: z.string().optional().describe("Overrides associationMaxErrors for this control."),
};

/** A vendor agent on one OS (anti-virus `linux` / `windows`). */
export const AgentPlatformSchema = strictObject({
  installerSource: z
    .string()
    .optional()
    .describe("https:// URL or s3://bucket/key of the installer. None: enforce cannot install."),
  installerSha256: z
    .string()
    .optional()
    .describe("SHA-256 (hex) the installer must have before it runs."),
  installArgs: z.string().optional().describe("Space-separated installer arguments (no quotes)."),
  serviceName: z.string().optional().describe("Service the agent runs as."),
  agentPath: z
    .string()
    .optional()
    .describe("File whose presence means installed. Default: the service exists."),
  definitionsPath: z
    .string()
    .optional()
    .describe("Definitions file, or folder whose newest signature file's age is checked."),
  definitionsGlob: z
    .string()
    .optional()
    .describe(
      "Space-separated name globs of the signature files counted in a definitions folder. Default: Linux daily.c[lv]d main.c[lv]d (ClamAV), Windows *.vdm (Microsoft Defender).",
    ),
});

/** A vendor CIS scanner on one OS (CIS `linux` / `windows`). */
export const ScannerPlatformSchema = strictObject({
  scannerCommand: z.string().optional().describe("Scanner executable."),
  scannerArgs: z.string().optional().describe("Arguments in report mode."),
  remediateArgs: z
    .string()
    .optional()
    .describe("Arguments in enforce mode. Default: the report arguments."),
  resultFile: z.string().optional().describe("Result file the scanner writes."),
});

/** Per-control settings: what the stack config's `controls` key holds. */
export const ComplianceControlsConfigSchema = strictObject({
  patch: strictObject({
    ...settings,
    rebootOption: z
      .enum(["RebootIfNeeded", "NoReboot"])
      .optional()
      .describe("Reboot after installing (enforce). Default RebootIfNeeded."),
  })
    .optional()
    .describe("AWS-RunPatchBaseline: Scan (report) or Install (enforce)."),
  antivirus: strictObject({
    ...settings,
    maxDefinitionsAgeHours: intRange(1, 9999)
      .optional()
      .describe("Definitions older than this are non-compliant (1-9999). Default 48."),
    linux: AgentPlatformSchema.optional().describe("Linux agent."),
    windows: AgentPlatformSchema.optional().describe("Windows agent."),
  })
    .optional()
    .describe("The fleet's anti-virus document: agent installed, running, definitions fresh."),
  cis: strictObject({
    ...settings,
    scanner: z
      .enum(["openscap", "command"])
      .optional()
      .describe("Linux scanner. Default openscap."),
    profile: z
      .string()
      .optional()
      .describe("XCCDF profile id. Default auto (the distribution's CIS level 1 server profile)."),
    scapContent: z
      .string()
      .optional()
      .describe("SCAP data stream path. Default auto (SCAP Security Guide's file)."),
    installScanner: z
      .boolean()
      .optional()
      .describe("Install OpenSCAP and SCAP Security Guide when missing. Default true."),
    resultFormat: z
      .enum(["xccdf", "tsv"])
      .optional()
      .describe("Vendor result format. Default xccdf."),
    linux: ScannerPlatformSchema.optional().describe("Vendor scanner on Linux (scanner command)."),
    windows: ScannerPlatformSchema.optional().describe("Vendor scanner on Windows."),
  })
    .optional()
    .describe("The fleet's CIS document: OpenSCAP or a vendor scanner."),
  inventory: strictObject({
    enabled: settings.enabled,
    schedule: settings.schedule,
    maxConcurrency: settings.maxConcurrency,
    maxErrors: settings.maxErrors,
    parameters: strictObject(
      Object.fromEntries(
        INVENTORY_PARAMETERS.map((p) => [
          p,
          z.string().optional().describe(`The document's ${p} parameter, e.g. Enabled.`),
        ]),
      ),
    )
      .optional()
      .describe("Parameters of AWS-GatherSoftwareInventory, e.g. files."),
  })
    .optional()
    .describe("AWS-GatherSoftwareInventory on every fleet machine."),
});

/** Schema of every {@link ComplianceControlsArgs} property. */
export const ComplianceControlsArgsSchema = strictObject({
  fleetName: z.string(),
  managedInstanceRoleName: pulumiInput(z.string()),
  modeTagKey: z.string().optional(),
  fleetTagKey: z.string().optional(),
  controls: ComplianceControlsConfigSchema.optional(),
  maxConcurrency: z.string().optional(),
  maxErrors: z.string().optional(),
  syncCompliance: z.enum(["AUTO", "MANUAL"]).optional(),
  outputExpirationDays: wholeNumber().optional(),
  outputPrefix: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
});
