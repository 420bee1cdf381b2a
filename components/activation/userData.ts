/**
 * Builds EC2 user data that runs the bootstrap scripts (`documents/bootstrap/register.sh`
 * and `register.ps1`) with the activation API URL filled in. Pure functions of their inputs
 * and of the two script files (read at call time), so the stack can wire them with
 * `apiUrl.apply(buildLinuxUserData)` and tests can run what they return.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { ScriptLanguage, stripCommentLines } from "./stripComments";
import { PACKAGE_ROOT } from "../shared/packageRoot";

/** EC2 refuses user data longer than this many bytes (before base64). */
export const USER_DATA_MAX_BYTES = 16384;

/** Where the bootstrap scripts ship in this package (tsc copies no scripts into `bin/`). */
export const BOOTSTRAP_DIR = path.join(PACKAGE_ROOT, "documents", "bootstrap");

/** Options for {@link buildLinuxUserData} and {@link buildWindowsUserData}. */
export interface UserDataOptions {
  /**
   * `never`: the script as is (fails if it exceeds {@link USER_DATA_MAX_BYTES});
   * `always`: a small wrapper that unpacks the gzip+base64 script and runs it;
   * `auto`: as is when it fits, else the wrapper.
   * @default "auto"
   */
  readonly compress?: "auto" | "always" | "never";
  /** Folder holding register.sh / register.ps1. @default {@link BOOTSTRAP_DIR} */
  readonly scriptDir?: string;
}

const API_URL = /^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._~%/-]*)?$/;
const LOCAL_API_URL = /^http:\/\/(127\.0\.0\.1|localhost)(:\d{1,5})?(\/[A-Za-z0-9._~%/-]*)?$/;

/**
 * Checks the API URL that goes into the scripts: https (or http on loopback, for local
 * runs), host, optional port and path, and no character that could break out of a quoted
 * shell or PowerShell string. Returns the problem, or undefined when it is fine.
 */
export function apiUrlProblem(apiUrl: string): string | undefined {
  if (API_URL.test(apiUrl) || LOCAL_API_URL.test(apiUrl)) return undefined;
  return `apiUrl must be https://<host>[:port][/path] (letters, digits and . _ ~ % / - only; http only on 127.0.0.1/localhost), got ${JSON.stringify(apiUrl.slice(0, 200))}`;
}

/** Replaces the one `<prefix>''` placeholder line in a script, refusing anything unexpected. */
function bake(script: string, placeholder: string, apiUrl: string, file: string): string {
  const problem = apiUrlProblem(apiUrl);
  if (problem) throw new Error(problem);
  const parts = script.split(placeholder);
  if (parts.length !== 2) {
    throw new Error(`${file} must contain the line ${JSON.stringify(placeholder)} exactly once`);
  }
  // Single quotes in both shells take the text literally; the URL pattern excludes quotes.
  return parts.join(placeholder.replace("''", `'${apiUrl}'`));
}

/**
 * The script as user data carries it: whole-line comments dropped (about 4 KB each; EC2's
 * limit left the scripts no room to grow), code and here-documents unchanged.
 */
export function embeddedScript(dir: string, file: string, language: ScriptLanguage): string {
  const text = fs.readFileSync(path.join(dir, file), "utf8").replace(/\r\n/g, "\n");
  return stripCommentLines(text, language);
}

function gzipBase64(text: string): string {
  // level 9 and a fixed header (mtime 0) keep the output byte-stable between previews.
  const b64 = zlib.gzipSync(Buffer.from(text, "utf8"), { level: 9 }).toString("base64");
  return b64.replace(/(.{76})/g, "$1\n").trimEnd();
}

function choose(
  plain: string,
  wrap: () => string,
  mode: UserDataOptions["compress"],
  what: string,
): string {
  const fits = Buffer.byteLength(plain, "utf8") <= USER_DATA_MAX_BYTES;
  const out = mode === "always" || (mode !== "never" && !fits) ? wrap() : plain;
  const size = Buffer.byteLength(out, "utf8");
  if (size > USER_DATA_MAX_BYTES) {
    throw new Error(
      `${what} is ${size} bytes; EC2 accepts at most ${USER_DATA_MAX_BYTES} (use compress: "auto")`,
    );
  }
  return out;
}

/**
 * User data for Linux instances (cloud-init runs it as root at first boot): `register.sh`
 * with the API URL baked in, gzip-wrapped when it would not fit EC2's 16 KB limit.
 *
 * @example
 * ```ts
 * const userData = api.url.apply((url) => buildLinuxUserData(url));
 * ```
 */
export function buildLinuxUserData(apiUrl: string, opts: UserDataOptions = {}): string {
  const dir = opts.scriptDir ?? BOOTSTRAP_DIR;
  const plain = bake(
    embeddedScript(dir, "register.sh", "bash"),
    "readonly BAKED_API_URL=''",
    apiUrl,
    "register.sh",
  );
  const wrap = (): string =>
    [
      "#!/bin/bash",
      "# ssm-hybrid-fleet: documents/bootstrap/register.sh, gzip+base64 to fit EC2's 16 KB user data.",
      "set -eu",
      "f=$(mktemp)",
      "trap 'rm -f \"$f\"' EXIT",
      "base64 -d <<'HF_REGISTER_SH' | gunzip >\"$f\"",
      gzipBase64(plain),
      "HF_REGISTER_SH",
      'bash "$f" "$@"',
      "",
    ].join("\n");
  return choose(plain, wrap, opts.compress, "Linux user data");
}

/**
 * User data for Windows instances (EC2Launch runs the `<powershell>` block at first boot):
 * `register.ps1` with the API URL baked in, gzip-wrapped when it would not fit.
 *
 * @example
 * ```ts
 * const userData = api.url.apply((url) => buildWindowsUserData(url));
 * ```
 */
export function buildWindowsUserData(apiUrl: string, opts: UserDataOptions = {}): string {
  const dir = opts.scriptDir ?? BOOTSTRAP_DIR;
  const script = bake(
    embeddedScript(dir, "register.ps1", "powershell"),
    "$BakedApiUrl = ''",
    apiUrl,
    "register.ps1",
  );
  if (/<\/?powershell>/i.test(script)) {
    throw new Error(
      "register.ps1 must not contain <powershell> tags: EC2Launch would cut the script there",
    );
  }
  const plain = `<powershell>\n${script}\n</powershell>\n`;
  const wrap = (): string =>
    [
      "<powershell>",
      "# ssm-hybrid-fleet: documents/bootstrap/register.ps1, gzip+base64 to fit EC2's 16 KB user data.",
      "$b = [Convert]::FromBase64String(@'",
      gzipBase64(script),
      "'@)",
      "$gz = New-Object IO.Compression.GZipStream((New-Object IO.MemoryStream(, $b)), [IO.Compression.CompressionMode]::Decompress)",
      "$text = (New-Object IO.StreamReader($gz, [Text.Encoding]::UTF8)).ReadToEnd()",
      // A fresh random name, created only if absent: a fixed name in TEMP could be planted or
      // swapped by another local user before SYSTEM runs it (issue 9).
      "$f = Join-Path $env:TEMP ('hf-register-' + [guid]::NewGuid().ToString('N') + '.ps1')",
      "$w = New-Object IO.StreamWriter((New-Object IO.FileStream($f, [IO.FileMode]::CreateNew)), (New-Object Text.UTF8Encoding($true)))",
      "$w.Write($text); $w.Close()",
      "try { & powershell.exe -NoProfile -ExecutionPolicy Bypass -File $f; $rc = $LASTEXITCODE } finally { Remove-Item -Force $f }",
      "exit $rc",
      "</powershell>",
      "",
    ].join("\n");
  return choose(plain, wrap, opts.compress, "Windows user data");
}
