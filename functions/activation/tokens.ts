/**
 * Bootstrap tokens for machines that cannot prove themselves with an EC2 identity document
 * (on-premises and other clouds). The stack stores only each token's SHA-256; a presented
 * token is hashed and compared in constant time against every stored hash, so neither the
 * token nor the match position leaks through timing.
 *
 * Tokens are 32 random bytes (`hft_` + 43 base64url characters): with that much entropy
 * an unsalted SHA-256 is not open to guessing, and it keeps verification cheap.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** What one bootstrap token may do. Stored in config; holds no secret. */
export interface BootstrapTokenGrant {
  /** A label for audit logs and activation descriptions, e.g. `dc1-web-2026q4`. */
  readonly id: string;
  /** Lower-case hex SHA-256 of the token string. */
  readonly sha256: string;
  /** Regular expression (matched against the whole name) the requested name must match. */
  readonly namePattern: string;
  /** The Environment tag value machines registered with this token get. */
  readonly environment: string;
  /** ISO-8601 instant after which the token is refused. */
  readonly expiresAt: string;
  /**
   * Let this token register names shaped like an EC2 instance ID (`i-` + 8 or 17 hex) or a
   * managed instance ID (`mi-…`). Off by default: such a name taken by a token machine
   * locks the real instance out of its own ID. @default false
   */
  readonly allowInstanceIdNames?: boolean;
}

/** Names token machines may not take unless their grant says {@link BootstrapTokenGrant.allowInstanceIdNames}. */
export const INSTANCE_ID_NAME = /^(?:i-(?:[0-9a-f]{8}|[0-9a-f]{17})$|mi-)/;

/** True if `name` looks like an EC2 instance ID or a managed instance ID. */
export function isInstanceIdName(name: string): boolean {
  return INSTANCE_ID_NAME.test(name);
}

/** The shape of every token this package issues. */
export const TOKEN_PATTERN = /^hft_[A-Za-z0-9_-]{43}$/;

/** SHA-256 of a token, lower-case hex: what goes into config. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** A fresh random token. Show it once; store only {@link hashToken} of it. */
export function newToken(): string {
  return `hft_${randomBytes(32).toString("base64url")}`;
}

/** Why a presented token was refused. */
export type TokenRefusal = "malformed" | "unknown" | "expired" | "name-not-allowed";

/** The result of checking a token: the grant it matched, or why it was refused. */
export type TokenCheck =
  | { readonly ok: true; readonly grant: BootstrapTokenGrant }
  | { readonly ok: false; readonly reason: TokenRefusal; readonly grant?: BootstrapTokenGrant };

/**
 * Finds the grant for a presented token and checks that it allows `name` at `now`.
 * Every stored hash is compared (no early exit), each in constant time.
 */
export function checkToken(
  token: string,
  name: string,
  grants: readonly BootstrapTokenGrant[],
  now: Date,
): TokenCheck {
  if (!TOKEN_PATTERN.test(token)) return { ok: false, reason: "malformed" };
  const presented = Buffer.from(hashToken(token), "hex");
  let match: BootstrapTokenGrant | undefined;
  for (const grant of grants) {
    const stored = Buffer.from(grant.sha256, "hex");
    if (stored.length === presented.length && timingSafeEqual(stored, presented)) {
      match ??= grant;
    }
  }
  if (!match) return { ok: false, reason: "unknown" };
  if (now.getTime() >= Date.parse(match.expiresAt)) {
    return { ok: false, reason: "expired", grant: match };
  }
  if (!wholeMatch(match.namePattern).test(name)) {
    return { ok: false, reason: "name-not-allowed", grant: match };
  }
  return { ok: true, grant: match };
}

const compiled = new Map<string, RegExp>();

/**
 * Compiles a config pattern so it must match the whole name, with Unicode semantics.
 * Patterns come from config, so each is compiled once per cold start, not per request.
 */
export function wholeMatch(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (re === undefined) {
    re = new RegExp(`^(?:${pattern})$`, "u");
    compiled.set(pattern, re);
  }
  return re;
}
