/**
 * The activation API's logic: parse, prove, check the name is free, create a single-use
 * activation named after the caller. Dependencies (SSM client, identity verifier, clock,
 * log sink) come in as arguments so tests pass fakes; `index.ts` wires the real ones.
 */
import { randomUUID } from "node:crypto";
import {
  CreateActivationCommand,
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
import { parseRequest, type ActivationRequest, type SignatureKindName } from "./request";
import { checkToken } from "./tokens";

/** What the identity verifier must return: the verified document's key fields. */
export interface VerifiedIdentity {
  readonly accountId: string;
  readonly instanceId: string;
  readonly region: string;
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
]);

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
  return {
    principal: `token:${check.grant.id}`,
    environment: check.grant.environment,
    fields: { method: "token", tokenId: check.grant.id },
  };
}

/** Refuses the name if a registered managed instance holding it is Online. */
async function ensureNameFree(ssm: Pick<SSMClient, "send">, name: string): Promise<void> {
  let nextToken: string | undefined;
  do {
    const page = await ssm.send(
      new DescribeInstanceInformationCommand({
        Filters: [{ Key: "tag:Name", Values: [name] }],
        MaxResults: 50,
        NextToken: nextToken,
      }),
    );
    const holder = (page.InstanceInformationList ?? []).find(
      (i) => i.ResourceType === "ManagedInstance" && i.PingStatus === "Online",
    );
    if (holder) {
      throw new NameConflictError(
        `the name "${name}" is held by managed instance ${holder.InstanceId}, which is registered and Online; ` +
          "deregister it first (a ConnectionLost holder does not block)",
      );
    }
    nextToken = page.NextToken;
  } while (nextToken);
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
  const { config } = deps;
  return async (event, context) => {
    const requestId = context?.awsRequestId || event?.requestContext?.requestId || randomUUID();
    const log = createLogger({ requestId }, sink, "INFO", clock);
    try {
      const now = clock();
      const request = parseRequest(event, config);
      const authorization = authorize(request, config, deps.verifyIdentity, now);
      await ensureNameFree(deps.ssm, request.name);
      const input = buildCreateActivationInput(request, authorization, config, now);
      const output = await deps.ssm.send(new CreateActivationCommand(input));
      if (!output.ActivationId || !output.ActivationCode) {
        throw new Error("CreateActivation returned no activation ID or code");
      }
      const body: ActivationResponse = {
        activationId: output.ActivationId,
        activationCode: output.ActivationCode,
        region: deps.region,
        instanceName: request.name,
        expiresAt: (input.ExpirationDate as Date).toISOString(),
      };
      log.info("activation issued", {
        status: 200,
        instanceName: request.name,
        activationId: output.ActivationId,
        environment: authorization.environment,
        expiresAt: body.expiresAt,
        ...authorization.fields,
      });
      return respond(200, body);
    } catch (err) {
      return toResponse(err, requestId, log, config);
    }
  };
}
