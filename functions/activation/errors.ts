/**
 * Errors the activation API answers with. Each class carries its HTTP status and a stable
 * `code`; {@link toResponse} maps them to API responses in one place. A client error's
 * message says what was wrong with the request; server errors say nothing about internals.
 */

/** Base class: an error with a status code and a machine-readable code. */
export abstract class ApiError extends Error {
  abstract readonly statusCode: number;
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** 400: the request is malformed (bad name, bad tag, bad header). */
export class BadRequestError extends ApiError {
  readonly statusCode = 400;
  readonly code = "BadRequest";
}

/** 401: the request carries no proof of identity. */
export class UnauthenticatedError extends ApiError {
  readonly statusCode = 401;
  readonly code = "Unauthenticated";
}

/** 403: the proof is invalid, or does not allow this name, account or environment. */
export class ForbiddenError extends ApiError {
  readonly statusCode = 403;
  readonly code = "Forbidden";
}

/** 409: another machine registered and Online already holds this name. */
export class NameConflictError extends ApiError {
  readonly statusCode = 409;
  readonly code = "NameInUse";
}

/** 503: SSM throttled or failed after the SDK's own retries; the caller should retry later. */
export class ServiceUnavailableError extends ApiError {
  readonly statusCode = 503;
  readonly code = "ServiceUnavailable";
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** 500: anything unexpected. The message is generic; details go to the log only. */
export class InternalError extends ApiError {
  readonly statusCode = 500;
  readonly code = "InternalError";
}

/** Thrown at cold start when the function's environment is incomplete or invalid. */
export class ConfigurationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ConfigurationError";
  }
}
