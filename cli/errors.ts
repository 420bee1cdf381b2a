/**
 * The CLI's errors and the one place that maps any error to an exit code and a message.
 * Commands throw; `runAction` (cli/action.ts) catches, prints the message to stderr and
 * exits with {@link exitCodeFor}.
 */
import { EXIT, type ExitCode } from "./exitCodes";

/** The command line is wrong: names the option and what is allowed. Exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The user refused a confirmation, or none could be asked (no TTY, no `--yes`). Exit 4. */
export class RefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RefusedError";
  }
}

/**
 * Names of errors the AWS SDK raises before or without a service response: the credential
 * chain found nothing, or the request never got an answer. Service errors carry `$metadata`.
 */
const SDK_CLIENT_ERRORS = new Set([
  "CredentialsProviderError",
  "TokenProviderError",
  "TimeoutError",
  "RequestTimeout",
]);

/** Node network error codes: AWS could not be reached. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EPIPE",
]);

/** Error names the SDK's retry strategy treats as throttling (the last one is returned after retries). */
const THROTTLING = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "ProvisionedThroughputExceededException",
  "ThrottledException",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
]);

interface ErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly $metadata?: { readonly attempts?: number; readonly httpStatusCode?: number };
}

/** True when `error` came from AWS or the SDK talking to it (not from our own code). */
export function isAwsError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as ErrorShape;
  if (typeof e.$metadata === "object" && e.$metadata !== null) return true;
  if (typeof e.name === "string" && SDK_CLIENT_ERRORS.has(e.name)) return true;
  return typeof e.code === "string" && NETWORK_CODES.has(e.code);
}

/** True when `error` is AWS throttling (what the SDK returns once its retries are spent). */
export function isThrottling(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const name = (error as ErrorShape).name;
  return typeof name === "string" && THROTTLING.has(name);
}

/** The exit code for an error a command threw. Unexpected errors (bugs) exit 1. */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof RefusedError) return EXIT.refused;
  if (isAwsError(error)) return EXIT.aws;
  return EXIT.negative;
}

/** The one line printed to stderr for an error: what failed and, for AWS errors, what to check. */
export function describeError(error: unknown): string {
  if (error instanceof UsageError) return `error: ${error.message}`;
  if (error instanceof RefusedError) return error.message;
  const e = (typeof error === "object" && error !== null ? error : {}) as ErrorShape;
  const message = typeof e.message === "string" ? e.message : String(error);
  const name = typeof e.name === "string" ? e.name : "Error";
  if (isThrottling(error)) {
    const attempts = e.$metadata?.attempts;
    const tries = attempts ? ` after ${attempts} attempts` : "";
    return `AWS error: throttled${tries} (${name}: ${message}); retry later or narrow the selection`;
  }
  if (name === "CredentialsProviderError") {
    return `AWS error: no credentials (${message}); set --profile, or AWS_PROFILE, or run aws configure / aws sso login`;
  }
  if (isAwsError(error)) return `AWS error: ${name}: ${message}`;
  return `internal error: ${name}: ${message}`;
}
