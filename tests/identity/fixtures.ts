// Shared readers for the real instance identity fixtures in tests/fixtures/identity/.
import * as fs from "node:fs";
import * as path from "node:path";
import type { SignatureKind } from "../../identity/verify";

const ROOT = path.join(__dirname, "..", "fixtures", "identity");
const CERTS = path.join(__dirname, "..", "..", "identity", "certificates");

/** Folder names of the three real fixtures. */
export const F01 = "01-iid-2026-ap-southeast-2-signature-rsa2048";
export const F02 = "02-iid-2016-us-east-1-pkcs7-dsa";
export const F03 = "03-iid-2017-us-west-1-document-signature-pkcs7";

/** Reads a fixture file as text, exactly as stored (no trimming). */
export function fixtureText(folder: string, file: string): string {
  return fs.readFileSync(path.join(ROOT, folder, file), "utf8");
}

/** Reads a fixture file as bytes. */
export function fixtureBytes(folder: string, file: string): Buffer {
  return fs.readFileSync(path.join(ROOT, folder, file));
}

/** Reads a shipped certificate, `identity/certificates/<kind>/<region>.pem`. */
export function shippedCertificate(kind: "dsa" | "rsa" | "rsa2048", region: string): string {
  return fs.readFileSync(path.join(CERTS, kind, `${region}.pem`), "utf8");
}

/** One real, AWS-signed case: a signature kind with its blob and document. */
export interface RealCase {
  readonly name: string;
  readonly folder: string;
  readonly kind: SignatureKind;
  readonly signature: string;
  readonly document: string;
  readonly instanceId: string;
  readonly accountId: string;
  readonly region: string;
}

/** Every signature kind each of fixtures 01, 02 and 03 carries. */
export const REAL_CASES: readonly RealCase[] = [
  {
    name: "01 ap-southeast-2 2026 /signature",
    folder: F01,
    kind: "signature",
    signature: fixtureText(F01, "signature"),
    document: fixtureText(F01, "document"),
    instanceId: "i-0c5541936caf78c12",
    accountId: "189292791360",
    region: "ap-southeast-2",
  },
  {
    name: "01 ap-southeast-2 2026 /rsa2048",
    folder: F01,
    kind: "rsa2048",
    signature: fixtureText(F01, "rsa2048"),
    document: fixtureText(F01, "document"),
    instanceId: "i-0c5541936caf78c12",
    accountId: "189292791360",
    region: "ap-southeast-2",
  },
  {
    name: "02 us-east-1 2016 /pkcs7",
    folder: F02,
    kind: "pkcs7",
    signature: fixtureText(F02, "pkcs7"),
    document: fixtureText(F02, "document"),
    instanceId: "i-f79fe56c",
    accountId: "121659014334",
    region: "us-east-1",
  },
  {
    name: "03 us-west-1 2017 /signature",
    folder: F03,
    kind: "signature",
    signature: fixtureText(F03, "signature"),
    document: fixtureText(F03, "document"),
    instanceId: "i-02e3bec1f600f5e33",
    accountId: "807492473263",
    region: "us-west-1",
  },
  {
    name: "03 us-west-1 2017 /pkcs7",
    folder: F03,
    kind: "pkcs7",
    signature: fixtureText(F03, "pkcs7"),
    document: fixtureText(F03, "document"),
    instanceId: "i-02e3bec1f600f5e33",
    accountId: "807492473263",
    region: "us-west-1",
  },
];

/** The CMS cases (`pkcs7`, `rsa2048`), whose blob carries the document. */
export const CMS_CASES = REAL_CASES.filter((c) => c.kind !== "signature");

/** Decodes an IMDS base64 body (line breaks allowed). */
export function decode(base64: string): Buffer {
  return Buffer.from(base64.replace(/\s+/g, ""), "base64");
}

/** Returns a copy of `bytes` with `bytes[index] ^= mask`. */
export function flip(bytes: Uint8Array, index: number, mask = 0x01): Buffer {
  const copy = Buffer.from(bytes);
  copy[index] ^= mask;
  return copy;
}

/** Offset of `needle` in `haystack`; throws if absent, so a wrong fixture fails loudly. */
export function offsetOf(haystack: Buffer, needle: string | Buffer, from = 0): number {
  const index = haystack.indexOf(needle, from);
  if (index < 0) throw new Error(`${String(needle)} not found in fixture`);
  return index;
}
