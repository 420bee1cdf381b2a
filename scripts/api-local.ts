/**
 * `npm run api:local [-- flags]`: serve the real activation handler on 127.0.0.1 against a
 * fake SSM, so the bootstrap scripts can be run end to end without AWS.
 *
 * Prints one JSON line, `{"url", "ssmEndpoint", "devToken"?}`, then runs until SIGINT/SIGTERM.
 * Environment variables already set (see the API contract) win over the local defaults.
 *
 * Flags:
 *   --port <n>                        API port (default: ephemeral)
 *   --stage <name>                    stage (default: latest)
 *   --throttle-admit-per-second <n>   fake SSM admits at most n calls/s, throttles the rest
 *   --throttle-rate <0..1>            fake SSM throttles this fraction of calls
 *   --seed <n>                        seed for --throttle-rate
 *   --api-rate-limit <n>              API Gateway stage rate limit (req/s)
 *   --api-burst-limit <n>             API Gateway stage burst limit
 *   --allowed-cidrs <a,b,...>         only these source ranges may call (apiAllowedCidrs);
 *                                     others get API Gateway's resource-policy 403
 *   --stack <name>                    take apiAllowedCidrs from Pulumi.<name>.yaml (the flag wins)
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { PROJECT } from "../config/schema";
import { startLocalApi } from "../local/apiLocal";
import { readStackConfig } from "../local/stackConfigFile";

/** The allowed ranges from `--allowed-cidrs`, else from the stack's `apiAllowedCidrs`, else none. */
function allowedCidrs(values: Record<string, unknown>): string[] | undefined {
  const flag = values["allowed-cidrs"];
  if (typeof flag === "string")
    return flag
      .split(",")
      .map((c) => c.trim())
      .filter(Boolean);
  if (typeof values.stack !== "string") return undefined;
  const raw = readStackConfig(path.join(__dirname, ".."), values.stack)[
    `${PROJECT}:apiAllowedCidrs`
  ];
  const list: unknown = raw === undefined ? [] : JSON.parse(raw);
  if (!Array.isArray(list) || !list.every((c) => typeof c === "string")) {
    throw new Error(
      `${PROJECT}:apiAllowedCidrs in Pulumi.${values.stack}.yaml must be a list of strings`,
    );
  }
  return list.length > 0 ? list : undefined;
}

function numberFlag(
  values: Record<string, unknown>,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new Error(`--${name} must be a number from ${min} to ${max}, got "${String(raw)}"`);
  }
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      stage: { type: "string" },
      "throttle-admit-per-second": { type: "string" },
      "throttle-rate": { type: "string" },
      seed: { type: "string" },
      "api-rate-limit": { type: "string" },
      "api-burst-limit": { type: "string" },
      "allowed-cidrs": { type: "string" },
      stack: { type: "string" },
    },
    strict: true,
  });
  const admitPerSecond = numberFlag(values, "throttle-admit-per-second", 0.001, 1e6);
  const rate = numberFlag(values, "throttle-rate", 0, 1);
  const rateLimit = numberFlag(values, "api-rate-limit", 0, 1e6);
  const burstLimit = numberFlag(values, "api-burst-limit", 0, 1e6);
  if ((rateLimit === undefined) !== (burstLimit === undefined)) {
    throw new Error("--api-rate-limit and --api-burst-limit must be given together");
  }
  const local = await startLocalApi({
    port: numberFlag(values, "port", 0, 65535),
    stage: values.stage,
    seed: numberFlag(values, "seed", 0, 2 ** 32 - 1),
    ssmThrottle:
      admitPerSecond !== undefined || rate !== undefined ? { admitPerSecond, rate } : undefined,
    apiThrottle:
      rateLimit !== undefined && burstLimit !== undefined ? { rateLimit, burstLimit } : undefined,
    allowedCidrs: allowedCidrs(values),
  });
  process.stdout.write(
    `${JSON.stringify({ url: local.url, ssmEndpoint: local.ssmEndpoint, ...(local.devToken ? { devToken: local.devToken } : {}) })}\n`,
  );
  const stop = (): void => {
    local.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`api:local: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
