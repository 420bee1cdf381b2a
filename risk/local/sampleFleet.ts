/**
 * A generated sample fleet in the exact Resource Data Sync layout, so `npm run risk` shows a
 * report without any AWS data and the risk bench has fleets of any size:
 *
 *   <root>/<prefix>/AWS:<Type>/accountid=<acct>/region=<region>/resourcetype=ManagedInstanceInventory/<id>.json
 *
 * Layout, line format and key casing follow tests/fixtures/sync/ (see its SOURCE.txt for the
 * AWS sources): newline-delimited JSON, one line per item, each line carrying the type's
 * attributes plus `ResourceId`, `CaptureTime` and `SchemaVersion`, with the metadata keys cased
 * per machine (PascalCase, camelCase or lower case) and counts as numbers or strings per
 * machine, because the real casing is unconfirmed and the tables read all of them.
 *
 * Deterministic: machine `i` depends only on the seed and `i` (not on the fleet size), and the
 * state "as of `daysAgo`" draws the same random numbers, so older states have a superset of
 * today's findings (a fleet that is slowly being patched). The mix: environments prod and dev,
 * report and enforce (a few untagged), Linux and Windows, hybrid (`mi-`) and EC2 (`i-`) IDs, a
 * few machines of another fleet, a few not seen for weeks, a few terminated, a few without any
 * data for one control.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Acceptance, RiskControl, Severity } from "../model";
import { CONTROL_COMPLIANCE_TYPES } from "../model";
import {
  summaryAttributes,
  syncLine,
  syncTime,
  syncTypeDir,
  type SyncKeyCasing,
} from "./syncWriter";

/** What to generate. */
export interface SampleFleetOptions {
  /** Machines in the fleet (≥1). */
  readonly machines: number;
  /** Compliance items per machine (≥4: at least one per compliance type). @default 30 */
  readonly itemsPerMachine?: number;
  /** Seed of the deterministic generator. @default 1 */
  readonly seed?: number;
  /** The snapshot time the capture ages are measured from. */
  readonly now: Date;
  /** Whole days before `now` the written state is as of (history). @default 0 */
  readonly daysAgo?: number;
  /** Key prefix below `root` ("" writes the type folders into `root`). @default "" */
  readonly prefix?: string;
  /** Fleet tag value of the sample's own machines. @default {@link SAMPLE_FLEET_NAME} */
  readonly fleetName?: string;
}

/** What was written. */
export interface SampleFleetWritten {
  /** Files written (every type of every machine). */
  readonly files: number;
  /** Bytes written per type folder (`AWS:ComplianceItem` → bytes). */
  readonly bytesByType: Readonly<Record<string, number>>;
  /** Account IDs and regions used (the partition projection's enum values). */
  readonly accountIds: readonly string[];
  readonly regions: readonly string[];
}

/** Fleet tag value of the sample fleet's machines. */
export const SAMPLE_FLEET_NAME = "sample";
/** Fleet tag value of the few machines that belong to another fleet. */
export const OTHER_FLEET_NAME = "other-fleet";
/** The sample's account (a documentation-style placeholder). */
export const SAMPLE_ACCOUNT_ID = "111122223333";
/** The sample's regions. */
export const SAMPLE_REGIONS = ["ap-southeast-2", "us-east-1"] as const;
/** Compliance type of the associations' own compliance (no control of the risk config). */
export const ASSOCIATION_TYPE = "Association";

const DAY_MS = 86_400_000;

/** mulberry32: a small, fast, well-mixed 32-bit generator (deterministic across platforms). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The generator of machine `index`: a function of the seed and the index only. */
function machineRandom(seed: number, index: number): () => number {
  return mulberry32(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35));
}

function pick<T>(r: () => number, values: readonly T[]): T {
  return values[Math.floor(r() * values.length)];
}

/** Picks by cumulative share: `[["a", 0.6], ["b", 0.4]]`. */
function weighted<T>(r: () => number, shares: readonly (readonly [T, number])[]): T {
  let u = r();
  for (const [value, share] of shares) {
    if (u < share) return value;
    u -= share;
  }
  return shares[shares.length - 1][0];
}

const LINUX_PACKAGES = [
  "openssl",
  "kernel",
  "glibc",
  "openssh-server",
  "curl",
  "sudo",
  "bash",
  "systemd",
  "libxml2",
  "python3",
  "nss",
  "zlib",
  "expat",
  "krb5-libs",
  "bind-libs",
  "polkit",
  "vim-minimal",
  "tar",
  "gnutls",
  "libssh",
  "sqlite-libs",
  "less",
  "git",
  "perl",
  "ca-certificates",
  "tzdata",
  "rsync",
  "cpio",
  "dbus",
  "libtiff",
];
const WINDOWS_KBS = Array.from({ length: 30 }, (_, i) => `KB50${String(34000 + i * 37)}`);
/** CIS rule IDs and titles (CIS benchmark style numbering). */
const CIS_RULES: readonly (readonly [string, string])[] = [
  ["1.1.1.1", "Ensure mounting of cramfs filesystems is disabled"],
  ["1.1.2", "Ensure /tmp is configured"],
  ["1.3.1", "Ensure AIDE is installed"],
  ["1.4.1", "Ensure permissions on bootloader config are configured"],
  ["1.5.1", "Ensure address space layout randomization is enabled"],
  ["2.2.2", "Ensure X Window System is not installed"],
  ["3.1.1", "Ensure IP forwarding is disabled"],
  ["3.3.1", "Ensure source routed packets are not accepted"],
  ["4.1.1.1", "Ensure auditd is installed"],
  ["4.2.1.1", "Ensure rsyslog is installed"],
  ["5.1.1", "Ensure cron daemon is enabled"],
  ["5.2.1", "Ensure permissions on /etc/ssh/sshd_config are configured"],
  ["5.2.8", "Ensure SSH root login is disabled"],
  ["5.3.1", "Ensure password creation requirements are configured"],
  ["5.4.1.1", "Ensure password expiration is 365 days or less"],
  ["6.1.2", "Ensure permissions on /etc/passwd are configured"],
  ["6.2.1", "Ensure password fields are not empty"],
  ["18.9.4", "Ensure Windows Defender SmartScreen is enabled"],
  ["2.3.1.1", "Ensure Accounts: Guest account status is Disabled"],
  ["9.1.1", "Ensure Windows Firewall: Domain: Firewall state is On"],
];

/** How one machine looks, drawn once per machine. */
interface SampleMachine {
  readonly index: number;
  readonly id: string;
  readonly name: string;
  readonly region: string;
  readonly windows: boolean;
  readonly status: "Active" | "ConnectionLost" | "Terminated";
  readonly tags: Readonly<Record<string, string>>;
  /** Capture ages in days (today's state). */
  readonly inventoryAge: number;
  readonly complianceAge: number;
  /** Compliance type left out entirely (no data for that control), if any. */
  readonly missingType?: string;
  readonly casing: SyncKeyCasing;
  readonly countsAsNumbers: boolean;
  readonly items: readonly SampleItem[];
}

interface SampleItem {
  readonly type: string;
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  /** Uniform draw: NON_COMPLIANT when below the type's rate for the machine's mode and age. */
  readonly draw: number;
}

/** Share of items of a type that are NON_COMPLIANT today, by mode. */
const NON_COMPLIANT_RATE: Readonly<Record<string, { report: number; enforce: number }>> = {
  Patch: { report: 0.12, enforce: 0.03 },
  "Custom:CIS": { report: 0.25, enforce: 0.06 },
  "Custom:Antivirus": { report: 0.08, enforce: 0.02 },
  [ASSOCIATION_TYPE]: { report: 0.05, enforce: 0.05 },
};

/** Splits `m` items over the four types: 1 anti-virus, 1 association, the rest patch and CIS. */
function itemCounts(m: number): Record<string, number> {
  const rest = m - 2;
  const patch = Math.ceil(rest / 2);
  return {
    Patch: patch,
    "Custom:CIS": rest - patch,
    "Custom:Antivirus": 1,
    [ASSOCIATION_TYPE]: 1,
  };
}

function hex(r: () => number, digits: number): string {
  let s = "";
  for (let i = 0; i < digits; i++) s += Math.floor(r() * 16).toString(16);
  return s;
}

/** Draws machine `index` of the fleet. */
function sampleMachine(
  seed: number,
  index: number,
  itemsPerMachine: number,
  fleetName: string,
): SampleMachine {
  const r = machineRandom(seed, index);
  const windows = r() < 0.35;
  const ec2 = r() < 0.3;
  const id = ec2 ? `i-${hex(r, 17)}` : `mi-${hex(r, 17)}`;
  const environment = r() < 0.6 ? "prod" : "dev";
  const mode = weighted(r, [
    ["report", 0.55],
    ["enforce", 0.4],
    ["", 0.05],
  ] as const);
  const role = pick(r, windows ? ["file", "dc", "sql", "rds"] : ["web", "app", "db", "cache"]);
  const name = `${role}-${environment}-${String(index + 1).padStart(5, "0")}`;
  const fleet = r() < 0.03 ? OTHER_FLEET_NAME : fleetName;
  const status = weighted(r, [
    ["Active", 0.96],
    ["ConnectionLost", 0.03],
    ["Terminated", 0.01],
  ] as const);
  // 3 % not seen for 10–40 days; the rest captured within the last 2 days.
  const silent = status !== "Active" || r() < 0.03;
  const complianceAge = silent ? 10 + r() * 30 : 0.02 + r() * 2;
  const inventoryAge = silent ? complianceAge : 0.02 + r() * 3;
  const missingType = weighted(r, [
    [undefined, 0.92],
    ["Custom:CIS", 0.05],
    ["Custom:Antivirus", 0.03],
  ] as const);
  const casing = weighted(r, [
    ["pascal", 0.6],
    ["camel", 0.3],
    ["lower", 0.1],
  ] as const);
  const countsAsNumbers = r() < 0.5;
  const tags: Record<string, string> = { Name: name, Environment: environment, HybridFleet: fleet };
  if (mode !== "") tags.ComplianceMode = mode;

  const items: SampleItem[] = [];
  const counts = itemCounts(itemsPerMachine);
  const patchPool = windows ? WINDOWS_KBS : LINUX_PACKAGES;
  const start = Math.floor(r() * patchPool.length);
  for (let k = 0; k < counts.Patch; k++) {
    const id = patchPool[(start + k) % patchPool.length];
    const suffix = k >= patchPool.length ? `-${Math.floor(k / patchPool.length)}` : "";
    const severity = weighted(r, [
      ["CRITICAL", 0.1],
      ["HIGH", 0.3],
      ["MEDIUM", 0.4],
      ["LOW", 0.2],
    ] as const);
    items.push({
      type: "Patch",
      id: `${id}${suffix}`,
      title: windows ? `${id} Cumulative Security Update` : `${id} security update`,
      severity,
      draw: r(),
    });
  }
  const cisStart = Math.floor(r() * CIS_RULES.length);
  for (let k = 0; k < counts["Custom:CIS"]; k++) {
    const [rule, title] = CIS_RULES[(cisStart + k) % CIS_RULES.length];
    const suffix = k >= CIS_RULES.length ? `-${Math.floor(k / CIS_RULES.length)}` : "";
    const severity = weighted(r, [
      ["HIGH", 0.2],
      ["MEDIUM", 0.6],
      ["LOW", 0.2],
    ] as const);
    items.push({ type: "Custom:CIS", id: `${rule}${suffix}`, title, severity, draw: r() });
  }
  items.push({
    type: "Custom:Antivirus",
    id: windows ? "Defender" : "ClamAV",
    title: windows
      ? "Microsoft Defender running, signatures current"
      : "ClamAV running, signatures current",
    severity: "HIGH",
    draw: r(),
  });
  items.push({
    type: ASSOCIATION_TYPE,
    id: `assoc-${hex(r, 8)}`,
    title: "AWS-GatherSoftwareInventory",
    severity: "UNSPECIFIED",
    draw: r(),
  });
  return {
    index,
    id,
    name,
    region: SAMPLE_REGIONS[index % SAMPLE_REGIONS.length],
    windows,
    status,
    tags,
    inventoryAge,
    complianceAge,
    missingType,
    casing,
    countsAsNumbers,
    items: items.filter((i) => i.type !== missingType),
  };
}

/** `ms` as the sync writes times: ISO 8601 UTC, whole seconds. */
const isoSeconds = syncTime;

/** One line: attributes PascalCase (lower case on `lower` machines), then the metadata. */
function line(
  m: SampleMachine,
  attributes: Record<string, string | number>,
  captureTime: string,
): string {
  return syncLine(m.id, attributes, captureTime, m.casing);
}

/**
 * The files of one machine as of `daysAgo` (type name → body). Older states have more
 * findings: an item is NON_COMPLIANT when its draw is below rate × (1 + daysAgo / 4).
 */
function machineFiles(m: SampleMachine, now: Date, daysAgo: number): Map<string, string> {
  const base = now.getTime() - daysAgo * DAY_MS;
  const inventoryTime = isoSeconds(base - m.inventoryAge * DAY_MS);
  const complianceTime = isoSeconds(base - m.complianceAge * DAY_MS);
  const mode = m.tags.ComplianceMode === "enforce" ? "enforce" : "report";
  const drift = 1 + daysAgo / 4;
  const count = (n: number): string | number => (m.countsAsNumbers ? n : String(n));
  const files = new Map<string, string>();
  files.set(
    "AWS:InstanceInformation",
    line(
      m,
      {
        AgentType: "amazon-ssm-agent",
        AgentVersion: m.windows ? "3.3.1142.0" : "3.3.987.0",
        ComputerName: m.name,
        InstanceId: m.id,
        IpAddress: `10.${m.index >> 16}.${(m.index >> 8) & 255}.${m.index & 255}`,
        PlatformName: m.windows ? "Microsoft Windows Server 2022 Datacenter" : "Amazon Linux",
        PlatformType: m.windows ? "Windows" : "Linux",
        PlatformVersion: m.windows ? "10.0.20348" : "2023",
        ResourceType: m.id.startsWith("mi-") ? "ManagedInstance" : "EC2Instance",
        AgentStatus: m.status === "Active" ? "Active" : "Inactive",
        InstanceStatus: m.status,
      },
      inventoryTime,
    ) + "\n",
  );
  files.set(
    "AWS:Tag",
    Object.keys(m.tags)
      .sort()
      .map((Key) => line(m, { Key, Value: m.tags[Key] }, inventoryTime) + "\n")
      .join(""),
  );
  const itemLines: string[] = [];
  const summaryLines: string[] = [];
  for (const type of ["Patch", "Custom:CIS", "Custom:Antivirus", ASSOCIATION_TYPE]) {
    const items = m.items.filter((i) => i.type === type);
    if (items.length === 0) continue;
    const executionId = `exec-${m.id}-${type.replace(":", "-")}`;
    const isPatch = type === "Patch";
    const rate = NON_COMPLIANT_RATE[type][mode] * drift;
    const status = items.map((i) => (i.draw < rate ? "NON_COMPLIANT" : "COMPLIANT"));
    items.forEach((item, k) => {
      const attrs: Record<string, string | number> = {
        ComplianceType: type,
        ExecutionId: executionId,
        ExecutionType: "Command",
        ExecutionTime: complianceTime,
        Id: item.id,
        Title: item.title,
        Status: status[k],
        Severity: item.severity,
        DocumentName: isPatch ? "AWS-RunPatchBaseline" : "",
        DocumentVersion: isPatch ? "1" : "",
      };
      if (isPatch) {
        attrs.Classification = "Security";
        attrs.PatchSeverity = item.severity === "CRITICAL" ? "Critical" : "Important";
        attrs.PatchState = status[k] === "COMPLIANT" ? "Installed" : "Missing";
        attrs.PatchBaselineId = "pb-0123456789abcdef0";
        attrs.PatchGroup = "";
        attrs.InstalledTime = status[k] === "COMPLIANT" ? complianceTime : "";
      }
      itemLines.push(line(m, attrs, complianceTime) + "\n");
    });
    summaryLines.push(
      line(
        m,
        summaryAttributes(
          {
            type,
            executionId,
            executionTime: complianceTime,
            patchBaselineId: isPatch ? "pb-0123456789abcdef0" : "",
          },
          items.map((i, k) => ({ severity: i.severity, status: status[k] })),
          count,
        ),
        complianceTime,
      ) + "\n",
    );
  }
  files.set("AWS:ComplianceItem", itemLines.join(""));
  files.set("AWS:ComplianceSummary", summaryLines.join(""));
  return files;
}

/**
 * Writes the sample fleet's sync folder under `root` (which plays `s3://bucket/`) as of
 * `daysAgo`, replacing files of the same keys. Returns what was written.
 */
export function writeSampleFleet(root: string, options: SampleFleetOptions): SampleFleetWritten {
  const items = options.itemsPerMachine ?? 30;
  if (!Number.isInteger(options.machines) || options.machines < 1) {
    throw new Error(`machines must be a whole number ≥ 1, got ${options.machines}`);
  }
  if (!Number.isInteger(items) || items < 4) {
    throw new Error(`itemsPerMachine must be a whole number ≥ 4, got ${items}`);
  }
  const seed = options.seed ?? 1;
  const daysAgo = options.daysAgo ?? 0;
  const fleetName = options.fleetName ?? SAMPLE_FLEET_NAME;
  const bytesByType: Record<string, number> = {};
  const made = new Set<string>();
  let files = 0;
  for (let i = 0; i < options.machines; i++) {
    const m = sampleMachine(seed, i, items, fleetName);
    for (const [type, body] of machineFiles(m, options.now, daysAgo)) {
      if (body === "") continue;
      const dir = syncTypeDir(root, options.prefix ?? "", type, SAMPLE_ACCOUNT_ID, m.region);
      if (!made.has(dir)) {
        fs.mkdirSync(dir, { recursive: true });
        made.add(dir);
      }
      fs.writeFileSync(path.join(dir, `${m.id}.json`), body);
      bytesByType[type] = (bytesByType[type] ?? 0) + Buffer.byteLength(body);
      files++;
    }
  }
  return {
    files,
    bytesByType,
    accountIds: [SAMPLE_ACCOUNT_ID],
    regions: [...SAMPLE_REGIONS].slice(0, Math.min(options.machines, SAMPLE_REGIONS.length)),
  };
}

/** Controls and acceptances that go with the sample fleet (what a stack config would hold). */
export interface SampleRiskConfig {
  readonly controls: readonly RiskControl[];
  readonly acceptances: readonly Acceptance[];
}

/**
 * The sample's risk config as of `now`: patch HIGH, anti-virus HIGH and mandated, CIS MEDIUM;
 * one active acceptance (openssl patches on dev machines), one expiring within 30 days (a CIS
 * rule everywhere) and one that expired 10 days ago (SSH root login in prod).
 */
export function sampleRiskConfig(now: Date): SampleRiskConfig {
  const at = (days: number) => isoSeconds(now.getTime() + days * DAY_MS);
  return {
    controls: [
      {
        name: "patch",
        complianceType: CONTROL_COMPLIANCE_TYPES.patch,
        severity: "HIGH",
        mandatory: false,
      },
      {
        name: "antivirus",
        complianceType: CONTROL_COMPLIANCE_TYPES.antivirus,
        severity: "HIGH",
        mandatory: true,
      },
      {
        name: "cis",
        complianceType: CONTROL_COMPLIANCE_TYPES.cis,
        severity: "MEDIUM",
        mandatory: false,
      },
    ],
    acceptances: [
      {
        id: "dev-openssl",
        control: "patch",
        findingPattern: "openssl",
        tags: { Environment: "dev" },
        reason: "Dev images are rebuilt monthly with current OpenSSL",
        approver: "CHG-1042 (platform lead)",
        expiresAt: at(200),
      },
      {
        id: "cis-tmp-partition",
        control: "cis",
        findingPattern: "1\\.1\\.2",
        reason: "A separate /tmp partition needs a rebuild; scheduled with the OS upgrade",
        approver: "CHG-1077 (security officer)",
        expiresAt: at(20),
      },
      {
        id: "ssh-root-legacy",
        control: "cis",
        findingPattern: "5\\.2\\.8",
        tags: { Environment: "prod" },
        reason: "Legacy backup agent logs in as root over SSH until its replacement",
        approver: "CHG-0991 (application owner)",
        expiresAt: at(-10),
      },
    ],
  };
}
