/**
 * Open findings per machine from the risk view, for `instances`' FINDINGS column: the risk
 * engine's own snapshot, run offline over a local copy of the sync folder (`--sync-dir`).
 * "Open" is the risk view's: open plus acceptance-expired findings, no-data included.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { GlobalOptions } from "./globals";
import { loadRiskLocal, type RiskLocalModule } from "./riskLocal";

/** risk/sql.ts's ceiling on the snapshot's machine list; bigger fleets are cut there. */
export const MAX_FINDINGS_MACHINES = 10_000;

/** Open findings by resource ID, from the sync folder `syncDir`. */
export async function openFindingsBySyncDir(
  syncDir: string,
  fleet: string,
  globals: GlobalOptions,
  now: Date,
  load: () => Promise<RiskLocalModule> = () => loadRiskLocal(),
): Promise<Map<string, number>> {
  const risk = await load();
  const scan = risk.scanSyncFolder(syncDir, { types: risk.SNAPSHOT_SYNC_TYPES });
  const settings = {
    ...risk.defaultRiskSettings(),
    topMachines: MAX_FINDINGS_MACHINES,
    fleetTagKey: globals.fleetTagKey,
    modeTagKey: globals.modeTagKey,
    environmentTagKey: globals.environmentTagKey,
  };
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
