/**
 * Writes `identity/certificates.generated.ts` from the AWS certificates in
 * `identity/certificates/<kind>/<region>.pem`, because the Lambda bundle cannot read files.
 *
 * Only what verification needs is kept: the SubjectPublicKeyInfo, and for the CMS kinds the
 * issuer Name and serial number that the SignerInfo names. Whole PEM certificates would add
 * about 90 KB to a Lambda bundle whose 400 KB budget the SSM client already mostly fills.
 * tests/identity/certificates.test.ts fails when this output is out of date.
 *
 * Run: `npx ts-node identity/generate-certificates.ts` (add `--check` to only compare).
 */
import { createHash, X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { encodedBytes, isContext, parseBer, primitiveContent, type BerNode } from "./ber";

/** The certificate folders, in output order, and the endpoint each one verifies. */
export const CERTIFICATE_KINDS = ["dsa", "rsa", "rsa2048"] as const;

/** Default folder holding `<kind>/<region>.pem` and `CERT-MAP.tsv`. */
export const DEFAULT_CERTIFICATES_DIR = path.join(__dirname, "certificates");

/** Default output path of the generated module. */
export const DEFAULT_OUTPUT = path.join(__dirname, "certificates.generated.ts");

interface SignerFacts {
  readonly kind: (typeof CERTIFICATE_KINDS)[number];
  readonly region: string;
  readonly spki: string;
  readonly issuer: string;
  readonly serial: string;
  readonly keyType: string;
}

/** Reads the serial, issuer and public key of one PEM certificate. */
function readCertificate(
  kind: SignerFacts["kind"],
  region: string,
  pem: string,
  file: string,
): SignerFacts {
  const cert = new X509Certificate(pem);
  const der = cert.raw;
  // Certificate ::= SEQUENCE { tbsCertificate, ... }; TBSCertificate ::= SEQUENCE {
  // [0] version OPTIONAL, serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, ... }
  const tbs = parseBer(der).children[0];
  const fields: BerNode[] = tbs.children.slice(isContext(tbs.children[0], 0) ? 1 : 0);
  const serial = primitiveContent(der, fields[0]).toString("hex");
  const issuer = encodedBytes(der, fields[2]).toString("base64");
  const spki = encodedBytes(der, fields[5]).toString("base64");
  const exported = cert.publicKey.export({ type: "spki", format: "der" }).toString("base64");
  if (exported !== spki) {
    throw new Error(`${file}: subjectPublicKeyInfo is not in DER form`);
  }
  const keyType = cert.publicKey.asymmetricKeyType ?? "unknown";
  const expected = kind === "dsa" ? ["dsa", "rsa"] : ["rsa"];
  if (!expected.includes(keyType)) {
    throw new Error(`${file}: ${keyType} key, expected one of ${expected.join(", ")}`);
  }
  if (kind === "rsa2048" && cert.publicKey.asymmetricKeyDetails?.modulusLength !== 2048) {
    throw new Error(`${file}: rsa2048 certificate without a 2048-bit key`);
  }
  return { kind, region, spki, issuer, serial, keyType };
}

/** Parses CERT-MAP.tsv into `kind/region` -> serial (upper-case hex, no leading zeros). */
function readCertMap(file: string): Map<string, string> {
  const map = new Map<string, string>();
  const lines = fs.readFileSync(file, "utf8").split("\n").slice(1);
  for (const line of lines) {
    const [kind, region, serial] = line.split("\t");
    if (kind && region && serial) map.set(`${kind}/${region}`, normaliseSerial(serial));
  }
  return map;
}

function normaliseSerial(hex: string): string {
  return hex.toUpperCase().replace(/^0+(?=.)/, "");
}

/** Reads every certificate under `dir`, checked against `dir/CERT-MAP.tsv`. */
export function collectSigners(dir: string = DEFAULT_CERTIFICATES_DIR): SignerFacts[] {
  const certMap = readCertMap(path.join(dir, "CERT-MAP.tsv"));
  const signers: SignerFacts[] = [];
  for (const kind of CERTIFICATE_KINDS) {
    const files = fs
      .readdirSync(path.join(dir, kind))
      .filter((f) => f.endsWith(".pem"))
      .sort();
    for (const file of files) {
      const region = file.slice(0, -".pem".length);
      if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
        throw new Error(`${kind}/${file}: file name is not <region>.pem`);
      }
      const full = path.join(dir, kind, file);
      const facts = readCertificate(kind, region, fs.readFileSync(full, "utf8"), full);
      const listed = certMap.get(`${kind}/${region}`);
      if (listed !== normaliseSerial(facts.serial)) {
        throw new Error(
          `${kind}/${file}: serial ${facts.serial} does not match CERT-MAP.tsv (${listed ?? "absent"})`,
        );
      }
      signers.push(facts);
    }
  }
  return signers;
}

/**
 * Renders the generated module's source for the certificates under `dir`, formatted with the
 * repository's Prettier settings so that `prettier --check` accepts it as written.
 */
export async function renderCertificatesModule(
  dir: string = DEFAULT_CERTIFICATES_DIR,
): Promise<string> {
  const signers = collectSigners(dir);
  const issuers = [...new Set(signers.filter((s) => s.kind !== "rsa").map((s) => s.issuer))];
  const constants = new Map<string, string>();
  const byKind = new Map<string, string[]>();
  for (const s of signers) {
    // /signature names no signer, so for `rsa` the key alone matters and shared keys collapse.
    const body =
      s.kind === "rsa"
        ? `{ spki: ${JSON.stringify(s.spki)} }`
        : `{ issuer: ${issuers.indexOf(s.issuer)}, serial: ${JSON.stringify(s.serial)}, spki: ${JSON.stringify(s.spki)} }`;
    const id = createHash("sha256").update(Buffer.from(s.spki, "base64")).digest("hex").slice(0, 8);
    const name = `${s.kind.toUpperCase()}_${s.keyType.toUpperCase()}_${id}`;
    const existing = constants.get(name);
    if (existing !== undefined && existing !== body) {
      throw new Error(`${s.kind}: two certificates share key ${id} with different serials`);
    }
    constants.set(name, body);
    const entries = byKind.get(s.kind) ?? [];
    entries.push(`${JSON.stringify(s.region)}: ${name},`);
    byKind.set(s.kind, entries);
  }
  const source = [
    "// Generated by identity/generate-certificates.ts from identity/certificates/<kind>/<region>.pem.",
    "// Do not edit: change the .pem files and run `npx ts-node identity/generate-certificates.ts`.",
    "",
    "/** Certificate set: `dsa` verifies `/pkcs7`, `rsa` verifies `/signature`, `rsa2048` verifies `/rsa2048`. */",
    `export type CertificateKind = ${CERTIFICATE_KINDS.map((k) => JSON.stringify(k)).join(" | ")};`,
    "",
    "/** What verification keeps of one pinned AWS certificate. */",
    "export interface PinnedSigner {",
    "  /** The certificate's SubjectPublicKeyInfo, base64 DER. */",
    "  readonly spki: string;",
    "  /** Index into {@link ISSUERS} of the certificate's issuer Name (CMS kinds only). */",
    "  readonly issuer?: number;",
    "  /** The certificate's serial number as hex of the DER INTEGER content octets (CMS kinds only). */",
    "  readonly serial?: string;",
    "}",
    "",
    "/** Issuer Names (base64 DER) of the pinned CMS signers. */",
    `export const ISSUERS: readonly string[] = [${issuers.map((i) => JSON.stringify(i)).join(", ")}];`,
    "",
    ...[...constants].map(([name, body]) => `const ${name}: PinnedSigner = ${body};`),
    "",
    "/** Pinned signer per certificate kind and region. Look up with `Object.hasOwn`. */",
    "export const PINNED_SIGNERS: Readonly<Record<CertificateKind, Readonly<Record<string, PinnedSigner>>>> = {",
    ...CERTIFICATE_KINDS.map((k) => `${k}: {\n${(byKind.get(k) ?? []).join("\n")}\n},`),
    "};",
    "",
  ].join("\n");
  const prettier = await import("prettier");
  const options = (await prettier.resolveConfig(DEFAULT_OUTPUT)) ?? {};
  return prettier.format(source, { ...options, parser: "typescript" });
}

async function main(): Promise<void> {
  const check = process.argv.includes("--check");
  const rendered = await renderCertificatesModule();
  const current = fs.existsSync(DEFAULT_OUTPUT) ? fs.readFileSync(DEFAULT_OUTPUT, "utf8") : "";
  if (check) {
    if (current !== rendered) {
      console.error(
        `${DEFAULT_OUTPUT} is out of date: run npx ts-node identity/generate-certificates.ts`,
      );
      process.exitCode = 1;
    }
    return;
  }
  fs.writeFileSync(DEFAULT_OUTPUT, rendered);
  console.log(`wrote ${DEFAULT_OUTPUT} (${rendered.length} bytes)`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
