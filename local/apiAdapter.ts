/**
 * Serves a Lambda handler over local HTTP the way an API Gateway REST API with a Lambda proxy
 * integration on `GET /activate` would: same routing answers, same v1 proxy event, same
 * gateway errors (403 for unknown routes, 429 when the stage throttles, 502 when the function
 * throws or returns a malformed result, 504 on integration timeout). It lets the real
 * bootstrap scripts and the real handler meet without AWS.
 */
import { randomBytes, randomUUID } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import { addressAllowed, cidrListProblem, parseCidrs } from "../components/activation/cidr";

/** Any REST-proxy handler, e.g. `functions/activation`'s `handler`. */
export type ProxyHandler = (
  event: APIGatewayProxyEvent,
  context: Context,
) => Promise<APIGatewayProxyResult>;

/** Stage throttling, as API Gateway's `throttlingRateLimit` / `throttlingBurstLimit`. */
export interface ApiThrottle {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Bucket size: requests allowed at once. */
  readonly burstLimit: number;
  /**
   * `Retry-After` seconds on the stage's own 429, as the deployed API's THROTTLED gateway
   * response sets it (ActivationApiArgs.throttleRetryAfterSeconds). @default none
   */
  readonly retryAfterSeconds?: number;
}

/** Options for {@link startApiAdapter}. */
export interface ApiAdapterOptions {
  /** The handler to serve. */
  readonly handler: ProxyHandler;
  /** Interface to bind. @default "127.0.0.1" */
  readonly host?: string;
  /** Port to bind. @default 0 (ephemeral) */
  readonly port?: number;
  /** Stage name, the first path segment. @default "latest" */
  readonly stage?: string;
  /** Stage throttling; unset = unlimited. @default none */
  readonly throttle?: ApiThrottle;
  /** Integration timeout in ms (API Gateway's default and maximum for REST is 29 s). @default 29000 */
  readonly timeoutMs?: number;
  /** Reported as `context.functionName`. @default "activation-local" */
  readonly functionName?: string;
  /** Reported as `requestContext.accountId` and in the function ARN. @default "123456789012" */
  readonly accountId?: string;
  /** Reported in the function ARN and the Host-less domain name. @default "ap-southeast-2" */
  readonly region?: string;
  /** Clock in epoch ms, for the throttle bucket and request times. @default Date.now */
  readonly now?: () => number;
  /**
   * Source ranges allowed to call, as `apiAllowedCidrs` deploys them: any other caller gets the
   * 403 API Gateway answers when the resource policy denies it. @default undefined (everyone)
   */
  readonly allowedCidrs?: readonly string[];
}

/**
 * The body API Gateway returns when a resource policy explicitly denies an unauthenticated
 * caller (AWS's troubleshooting article shows it with `<api-resource-arn>` and, for an explicit
 * deny, the " with an explicit deny" suffix:
 * https://repost.aws/knowledge-center/api-gateway-403-error-lambda-authorizer).
 */
export function resourcePolicyDenyBody(methodArn: string): string {
  return JSON.stringify({
    Message: `User: anonymous is not authorized to perform: execute-api:Invoke on resource: ${methodArn} with an explicit deny`,
  });
}

/** A running adapter. */
export interface ApiAdapter {
  /** `http://127.0.0.1:<port>/<stage>`: the API URL the bootstrap scripts take. */
  readonly url: string;
  /** Bound port. */
  readonly port: number;
  /** Stop listening and drop open connections. */
  close(): Promise<void>;
}

/** The only route the activation API exposes. */
const RESOURCE = "/activate";
const GATEWAY_HEADERS = { "Content-Type": "application/json" };
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** API Gateway's `requestTime` format: `28/Nov/2026:14:04:19 +0000`. */
export function formatRequestTime(epochMs: number): string {
  const d = new Date(epochMs);
  const p = (n: number): string => String(n).padStart(2, "0");
  return (
    `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`
  );
}

/**
 * Split a raw query string as API Gateway does for REST proxy events: `+` and `%XX` decoded,
 * repeated keys kept in order in the multi-value map, the last one in the single-value map,
 * and `null` for both when there are no parameters.
 */
export function parseQuery(rawQuery: string): {
  single: Record<string, string> | null;
  multi: Record<string, string[]> | null;
} {
  const params = new URLSearchParams(rawQuery);
  const multi: Record<string, string[]> = {};
  for (const [k, v] of params) (multi[k] ??= []).push(v);
  const keys = Object.keys(multi);
  if (keys.length === 0) return { single: null, multi: null };
  const single: Record<string, string> = {};
  for (const k of keys) single[k] = multi[k][multi[k].length - 1];
  return { single, multi };
}

/**
 * Build the header maps from Node's raw header list, keeping the client's spelling as API
 * Gateway does (Node's `req.headers` would lowercase them).
 */
export function collectHeaders(rawHeaders: readonly string[]): {
  single: Record<string, string>;
  multi: Record<string, string[]>;
} {
  const multi: Record<string, string[]> = {};
  const spelling = new Map<string, string>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const lower = rawHeaders[i].toLowerCase();
    const name = spelling.get(lower) ?? rawHeaders[i];
    spelling.set(lower, name);
    (multi[name] ??= []).push(rawHeaders[i + 1]);
  }
  const single: Record<string, string> = {};
  for (const [k, v] of Object.entries(multi)) single[k] = v[v.length - 1];
  return { single, multi };
}

/** Token bucket like API Gateway's stage throttle (burst = capacity, rate = refill per second). */
class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly limits: ApiThrottle,
    private readonly now: () => number,
  ) {
    this.tokens = limits.burstLimit;
    this.last = now();
  }

  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(
      this.limits.burstLimit,
      this.tokens + ((t - this.last) / 1000) * this.limits.rateLimit,
    );
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

function isProxyResult(value: unknown): value is APIGatewayProxyResult {
  if (value === null || typeof value !== "object") return false;
  const r = value as Record<string, unknown>;
  return (
    Number.isInteger(r.statusCode) &&
    (r.body === undefined || r.body === null || typeof r.body === "string") &&
    (r.headers === undefined || r.headers === null || typeof r.headers === "object") &&
    (r.multiValueHeaders === undefined ||
      r.multiValueHeaders === null ||
      typeof r.multiValueHeaders === "object")
  );
}

/**
 * Serve `handler` on `http://127.0.0.1:<port>/<stage>/activate` with API Gateway REST proxy
 * semantics.
 *
 * @example
 * ```ts
 * const api = await startApiAdapter({ handler, throttle: { rateLimit: 5, burstLimit: 10 } });
 * const res = await fetch(`${api.url}/activate?name=web-1`);
 * await api.close();
 * ```
 */
export async function startApiAdapter(options: ApiAdapterOptions): Promise<ApiAdapter> {
  const host = options.host ?? "127.0.0.1";
  const stage = options.stage ?? "latest";
  const timeoutMs = options.timeoutMs ?? 29_000;
  const functionName = options.functionName ?? "activation-local";
  const accountId = options.accountId ?? "123456789012";
  const region = options.region ?? "ap-southeast-2";
  const now = options.now ?? Date.now;
  const apiId = randomBytes(5).toString("hex");
  if (options.throttle) {
    const { rateLimit, burstLimit } = options.throttle;
    if (!(rateLimit >= 0) || !(burstLimit >= 0)) {
      throw new Error(
        `throttle.rateLimit and throttle.burstLimit must be numbers >= 0, got ${rateLimit} and ${burstLimit}`,
      );
    }
  }
  const bucket = options.throttle ? new TokenBucket(options.throttle, now) : undefined;
  let allowed: ReturnType<typeof parseCidrs> | undefined;
  if (options.allowedCidrs !== undefined) {
    const problem = cidrListProblem(options.allowedCidrs);
    if (problem) throw new Error(`allowedCidrs[${problem.index}] ${problem.problem}`);
    allowed = parseCidrs(options.allowedCidrs);
  }

  const gateway = (
    res: http.ServerResponse,
    status: number,
    message: string,
    errorType: string,
    requestId: string,
    extraHeaders: Record<string, string> = {},
  ): void => {
    res.writeHead(status, {
      ...GATEWAY_HEADERS,
      ...extraHeaders,
      "x-amzn-RequestId": requestId,
      "x-amzn-ErrorType": errorType,
    });
    res.end(JSON.stringify({ message }));
  };

  const serve = async (
    req: http.IncomingMessage,
    body: Buffer,
    res: http.ServerResponse,
  ): Promise<void> => {
    const requestId = randomUUID();
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const rawPath = q >= 0 ? url.slice(0, q) : url;
    const rawQuery = q >= 0 ? url.slice(q + 1) : "";
    // API Gateway answers unknown resources and unknown methods alike with 403 Missing
    // Authentication Token (gateway response MISSING_AUTHENTICATION_TOKEN, default 403).
    if (rawPath !== `/${stage}${RESOURCE}` || req.method !== "GET") {
      gateway(
        res,
        403,
        "Missing Authentication Token",
        "MissingAuthenticationTokenException",
        requestId,
      );
      return;
    }
    // The deployed resource policy's DenyOtherSourceAddresses, on the TCP peer's address.
    const peer = req.socket.remoteAddress ?? "";
    if (allowed && !addressAllowed(peer, allowed)) {
      res.writeHead(403, {
        ...GATEWAY_HEADERS,
        "x-amzn-RequestId": requestId,
        "x-amzn-ErrorType": "AccessDeniedException",
      });
      res.end(
        resourcePolicyDenyBody(
          `arn:aws:execute-api:${region}:${accountId}:${apiId}/${stage}/GET${RESOURCE}`,
        ),
      );
      return;
    }
    if (bucket && !bucket.take()) {
      const retryAfter = options.throttle?.retryAfterSeconds;
      gateway(
        res,
        429,
        "Too Many Requests",
        "TooManyRequestsException",
        requestId,
        retryAfter === undefined ? {} : { "Retry-After": String(retryAfter) },
      );
      return;
    }

    const started = now();
    const sourceIp = (req.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, "");
    const traceId = `Root=1-${Math.floor(started / 1000).toString(16)}-${randomBytes(12).toString("hex")}`;
    const headers = collectHeaders(req.rawHeaders);
    // Headers API Gateway adds in front of the integration.
    const added: Record<string, string> = {
      "X-Amzn-Trace-Id": traceId,
      "X-Forwarded-For": sourceIp,
      "X-Forwarded-Port": String(req.socket.localPort ?? ""),
      "X-Forwarded-Proto": "http",
    };
    for (const [k, v] of Object.entries(added)) {
      headers.single[k] = v;
      headers.multi[k] = [v];
    }
    const query = parseQuery(rawQuery);
    const hasHeaders = Object.keys(headers.single).length > 0;
    const domainName = String(req.headers.host ?? `${host}`);

    const event: APIGatewayProxyEvent = {
      resource: RESOURCE,
      path: RESOURCE,
      httpMethod: "GET",
      headers: hasHeaders ? headers.single : (null as unknown as APIGatewayProxyEvent["headers"]),
      multiValueHeaders: hasHeaders
        ? headers.multi
        : (null as unknown as APIGatewayProxyEvent["multiValueHeaders"]),
      queryStringParameters: query.single,
      multiValueQueryStringParameters: query.multi,
      pathParameters: null,
      stageVariables: null,
      requestContext: {
        accountId,
        apiId,
        authorizer: undefined,
        domainName,
        domainPrefix: domainName.split(".")[0],
        extendedRequestId: randomBytes(8).toString("base64url"),
        httpMethod: "GET",
        identity: {
          accessKey: null,
          accountId: null,
          apiKey: null,
          apiKeyId: null,
          caller: null,
          clientCert: null,
          cognitoAuthenticationProvider: null,
          cognitoAuthenticationType: null,
          cognitoIdentityId: null,
          cognitoIdentityPoolId: null,
          principalOrgId: null,
          sourceIp,
          user: null,
          userAgent: req.headers["user-agent"] ?? null,
          userArn: null,
        },
        path: `/${stage}${RESOURCE}`,
        protocol: `HTTP/${req.httpVersion}`,
        requestId,
        requestTime: formatRequestTime(started),
        requestTimeEpoch: started,
        resourceId: apiId.slice(0, 6),
        resourcePath: RESOURCE,
        stage,
      },
      body: body.length > 0 ? body.toString("utf8") : null,
      isBase64Encoded: false,
    };
    const awsRequestId = randomUUID();
    const deadline = started + timeoutMs;
    const context: Context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName,
      functionVersion: "$LATEST",
      invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${functionName}`,
      memoryLimitInMB: "256",
      awsRequestId,
      logGroupName: `/aws/lambda/${functionName}`,
      logStreamName: `local/${awsRequestId}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };

    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    let result: unknown;
    try {
      result = await Promise.race([
        Promise.resolve().then(() => options.handler(event, context)),
        timedOut,
      ]);
    } catch {
      // A function error reaches the client only as API Gateway's generic 502.
      gateway(res, 502, "Internal server error", "InternalServerErrorException", requestId);
      return;
    } finally {
      clearTimeout(timer);
    }
    if (result === "timeout") {
      gateway(res, 504, "Endpoint request timed out", "InternalServerErrorException", requestId);
      return;
    }
    if (!isProxyResult(result)) {
      gateway(res, 502, "Internal server error", "InternalServerErrorException", requestId);
      return;
    }

    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(result.multiValueHeaders ?? {})) out[k] = v.map(String);
    for (const [k, v] of Object.entries(result.headers ?? {})) {
      const existing = Object.keys(out).find((e) => e.toLowerCase() === k.toLowerCase());
      if (existing !== undefined) delete out[existing];
      out[k] = String(v);
    }
    // API Gateway defaults the content type of a proxy response to JSON.
    if (!Object.keys(out).some((k) => k.toLowerCase() === "content-type"))
      out["Content-Type"] = "application/json";
    out["x-amzn-RequestId"] = requestId;
    out["X-Amzn-Trace-Id"] = traceId;
    const payload = result.isBase64Encoded
      ? Buffer.from(result.body ?? "", "base64")
      : Buffer.from(result.body ?? "", "utf8");
    out["Content-Length"] = String(payload.length);
    res.writeHead(result.statusCode, out);
    res.end(payload);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      serve(req, Buffer.concat(chunks), res).catch(() => {
        // Only reachable if writing the response itself failed; the socket is already gone.
        if (!res.headersSent)
          gateway(res, 500, "Internal server error", "InternalServerErrorException", randomUUID());
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}/${stage}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (!server.listening) return resolve();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
