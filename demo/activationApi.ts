/**
 * Step 1: the local activation API as the demo stack would deploy it: the fake SSM, the
 * name-lease table (dynalite) and the real handler behind the API Gateway adapter, configured
 * from the demo stack, with one bootstrap token per environment for the on-premises machines.
 */
import { startApiAdapter } from "../local/apiAdapter";
import { FIXTURE_ACCOUNT_ID, localHandlerEnv } from "../local/apiLocal";
import { startFakeSsm, type FakeSsm } from "../local/fakeSsm";
import { startLocalLeaseTable, type LocalLeaseTable } from "../local/leaseTable";
import { loadHandler } from "../local/loadHandler";
import { hashToken, newToken } from "../functions/activation/tokens";
import type { DemoStack } from "./stackConfig";

/** The environments the demo's bootstrap tokens grant. */
export const TOKEN_ENVIRONMENTS = ["dev", "prod"] as const;

/** The running API. */
export interface DemoApi {
  /** API URL (`…/latest`). */
  readonly url: string;
  readonly ssm: FakeSsm;
  readonly leases: LocalLeaseTable;
  /** Bootstrap token per environment (shown to machines only, never printed). */
  readonly tokens: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

/** Starts the API for `stack`; `now` dates the tokens. */
export async function startDemoApi(stack: DemoStack, now: Date): Promise<DemoApi> {
  const env0 = localHandlerEnv("");
  const ssm = await startFakeSsm({
    region: stack.region,
    accountId: FIXTURE_ACCOUNT_ID,
    iamRoles: [env0.MANAGED_INSTANCE_ROLE_NAME],
  });
  let leases: LocalLeaseTable | undefined;
  try {
    leases = await startLocalLeaseTable();
    const tokens: Record<string, string> = {};
    const grants = TOKEN_ENVIRONMENTS.map((environment) => {
      tokens[environment] = newToken();
      return {
        id: `demo-${environment}`,
        sha256: hashToken(tokens[environment]),
        namePattern: "^[a-z]+-[0-9]{2}$",
        environment,
        expiresAt: new Date(now.getTime() + 86_400_000).toISOString(),
      };
    });
    // The handler's own defaults for the tag keys (localHandlerEnv), not the demo stack's: the
    // activation API and the associations must agree on them by contract, not by sharing a value.
    const handler = await loadHandler({
      ...localHandlerEnv(ssm.url, leases.endpoint, leases.tableName),
      AWS_REGION: stack.region,
      FLEET_NAME: stack.fleetName,
      ENVIRONMENT: stack.environment,
      DEFAULT_MODE: stack.defaultMode,
      BOOTSTRAP_TOKENS: JSON.stringify(grants),
      REGISTERED_NAMES_MAX_AGE_SECONDS: "0",
    });
    const api = await startApiAdapter({ handler, region: stack.region });
    const held = leases;
    return {
      url: api.url,
      ssm,
      leases: held,
      tokens,
      close: async () => {
        await api.close();
        await held.close();
        await ssm.close();
      },
    };
  } catch (err) {
    await leases?.close();
    await ssm.close();
    throw err;
  }
}
