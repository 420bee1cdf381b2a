/**
 * Generates the fleet's SSM Command documents (`documents/*.yaml`, schema 2.2) from their
 * parameter definitions and the scripts under `documents/scripts/`.
 *
 * SSM runs only what is inside a document, so each step embeds its scripts verbatim; keeping
 * the scripts as files lets the tests run the Linux logic in a sandbox and shellcheck it, and
 * `tests/documents/build.test.ts` fails when a YAML file is not what this generator produces.
 * Run `npx ts-node documents/build.ts` after editing a script.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

/** A Command-document parameter: always a `String`, always constrained. */
export interface ParameterSpec {
  readonly description: string;
  readonly default?: string;
  readonly allowedValues?: readonly string[];
  readonly allowedPattern?: string;
}

/** One platform's step: shell variables taken from parameters, scripts, and the entry call. */
export interface StepSpec {
  /** Variable name in the script -> document parameter it is assigned from (single-quoted). */
  readonly vars: Readonly<Record<string, string>>;
  readonly scripts: readonly string[];
  readonly main: string;
  readonly timeoutSeconds: string;
}

/** What a generated document is made of. */
export interface DocumentSpec {
  /** File name under `documents/`, without `.yaml`. */
  readonly file: string;
  readonly description: string;
  readonly parameters: Readonly<Record<string, ParameterSpec>>;
  readonly linux: StepSpec;
  readonly windows: StepSpec;
}

/** Folder holding the generated YAML files and `scripts/`. */
export const DOCUMENTS_DIR = __dirname;

const SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNSPECIFIED"];

/**
 * Allowed patterns. None admits a quote (ASCII or typographic), `$`, backtick, `;`, `|`, `<`,
 * `>`, braces or a line break, so a value cannot leave the single-quoted string it is
 * assigned to in sh or PowerShell, nor form a `{{ }}` reference.
 */
export const PATTERNS = {
  linuxPath: "^(/[A-Za-z0-9_./-]{1,250})?$",
  windowsPath: "^([A-Za-z]:\\\\[A-Za-z0-9 _.\\\\()-]{1,250})?$",
  source: "^((https|s3)://[A-Za-z0-9._~:/?#@!%+=,&-]{1,1000})?$",
  sha256: "^([A-Fa-f0-9]{64})?$",
  linuxArgs: "^[A-Za-z0-9 _./:=,@+-]{0,512}$",
  windowsArgs: "^[A-Za-z0-9 _./:=,@+\\\\-]{0,512}$",
  service: "^([A-Za-z0-9_.@-]{1,128})?$",
  hours: "^[1-9][0-9]{0,3}$",
  profile: "^(auto|[A-Za-z0-9_.-]{1,200})$",
  content: "^(auto|/[A-Za-z0-9_./-]{1,250})$",
  /** Space-separated file-name globs (`*`, `?`, `[...]`), matched by name, never expanded by a shell. */
  glob: "^[A-Za-z0-9_.*?\\[\\]-]{1,100}( [A-Za-z0-9_.*?\\[\\]-]{1,100}){0,9}$",
} as const;

const mode: ParameterSpec = {
  description: "report: measure and report only. enforce: also install, start or remediate.",
  default: "report",
  allowedValues: ["report", "enforce"],
};

const severity: ParameterSpec = {
  description: "Compliance severity of this control's own items.",
  default: "HIGH",
  allowedValues: SEVERITIES,
};

function installerParams(os: "Linux" | "Windows"): Record<string, ParameterSpec> {
  const win = os === "Windows";
  return {
    [`${os}InstallerSource`]: {
      description: `${os} installer: https:// URL or s3://bucket/key (${win ? ".msi or .exe" : ".rpm, .deb or a shell installer"}). Empty: none.`,
      default: "",
      allowedPattern: PATTERNS.source,
    },
    [`${os}InstallerSha256`]: {
      description: `SHA-256 (hex) the ${os} installer must have before anything runs.`,
      default: "",
      allowedPattern: PATTERNS.sha256,
    },
    [`${os}InstallArgs`]: {
      description: `Space-separated arguments for the ${os} installer (no quotes).`,
      default: "",
      allowedPattern: win ? PATTERNS.windowsArgs : PATTERNS.linuxArgs,
    },
    [`${os}ServiceName`]: {
      description: `Service the ${os} agent runs as.`,
      default: "",
      allowedPattern: PATTERNS.service,
    },
    [`${os}AgentPath`]: {
      description: `File whose presence means the ${os} agent is installed (default: the service exists).`,
      default: "",
      allowedPattern: win ? PATTERNS.windowsPath : PATTERNS.linuxPath,
    },
  };
}

const LINUX_INSTALLER_VARS = (prefix: string): Record<string, string> => ({
  [`${prefix}_INSTALLER_SOURCE`]: "LinuxInstallerSource",
  [`${prefix}_INSTALLER_SHA256`]: "LinuxInstallerSha256",
  [`${prefix}_INSTALL_ARGS`]: "LinuxInstallArgs",
});

/** The three documents this package ships. */
export const DOCUMENT_SPECS: readonly DocumentSpec[] = [
  {
    file: "agent-install",
    description:
      "ssm-hybrid-fleet: install a third-party agent from an https:// or s3:// installer whose SHA-256 must match before anything runs; idempotent; starts its service.",
    parameters: { ...installerParams("Linux"), ...installerParams("Windows") },
    linux: {
      vars: {
        ...LINUX_INSTALLER_VARS("AGENT"),
        AGENT_SERVICE: "LinuxServiceName",
        AGENT_PATH: "LinuxAgentPath",
      },
      scripts: ["common.sh", "agent.sh", "agent-install.sh"],
      main: "agent_install_main",
      timeoutSeconds: "1800",
    },
    windows: {
      vars: {
        AgentInstallerSource: "WindowsInstallerSource",
        AgentInstallerSha256: "WindowsInstallerSha256",
        AgentInstallArgs: "WindowsInstallArgs",
        AgentService: "WindowsServiceName",
        AgentPath: "WindowsAgentPath",
      },
      scripts: ["common.ps1", "agent.ps1", "agent-install.ps1"],
      main: "Invoke-HfAgentInstall",
      timeoutSeconds: "1800",
    },
  },
  {
    file: "antivirus",
    description:
      "ssm-hybrid-fleet anti-virus control: reports Custom:Antivirus (agent installed, service running, definitions fresh); enforce mode installs and starts the agent.",
    parameters: {
      Mode: mode,
      Severity: severity,
      MaxDefinitionsAgeHours: {
        description: "Definitions older than this many hours are non-compliant.",
        default: "48",
        allowedPattern: PATTERNS.hours,
      },
      LinuxDefinitionsPath: {
        description:
          "Linux definitions file, or folder whose newest signature file (LinuxDefinitionsGlob) is checked; symlinks are followed. Empty: no check.",
        default: "",
        allowedPattern: PATTERNS.linuxPath,
      },
      WindowsDefinitionsPath: {
        description:
          "Windows definitions file, or folder whose newest signature file (WindowsDefinitionsGlob) is checked. Empty: no check.",
        default: "",
        allowedPattern: PATTERNS.windowsPath,
      },
      LinuxDefinitionsGlob: {
        description:
          "Space-separated name globs of the signature files counted in a Linux definitions folder (ClamAV's by default; freshclam.dat and temporary files are rewritten by failed updates).",
        default: "daily.c[lv]d main.c[lv]d",
        allowedPattern: PATTERNS.glob,
      },
      WindowsDefinitionsGlob: {
        description:
          "Space-separated name globs of the signature files counted in a Windows definitions folder (Microsoft Defender's .vdm files by default).",
        default: "*.vdm",
        allowedPattern: PATTERNS.glob,
      },
      ...installerParams("Linux"),
      ...installerParams("Windows"),
    },
    linux: {
      vars: {
        MODE: "Mode",
        SEVERITY: "Severity",
        AV_SERVICE: "LinuxServiceName",
        AV_AGENT_PATH: "LinuxAgentPath",
        AV_DEFINITIONS_PATH: "LinuxDefinitionsPath",
        AV_DEFINITIONS_GLOB: "LinuxDefinitionsGlob",
        AV_MAX_AGE_HOURS: "MaxDefinitionsAgeHours",
        ...LINUX_INSTALLER_VARS("AV"),
      },
      scripts: ["common.sh", "agent.sh", "antivirus.sh"],
      main: "av_main",
      timeoutSeconds: "1800",
    },
    windows: {
      vars: {
        Mode: "Mode",
        Severity: "Severity",
        AvService: "WindowsServiceName",
        AvAgentPath: "WindowsAgentPath",
        AvDefinitionsPath: "WindowsDefinitionsPath",
        AvDefinitionsGlob: "WindowsDefinitionsGlob",
        AvMaxAgeHours: "MaxDefinitionsAgeHours",
        AvInstallerSource: "WindowsInstallerSource",
        AvInstallerSha256: "WindowsInstallerSha256",
        AvInstallArgs: "WindowsInstallArgs",
      },
      scripts: ["common.ps1", "agent.ps1", "antivirus.ps1"],
      main: "Invoke-HfAntivirus",
      timeoutSeconds: "1800",
    },
  },
  {
    file: "cis",
    description:
      "ssm-hybrid-fleet CIS control: reports Custom:CIS per rule (OpenSCAP with the SCAP Security Guide CIS profile on Linux, or a vendor scanner); enforce mode remediates.",
    parameters: {
      Mode: mode,
      Severity: { ...severity, default: "MEDIUM" },
      Scanner: {
        description:
          "Linux scanner: openscap (SCAP Security Guide content) or command (a vendor scanner).",
        default: "openscap",
        allowedValues: ["openscap", "command"],
      },
      CisProfile: {
        description: "XCCDF profile id; auto picks the distribution's CIS level 1 server profile.",
        default: "auto",
        allowedPattern: PATTERNS.profile,
      },
      ScapContent: {
        description:
          "SCAP data stream file; auto picks the SCAP Security Guide file for the distribution.",
        default: "auto",
        allowedPattern: PATTERNS.content,
      },
      InstallScanner: {
        description:
          "Install OpenSCAP and SCAP Security Guide from the OS repositories when missing.",
        default: "true",
        allowedValues: ["true", "false"],
      },
      ResultFormat: {
        description:
          "Vendor scanner result format: xccdf (XCCDF results) or tsv (rule, result, severity, title per line).",
        default: "xccdf",
        allowedValues: ["xccdf", "tsv"],
      },
      LinuxScannerCommand: {
        description: "Vendor scanner executable (Scanner=command).",
        default: "",
        allowedPattern: PATTERNS.linuxPath,
      },
      LinuxScannerArgs: {
        description: "Scanner arguments in report mode.",
        default: "",
        allowedPattern: PATTERNS.linuxArgs,
      },
      LinuxRemediateArgs: {
        description: "Scanner arguments in enforce mode (empty: the report arguments).",
        default: "",
        allowedPattern: PATTERNS.linuxArgs,
      },
      LinuxResultFile: {
        description: "Result file the vendor scanner writes.",
        default: "",
        allowedPattern: PATTERNS.linuxPath,
      },
      WindowsScannerCommand: {
        description: "Vendor scanner executable on Windows.",
        default: "",
        allowedPattern: PATTERNS.windowsPath,
      },
      WindowsScannerArgs: {
        description: "Scanner arguments in report mode.",
        default: "",
        allowedPattern: PATTERNS.windowsArgs,
      },
      WindowsRemediateArgs: {
        description: "Scanner arguments in enforce mode (empty: the report arguments).",
        default: "",
        allowedPattern: PATTERNS.windowsArgs,
      },
      WindowsResultFile: {
        description: "Result file the vendor scanner writes.",
        default: "",
        allowedPattern: PATTERNS.windowsPath,
      },
    },
    linux: {
      vars: {
        MODE: "Mode",
        SEVERITY: "Severity",
        CIS_SCANNER: "Scanner",
        CIS_PROFILE: "CisProfile",
        CIS_CONTENT: "ScapContent",
        CIS_INSTALL_SCANNER: "InstallScanner",
        CIS_RESULT_FORMAT: "ResultFormat",
        CIS_SCANNER_COMMAND: "LinuxScannerCommand",
        CIS_SCANNER_ARGS: "LinuxScannerArgs",
        CIS_REMEDIATE_ARGS: "LinuxRemediateArgs",
        CIS_RESULT_FILE: "LinuxResultFile",
      },
      scripts: ["common.sh", "cis.sh"],
      main: "cis_main",
      timeoutSeconds: "7200",
    },
    windows: {
      vars: {
        Mode: "Mode",
        Severity: "Severity",
        CisResultFormat: "ResultFormat",
        CisScannerCommand: "WindowsScannerCommand",
        CisScannerArgs: "WindowsScannerArgs",
        CisRemediateArgs: "WindowsRemediateArgs",
        CisResultFile: "WindowsResultFile",
      },
      scripts: ["common.ps1", "cis.ps1"],
      main: "Invoke-HfCis",
      timeoutSeconds: "7200",
    },
  },
];

const GENERATED_NOTE =
  "generated by documents/build.ts from documents/scripts: edit those, not this";

function readScript(name: string): string {
  return fs.readFileSync(path.join(DOCUMENTS_DIR, "scripts", name), "utf8").replace(/\s+$/, "");
}

/**
 * The step's script: parameter assignments (each value single-quoted, which the allowed
 * patterns make safe), the embedded script files, then the entry call.
 */
export function renderStep(step: StepSpec, platform: "Linux" | "Windows"): string {
  const assign = Object.entries(step.vars).map(([name, param]) =>
    platform === "Linux" ? `${name}='{{ ${param} }}'` : `$${name} = '{{ ${param} }}'`,
  );
  const body = [`# ${GENERATED_NOTE}`, ...assign, ...step.scripts.map(readScript), step.main];
  return body.join("\n") + "\n";
}

/** Renders one document as YAML (the format `aws.ssm.Document` is given). */
export function renderDocument(spec: DocumentSpec): string {
  const content = {
    schemaVersion: "2.2",
    description: spec.description,
    parameters: Object.fromEntries(
      Object.entries(spec.parameters).map(([name, p]) => [name, { type: "String", ...p }]),
    ),
    mainSteps: [
      {
        action: "aws:runShellScript",
        name: "Linux",
        precondition: { StringEquals: ["platformType", "Linux"] },
        inputs: {
          timeoutSeconds: spec.linux.timeoutSeconds,
          runCommand: [renderStep(spec.linux, "Linux")],
        },
      },
      {
        action: "aws:runPowerShellScript",
        name: "Windows",
        precondition: { StringEquals: ["platformType", "Windows"] },
        inputs: {
          timeoutSeconds: spec.windows.timeoutSeconds,
          runCommand: [renderStep(spec.windows, "Windows")],
        },
      },
    ],
  };
  return `# ${GENERATED_NOTE}\n` + YAML.stringify(content, { lineWidth: 0, blockQuote: "literal" });
}

/** Every document: file name (with `.yaml`) -> content. */
export function buildDocuments(): Record<string, string> {
  return Object.fromEntries(DOCUMENT_SPECS.map((s) => [`${s.file}.yaml`, renderDocument(s)]));
}

if (require.main === module) {
  for (const [file, content] of Object.entries(buildDocuments())) {
    fs.writeFileSync(path.join(DOCUMENTS_DIR, file), content);
    console.log(`wrote documents/${file} (${Buffer.byteLength(content)} bytes)`);
  }
}
