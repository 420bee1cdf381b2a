/**
 * Step 5: the risk view on the sync folder: the snapshot's own SQL in DuckDB (risk/local, what
 * `npm run risk` runs), with the demo stack's controls and acceptance register, and the HTML
 * report. Each snapshot is appended to the history, so the second report shows the trend.
 */
import * as fs from "node:fs";
import { renderReport } from "../report/render";
import { riskSettingsFromStackFile } from "../risk/local/config";
import { scanSyncFolder } from "../risk/local/scan";
import { SNAPSHOT_SYNC_TYPES, localSnapshot } from "../risk/local/snapshot";
import type { RiskSnapshot } from "../risk/model";

/** Where a snapshot reads and writes. */
export interface RiskRun {
  readonly syncDir: string;
  readonly historyDir: string;
  /** The HTML report to write. */
  readonly reportFile: string;
  /** The stack file's text (Pulumi.<stack>.yaml format). */
  readonly stackYaml: string;
  readonly fleetName: string;
  readonly now: Date;
}

/** Takes a snapshot and writes its report. */
export async function riskSnapshot(run: RiskRun): Promise<RiskSnapshot> {
  const settings = riskSettingsFromStackFile(run.stackYaml, "demo stack", run.now);
  const scan = scanSyncFolder(run.syncDir, { types: SNAPSHOT_SYNC_TYPES });
  if (scan.unreadable.length > 0) {
    throw new Error(
      `the sync folder has unreadable files: ${scan.unreadable.map((u) => `${u.file}: ${u.problem}`).join("; ")}`,
    );
  }
  const snapshot = await localSnapshot({
    scan,
    settings,
    fleetName: run.fleetName,
    now: run.now,
    historyDir: run.historyDir,
  });
  fs.writeFileSync(run.reportFile, renderReport(snapshot));
  return snapshot;
}
