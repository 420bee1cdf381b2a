/**
 * Loads the real activation handler afresh under a given environment: it reads its
 * configuration at module load, and another user in this process (a test suite, an earlier
 * `npm start` stage) may already have loaded it with its own.
 */
import * as path from "node:path";
import type { ProxyHandler } from "./apiAdapter";

const HANDLER_DIR = path.join(__dirname, "..", "functions", "activation") + path.sep;

/** Loads `functions/activation` under `env`, restoring the process environment afterwards. */
export async function loadHandler(env: Record<string, string>): Promise<ProxyHandler> {
  for (const key of Object.keys(require.cache))
    if (key.startsWith(HANDLER_DIR)) delete require.cache[key];
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const mod = (await import("../functions/activation")) as { handler: ProxyHandler };
    return mod.handler;
  } finally {
    // The SDK reads credentials from the environment at the first call, not at load.
    const keep = new Set([
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_EC2_METADATA_DISABLED",
    ]);
    for (const key of Object.keys(env).filter((k) => !keep.has(k))) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  }
}
