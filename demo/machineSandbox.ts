/**
 * One simulated machine's own state folder: what register.sh and the documents' steps see as
 * the machine. Paths the real machine has at fixed places (/var/lib/amazon/ssm/registration,
 * /var/lib/clamav, /etc/os-release, systemd's units) live under the folder instead, passed to
 * the scripts through the overrides they already have for tests (HF_REGISTRATION_FILE,
 * HF_OS_RELEASE, HF_SCAP_CONTENT_DIR, HF_SYSTEMD_RUN_DIR, …). Tools that would change or judge
 * this host (systemctl, oscap, aws) are the fakes in local/bin/.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CIS_RULES, PATCHES, type PlannedMachine } from "./fleetPlan";

const LOCAL_BIN = path.join(__dirname, "..", "local", "bin");

/** Where a machine's state lives. */
export interface MachineSandbox {
  readonly machine: PlannedMachine;
  readonly root: string;
  /** Fake tools first on the machine's PATH. */
  readonly bin: string;
  readonly registrationFile: string;
  readonly agentLog: string;
  readonly serviceLog: string;
  /** Fake systemd's unit states. */
  readonly systemd: string;
  /** The CIS rules' state (read and fixed by local/bin/fake-oscap). */
  readonly cisState: string;
  /** Missing patches, one ID per line (read and fixed by the simulated patch baseline). */
  readonly patchState: string;
}

/** Creates the machine's folder under `parent` with its boot-time OS state. */
export function createMachineSandbox(parent: string, machine: PlannedMachine): MachineSandbox {
  const root = path.join(parent, machine.name);
  const bin = path.join(root, "bin");
  const systemd = path.join(root, "systemd");
  for (const d of [
    bin,
    systemd,
    path.join(root, "run", "systemd", "system"),
    path.join(root, "etc"),
    path.join(root, "scap"),
    path.join(root, "state"),
  ]) {
    fs.mkdirSync(d, { recursive: true });
  }
  for (const [tool, fake] of [
    ["systemctl", "fake-systemctl"],
    ["oscap", "fake-oscap"],
    ["aws", "fake-aws"],
  ]) {
    fs.symlinkSync(path.join(LOCAL_BIN, fake), path.join(bin, tool));
  }
  fs.writeFileSync(
    path.join(root, "etc", "os-release"),
    'ID=ubuntu\nVERSION_ID="22.04"\nPRETTY_NAME="Ubuntu 22.04.5 LTS"\n',
  );
  // The CIS document looks for SCAP Security Guide's data stream for the OS; fake-oscap reads
  // the machine's rule state instead, so the file only has to exist.
  fs.writeFileSync(path.join(root, "scap", "ssg-ubuntu2204-ds.xml"), "<ds/>\n");
  if (machine.antivirus) {
    fs.writeFileSync(path.join(systemd, "clamav-freshclam"), "active\n");
    const defs = path.join(root, "var", "lib", "clamav");
    fs.mkdirSync(defs, { recursive: true });
    for (const f of ["daily.cvd", "main.cvd"]) fs.writeFileSync(path.join(defs, f), "");
  }
  const cisState = path.join(root, "cis-state.tsv");
  fs.writeFileSync(
    cisState,
    CIS_RULES.map(
      (r) =>
        `${r.id}\t${r.severity}\t${r.title}\t${machine.failingCisRules.includes(r.id) ? "fail" : "pass"}\n`,
    ).join(""),
  );
  const patchState = path.join(root, "missing-patches.txt");
  fs.writeFileSync(
    patchState,
    PATCHES.filter((p) => machine.missingPatches.includes(p.id))
      .map((p) => `${p.id}\n`)
      .join(""),
  );
  return {
    machine,
    root,
    bin,
    registrationFile: path.join(root, "var", "lib", "amazon", "ssm", "registration"),
    agentLog: path.join(root, "agent.log"),
    serviceLog: path.join(root, "service.log"),
    systemd,
    cisState,
    patchState,
  };
}

/** The patches a machine misses now (its state file). */
export function missingPatches(sandbox: MachineSandbox): string[] {
  return fs.readFileSync(sandbox.patchState, "utf8").split("\n").filter(Boolean);
}

/** The machine's environment for a document step (as SSM Agent would run it, plus the fakes). */
export function stepEnvironment(
  sandbox: MachineSandbox,
  instanceId: string,
  region: string,
  ssmEndpoint: string,
  s3Root: string,
): Record<string, string> {
  return {
    PATH: `${sandbox.bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    HOME: sandbox.root,
    TMPDIR: sandbox.root,
    LANG: "C",
    // What SSM Agent puts in a step's environment.
    AWS_SSM_INSTANCE_ID: instanceId,
    AWS_SSM_REGION_NAME: region,
    AWS_ENDPOINT_URL_SSM: ssmEndpoint,
    HF_AWS_CLI: path.join(sandbox.bin, "aws"),
    HF_AWS_PATHS: "",
    HF_STATE_DIR: path.join(sandbox.root, "state"),
    HF_REGISTRATION_FILE: sandbox.registrationFile,
    HF_SYSTEMD_RUN_DIR: path.join(sandbox.root, "run", "systemd", "system"),
    HF_INITD_DIR: path.join(sandbox.root, "etc", "init.d"),
    HF_OS_RELEASE: path.join(sandbox.root, "etc", "os-release"),
    HF_SCAP_CONTENT_DIR: path.join(sandbox.root, "scap"),
    FAKE_SYSTEMD: sandbox.systemd,
    FAKE_CIS_STATE: sandbox.cisState,
    FAKE_ROOT: sandbox.root,
    FAKE_S3: s3Root,
  };
}
