/** Shared builders for the activation handler tests: events, config, a log collector. */
import type { APIGatewayProxyEvent } from "aws-lambda";
import { loadConfig, type ActivationConfig } from "../../functions/activation/config";
import { hashToken } from "../../functions/activation/tokens";

export const FLEET_ACCOUNT = "123456789012";
/** A syntactically valid token whose hash is in {@link baseEnv}. */
export const GOOD_TOKEN = `hft_${"A".repeat(40)}abc`;
/** A second granted token, already expired. */
export const EXPIRED_TOKEN = `hft_${"B".repeat(40)}abc`;
export const NOW = new Date("2026-11-28T12:00:00.000Z");

/** The environment a deployed function would get, with two token grants. */
export function baseEnv(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    MANAGED_INSTANCE_ROLE_NAME: "fleet-dev-managed-instance",
    FLEET_TAG_KEY: "HybridFleet",
    FLEET_NAME: "acme-dev",
    MODE_TAG_KEY: "ComplianceMode",
    DEFAULT_MODE: "report",
    ENVIRONMENT_TAG_KEY: "Environment",
    ENVIRONMENT: "dev",
    ACTIVATION_TTL_MINUTES: "60",
    EC2_AUTH: "enabled",
    ALLOWED_ACCOUNTS: FLEET_ACCOUNT,
    TOKEN_AUTH: "enabled",
    LEASE_TABLE_NAME: "hybrid-fleet-name-leases",
    BOOTSTRAP_TOKENS: JSON.stringify([
      {
        id: "dc1-web",
        sha256: hashToken(GOOD_TOKEN),
        namePattern: "web-[0-9]+",
        environment: "prod",
        expiresAt: "2027-01-01T00:00:00Z",
      },
      {
        id: "old",
        sha256: hashToken(EXPIRED_TOKEN),
        namePattern: ".*",
        environment: "dev",
        expiresAt: "2026-01-01T00:00:00Z",
      },
    ]),
    ALLOWED_TAGS: JSON.stringify({
      Team: { values: ["web", "db"] },
      CostCentre: { pattern: "[0-9]{4}" },
    }),
    ...overrides,
  };
}

export function baseConfig(overrides: Record<string, string> = {}): ActivationConfig {
  return loadConfig(baseEnv(overrides));
}

/** A REST v1 proxy event for GET /activate. */
export function event(
  query: Record<string, string | string[]> | null,
  headers: Record<string, string> = {},
): APIGatewayProxyEvent {
  const multi: Record<string, string[]> = {};
  const singleQ: Record<string, string> = {};
  for (const [k, v] of Object.entries(query ?? {})) {
    const values = Array.isArray(v) ? v : [v];
    multi[k] = values;
    singleQ[k] = values[values.length - 1];
  }
  const multiHeaders: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers)) multiHeaders[k] = [v];
  return {
    httpMethod: "GET",
    path: "/activate",
    resource: "/activate",
    body: null,
    isBase64Encoded: false,
    headers,
    multiValueHeaders: multiHeaders,
    queryStringParameters: query ? singleQ : null,
    multiValueQueryStringParameters: query ? multi : null,
    pathParameters: null,
    stageVariables: null,
    requestContext: { requestId: "req-from-apigw", stage: "latest" } as never,
  };
}

/** Collects log lines for assertions. */
export function logCollector(): { lines: string[]; sink: (line: string) => void } {
  const lines: string[] = [];
  return { lines, sink: (line) => lines.push(line) };
}
