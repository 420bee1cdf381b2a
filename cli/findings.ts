/**
 * Open findings per machine from the risk view, for `instances`' FINDINGS column: the risk
 * engine's own snapshot, run offline over a local copy of the sync folder (`--sync-dir`).
 * "Open" is the risk view's: open plus acceptance-expired findings, no-data included.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { UsageError } from "./errors";
import type { GlobalOptions } from "./globals";
import { loadRiskLocal, type RiskLocalModule } from "./riskLocal";

/** risk/sql.ts's ceiling on the snapshot's machine list; bigger fleets are cut there. */
export const MAX_FINDINGS_MACHINES = 10_000;

/**
 * Open findings by resource ID, from the sync folder `syncDir`. With `configFile` (a
 * Pulumi.<stack>.yaml) its controls, acceptance register and tag keys apply, so accepted
 * risks are not counted; without it every control is on and nothing is accepted.
 */
export async function openFindingsBySyncDir(
  syncDir: string,
  fleet: string,
  globals: GlobalOptions,
  now: Date,
  configFile?: string,
  load: () => Promise<RiskLocalModule> = () => loadRiskLocal(),
): Promise<Map<string, number>> {
  if (!fs.existsSync(syncDir)) throw new UsageError(`--sync-dir ${syncDir} does not exist`);
  const risk = await load();
  const base = configFile
    ? stackSettings(risk, configFile, now)
    : {
        ...risk.defaultRiskSettings(),
        fleetTagKey: globals.fleetTagKey,
        modeTagKey: globals.modeTagKey,
        environmentTagKey: globals.environmentTagKey,
      };
  const settings = { ...base, topMachines: MAX_FINDINGS_MACHINES };
  let scan;
  try {
    scan = risk.scanSyncFolder(syncDir, { types: risk.SNAPSHOT_SYNC_TYPES });
  } catch (error) {
    if (error instanceof risk.SyncFolderError) throw new UsageError(error.message);
    throw error;
  }
  // The snapshot appends to a history; a throwaway one keeps the user's folders untouched.
  const historyDir = fs.mkdtempSync(path.join(os.tmpdir(), "hybrid-fleet-history-"));
  try {
    const snapshot = await risk.localSnapshot({
      scan,
      settings,
      fleetName: fleet,
      now,
      historyDir,
    });
    return new Map(snapshot.topMachines.map((m) => [m.resourceId, m.open]));
  } finally {
    fs.rmSync(historyDir, { recursive: true, force: true });
  }
}

/** The risk settings of a stack file; its problems are usage errors naming the file. */
export function stackSettings(risk: RiskLocalModule, file: string, now: Date) {
  if (!fs.existsSync(file)) throw new UsageError(`--config ${file} does not exist`);
  try {
    return risk.riskSettingsFromStackFile(fs.readFileSync(file, "utf8"), file, now);
  } catch (error) {
    if (error instanceof risk.StackFileError) throw new UsageError(error.message);
    throw error;
  }
}
