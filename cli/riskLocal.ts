/**
 * The offline risk engine (risk/local, DuckDB), loaded only when a command is given
 * `--sync-dir`: DuckDB is a development dependency of this package, so a consumer who
 * installed it from npm does not have it, and every other command must work without it.
 */
import { UsageError } from "./errors";

/** What the CLI uses from risk/local. */
export type RiskLocalModule = typeof import("../risk/local/snapshot") &
  typeof import("../risk/local/scan") &
  typeof import("../risk/local/config");

/** The install hint printed when DuckDB is missing. */
export const DUCKDB_INSTALL_HINT =
  "--sync-dir reads the sync folder with DuckDB, a development dependency of ssm-hybrid-fleet " +
  "that is not installed here: run `npm install --save-dev @duckdb/node-api` in this project " +
  "(or use the repository checkout, where `npm ci` installs it), then retry";

async function importRiskLocal(): Promise<RiskLocalModule> {
  const [snapshot, scan, config] = await Promise.all([
    import("../risk/local/snapshot"),
    import("../risk/local/scan"),
    import("../risk/local/config"),
  ]);
  return { ...snapshot, ...scan, ...config };
}

/** True when `error` is Node failing to find the DuckDB package. */
export function isDuckdbMissing(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  return (
    e?.code === "MODULE_NOT_FOUND" &&
    typeof e.message === "string" &&
    e.message.includes("@duckdb/node-api")
  );
}

/** Loads risk/local, or says how to install DuckDB (a usage error, exit 2). */
export async function loadRiskLocal(
  load: () => Promise<RiskLocalModule> = importRiskLocal,
): Promise<RiskLocalModule> {
  try {
    return await load();
  } catch (error) {
    if (isDuckdbMissing(error)) throw new UsageError(DUCKDB_INSTALL_HINT);
    throw error;
  }
}
