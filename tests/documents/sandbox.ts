/**
 * Runs a document's Linux step the way SSM Agent would, in a throw-away sandbox: parameters
 * are checked against allowedValues/allowedPattern and substituted into `{{ }}` textually,
 * the step is written to `_script.sh` and run with `sh` (dash here, as on Debian/Ubuntu).
 * `systemctl`, `aws`, `curl`, `apt-get` and `oscap` are fakes that record their calls; the
 * fake `aws` keeps every PutComplianceItems request.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { loadDocument, stepScript, substitute } from "../../local/ssmDocument";

export { loadDocument, stepScript, substitute };
export type { DocParam, SsmDoc } from "../../local/ssmDocument";

/** One compliance item as the fake aws CLI received it. */
export interface ComplianceItem {
  Id: string;
  Status: string;
  Severity: string;
  Title: string;
  Details: Record<string, string>;
}

/** A PutComplianceItems request as the fake aws CLI received it. */
export interface ComplianceRequest {
  ResourceId: string;
  ResourceType: string;
  ComplianceType: string;
  ExecutionSummary: { ExecutionTime: string; ExecutionType: string };
  UploadType: string;
  Items: ComplianceItem[];
}

const FAKES: Record<string, string> = {
  systemctl: `#!/bin/sh
echo "systemctl $*" >> "$FAKE_LOG"
verb=$1; shift
unit=""
for a in "$@"; do case $a in --*) ;; *) unit=\${a%.service} ;; esac; done
f="$FAKE_SYSTEMD/$unit"
case $verb in
  cat) [ -f "$f" ] ;;
  is-active) [ "$(cat "$f" 2>/dev/null)" = active ] ;;
  start) [ -f "$f" ] && [ -z "\${FAKE_START_FAILS:-}" ] && echo active > "$f" ;;
  enable) [ -f "$f" ] ;;
  *) exit 1 ;;
esac
`,
  service: `#!/bin/sh
echo "service $*" >> "$FAKE_LOG"
f="$FAKE_SYSTEMD/$1"
case $2 in
  status) [ "$(cat "$f" 2>/dev/null)" = active ] ;;
  start) [ -f "$f" ] && echo active > "$f" ;;
  *) exit 1 ;;
esac
`,
  aws: `#!/bin/sh
echo "aws $*" >> "$FAKE_LOG"
if [ "$1 $2" = "ssm put-compliance-items" ]; then
  for a in "$@"; do case $a in file://*) n=$(ls "$FAKE_OUT" | wc -l); cp "\${a#file://}" "$FAKE_OUT/request-$n.json" ;; esac; done
  exit "\${FAKE_AWS_RC:-0}"
fi
if [ "$1 $2" = "s3 cp" ]; then
  src=""; last=""
  for a in "$@"; do case $a in s3://*) src=$a ;; esac; last=$a; done
  cp "$FAKE_S3/\${src#s3://}" "$last"
  exit $?
fi
exit 1
`,
  curl: `#!/bin/sh
echo "curl $*" >> "$FAKE_LOG"
out=""; prev=""; url=""
for a in "$@"; do [ "$prev" = "-o" ] && out=$a; prev=$a; url=$a; done
name=\${url##*/}
name=\${name%%\\?*}
[ -f "$FAKE_HTTP/$name" ] || exit 22
cp "$FAKE_HTTP/$name" "$out"
`,
  "apt-get": `#!/bin/sh
echo "apt-get $*" >> "$FAKE_LOG"
[ "$1" = update ] && exit 0
for a in "$@"; do
  case $a in /*.deb) [ -n "\${FAKE_DEB_CREATES:-}" ] && touch "$FAKE_DEB_CREATES" && exit 0 ;; esac
done
for a in "$@"; do
  case " \${FAKE_PKGS:-} " in *" $a "*)
    if [ "$a" = awscli ]; then cp "$FAKE_BIN/.aws" "$FAKE_BIN/aws" && chmod +x "$FAKE_BIN/aws" && exit 0; fi
    if [ "$a" = openscap-scanner ]; then cp "$FAKE_BIN/.oscap" "$FAKE_BIN/oscap" && chmod +x "$FAKE_BIN/oscap" && exit 0; fi
    for pf in \${FAKE_PKG_FILES:-}; do [ "\${pf%%=*}" = "$a" ] && echo "<ds/>" > "\${pf#*=}"; done
    exit 0
  ;; esac
done
exit 100
`,
  oscap: `#!/bin/sh
echo "oscap $*" >> "$FAKE_LOG"
if [ "$1" = info ]; then
  [ -f "$3" ] || exit 1
  printf '%s\\n' "\${FAKE_OSCAP_PROFILES:-xccdf_org.ssgproject.content_profile_cis:CIS Level 2 Server
xccdf_org.ssgproject.content_profile_cis_server_l1:CIS Level 1 Server
xccdf_org.ssgproject.content_profile_cis_workstation_l1:CIS Level 1 Workstation
xccdf_org.ssgproject.content_profile_standard:Standard}"
  exit 0
fi
res=""; prev=""
for a in "$@"; do [ "$prev" = "--results" ] && res=$a; prev=$a; done
cp "$FAKE_OSCAP_RESULTS" "$res"
exit "\${FAKE_OSCAP_RC:-2}"
`,
};

/**
 * The only machine tools a step may see: the shell and basic text/file utilities. Everything
 * else (aws, oscap, apt-get, dnf, systemctl, curl, ...) is a fake or absent, so a test never
 * depends on what happens to be installed here, nor calls a real service.
 */
export const BASE_TOOLS = [
  "sh",
  "dash",
  "bash",
  "awk",
  "sed",
  "grep",
  "cat",
  "cp",
  "mv",
  "rm",
  "mkdir",
  "mktemp",
  "date",
  "tr",
  "cut",
  "head",
  "tail",
  "wc",
  "sort",
  "find",
  "stat",
  "chmod",
  "touch",
  "ls",
  "sha256sum",
  "od",
  "iconv",
  "env",
  "dirname",
  "basename",
  "uname",
  "printf",
  "tee",
  "sleep",
  "true",
  "false",
  "expr",
  "readlink",
  "ln",
  "xargs",
  "id",
  "cksum",
] as const;

/** A directory of symlinks to {@link BASE_TOOLS}, resolved once from the machine's /usr/bin:/bin. */
function baseToolsDir(into: string): string {
  fs.mkdirSync(into, { recursive: true });
  for (const tool of BASE_TOOLS) {
    const found = ["/usr/bin", "/bin"].map((d) => path.join(d, tool)).find((p) => fs.existsSync(p));
    if (!found) throw new Error(`sandbox: basic tool ${tool} is missing from /usr/bin and /bin`);
    fs.symlinkSync(found, path.join(into, tool));
  }
  return into;
}

/** A fresh sandbox: fake tools, state folders, and helpers to run a step in it. */
export class Sandbox {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), "hfdoc-"));
  readonly bin = path.join(this.root, "bin");
  readonly sysbin = path.join(this.root, "sysbin");
  readonly systemd = path.join(this.root, "systemd");
  readonly systemdRun = path.join(this.root, "run/systemd/system");
  readonly out = path.join(this.root, "out");
  readonly http = path.join(this.root, "http");
  readonly s3 = path.join(this.root, "s3");
  readonly state = path.join(this.root, "state");
  readonly log = path.join(this.root, "calls.log");
  env: Record<string, string> = {};

  constructor(opts: { aws?: boolean; oscap?: boolean } = {}) {
    for (const d of [
      this.bin,
      this.systemd,
      this.systemdRun,
      this.out,
      this.http,
      this.s3,
      this.state,
    ]) {
      fs.mkdirSync(d, { recursive: true });
    }
    fs.writeFileSync(this.log, "");
    baseToolsDir(this.sysbin);
    for (const [name, body] of Object.entries(FAKES)) {
      // Hidden copies let the fake package manager "install" aws/oscap later.
      const installed =
        (name !== "aws" || opts.aws !== false) && (name !== "oscap" || opts.oscap !== false);
      fs.writeFileSync(path.join(this.bin, `.${name}`), body, { mode: 0o755 });
      if (installed) fs.writeFileSync(path.join(this.bin, name), body, { mode: 0o755 });
    }
  }

  /** Declares a service unit in the fake systemd, active or not. */
  service(name: string, state: "active" | "inactive"): void {
    fs.writeFileSync(path.join(this.systemd, name), state);
  }

  serviceState(name: string): string | undefined {
    const f = path.join(this.systemd, name);
    return fs.existsSync(f) ? fs.readFileSync(f, "utf8").trim() : undefined;
  }

  /** Creates a file (and its folder) inside the sandbox, optionally `hoursOld`. */
  file(rel: string, content = "x", hoursOld = 0): string {
    const p = path.join(this.root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
    const t = new Date(Date.now() - hoursOld * 3600_000);
    fs.utimesSync(p, t, t);
    return p;
  }

  calls(): string[] {
    return fs.readFileSync(this.log, "utf8").split("\n").filter(Boolean);
  }

  /** Every PutComplianceItems request the fake aws received, in order. */
  requests(): ComplianceRequest[] {
    return fs
      .readdirSync(this.out)
      .sort()
      .map((f) => JSON.parse(fs.readFileSync(path.join(this.out, f), "utf8")));
  }

  /** Runs a document's Linux step with these parameter values. */
  run(
    docFile: string,
    params: Record<string, string>,
    extraEnv: Record<string, string> = {},
    shell: "sh" | "bash" = "sh",
  ): { code: number; stdout: string; stderr: string } {
    const doc = loadDocument(docFile);
    const script = substitute(doc, stepScript(doc, "Linux"), params);
    const file = path.join(this.root, "_script.sh");
    fs.writeFileSync(file, script);
    // RHEL-family /bin/sh is bash in POSIX mode; Debian/Ubuntu's is dash (this machine's sh).
    return this.exec(shell === "sh" ? ["sh", file] : ["bash", "--posix", file], extraEnv);
  }

  /** Runs a shell command line in the sandbox's environment. */
  exec(argv: string[], extraEnv: Record<string, string> = {}) {
    const r = spawnSync(argv[0], argv.slice(1), {
      cwd: this.root,
      encoding: "utf8",
      env: {
        PATH: `${this.bin}:${this.sysbin}`,
        // Sealed from the machine: no absolute-path CLI lookups, no credentials, no IMDS.
        HF_AWS_PATHS: "",
        HF_SCAP_CONTENT_DIR: path.join(this.root, "scap-content"),
        // systemd "booted" unless a test removes this folder.
        HF_SYSTEMD_RUN_DIR: this.systemdRun,
        HF_INITD_DIR: path.join(this.root, "etc/init.d"),
        AWS_ACCESS_KEY_ID: "AKIASANDBOXEXAMPLE00",
        AWS_SECRET_ACCESS_KEY: "sandbox-secret-not-a-real-key",
        AWS_SESSION_TOKEN: "sandbox-session",
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_CONFIG_FILE: path.join(this.root, "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE: path.join(this.root, "no-aws-credentials"),
        HOME: this.root,
        TMPDIR: this.root,
        LANG: "C",
        FAKE_LOG: this.log,
        FAKE_SYSTEMD: this.systemd,
        FAKE_OUT: this.out,
        FAKE_HTTP: this.http,
        FAKE_S3: this.s3,
        FAKE_BIN: this.bin,
        HF_STATE_DIR: this.state,
        HF_REGISTRATION_FILE: path.join(this.root, "no-registration"),
        AWS_SSM_INSTANCE_ID: "mi-0123456789abcdef0",
        AWS_SSM_REGION_NAME: "ap-southeast-2",
        ...this.env,
        ...extraEnv,
      },
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
