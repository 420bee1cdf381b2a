/**
 * The simulated fleet: which machines boot, how each proves who it is, and the OS state each
 * starts with. Pure and deterministic (machine `i` depends on `i` only), so the end-to-end test
 * can work out every number by hand.
 *
 * - Machine 0 is an EC2 instance: it proves itself with the real signed identity document in
 *   tests/fixtures/bootstrap (instance i-0c5541936caf78c12) and registers under its instance ID.
 * - Machine 1 is `erp-01` (prod), whose missing OpenSSL patch the demo stack accepts.
 * - The others are on-premises `web-NN`, `app-NN`, `db-NN`, with a bootstrap token for their
 *   environment: even machines dev, odd machines prod.
 * - Patches: of {@link PATCHES}, machine `i` misses the first `i % 3`.
 * - Anti-virus: machine 2 has none; the others run ClamAV with fresh definitions.
 * - CIS: machine `i` fails rule `CIS_RULES[i % 4]`, except when `i % 4 == 1`.
 */

/** The instance ID in the fixture's identity document. */
export const EC2_INSTANCE_ID = "i-0c5541936caf78c12";

/** A package patch (Linux): ID, severity. */
export interface PatchSpec {
  readonly id: string;
  readonly title: string;
  readonly severity: "CRITICAL" | "HIGH" | "MEDIUM" | "LOW";
}

/** Every machine's patch list (the baseline's approved patches). */
export const PATCHES: readonly PatchSpec[] = [
  { id: "openssl", title: "openssl security update (CVE-2026-0001)", severity: "CRITICAL" },
  { id: "curl", title: "curl security update", severity: "HIGH" },
  { id: "sudo", title: "sudo security update", severity: "HIGH" },
  { id: "systemd", title: "systemd bug-fix update", severity: "MEDIUM" },
];

/** A CIS rule (SCAP Security Guide rule ID without its prefix, XCCDF severity, title). */
export interface CisRuleSpec {
  readonly id: string;
  readonly severity: "high" | "medium" | "low";
  readonly title: string;
}

/** The CIS level 1 rules every machine is scanned for. */
export const CIS_RULES: readonly CisRuleSpec[] = [
  { id: "sshd_disable_root_login", severity: "high", title: "Disable SSH Root Login" },
  { id: "package_aide_installed", severity: "medium", title: "Install AIDE" },
  {
    id: "sysctl_net_ipv4_ip_forward",
    severity: "medium",
    title: "Disable Kernel Parameter for IP Forwarding",
  },
  { id: "service_auditd_enabled", severity: "low", title: "Enable auditd Service" },
];

/** One simulated machine. */
export interface PlannedMachine {
  readonly index: number;
  /** The name it registers with (the instance ID on EC2). */
  readonly name: string;
  readonly kind: "ec2" | "on-premises";
  /** Environment its bootstrap token grants (EC2: the activation API's own). */
  readonly environment: string;
  /** Patches missing at boot (IDs from {@link PATCHES}). */
  readonly missingPatches: readonly string[];
  /** Whether ClamAV is installed and running at boot. */
  readonly antivirus: boolean;
  /** CIS rules failing at boot (IDs from {@link CIS_RULES}). */
  readonly failingCisRules: readonly string[];
}

const ROLES = ["web", "app", "db"] as const;

/** Machine `index` of the fleet; `apiEnvironment` is the activation API's environment. */
export function plannedMachine(index: number, apiEnvironment: string): PlannedMachine {
  const environment = index === 0 ? apiEnvironment : index % 2 === 0 ? "dev" : "prod";
  const name =
    index === 0
      ? EC2_INSTANCE_ID
      : index === 1
        ? "erp-01"
        : `${ROLES[index % ROLES.length]}-${String(index).padStart(2, "0")}`;
  return {
    index,
    name,
    kind: index === 0 ? "ec2" : "on-premises",
    environment,
    missingPatches: PATCHES.slice(0, index % 3).map((p) => p.id),
    antivirus: index !== 2,
    failingCisRules: index % 4 === 1 ? [] : [CIS_RULES[index % 4].id],
  };
}

/** The whole fleet of `count` machines. */
export function fleetPlan(count: number, apiEnvironment: string): PlannedMachine[] {
  return Array.from({ length: count }, (_, i) => plannedMachine(i, apiEnvironment));
}
