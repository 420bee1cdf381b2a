/**
 * Wires the fake SSM, the name-lease table (dynalite), the handler's environment and the API
 * Gateway adapter together: what `npm run api:local` runs, and what end-to-end tests can
 * start in-process.
 */
import { hashToken, newToken } from "../functions/activation/tokens";
import { THROTTLED_RETRY_AFTER_SECONDS } from "../components/activation/throttledResponse";
import { startApiAdapter, type ApiThrottle, type ProxyHandler } from "./apiAdapter";
import { startFakeSsm, type FakeSsm, type FakeSsmThrottle } from "./fakeSsm";
import { startLocalLeaseTable, type LocalLeaseTable } from "./leaseTable";

/** Account of the real identity documents in tests/fixtures (01-iid-2026-ap-southeast-2). */
export const FIXTURE_ACCOUNT_ID = "189292791360";

/** Options for {@link startLocalApi}. */
export interface LocalApiOptions {
  /** Port for the API. @default 0 (ephemeral) */
  readonly port?: number;
  /** Stage name. @default "latest" */
  readonly stage?: string;
  /** Throttling injected into the fake SSM. @default none */
  readonly ssmThrottle?: FakeSsmThrottle;
  /** Seed for the fake SSM's injected rates. @default unseeded */
  readonly seed?: number;
  /** API Gateway stage throttling. @default none */
  readonly apiThrottle?: ApiThrottle;
  /** Environment to fill with defaults (mutated: the handler reads it at import). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Handler to serve. @default the real one, `await import("../functions/activation")`, loaded
   * after the environment is set (it reads its configuration once, at module load)
   */
  readonly handler?: ProxyHandler;
  /** Source ranges allowed to call (`apiAllowedCidrs`); others get API Gateway's 403. @default everyone */
  readonly allowedCidrs?: readonly string[];
}

/** A running local activation API. */
export interface LocalApi {
  /** API URL, `http://127.0.0.1:<port>/<stage>`: append `/activate`. */
  readonly url: string;
  /** The SSM endpoint the handler talks to. */
  readonly ssmEndpoint: string;
  /** The fake SSM (activations, instances, counters, error injection). */
  readonly ssm: FakeSsm;
  /** The name-lease table (dynalite, in memory). */
  readonly leases: LocalLeaseTable;
  /**
   * A bootstrap token generated for this run (name pattern `.+`, valid 24 h), when
   * BOOTSTRAP_TOKENS was not already set; use it as `Authorization: Bearer <token>`.
   */
  readonly devToken?: string;
  /** Stop the API and the fake SSM. */
  close(): Promise<void>;
}

/**
 * The handler's environment for local use (see the API contract), pointing at `ssmEndpoint`
 * and the lease table at `dynamoDbEndpoint`.
 */
export function localHandlerEnv(
  ssmEndpoint: string,
  dynamoDbEndpoint = "",
  leaseTableName = "hybrid-fleet-name-leases",
): Record<string, string> {
  return {
    AWS_REGION: "ap-southeast-2",
    // Dummy credentials: the fake never checks signatures, but the SDK insists on signing.
    AWS_ACCESS_KEY_ID: "AKIALOCALFAKE000000",
    AWS_SECRET_ACCESS_KEY: "local-fake-secret",
    // Keeps the SDK's credential chain from probing 169.254.169.254.
    AWS_EC2_METADATA_DISABLED: "true",
    SSM_ENDPOINT: ssmEndpoint,
    DYNAMODB_ENDPOINT: dynamoDbEndpoint,
    LEASE_TABLE_NAME: leaseTableName,
    MANAGED_INSTANCE_ROLE_NAME: "hybrid-fleet-dev-managed-instance",
    FLEET_TAG_KEY: "HybridFleet",
    FLEET_NAME: "hybrid-fleet-dev",
    MODE_TAG_KEY: "ComplianceMode",
    DEFAULT_MODE: "report",
    ENVIRONMENT_TAG_KEY: "Environment",
    ENVIRONMENT: "dev",
    ACTIVATION_TTL_MINUTES: "60",
    EC2_AUTH: "enabled",
    ALLOWED_ACCOUNTS: FIXTURE_ACCOUNT_ID,
    TOKEN_AUTH: "enabled",
    ALLOWED_TAGS: "{}",
    SSM_MAX_ATTEMPTS: "3",
  };
}

/**
 * Fill the handler's environment with {@link localHandlerEnv}, keeping any value already
 * set. Returns the generated bootstrap token when it had to create one.
 */
export function applyLocalEnv(
  env: NodeJS.ProcessEnv,
  ssmEndpoint: string,
  now = new Date(),
  leases?: { endpoint: string; tableName: string },
): string | undefined {
  for (const [k, v] of Object.entries(
    localHandlerEnv(ssmEndpoint, leases?.endpoint, leases?.tableName),
  ))
    env[k] ??= v;
  if (env.BOOTSTRAP_TOKENS !== undefined) return undefined;
  const token = newToken();
  env.BOOTSTRAP_TOKENS = JSON.stringify([
    {
      id: "api-local",
      sha256: hashToken(token),
      namePattern: ".+",
      environment: env.ENVIRONMENT,
      expiresAt: new Date(now.getTime() + 24 * 60 * 60 * 1000).toISOString(),
    },
  ]);
  return token;
}

/**
 * Start the fake SSM, set the handler's environment, load the handler and serve it like API
 * Gateway. Node caches modules: the real handler reads its configuration on the first call
 * in a process only.
 *
 * @example
 * ```ts
 * const local = await startLocalApi({ ssmThrottle: { rate: 0.2 }, seed: 1 });
 * // curl "$url/activate?name=web-1" -H "Authorization: Bearer $devToken"
 * await local.close();
 * ```
 */
export async function startLocalApi(options: LocalApiOptions = {}): Promise<LocalApi> {
  const env = options.env ?? process.env;
  const role = env.MANAGED_INSTANCE_ROLE_NAME ?? "hybrid-fleet-dev-managed-instance";
  const ssm = await startFakeSsm({
    region: env.AWS_REGION ?? "ap-southeast-2",
    iamRoles: [role],
    throttle: options.ssmThrottle,
    seed: options.seed,
  });
  let leases: LocalLeaseTable | undefined;
  try {
    leases = await startLocalLeaseTable();
    const devToken = applyLocalEnv(env, ssm.url, new Date(), leases);
    const handler =
      options.handler ??
      ((await import("../functions/activation")) as { handler: ProxyHandler }).handler;
    const api = await startApiAdapter({
      handler,
      port: options.port,
      stage: options.stage,
      // As deployed: the stage's 429 carries the THROTTLED gateway response's Retry-After,
      // unless the caller sets retryAfterSeconds (undefined included) itself.
      throttle: options.apiThrottle && {
        retryAfterSeconds: THROTTLED_RETRY_AFTER_SECONDS,
        ...options.apiThrottle,
      },
      region: env.AWS_REGION,
      allowedCidrs: options.allowedCidrs,
    });
    return {
      url: api.url,
      ssmEndpoint: env.SSM_ENDPOINT ?? ssm.url,
      ssm,
      leases,
      devToken,
      close: async () => {
        await api.close();
        await leases?.close();
        await ssm.close();
      },
    };
  } catch (err) {
    await leases?.close();
    await ssm.close();
    throw err;
  }
}
