/**
 * The activation API's logic: parse, prove, lease the name, check no registered node holds
 * it, create a single-use activation named after the caller, delete the one it replaces.
 * Dependencies (SSM and DynamoDB clients, identity verifier, clock, log sink) come in as
 * arguments so tests pass fakes; `index.ts` wires the real ones.
 */
import { randomUUID } from "node:crypto";
import {
  CreateActivationCommand,
  DeleteActivationCommand,
  DescribeInstanceInformationCommand,
  type CreateActivationCommandInput,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import type { ActivationConfig } from "./config";
import {
  ApiError,
  BadRequestError,
  ForbiddenError,
  InternalError,
  NameConflictError,
  ServiceUnavailableError,
} from "./errors";
import { createLogger, type LogSink, type Logger } from "./logger";
import {
  LEASE_GRACE_SECONDS,
  LeaseHeldError,
  LeaseSupersededError,
  recordActivation,
  releaseLease,
  takeLease,
  type LeaseClient,
} from "./lease";
import {
  createRegisteredNameView,
  listRegisteredNames,
  type RegisteredNameView,
} from "./registeredNames";
import {
  checkTagValues,
  parseRequest,
  type ActivationRequest,
  type SignatureKindName,
} from "./request";
import { checkToken, isInstanceIdName } from "./tokens";

/** What the identity verifier must return: the verified document's key fields. */
export interface VerifiedIdentity {
  readonly accountId: string;
  readonly instanceId: string;
  readonly region: string;
  /** When the instance last entered `pending` (ISO-8601), for the replay window. */
  readonly pendingTime?: string;
}

/** Verifies an EC2 identity proof; throws an error named `IdentityVerificationError` if invalid. */
export type IdentityVerifier = (input: {
  kind: SignatureKindName;
  signature: string;
  document?: Uint8Array;
}) => VerifiedIdentity;

/** Verifier reasons that mean the request itself was malformed (400), not a bad proof (403). */
const MALFORMED_PROOF = new Set([
  "invalid-input",
  "missing-document",
  "malformed-signature",
  "malformed-document",
]);
/** Verifier reasons that mean our side is broken (500), whatever the caller sent. */
const VERIFIER_FAULT = new Set(["bad-certificate", "internal-error"]);

/** The handler's dependencies. */
export interface HandlerDependencies {
  readonly ssm: Pick<SSMClient, "send">;
  readonly config: ActivationConfig;
  readonly region: string;
  readonly verifyIdentity: IdentityVerifier;
  /** The name-lease table: a DynamoDB client and the table's name. */
  readonly leases: { readonly client: LeaseClient; readonly table: string };
  /** Registered nodes by name. @default a cached view over `ssm` */
  readonly registeredNames?: RegisteredNameView;
  readonly clock?: () => Date;
  readonly log?: LogSink;
}

/** The body of a successful response. */
export interface ActivationResponse {
  readonly activationId: string;
  readonly activationCode: string;
  readonly region: string;
  readonly instanceName: string;
  readonly expiresAt: string;
}

/** The handler's signature (API Gateway REST proxy integration). */
export type ActivationHandler = (
  event: APIGatewayProxyEvent,
  context?: Pick<Context, "awsRequestId">,
) => Promise<APIGatewayProxyResult>;

/** Who the caller proved to be, and what that lets it register. */
interface Authorization {
  readonly principal: string;
  readonly environment: string;
  readonly fields: Record<string, string>;
}

const THROTTLING_ERRORS = new Set([
  "ThrottlingException",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "Throttling",
  // DynamoDB's names for the same thing.
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
]);

/** `DeleteActivation` errors that mean the activation is already gone: nothing to do. */
const ACTIVATION_GONE = new Set(["InvalidActivation", "InvalidActivationId"]);

function authorize(
  request: ActivationRequest,
  config: ActivationConfig,
  verifyIdentity: IdentityVerifier,
  now: Date,
): Authorization {
  const { proof, name } = request;
  if (proof.method === "ec2") {
    if (!config.ec2Auth) {
      throw new ForbiddenError("EC2 instance identity proof is disabled for this fleet");
    }
    let identity: VerifiedIdentity;
    try {
      identity = verifyIdentity(proof);
    } catch (err) {
      if ((err as Error)?.name !== "IdentityVerificationError") throw err;
      const reason = (err as { reason?: string }).reason ?? "invalid";
      if (VERIFIER_FAULT.has(reason)) throw err;
      if (MALFORMED_PROOF.has(reason)) {
        throw new BadRequestError(`instance identity proof is malformed (${reason})`, {
          cause: err,
        });
      }
      throw new ForbiddenError(`instance identity signature did not verify (${reason})`, {
        cause: err,
      });
    }
    if (!config.allowedAccounts.includes(identity.accountId)) {
      throw new ForbiddenError(
        `account ${identity.accountId} is not allowed to register in this fleet`,
      );
    }
    if (identity.instanceId !== name) {
      throw new ForbiddenError(
        `an EC2 instance may only register under its own instance ID (${identity.instanceId})`,
      );
    }
    if (config.ec2MaxIdentityAgeMinutes > 0) {
      const pending = Date.parse(identity.pendingTime ?? "");
      const ageMinutes = (now.getTime() - pending) / 60_000;
      if (Number.isNaN(pending) || ageMinutes > config.ec2MaxIdentityAgeMinutes) {
        throw new ForbiddenError(
          `the instance identity document's pendingTime (${identity.pendingTime ?? "missing"}) is older than ${config.ec2MaxIdentityAgeMinutes} minutes (ec2MaxIdentityAgeMinutes)`,
        );
      }
    }
    return {
      principal: `ec2:${identity.accountId}:${identity.instanceId}`,
      environment: config.environment,
      fields: {
        method: "ec2",
        accountId: identity.accountId,
        instanceId: identity.instanceId,
        documentRegion: identity.region,
        signatureKind: proof.kind,
      },
    };
  }
  if (!config.tokenAuth) {
    throw new ForbiddenError("bootstrap token proof is disabled for this fleet");
  }
  const check = checkToken(proof.token, name, config.tokens, now);
  if (!check.ok) {
    const messages: Record<typeof check.reason, string> = {
      malformed: "bootstrap token is malformed",
      unknown: "bootstrap token is not valid",
      expired: `bootstrap token ${check.grant?.id} has expired`,
      "name-not-allowed": `bootstrap token ${check.grant?.id} may not register the name "${name}"`,
    };
    throw new ForbiddenError(messages[check.reason]);
  }
  if (isInstanceIdName(name) && !check.grant.allowInstanceIdNames) {
    // An EC2 instance ID or mi- ID taken by a token machine would lock the real instance
    // out of its own name (it can only register under its instance ID).
    throw new ForbiddenError(
      `bootstrap token ${check.grant.id} may not register "${name}": names shaped like an EC2 instance ID or managed instance ID (i-…, mi-…) need allowInstanceIdNames on the grant`,
    );
  }
  return {
    principal: `token:${check.grant.id}`,
    environment: check.grant.environment,
    fields: { method: "token", tokenId: check.grant.id },
  };
}

/** Refuses the name if a registered hybrid node (Online or ConnectionLost) holds it. */
async function ensureNotRegistered(
  view: RegisteredNameView,
  name: string,
  now: Date,
): Promise<void> {
  const holder = await view.holder(name, now);
  if (holder) {
    throw new NameConflictError(
      `the name "${name}" is held by managed instance ${holder.InstanceId}, which is registered (${holder.PingStatus}); ` +
        "deregister it first",
    );
  }
}

/** Refuses if a node registered with the activation being replaced is in a `blocking` state. */
async function ensurePreviousActivationUnused(
  ssm: Pick<SSMClient, "send">,
  name: string,
  activationId: string,
  blocking: readonly string[],
): Promise<void> {
  const page = await ssm.send(
    new DescribeInstanceInformationCommand({
      Filters: [{ Key: "ActivationIds", Values: [activationId] }],
      MaxResults: 5,
    }),
  );
  const holder = (page.InstanceInformationList ?? []).find((i) =>
    blocking.includes(i.PingStatus ?? ""),
  );
  if (holder) {
    throw new NameConflictError(
      `the name "${name}" is held by managed instance ${holder.InstanceId}, which registered with this caller's previous activation (${holder.PingStatus}); ` +
        "deregister it first",
    );
  }
}

/** Deletes an activation, treating "already gone" as done. */
async function deleteActivation(ssm: Pick<SSMClient, "send">, activationId: string): Promise<void> {
  try {
    await ssm.send(new DeleteActivationCommand({ ActivationId: activationId }));
  } catch (err) {
    if (!ACTIVATION_GONE.has((err as Error)?.name)) throw err;
  }
}

/** Builds the exact CreateActivation input for an authorized request. */
export function buildCreateActivationInput(
  request: ActivationRequest,
  authorization: { principal: string; environment: string },
  config: ActivationConfig,
  now: Date,
): CreateActivationCommandInput {
  const description = `ssm-hybrid-fleet ${config.fleetName}: ${request.name} via ${authorization.principal}`;
  return {
    DefaultInstanceName: request.name,
    IamRole: config.managedInstanceRoleName,
    RegistrationLimit: 1,
    ExpirationDate: new Date(now.getTime() + config.activationTtlMinutes * 60_000),
    Description: [...description].slice(0, 256).join(""),
    Tags: [
      { Key: "Name", Value: request.name },
      { Key: config.environmentTagKey, Value: authorization.environment },
      { Key: config.modeTagKey, Value: config.defaultMode },
      { Key: config.fleetTagKey, Value: config.fleetName },
      ...request.extraTags,
    ],
  };
}

function isTransient(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number }; code?: string };
  if (THROTTLING_ERRORS.has(e?.name ?? "")) return true;
  if ((e?.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  if (e?.name === "InternalServerError" || e?.name === "TimeoutError") return true;
  return ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE"].includes(e?.code ?? "");
}

function respond(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store", ...headers },
    body: JSON.stringify(body),
  };
}

/** Maps any error to a response, in one place. Unexpected errors leak nothing. */
function toResponse(
  err: unknown,
  requestId: string,
  log: Logger,
  config: ActivationConfig,
): APIGatewayProxyResult {
  let apiError: ApiError;
  if (err instanceof ApiError) {
    apiError = err;
  } else if (isTransient(err)) {
    apiError = new ServiceUnavailableError(
      "Systems Manager is busy; retry after the number of seconds in Retry-After",
      config.retryAfterSeconds,
      { cause: err },
    );
  } else {
    apiError = new InternalError(`internal error; quote request ID ${requestId}`, { cause: err });
  }
  const cause = apiError.cause as { name?: string; message?: string } | undefined;
  const fields = {
    status: apiError.statusCode,
    error: apiError.code,
    ...(cause ? { cause: `${cause.name ?? "Error"}: ${cause.message ?? ""}`.slice(0, 500) } : {}),
  };
  if (apiError.statusCode >= 500) log.error(apiError.message, fields);
  else log.warn(`request refused: ${apiError.message}`, fields);
  const headers: Record<string, string> =
    apiError instanceof ServiceUnavailableError
      ? { "Retry-After": String(apiError.retryAfterSeconds) }
      : {};
  return respond(
    apiError.statusCode,
    { error: apiError.code, message: apiError.message, requestId },
    headers,
  );
}

/** Creates the API Gateway handler from its dependencies. */
export function createActivationHandler(deps: HandlerDependencies): ActivationHandler {
  const clock = deps.clock ?? (() => new Date());
  const sink = deps.log ?? ((line: string) => console.log(line));
  const { config, leases } = deps;
  const registeredNames =
    deps.registeredNames ??
    createRegisteredNameView(
      () => listRegisteredNames(deps.ssm),
      config.registeredNamesMaxAgeSeconds * 1000,
    );
  const takeLeaseOrRefuse = async (
    name: string,
    principal: string,
    activationExpiresAt: Date,
    now: Date,
  ) => {
    try {
      return await takeLease(leases.client, leases.table, {
        name,
        principal,
        leaseToken: randomUUID(),
        expiresAt: Math.ceil(activationExpiresAt.getTime() / 1000) + LEASE_GRACE_SECONDS,
        now,
      });
    } catch (err) {
      if (!(err instanceof LeaseHeldError)) throw err;
      const until =
        err.expiresAt > 0 ? ` until ${new Date(err.expiresAt * 1000).toISOString()}` : "";
      throw new NameConflictError(
        `the name "${name}" is leased to another machine${until}; ` +
          "it stays refused while that machine's activation is live or it is registered",
        { cause: err },
      );
    }
  };
  return async (event, context) => {
    const requestId = context?.awsRequestId || event?.requestContext?.requestId || randomUUID();
    const log = createLogger({ requestId }, sink, "INFO", clock);
    try {
      const now = clock();
      const request = parseRequest(event, config);
      // Proof first: nothing an unauthenticated caller sends is matched against a pattern.
      const authorization = authorize(request, config, deps.verifyIdentity, now);
      checkTagValues(request.extraTags, config);
      const input = buildCreateActivationInput(request, authorization, config, now);
      const expiresAt = input.ExpirationDate as Date;
      const lease = await takeLeaseOrRefuse(request.name, authorization.principal, expiresAt, now);
      let activationId: string;
      let activationCode: string;
      try {
        if (lease.fresh) {
          // Cached: no SSM call per request (see registeredNames.ts for why that is safe).
          await ensureNotRegistered(registeredNames, request.name, now);
        } else if (lease.previousActivationId !== undefined) {
          // The holder again: a retry whose answer was lost is welcome, a second machine
          // under a name its previous activation already registered is not.
          await ensurePreviousActivationUnused(
            deps.ssm,
            request.name,
            lease.previousActivationId,
            // An instance ID names one machine: its own ConnectionLost registration is stale
            // (it is asking again). A token names many machines, so it may be another one.
            request.proof.method === "ec2" ? ["Online"] : ["Online", "ConnectionLost"],
          );
        }
        const output = await deps.ssm.send(new CreateActivationCommand(input));
        if (!output.ActivationId || !output.ActivationCode) {
          throw new Error("CreateActivation returned no activation ID or code");
        }
        activationId = output.ActivationId;
        activationCode = output.ActivationCode;
      } catch (err) {
        // Give a name taken fresh back, so a failed first attempt locks nobody out.
        if (lease.fresh)
          await releaseLease(leases.client, leases.table, { name: request.name, ...lease });
        throw err;
      }
      let replaced: string | undefined;
      try {
        replaced = await recordActivation(leases.client, leases.table, {
          name: request.name,
          leaseToken: lease.leaseToken,
          activationId,
        });
      } catch (err) {
        // A newer request of the same principal owns the name now: withdraw this activation.
        await deleteActivation(deps.ssm, activationId);
        if (err instanceof LeaseSupersededError) {
          throw new NameConflictError(
            `a newer request for "${request.name}" from the same caller superseded this one; use the newest answer`,
            { cause: err },
          );
        }
        throw err;
      }
      if (replaced !== undefined) {
        // At most one live activation per name: the one this request replaces goes.
        try {
          await deleteActivation(deps.ssm, replaced);
        } catch (err) {
          log.error("could not delete the replaced activation; it expires on its own", {
            replacedActivationId: replaced,
            cause: `${(err as Error)?.name}: ${(err as Error)?.message}`.slice(0, 500),
          });
        }
      }
      const output = { ActivationId: activationId, ActivationCode: activationCode };
      const body: ActivationResponse = {
        activationId: output.ActivationId,
        activationCode: output.ActivationCode,
        region: deps.region,
        instanceName: request.name,
        expiresAt: expiresAt.toISOString(),
      };
      log.info("activation issued", {
        status: 200,
        instanceName: request.name,
        activationId: output.ActivationId,
        environment: authorization.environment,
        expiresAt: body.expiresAt,
        ...(replaced !== undefined ? { replacedActivationId: replaced } : {}),
        ...authorization.fields,
      });
      return respond(200, body);
    } catch (err) {
      return toResponse(err, requestId, log, config);
    }
  };
}
