/**
 * Cost of each saved query relative to a bare scan of the same sync folder, in DuckDB, for a
 * generated fleet of 2,000 machines. Athena bills bytes scanned, not time, and every query
 * reads each table once; the ratio shows whether a query does more than read (e.g. a join
 * that explodes). Not a prediction of Athena latency.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  BUILTIN_INVENTORY_TYPES,
  glueTableSpec,
  savedQueries,
} from "../components/sync/complianceSync.sql";
import { FleetMachine, writeSyncFolder } from "../tests/fixtures/sync/generate";
import { ACCOUNT_A, ACCOUNT_B, EXAMPLE_FLEET, PREFIX } from "../tests/fixtures/sync/fleet";
import { SyncDuckdb } from "../risk/local/duckdb";

/** What this benchmark measures. */
export const title =
  "ComplianceSync saved queries in DuckDB over 2,000 machines (ratio to a bare scan)";

const MACHINES = 2000;

function fleetOf(n: number): FleetMachine[] {
  return Array.from({ length: n }, (_, i) => {
    const base = EXAMPLE_FLEET.machines[i % EXAMPLE_FLEET.machines.length];
    const id = base.id.startsWith("mi-")
      ? `mi-${i.toString(16).padStart(17, "0")}`
      : `i-${i.toString(16).padStart(17, "0")}`;
    return { ...base, id, computerName: `host-${i}` };
  });
}

async function timeIt(f: () => Promise<unknown>, runs = 5): Promise<number> {
  await f();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await f();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

/** Generates the fleet, then times each saved query against a bare scan of every table. */
export async function run(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "compliance-sync-bench-"));
  try {
    const fleet = fleetOf(MACHINES);
    const files = writeSyncFolder(root, { prefix: PREFIX, machines: fleet }, new Date());
    const specs = BUILTIN_INVENTORY_TYPES.map((t) =>
      glueTableSpec(t, {
        bucketName: "bench",
        prefix: PREFIX,
        accountIds: [ACCOUNT_A, ACCOUNT_B],
        regions: ["ap-southeast-2", "us-east-1"],
      }),
    );
    const db = await SyncDuckdb.open(root, "bench", "bench", specs);
    const ctx = {
      database: "bench",
      modeTagKey: "ComplianceMode",
      environmentTagKey: "Environment",
      fleetTagKey: "HybridFleet",
      fleetName: "acme",
    };
    const scan = await timeIt(() =>
      db.rows(specs.map((s) => `SELECT count(*) FROM bench.${s.name}`).join(" UNION ALL ")),
    );
    console.log(`${MACHINES} machines, ${files.length} objects; bare scan of all 5 tables = 1.00`);
    for (const q of savedQueries(ctx)) {
      const params = q.key === "machine-picture" ? [fleet[0].id] : q.key === "not-seen" ? [7] : [];
      const t = await timeIt(() => db.rows(q.sql, params));
      console.log(`  ${q.key.padEnd(24)} ${(t / scan).toFixed(2)} x bare scan`);
    }
    db.close();
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
