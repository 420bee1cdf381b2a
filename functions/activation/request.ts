/**
 * Parses and validates an activation request (API Gateway REST proxy event) into a typed
 * {@link ActivationRequest}. Everything a caller sends is checked here, before any proof is
 * verified or any AWS call is made; a bad request gets a 400 that says what was wrong.
 */
import type { APIGatewayProxyEvent } from "aws-lambda";
import type { ActivationConfig } from "./config";
import { BadRequestError, UnauthenticatedError } from "./errors";
import { wholeMatch } from "./tokens";

/**
 * SSM's own constraint on `DefaultInstanceName` and on tag keys/values
 * (`^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`, from the SSM API model); JS needs the `u` flag.
 */
export const SSM_NAME_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
/** Longest `DefaultInstanceName` SSM accepts. */
export const MAX_NAME_LENGTH = 256;
/** Tags a caller may add on top of the four the API sets (a managed instance holds ≤50). */
export const MAX_EXTRA_TAGS = 10;

/** Header names (lower case) that carry the EC2 proof. */
export const HEADERS = {
  document: "x-instance-identity-document",
  signature: "x-instance-identity-signature",
  kind: "x-instance-identity-signature-kind",
  authorization: "authorization",
} as const;

/** Signature kinds IMDS serves, by their path. */
export const SIGNATURE_KINDS = ["signature", "pkcs7", "rsa2048"] as const;
/** One of {@link SIGNATURE_KINDS}. */
export type SignatureKindName = (typeof SIGNATURE_KINDS)[number];

const MAX_DOCUMENT_BYTES = 4096;
/** Base64 of {@link MAX_DOCUMENT_BYTES}, with room for line breaks. */
const MAX_DOCUMENT_CHARS = 2 * MAX_DOCUMENT_BYTES;
const MAX_SIGNATURE_CHARS = 8192;

/** The proof a caller presented. */
export type Proof =
  | {
      readonly method: "ec2";
      readonly kind: SignatureKindName;
      readonly signature: string;
      /** The document bytes exactly as IMDS served them (hashing needs the exact bytes). */
      readonly document?: Buffer;
    }
  | { readonly method: "token"; readonly token: string };

/** A validated request. */
export interface ActivationRequest {
  readonly name: string;
  readonly extraTags: ReadonlyArray<{ readonly Key: string; readonly Value: string }>;
  readonly proof: Proof;
}

/** Length in Unicode code points, as SSM counts. */
function codePoints(s: string): number {
  return [...s].length;
}

/** Checks a name against SSM's `DefaultInstanceName` rule; returns the problem or undefined. */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return "name must not be empty";
  if (codePoints(name) > MAX_NAME_LENGTH)
    return `name must be at most ${MAX_NAME_LENGTH} characters`;
  if (!SSM_NAME_PATTERN.test(name)) {
    return "name may contain only letters, digits, spaces and _ . : / = + - @";
  }
  return undefined;
}

function lowerCaseHeaders(event: APIGatewayProxyEvent): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const multi = event.multiValueHeaders ?? {};
  for (const [k, values] of Object.entries(multi)) {
    if (values) out.set(k.toLowerCase(), [...(out.get(k.toLowerCase()) ?? []), ...values]);
  }
  for (const [k, v] of Object.entries(event.headers ?? {})) {
    if (v !== undefined && !out.has(k.toLowerCase())) out.set(k.toLowerCase(), [v]);
  }
  return out;
}

function single(map: Map<string, string[]>, key: string, what: string): string | undefined {
  const values = map.get(key);
  if (!values || values.length === 0) return undefined;
  if (values.length > 1)
    throw new BadRequestError(`${what} must be given once, got ${values.length}`);
  return values[0];
}

function queryParameters(event: APIGatewayProxyEvent): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, values] of Object.entries(event.multiValueQueryStringParameters ?? {})) {
    if (values) out.set(k, [...values]);
  }
  for (const [k, v] of Object.entries(event.queryStringParameters ?? {})) {
    if (v !== undefined && !out.has(k)) out.set(k, [v]);
  }
  return out;
}

function parseTags(
  query: Map<string, string[]>,
  config: ActivationConfig,
): Array<{ Key: string; Value: string }> {
  const tags: Array<{ Key: string; Value: string }> = [];
  for (const [param, values] of query) {
    if (param === "name") continue;
    if (!param.startsWith("tag.")) {
      throw new BadRequestError(
        `unknown query parameter "${param.slice(0, 64)}"; allowed: name, tag.<Key>`,
      );
    }
    const key = param.slice(4);
    if (values.length > 1)
      throw new BadRequestError(`tag "${key.slice(0, 128)}" is given more than once`);
    const value = values[0];
    const rule = Object.prototype.hasOwnProperty.call(config.allowedTags, key)
      ? config.allowedTags[key]
      : undefined;
    if (!rule) {
      const allowed = Object.keys(config.allowedTags);
      throw new BadRequestError(
        `tag "${key.slice(0, 128)}" may not be set by callers; allowed tag keys: ${allowed.length ? allowed.join(", ") : "none"}`,
      );
    }
    // Length first: nothing longer than SSM accepts reaches a regular expression.
    if (value.length > 4 * 256 || codePoints(value) > 256 || !SSM_NAME_PATTERN.test(value)) {
      throw new BadRequestError(
        `tag "${key}" value must be at most 256 letters, digits, spaces or _ . : / = + - @`,
      );
    }
    tags.push({ Key: key, Value: value });
  }
  if (tags.length > MAX_EXTRA_TAGS) {
    throw new BadRequestError(`at most ${MAX_EXTRA_TAGS} tag.<Key> parameters are accepted`);
  }
  return tags.sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0));
}

function parseProof(headers: Map<string, string[]>): Proof {
  const document = single(headers, HEADERS.document, "X-Instance-Identity-Document");
  const signature = single(headers, HEADERS.signature, "X-Instance-Identity-Signature");
  const kind = single(headers, HEADERS.kind, "X-Instance-Identity-Signature-Kind");
  const authorization = single(headers, HEADERS.authorization, "Authorization");
  const ec2 = document !== undefined || signature !== undefined || kind !== undefined;

  if (ec2 && authorization !== undefined) {
    throw new BadRequestError(
      "send either an instance identity (X-Instance-Identity-*) or a bootstrap token (Authorization), not both",
    );
  }
  if (ec2) {
    if (signature === undefined || signature.trim() === "") {
      throw new BadRequestError(
        "X-Instance-Identity-Signature is required with an instance identity",
      );
    }
    const kindName = kind ?? "rsa2048";
    if (!(SIGNATURE_KINDS as readonly string[]).includes(kindName)) {
      throw new BadRequestError(
        `X-Instance-Identity-Signature-Kind must be one of ${SIGNATURE_KINDS.join(", ")}`,
      );
    }
    if (!isBase64(signature, MAX_SIGNATURE_CHARS)) {
      throw new BadRequestError(
        `X-Instance-Identity-Signature must be base64, at most ${MAX_SIGNATURE_CHARS} characters`,
      );
    }
    let decoded: Buffer | undefined;
    if (document !== undefined) {
      if (!isBase64(document, MAX_DOCUMENT_CHARS)) {
        throw new BadRequestError(
          `X-Instance-Identity-Document must be the base64 of the document, at most ${MAX_DOCUMENT_CHARS} characters`,
        );
      }
      const bytes = Buffer.from(document, "base64");
      if (bytes.length === 0 || bytes.length > MAX_DOCUMENT_BYTES) {
        throw new BadRequestError(
          `X-Instance-Identity-Document must decode to 1-${MAX_DOCUMENT_BYTES} bytes`,
        );
      }
      decoded = bytes;
    }
    if (kindName === "signature" && decoded === undefined) {
      throw new BadRequestError(
        'X-Instance-Identity-Document is required with signature kind "signature"',
      );
    }
    return {
      method: "ec2",
      kind: kindName as SignatureKindName,
      signature,
      ...(decoded !== undefined ? { document: decoded } : {}),
    };
  }
  if (authorization === undefined) {
    throw new UnauthenticatedError(
      "proof of identity required: an EC2 instance identity (X-Instance-Identity-Document/-Signature) or Authorization: Bearer <bootstrap token>",
    );
  }
  const match = /^Bearer[ ]+(\S+)[ ]*$/i.exec(authorization);
  if (!match) throw new UnauthenticatedError("Authorization must be: Bearer <bootstrap token>");
  return { method: "token", token: match[1] };
}

/**
 * Checks the caller's tag values against the operators' rules. Runs after the proof is
 * verified, so an unauthenticated caller never gets an operator pattern evaluated; values
 * were already capped at 256 characters by {@link parseRequest}.
 */
export function checkTagValues(
  tags: ActivationRequest["extraTags"],
  config: ActivationConfig,
): void {
  for (const { Key: key, Value: value } of tags) {
    const rule = config.allowedTags[key];
    const byValue = rule.values?.includes(value) ?? false;
    const byPattern =
      !byValue && rule.pattern !== undefined && wholeMatch(rule.pattern).test(value);
    if (!byValue && !byPattern) {
      const allowed = [
        ...(rule.values ? [`one of ${rule.values.join(", ")}`] : []),
        ...(rule.pattern ? [`matching ${rule.pattern}`] : []),
      ].join(" or ");
      throw new BadRequestError(`tag "${key}" value is not allowed; it must be ${allowed}`);
    }
  }
}

/**
 * True if `text` is base64 (whitespace allowed anywhere, up to two `=` of padding at the end)
 * and at most `maxChars` long. One pass, no backtracking: the old regular expression
 * (`[A-Za-z0-9+/\s]*={0,2}\s*`) was quadratic on long runs of whitespace.
 */
export function isBase64(text: string, maxChars: number): boolean {
  if (text.length > maxChars) return false;
  let padding = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const isSpace = c === 0x20 || (c >= 0x09 && c <= 0x0d);
    if (isSpace) continue;
    if (c === 0x3d) {
      if (++padding > 2) return false;
      continue;
    }
    const isAlphabet =
      (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x61 && c <= 0x7a) ||
      (c >= 0x30 && c <= 0x39) ||
      c === 0x2b ||
      c === 0x2f;
    if (!isAlphabet || padding > 0) return false;
  }
  return true;
}

/** Parses and validates an API Gateway proxy event. Throws 400/401 errors. */
export function parseRequest(
  event: APIGatewayProxyEvent,
  config: ActivationConfig,
): ActivationRequest {
  if (event.httpMethod !== "GET") throw new BadRequestError("use GET /activate?name=<id>");
  const query = queryParameters(event);
  const names = query.get("name");
  if (!names || names.length === 0) throw new BadRequestError("query parameter name is required");
  if (names.length > 1) throw new BadRequestError("query parameter name must be given once");
  const problem = nameProblem(names[0]);
  if (problem) throw new BadRequestError(problem);
  const extraTags = parseTags(query, config);
  const proof = parseProof(lowerCaseHeaders(event));
  return { name: names[0], extraTags, proof };
}
