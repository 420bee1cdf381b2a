/**
 * Support for the real-tools tier: the documents' Linux steps run against Debian's own
 * OpenSCAP, SCAP Security Guide, ClamAV, dpkg/apt and AWS CLI. The AWS CLI talks to a local
 * recorder (127.0.0.1) that answers PutComplianceItems like SSM and checks each request
 * against the SSM API model the CLI itself ships. Nothing here changes the machine: steps that
 * need another /etc/os-release or that install a package run in a private mount namespace.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { ComplianceRequest, loadDocument, stepScript, substitute } from "./sandbox";

/** Debian's AWS CLI (not a pyenv shim that may be on PATH). */
export const AWS_CLI = process.env.HF_TEST_AWS_CLI ?? "/usr/bin/aws";

/** SSM's API model as shipped with Debian's awscli: the request shapes the recorder enforces. */
const SSM_MODEL =
  "/usr/lib/python3/dist-packages/awscli/botocore/data/ssm/2014-11-06/service-2.json";

/**
 * Skips (outside CI, with a loud reason) or fails (CI=true) when a tool the tier needs is
 * missing, so CI can never pass by not running it.
 */
export function requireTools(ctx: Mocha.Context, paths: string[]): void {
  const missing = paths.filter((p) => !fs.existsSync(p));
  if (process.getuid?.() !== 0) missing.push("root (for unshare --mount)");
  if (!missing.length) return;
  const why = `real-tools tier needs ${missing.join(", ")}`;
  if (process.env.CI === "true") throw new Error(`${why}: .ci/run installs them (CI=true)`);
  console.warn(
    `\n  !!! SKIPPED: ${why} (install them, or run .ci/run; under CI=true this fails)\n`,
  );
  ctx.skip();
}

/** Problems with a PutComplianceItems request, by SSM's model plus the API's documented limits. */
export function checkRequest(req: ComplianceRequest): string[] {
  const shapes = JSON.parse(fs.readFileSync(SSM_MODEL, "utf8")).shapes;
  const problems: string[] = [];
  const typePattern = new RegExp(`^(${shapes.ComplianceTypeName.pattern})$`);
  if (!typePattern.test(req.ComplianceType)) problems.push(`ComplianceType ${req.ComplianceType}`);
  if (req.ResourceType !== "ManagedInstance") problems.push(`ResourceType ${req.ResourceType}`);
  if (!["COMPLETE", "PARTIAL"].includes(req.UploadType)) problems.push("UploadType");
  if (req.Items.length > shapes.ComplianceItemEntryList.max) problems.push("too many items");
  const ids = new Set<string>();
  for (const item of req.Items) {
    if (ids.has(item.Id)) problems.push(`duplicate Id ${item.Id}`);
    ids.add(item.Id);
    if ([...item.Id].length > 100) problems.push(`Id over 100 characters: ${item.Id}`);
    if (!shapes.ComplianceSeverity.enum.includes(item.Severity))
      problems.push(`Severity ${item.Severity}`);
    if (!shapes.ComplianceStatus.enum.includes(item.Status)) problems.push(`Status ${item.Status}`);
    if ([...(item.Title ?? "")].length > shapes.ComplianceItemTitle.max)
      problems.push(`Title of ${item.Id}`);
    for (const [k, v] of Object.entries(item.Details ?? {})) {
      if (k.length < 1 || [...k].length > shapes.AttributeName.max)
        problems.push(`Details key ${k}`);
      if ([...v].length > shapes.AttributeValue.max) problems.push(`Details ${k} of ${item.Id}`);
    }
  }
  return problems;
}

/** A local SSM endpoint: records PutComplianceItems requests, answers `{}` or a 400. */
export class Recorder {
  readonly requests: ComplianceRequest[] = [];
  readonly rejected: string[] = [];
  private server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const target = String(req.headers["x-amz-target"] ?? "");
      const signed = String(req.headers.authorization ?? "").startsWith("AWS4-HMAC-SHA256 ");
      let parsed = {} as ComplianceRequest;
      let problems: string[];
      try {
        parsed = JSON.parse(body) as ComplianceRequest;
        problems = target === "AmazonSSM.PutComplianceItems" ? checkRequest(parsed) : [target];
      } catch (e) {
        problems = [`unreadable request: ${(e as Error).message}`];
      }
      if (!signed) problems.push("unsigned request");
      if (problems.length) {
        this.rejected.push(problems.join("; "));
        res.writeHead(400, { "content-type": "application/x-amz-json-1.1" });
        res.end(JSON.stringify({ __type: "ValidationException", message: problems.join("; ") }));
        return;
      }
      this.requests.push(parsed);
      res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
      res.end("{}");
    });
  });
  url = "";

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** An HTTPS server on 127.0.0.1 (self-signed for "127.0.0.1") serving files by name. */
export async function httpsServer(
  root: string,
  files: Record<string, Buffer>,
): Promise<{ url: string; ca: string; close: () => Promise<void> }> {
  const key = path.join(root, "tls.key");
  const ca = path.join(root, "tls.crt");
  await run(
    [
      "openssl",
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      key,
      "-out",
      ca,
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ],
    {},
  );
  const server = https.createServer(
    { key: fs.readFileSync(key), cert: fs.readFileSync(ca) },
    (req, res) => {
      const name = (req.url ?? "").replace(/[?#].*$/, "").replace(/^.*\//, "");
      if (!files[name]) {
        res.writeHead(404);
        res.end();
        return;
      }
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.end(files[name]);
    },
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, ca, close: () => new Promise((r) => server.close(() => r())) };
}

/** Runs a command without blocking the event loop (the recorder answers from this process). */
export function run(
  argv: string[],
  env: Record<string, string>,
  cwd?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(argv[0], argv.slice(1), {
      env: { ...env, PATH: env.PATH ?? process.env.PATH },
      cwd,
    });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (c) => (stdout += c));
    p.stderr.on("data", (c) => (stderr += c));
    p.on("error", reject);
    p.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** A scratch folder, an AWS CLI wrapper aimed at the recorder, and the step environment. */
export class RealRig {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), "hfreal-"));
  readonly awsWrapper = path.join(this.root, "aws-at-recorder");

  constructor(readonly recorder: Recorder) {
    fs.writeFileSync(
      this.awsWrapper,
      `#!/bin/sh\nexec '${AWS_CLI}' --endpoint-url '${recorder.url}' "$@"\n`,
      { mode: 0o755 },
    );
  }

  /** What SSM Agent gives a step, plus dummy credentials and no way to reach AWS or IMDS. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      HOME: this.root,
      TMPDIR: this.root,
      LANG: "C",
      HF_STATE_DIR: path.join(this.root, "state"),
      HF_REGISTRATION_FILE: path.join(this.root, "no-registration"),
      HF_AWS_CLI: this.awsWrapper,
      HF_AWS_PATHS: "",
      AWS_SSM_INSTANCE_ID: "mi-0123456789abcdef0",
      AWS_SSM_REGION_NAME: "ap-southeast-2",
      AWS_ACCESS_KEY_ID: "AKIAREALTIERDUMMY000",
      AWS_SECRET_ACCESS_KEY: "real-tier-dummy-secret",
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_CONFIG_FILE: path.join(this.root, "no-aws-config"),
      AWS_SHARED_CREDENTIALS_FILE: path.join(this.root, "no-aws-credentials"),
      ...extra,
    };
  }

  /** Writes a document's Linux step, parameters substituted as SSM does; returns its path. */
  step(docFile: string, params: Record<string, string>, name = "step.sh"): string {
    const doc = loadDocument(docFile);
    const file = path.join(this.root, name);
    fs.writeFileSync(file, substitute(doc, stepScript(doc, "Linux"), params));
    return file;
  }

  /**
   * Runs a shell script in a private mount namespace (`unshare --mount`): bind mounts and
   * overlays made there vanish with it, so the machine is never changed.
   */
  inNamespace(script: string, env: Record<string, string>) {
    const file = path.join(this.root, `ns-${Date.now()}.sh`);
    fs.writeFileSync(file, `set -u\nmount --make-rprivate /\n${script}\n`);
    return run(["unshare", "--mount", "--fork", "sh", file], env, this.root);
  }

  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
