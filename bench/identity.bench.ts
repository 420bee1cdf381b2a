/**
 * EC2 instance identity verifier: its bundle size with and without the pinned AWS keys, and
 * the cost of one warm verification per signature kind as a ratio to one bare RSA-1024
 * `crypto.verify` of the real `/signature` (the unavoidable part), measured in the same run.
 * Target (issue 2): the whole activation Lambda ≤ 400 KB; the verifier's share is printed.
 */
import { verify, X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { buildSync } from "esbuild";
import { LAMBDA_BUILD_OPTIONS } from "../components/shared/bundle";
import { verifyInstanceIdentity, type SignatureKind } from "../identity/verify";

export const title = "identity verifier bundle size and verification cost";

const ROOT = path.join(__dirname, "..");
const FIXTURES = path.join(ROOT, "tests", "fixtures", "identity");
const ROUNDS = 7;
const CALLS = 300;

function bundleSize(external: string[]): number {
  const result = buildSync({
    ...LAMBDA_BUILD_OPTIONS,
    mainFields: [...LAMBDA_BUILD_OPTIONS.mainFields],
    entryPoints: [path.join(ROOT, "identity", "verify.ts")],
    external,
  });
  return result.outputFiles[0].contents.length;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median time per call of `fn`, in microseconds. */
function perCall(fn: () => void): number {
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < CALLS; i++) fn();
    rounds.push(Number(process.hrtime.bigint() - t0) / 1e3 / CALLS);
  }
  return median(rounds);
}

const read = (folder: string, file: string): string =>
  fs.readFileSync(path.join(FIXTURES, folder, file), "utf8");

export async function run(): Promise<void> {
  const withCerts = bundleSize([]);
  const withoutCerts = bundleSize(["./certificates.generated"]);
  console.log(`verifier bundle with pinned keys:    ${(withCerts / 1024).toFixed(1)} KB`);
  console.log(`verifier bundle without pinned keys: ${(withoutCerts / 1024).toFixed(1)} KB`);

  const f01 = "01-iid-2026-ap-southeast-2-signature-rsa2048";
  const f02 = "02-iid-2016-us-east-1-pkcs7-dsa";
  const document = read(f01, "document");
  // Baseline: one valid RSA-1024 crypto.verify of the real /signature with a ready key.
  const pem = fs.readFileSync(
    path.join(ROOT, "identity", "certificates", "rsa", "ap-southeast-2.pem"),
  );
  const key = new X509Certificate(pem).publicKey;
  const docBytes = Buffer.from(document);
  const sigBytes = Buffer.from(read(f01, "signature").replace(/\s+/g, ""), "base64");
  if (!verify("sha256", docBytes, key, sigBytes)) throw new Error("baseline does not verify");
  const baseline = perCall(() => verify("sha256", docBytes, key, sigBytes));
  console.log(`baseline: bare crypto.verify of /signature, ${baseline.toFixed(1)} µs`);

  const cases: Array<[SignatureKind, string, string | undefined]> = [
    ["signature", read(f01, "signature"), document],
    ["rsa2048", read(f01, "rsa2048"), undefined],
    ["pkcs7", read(f02, "pkcs7"), undefined],
  ];
  for (const [kind, signature, doc] of cases) {
    const input = { kind, signature, document: doc };
    verifyInstanceIdentity(input);
    const ours = perCall(() => verifyInstanceIdentity(input));
    console.log(
      `${kind.padEnd(9)}: ${ours.toFixed(1)} µs per warm verification = ${(ours / baseline).toFixed(2)}x the baseline`,
    );
  }
}
