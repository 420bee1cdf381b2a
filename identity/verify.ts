/**
 * Verifies an EC2 instance identity document against AWS's pinned public keys, for the three
 * signatures IMDS serves: `/signature`, `/pkcs7` and `/rsa2048`.
 *
 * Only `node:crypto` and a small BER reader are used: no pkijs/asn1js, so the activation Lambda
 * stays inside its size budget. Account allow-listing and the name == instanceId check belong
 * to the handler.
 */
import {
  createHash,
  createPublicKey,
  verify as cryptoVerify,
  X509Certificate,
  type KeyObject,
} from "node:crypto";
import {
  BerError,
  encodedBytes,
  isContext,
  isUniversal,
  octetStringValue,
  parseBer,
  primitiveContent,
  UNIVERSAL,
  type BerNode,
} from "./ber";
import { ISSUERS, PINNED_SIGNERS, type CertificateKind } from "./certificates.generated";

/**
 * Which IMDS signature is presented: `signature` (`/latest/dynamic/instance-identity/signature`,
 * RSA-1024 PKCS#1 v1.5 over SHA-256 of the document), `pkcs7` (`/pkcs7`, CMS with DSA and
 * SHA-1) or `rsa2048` (`/rsa2048`, CMS with RSA-2048 and SHA-256).
 */
export type SignatureKind = "signature" | "pkcs7" | "rsa2048";

/** Every {@link SignatureKind}, in the order error messages list them. */
export const SIGNATURE_KINDS: readonly SignatureKind[] = ["signature", "pkcs7", "rsa2048"];

/**
 * The certificate folder (`identity/certificates/<kind>/`) that verifies each signature kind.
 */
export const CERTIFICATE_KIND_FOR: Readonly<Record<SignatureKind, CertificateKind>> = {
  signature: "rsa",
  pkcs7: "dsa",
  rsa2048: "rsa2048",
};

/**
 * The verified instance identity document, as AWS signed it. The fields checked by
 * {@link verifyInstanceIdentity} are typed; anything else AWS adds is kept as is.
 */
export interface InstanceIdentityDocument {
  /** 12-digit AWS account ID that owns the instance. */
  readonly accountId: string;
  /** EC2 instance ID, `i-` followed by 8 or 17 lowercase hex digits. */
  readonly instanceId: string;
  /** Region the instance runs in; it also selected the certificate. */
  readonly region: string;
  /** Availability zone, e.g. `ap-southeast-2a`. */
  readonly availabilityZone: string;
  /** CPU architecture, e.g. `x86_64` or `arm64`. */
  readonly architecture: string;
  /** AMI ID the instance was launched from. */
  readonly imageId: string;
  /** Instance type, e.g. `t3.micro`. */
  readonly instanceType: string;
  /** When the instance was launched (ISO-8601, set by AWS). */
  readonly pendingTime: string;
  /** Primary private IPv4 address, when the instance has one. */
  readonly privateIp?: string | null;
  /** Document format version, e.g. `2017-09-30`. */
  readonly version: string;
  /** Billing product codes, or null. */
  readonly billingProducts?: readonly string[] | null;
  /** Marketplace product codes, or null. */
  readonly marketplaceProductCodes?: readonly string[] | null;
  /** Other fields AWS includes (`kernelId`, `ramdiskId`, `devpayProductCodes`, ...). */
  readonly [field: string]: unknown;
}

/**
 * Machine-readable reason of an {@link IdentityVerificationError}. Suggested HTTP mapping:
 * `invalid-input`, `missing-document`, `malformed-signature`, `malformed-document` are the
 * caller's bad request (400); `unknown-region`, `unsupported-algorithm`, `signer-mismatch`,
 * `document-mismatch`, `bad-signature` are a failed proof (403); `bad-certificate` and
 * `internal-error` are the server's fault (500).
 */
export type IdentityVerificationReason =
  /** The input object, its `kind` or its `signature` has the wrong type or value. */
  | "invalid-input"
  /** Kind `signature` was given without `document`. */
  | "missing-document"
  /** The signature is not valid base64, or not a CMS SignedData as IMDS serves it. */
  | "malformed-signature"
  /** The document is not a JSON object with the instance identity fields. */
  | "malformed-document"
  /** No certificate is known for the document's region and this kind. */
  | "unknown-region"
  /** The CMS names a digest or signature algorithm this kind does not allow. */
  | "unsupported-algorithm"
  /** The CMS signer (issuer + serial) is not the region's certificate. */
  | "signer-mismatch"
  /** A document was given beside a CMS blob and differs from the one inside it. */
  | "document-mismatch"
  /** The signature does not verify: tampered document, signature or signed attributes. */
  | "bad-signature"
  /** The certificate supplied by `certificateFor` cannot be parsed. */
  | "bad-certificate"
  /** A defect in this verifier; never expected. */
  | "internal-error";

/** Raised by {@link verifyInstanceIdentity} for every rejection, and only this. */
export class IdentityVerificationError extends Error {
  /** Always `"IdentityVerificationError"`. */
  override readonly name = "IdentityVerificationError";
  /** Why verification failed, for mapping to a response. */
  readonly reason: IdentityVerificationReason;

  /**
   * @param reason - machine-readable reason.
   * @param message - what was wrong, naming the field; never echoes more than a short excerpt.
   * @param cause - the underlying error, if any.
   */
  constructor(reason: IdentityVerificationReason, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.reason = reason;
  }
}

/** What {@link verifyInstanceIdentity} checks. */
export interface VerifyInstanceIdentityInput {
  /** Which IMDS endpoint `signature` came from. */
  readonly kind: SignatureKind;
  /** The IMDS response body: base64, whitespace and line breaks allowed. */
  readonly signature: string;
  /**
   * The document exactly as IMDS served it (bytes, or text that is UTF-8 encoded). Required
   * for kind `signature`; optional for the CMS kinds, whose blob carries the document.
   */
  readonly document?: string | Uint8Array;
}

/**
 * Supplies the PEM certificate for a kind and region, replacing the pinned AWS keys (tests,
 * or a region AWS added later). Return `undefined` for an unknown region. For kind
 * `signature` a `PUBLIC KEY` PEM is accepted too; the CMS kinds need the certificate, whose
 * issuer and serial must match the signer named in the blob.
 */
export type CertificateLookup = (kind: SignatureKind, region: string) => string | undefined;

/** Upper bounds far above real IMDS output (document ~0.5 KB, CMS blob ~1.5 KB). */
const MAX_SIGNATURE_CHARS = 64 * 1024;
const MAX_DOCUMENT_BYTES = 16 * 1024;

const OID = {
  signedData: "2a864886f70d010702",
  data: "2a864886f70d010701",
  contentTypeAttr: "2a864886f70d010903",
  messageDigestAttr: "2a864886f70d010904",
  sha1: "2b0e03021a",
  sha256: "608648016503040201",
  dsa: "2a8648ce380401",
  dsaWithSha1: "2a8648ce380403",
  dsaWithSha256: "608648016503040302",
  rsaEncryption: "2a864886f70d010101",
  sha1WithRsa: "2a864886f70d010105",
  sha256WithRsa: "2a864886f70d01010b",
} as const;

type HashName = "sha1" | "sha256";

const HASH_BY_OID: Readonly<Record<string, HashName>> = {
  [OID.sha1]: "sha1",
  [OID.sha256]: "sha256",
};

/**
 * Signature algorithm OIDs per key type; `null` means "whatever digestAlgorithm says".
 * The key type comes from the pinned certificate, never from the blob.
 */
const SIGNATURE_OIDS: Readonly<Record<"dsa" | "rsa", Readonly<Record<string, HashName | null>>>> = {
  dsa: { [OID.dsa]: null, [OID.dsaWithSha1]: "sha1", [OID.dsaWithSha256]: "sha256" },
  rsa: { [OID.rsaEncryption]: null, [OID.sha1WithRsa]: "sha1", [OID.sha256WithRsa]: "sha256" },
};

/**
 * Digests each CMS kind may use. `/pkcs7` is SHA-1 in every sample; SHA-256 is allowed too
 * because China's `/pkcs7` certificate is RSA-2048 and no sample shows which digest it uses.
 */
const ALLOWED_DIGESTS: Readonly<Record<"pkcs7" | "rsa2048", readonly HashName[]>> = {
  pkcs7: ["sha1", "sha256"],
  rsa2048: ["sha256"],
};

interface ResolvedSigner {
  readonly key: KeyObject;
  readonly keyType: "dsa" | "rsa";
  /** DER issuer Name and serial INTEGER content; absent for `/signature` keys. */
  readonly issuer?: Buffer;
  readonly serial?: Buffer;
}

interface SignedDataParts {
  readonly content: Buffer;
  readonly contentTypeOid: string;
  readonly issuer: Buffer;
  readonly serial: Buffer;
  readonly digestOid: string;
  readonly signedAttrs: BerNode;
  readonly signatureOid: string;
  readonly signature: Buffer;
  readonly bytes: Uint8Array;
}

/**
 * Verifies an EC2 instance identity signature and returns the signed document.
 *
 * The region named in the document selects the certificate, so a document signed in another
 * region fails. Certificates are pinned keys: their validity dates are not checked (old
 * signatures under since-expired certificates still verify). For the CMS kinds the document
 * inside the blob is authoritative; a `document` given beside it must be byte-identical.
 *
 * @example
 * ```ts
 * const doc = verifyInstanceIdentity({ kind: "rsa2048", signature: header });
 * if (doc.instanceId !== name) throw new Error("name must equal the instance ID");
 * ```
 *
 * @param input - the signature kind, the signature blob and (optionally) the document.
 * @param certificateFor - replaces the pinned AWS keys with PEM certificates of your choosing.
 * @returns the verified document.
 * @throws IdentityVerificationError for every failure, with a {@link IdentityVerificationReason}.
 */
export function verifyInstanceIdentity(
  input: VerifyInstanceIdentityInput,
  certificateFor?: CertificateLookup,
): InstanceIdentityDocument {
  try {
    return verifyUnchecked(input, certificateFor);
  } catch (err) {
    if (err instanceof IdentityVerificationError) throw err;
    throw new IdentityVerificationError("internal-error", "identity verification failed", err);
  }
}

function verifyUnchecked(
  input: VerifyInstanceIdentityInput,
  certificateFor: CertificateLookup | undefined,
): InstanceIdentityDocument {
  if (typeof input !== "object" || input === null) {
    throw new IdentityVerificationError("invalid-input", "input must be an object");
  }
  const { kind, signature, document } = input;
  if (typeof kind !== "string" || !(SIGNATURE_KINDS as readonly string[]).includes(kind)) {
    throw new IdentityVerificationError(
      "invalid-input",
      `kind must be one of ${SIGNATURE_KINDS.join(", ")} (got ${excerpt(kind)})`,
    );
  }
  if (typeof signature !== "string") {
    throw new IdentityVerificationError("invalid-input", "signature must be a base64 string");
  }
  const given = document === undefined ? undefined : documentBytes(document);
  const blob = decodeBase64(signature);

  if (kind === "signature") {
    if (given === undefined) {
      throw new IdentityVerificationError(
        "missing-document",
        "document is required for kind signature (it is not inside the signature)",
      );
    }
    const parsedGiven = parseDocument(given);
    const region = regionOf(parsedGiven);
    const signer = resolveSigner(kind, region, certificateFor);
    if (signer.keyType !== "rsa") {
      throw new IdentityVerificationError(
        "unsupported-algorithm",
        `the ${excerpt(region)} certificate for kind signature holds a ${signer.keyType} key, expected rsa`,
      );
    }
    if (!safeVerify("sha256", given, signer.key, blob)) {
      throw new IdentityVerificationError(
        "bad-signature",
        `signature does not verify the document with the ${excerpt(region)} certificate`,
      );
    }
    return checkFields(parsedGiven);
  }

  const parts = parseSignedData(blob);
  if (given !== undefined && !given.equals(parts.content)) {
    throw new IdentityVerificationError(
      "document-mismatch",
      "document differs from the document inside the signature",
    );
  }
  const parsed = parseDocument(parts.content);
  const region = regionOf(parsed);
  const signer = resolveSigner(kind, region, certificateFor);
  if (
    signer.issuer === undefined ||
    signer.serial === undefined ||
    !signer.issuer.equals(parts.issuer) ||
    !signer.serial.equals(parts.serial)
  ) {
    throw new IdentityVerificationError(
      "signer-mismatch",
      `signature was made by serial ${excerpt(parts.serial.toString("hex"))}, not by the ${excerpt(region)} ${kind} certificate`,
    );
  }
  const hash = checkAlgorithms(kind, signer.keyType, parts);
  const digest = messageDigestOf(parts);
  if (!createHash(hash).update(parts.content).digest().equals(digest)) {
    throw new IdentityVerificationError(
      "bad-signature",
      "messageDigest signed attribute does not match the document inside the signature",
    );
  }
  // The signature covers the DER of the attributes as a SET, not the [0] IMPLICIT tag they carry.
  const signedAttrs = encodedBytes(parts.bytes, parts.signedAttrs);
  signedAttrs[0] = 0x31;
  if (!safeVerify(hash, signedAttrs, signer.key, parts.signature)) {
    throw new IdentityVerificationError(
      "bad-signature",
      `signature over the signed attributes does not verify with the ${excerpt(region)} certificate`,
    );
  }
  return checkFields(parsed);
}

function excerpt(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : String(typeof value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function documentBytes(document: unknown): Buffer {
  let bytes: Buffer;
  if (typeof document === "string") {
    bytes = Buffer.from(document, "utf8");
  } else if (document instanceof Uint8Array) {
    bytes = Buffer.from(document);
  } else {
    throw new IdentityVerificationError(
      "invalid-input",
      "document must be a string or bytes when given",
    );
  }
  if (bytes.length > MAX_DOCUMENT_BYTES) {
    throw new IdentityVerificationError(
      "malformed-document",
      `document is ${bytes.length} bytes, at most ${MAX_DOCUMENT_BYTES} allowed`,
    );
  }
  return bytes;
}

function decodeBase64(text: string): Buffer {
  if (text.length > MAX_SIGNATURE_CHARS) {
    throw new IdentityVerificationError(
      "malformed-signature",
      `signature is ${text.length} characters, at most ${MAX_SIGNATURE_CHARS} allowed`,
    );
  }
  // Buffer.from(..., "base64") skips junk silently, so the alphabet is checked first.
  const compact = text.replace(/[\s]+/g, "");
  if (compact.length === 0 || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) {
    throw new IdentityVerificationError(
      "malformed-signature",
      "signature must be padded base64 (A-Z, a-z, 0-9, +, /, =), line breaks allowed",
    );
  }
  return Buffer.from(compact, "base64");
}

function parseDocument(bytes: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
    value = JSON.parse(text);
  } catch (err) {
    throw new IdentityVerificationError("malformed-document", "document is not UTF-8 JSON", err);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new IdentityVerificationError("malformed-document", "document must be a JSON object");
  }
  return value as Record<string, unknown>;
}

function regionOf(document: Record<string, unknown>): string {
  const region = document.region;
  if (typeof region !== "string" || region.length === 0) {
    throw new IdentityVerificationError(
      "malformed-document",
      "document.region must be a non-empty string",
    );
  }
  return region;
}

const FIELD_PATTERNS: ReadonlyArray<readonly [string, RegExp]> = [
  ["accountId", /^\d{12}$/],
  ["instanceId", /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/],
  ["region", /^[a-z]{2}(?:-[a-z]+)+-\d+$/],
  ["availabilityZone", /^\S+$/],
  ["architecture", /^\S+$/],
  ["imageId", /^\S+$/],
  ["instanceType", /^\S+$/],
  ["pendingTime", /^\S+$/],
  ["version", /^\S+$/],
];

/** Field checks run after the signature verified, so they judge AWS's output, not an attacker's. */
function checkFields(document: Record<string, unknown>): InstanceIdentityDocument {
  for (const [field, pattern] of FIELD_PATTERNS) {
    const value = document[field];
    if (typeof value !== "string" || !pattern.test(value)) {
      throw new IdentityVerificationError(
        "malformed-document",
        `document.${field} must be a string matching ${pattern.source} (got ${excerpt(value)})`,
      );
    }
  }
  const privateIp = document.privateIp;
  if (privateIp !== undefined && privateIp !== null && typeof privateIp !== "string") {
    throw new IdentityVerificationError(
      "malformed-document",
      "document.privateIp must be a string or null when present",
    );
  }
  return document as InstanceIdentityDocument;
}

const signerCache = new Map<string, ResolvedSigner>();
const SIGNER_CACHE_LIMIT = 256;

function resolveSigner(
  kind: SignatureKind,
  region: string,
  certificateFor: CertificateLookup | undefined,
): ResolvedSigner {
  const certKind = CERTIFICATE_KIND_FOR[kind];
  if (certificateFor === undefined) {
    const table = PINNED_SIGNERS[certKind];
    if (!Object.hasOwn(table, region)) {
      throw unknownRegion(kind, region);
    }
    const pinned = table[region];
    return cached(`pinned:${pinned.issuer ?? ""}:${pinned.serial ?? ""}:${pinned.spki}`, () => {
      const key = createPublicKey({
        key: Buffer.from(pinned.spki, "base64"),
        format: "der",
        type: "spki",
      });
      return {
        key,
        keyType: keyTypeOf(key),
        issuer:
          pinned.issuer === undefined ? undefined : Buffer.from(ISSUERS[pinned.issuer], "base64"),
        serial: pinned.serial === undefined ? undefined : Buffer.from(pinned.serial, "hex"),
      };
    });
  }
  let pem: unknown;
  try {
    pem = certificateFor(kind, region);
  } catch (err) {
    throw new IdentityVerificationError(
      "bad-certificate",
      `certificateFor(${kind}, ${excerpt(region)}) threw`,
      err,
    );
  }
  if (pem === undefined) {
    throw unknownRegion(kind, region);
  }
  if (typeof pem !== "string") {
    throw new IdentityVerificationError(
      "bad-certificate",
      `certificateFor(${kind}, ${excerpt(region)}) must return a PEM string or undefined`,
    );
  }
  return cached(`pem:${pem}`, () => {
    try {
      // A bare key can check /signature, which names no signer; the CMS kinds need a certificate.
      if (pem.includes("-----BEGIN PUBLIC KEY-----")) {
        const key = createPublicKey(pem);
        return { key, keyType: keyTypeOf(key) };
      }
      return signerFromCertificate(new X509Certificate(pem));
    } catch (err) {
      throw new IdentityVerificationError(
        "bad-certificate",
        `the ${kind} certificate for ${excerpt(region)} is not a usable X.509 PEM certificate`,
        err,
      );
    }
  });
}

function unknownRegion(kind: SignatureKind, region: string): IdentityVerificationError {
  return new IdentityVerificationError(
    "unknown-region",
    `no ${kind} certificate is known for document.region ${excerpt(region)}`,
  );
}

function cached(key: string, build: () => ResolvedSigner): ResolvedSigner {
  const hit = signerCache.get(key);
  if (hit !== undefined) return hit;
  const signer = build();
  if (signerCache.size >= SIGNER_CACHE_LIMIT) signerCache.clear();
  signerCache.set(key, signer);
  return signer;
}

function keyTypeOf(key: KeyObject): "dsa" | "rsa" {
  const type = key.asymmetricKeyType;
  if (type !== "dsa" && type !== "rsa") {
    throw new IdentityVerificationError(
      "bad-certificate",
      `certificate key type ${String(type)} is not supported (dsa or rsa)`,
    );
  }
  return type;
}

function signerFromCertificate(cert: X509Certificate): ResolvedSigner {
  const der = cert.raw;
  // TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer, ... }
  const tbs = parseBer(der).children[0];
  const fields = tbs.children.slice(isContext(tbs.children[0], 0) ? 1 : 0);
  return {
    key: cert.publicKey,
    keyType: keyTypeOf(cert.publicKey),
    serial: primitiveContent(der, fields[0]),
    issuer: encodedBytes(der, fields[2]),
  };
}

function malformed(message: string, cause?: unknown): IdentityVerificationError {
  return new IdentityVerificationError("malformed-signature", message, cause);
}

/** Returns `node` when it passes `test`, else throws a malformed-signature error naming `what`. */
function expect(node: BerNode | undefined, what: string, test: (n: BerNode) => boolean): BerNode {
  if (node === undefined || !test(node)) {
    throw malformed(`signature is not a CMS SignedData: ${what} expected`);
  }
  return node;
}

const seq = (n: BerNode): boolean => isUniversal(n, UNIVERSAL.SEQUENCE) && n.constructed;
const set = (n: BerNode): boolean => isUniversal(n, UNIVERSAL.SET) && n.constructed;
const oid = (n: BerNode): boolean => isUniversal(n, UNIVERSAL.OID) && !n.constructed;
const int = (n: BerNode): boolean => isUniversal(n, UNIVERSAL.INTEGER) && !n.constructed;
const ctx0 = (n: BerNode): boolean => isContext(n, 0) && n.constructed;
const octets = (n: BerNode): boolean => isUniversal(n, UNIVERSAL.OCTET_STRING);

/**
 * Walks ContentInfo -> SignedData -> the single SignerInfo (RFC 5652 sections 3, 5), insisting
 * on the exact shape IMDS serves. Fields the signature does not cover (versions, algorithm
 * lists, parameters) are pinned too, so that no byte of an accepted blob is free to change.
 */
function parseSignedData(bytes: Buffer): SignedDataParts {
  let root: BerNode;
  try {
    root = parseBer(bytes);
  } catch (err) {
    if (err instanceof BerError) throw malformed(`signature is not valid BER: ${err.message}`, err);
    throw err;
  }
  const hex = (n: BerNode): string => primitiveContent(bytes, n).toString("hex");
  try {
    const contentInfo = expectShape(root, "ContentInfo", seq, 2);
    if (hex(expect(contentInfo.children[0], "contentType OID", oid)) !== OID.signedData) {
      throw malformed("signature is a CMS ContentInfo but not SignedData");
    }
    const explicit = expectShape(contentInfo.children[1], "[0] content", ctx0, 1);
    const signedData = expect(explicit.children[0], "SignedData SEQUENCE", seq);
    const sd = signedData.children;
    // version, digestAlgorithms, encapContentInfo, [0] certificates?, [1] crls?, signerInfos
    if (sd.length < 4 || sd.length > 6) {
      throw malformed(`SignedData must have 4 to 6 fields, has ${sd.length}`);
    }
    expectVersion(bytes, sd[0], "SignedData");
    const digestAlgorithms = expectShape(sd[1], "digestAlgorithms SET", set, 1);
    const encap = expectShape(sd[2], "EncapsulatedContentInfo", seq, 2);
    const eContentType = expect(encap.children[0], "eContentType OID", oid);
    const eContentWrapper = expectShape(encap.children[1], "eContent (the document)", ctx0, 1);
    const eContent = expect(eContentWrapper.children[0], "eContent OCTET STRING", octets);
    // Certificates and CRLs, if AWS ever sends them, are ignored: the signer key is pinned.
    let nextOptional = 0;
    for (const extra of sd.slice(3, -1)) {
      const tagged = expect(extra, "[0] certificates or [1] crls", (n) => {
        return n.constructed && n.tagClass === 2 && n.tagNumber >= nextOptional && n.tagNumber <= 1;
      });
      nextOptional = tagged.tagNumber + 1;
    }
    const signerInfos = expectShape(sd[sd.length - 1], "signerInfos SET (one SignerInfo)", set, 1);
    const si = expect(signerInfos.children[0], "SignerInfo SEQUENCE", seq).children;
    // version, sid, digestAlgorithm, signedAttrs, signatureAlgorithm, signature (no unsignedAttrs)
    if (si.length !== 6) {
      throw malformed(`SignerInfo must have 6 fields, has ${si.length}`);
    }
    expectVersion(bytes, si[0], "SignerInfo");
    const sid = expectShape(si[1], "IssuerAndSerialNumber", seq, 2);
    const issuer = expect(sid.children[0], "issuer Name", seq);
    const serial = expect(sid.children[1], "serialNumber", int);
    const digestOid = algorithmOid(bytes, si[2], "digestAlgorithm");
    if (!encodedBytes(bytes, digestAlgorithms.children[0]).equals(encodedBytes(bytes, si[2]))) {
      throw malformed("digestAlgorithms must list exactly the SignerInfo's digestAlgorithm");
    }
    const signedAttrs = expect(si[3], "signedAttrs [0]", ctx0);
    if (signedAttrs.indefinite || bytes[signedAttrs.start] !== 0xa0) {
      throw malformed("signedAttrs must be DER encoded");
    }
    const signatureOid = algorithmOid(bytes, si[4], "signatureAlgorithm");
    const signatureValue = expect(si[5], "signature OCTET STRING", octets);
    return {
      content: octetStringValue(bytes, eContent),
      contentTypeOid: hex(eContentType),
      issuer: encodedBytes(bytes, issuer),
      serial: primitiveContent(bytes, serial),
      digestOid,
      signedAttrs,
      signatureOid,
      signature: octetStringValue(bytes, signatureValue),
      bytes,
    };
  } catch (err) {
    if (err instanceof BerError) {
      throw malformed(`signature is not a CMS SignedData: ${err.message}`, err);
    }
    throw err;
  }
}

/** Like {@link expect}, and the node must have exactly `children` children. */
function expectShape(
  node: BerNode | undefined,
  what: string,
  test: (n: BerNode) => boolean,
  children: number,
): BerNode {
  const checked = expect(node, what, test);
  if (checked.children.length !== children) {
    throw malformed(`${what} must have ${children} element(s), has ${checked.children.length}`);
  }
  return checked;
}

/** IMDS uses version 1 for both SignedData and SignerInfo (issuerAndSerialNumber, id-data). */
function expectVersion(bytes: Buffer, node: BerNode | undefined, what: string): void {
  const version = expect(node, `${what} version`, int);
  if (primitiveContent(bytes, version).toString("hex") !== "01") {
    throw malformed(`${what} version must be 1`);
  }
}

/** AlgorithmIdentifier with absent or NULL parameters, as the IMDS algorithms all have. */
function algorithmOid(bytes: Buffer, node: BerNode | undefined, what: string): string {
  const alg = expect(node, `${what} SEQUENCE`, seq);
  const [algOid, params, ...rest] = alg.children;
  const nullParams =
    params === undefined ||
    (isUniversal(params, UNIVERSAL.NULL) && !params.constructed && params.end - params.start === 2);
  if (rest.length > 0 || !nullParams) {
    throw malformed(`${what} parameters must be absent or NULL`);
  }
  return primitiveContent(bytes, expect(algOid, `${what} OID`, oid)).toString("hex");
}

function checkAlgorithms(
  kind: "pkcs7" | "rsa2048",
  keyType: "dsa" | "rsa",
  parts: SignedDataParts,
): HashName {
  const hash = HASH_BY_OID[parts.digestOid];
  if (hash === undefined || !ALLOWED_DIGESTS[kind].includes(hash)) {
    throw new IdentityVerificationError(
      "unsupported-algorithm",
      `digest algorithm ${excerpt(parts.digestOid)} is not allowed for kind ${kind} (allowed: ${ALLOWED_DIGESTS[kind].join(", ")})`,
    );
  }
  const signatureOids = SIGNATURE_OIDS[keyType];
  const implied = Object.hasOwn(signatureOids, parts.signatureOid)
    ? signatureOids[parts.signatureOid]
    : undefined;
  if (implied === undefined || (implied !== null && implied !== hash)) {
    throw new IdentityVerificationError(
      "unsupported-algorithm",
      `signature algorithm ${excerpt(parts.signatureOid)} does not fit a ${keyType} key with ${hash}`,
    );
  }
  if (parts.contentTypeOid !== OID.data) {
    throw new IdentityVerificationError(
      "unsupported-algorithm",
      `encapsulated content type ${excerpt(parts.contentTypeOid)} is not id-data`,
    );
  }
  return hash;
}

/** Finds the single-valued messageDigest attribute and checks contentType (RFC 5652 11.1-11.2). */
function messageDigestOf(parts: SignedDataParts): Buffer {
  const { bytes } = parts;
  let digest: Buffer | undefined;
  let contentTypeSeen = false;
  try {
    for (const attr of parts.signedAttrs.children) {
      const type = expect(attr, "Attribute SEQUENCE", seq);
      const attrOid = primitiveContent(
        bytes,
        expect(type.children[0], "attribute OID", oid),
      ).toString("hex");
      const values = expect(type.children[1], "attribute values SET", set).children;
      if (attrOid !== OID.messageDigestAttr && attrOid !== OID.contentTypeAttr) continue;
      if (values.length !== 1 || type.children.length !== 2) {
        throw malformed("messageDigest and contentType attributes must have exactly one value");
      }
      if (attrOid === OID.contentTypeAttr) {
        if (contentTypeSeen) throw malformed("contentType attribute appears twice");
        contentTypeSeen = true;
        const value = expect(values[0], "contentType OID", oid);
        if (primitiveContent(bytes, value).toString("hex") !== parts.contentTypeOid) {
          throw new IdentityVerificationError(
            "bad-signature",
            "contentType signed attribute differs from the encapsulated content type",
          );
        }
      } else {
        if (digest !== undefined) throw malformed("messageDigest attribute appears twice");
        digest = octetStringValue(bytes, values[0]);
      }
    }
  } catch (err) {
    if (err instanceof BerError) throw malformed(`bad signed attributes: ${err.message}`, err);
    throw err;
  }
  if (digest === undefined || !contentTypeSeen) {
    throw malformed("signed attributes must include contentType and messageDigest");
  }
  return digest;
}

/** crypto.verify throws on some malformed signatures (e.g. bad DSA DER); that is a plain "no". */
function safeVerify(hash: HashName, data: Buffer, key: KeyObject, signature: Buffer): boolean {
  try {
    return cryptoVerify(hash, data, key, signature);
  } catch {
    return false;
  }
}
