/**
 * One risk snapshot, from the deployed SQL to the report: take the work table's lock, empty
 * the work prefix and copy the sync data into the work table (`prepare`, risk/stage.ts),
 * score the findings from that copy into the scored table (`score`, risk/scored.ts), run the
 * SELECTs (concurrently, bounded) with the snapshot time as their parameter, assemble the RiskSnapshot, append it to
 * the history table, give the lock back, write the HTML report and the snapshot JSON to S3, and print the
 * metrics as EMF lines. Dependencies (clients, clock, assembler, renderer, sinks) come in as
 * arguments so tests pass fakes; `handler.ts` wires the real ones.
 *
 * Order matters: the history INSERT runs only after every SELECT succeeded (a half-read
 * snapshot is never recorded), and the EMF lines, `SnapshotSucceeded` among them, are printed
 * last, so a snapshot whose report could not be written is a missing data point that the
 * silent-pipeline alarm sees, not a success.
 */
import { PutObjectCommand, type PutObjectCommandInput, type S3Client } from "@aws-sdk/client-s3";
import type { AthenaClient } from "@aws-sdk/client-athena";
import { riskMetricLines } from "../../risk/metrics";
import {
  SNAPSHOT_COLUMNS,
  type RiskSnapshot,
  type SeverityWeights,
  type SnapshotQueryKey,
  type SnapshotStatements,
} from "../../risk/model";
import {
  athenaString,
  createAthenaRunner,
  type AthenaRow,
  type AthenaRunner,
  type PollBackoff,
} from "./athena";
import { mapLimit } from "../shared/concurrency";
import type { SnapshotConfig } from "./config";
import { dayOverDay } from "./dayOverDay";
import { ResultShapeError } from "./errors";
import { createLogger, type LogSink } from "./logger";
import { reportKeys } from "./reportKeys";
import { SNAPSHOT_QUERY_KEYS } from "./statements";
import {
  acquireWorkLock,
  emptyWorkTable,
  releaseWorkLock,
  type WorkTableTarget,
} from "./workTable";

/** What the assembler gets besides the rows (risk/assemble.ts's `meta`). */
export interface AssembleMeta {
  readonly fleet: string;
  readonly capturedAt: string;
  readonly staleDays: number;
  readonly weights: SeverityWeights;
}

/** `assembleSnapshot` from risk/assemble.ts: query rows → RiskSnapshot. */
export type AssembleSnapshot = (
  rows: Record<SnapshotQueryKey, AthenaRow[]>,
  meta: AssembleMeta,
) => RiskSnapshot;

/** `renderReport` from report/render.ts: RiskSnapshot → one self-contained HTML file. */
export type RenderReport = (snapshot: RiskSnapshot) => string;

/** Everything one snapshot needs. */
export interface SnapshotDependencies {
  readonly athena: Pick<AthenaClient, "send">;
  readonly s3: Pick<S3Client, "send">;
  readonly config: SnapshotConfig;
  readonly statements: SnapshotStatements;
  readonly assemble: AssembleSnapshot;
  readonly render: RenderReport;
  /** Longest the Athena queries may take together, ms (the handler caps it by the time left). */
  readonly queryBudgetMs: number;
  /** Monotonic-enough time for polling, ms. @default Date.now */
  readonly clock?: () => number;
  /** @default setTimeout-based */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly backoff?: PollBackoff;
  /** Where EMF lines go, one call per line. @default console.log */
  readonly emit?: (line: string) => void;
  /** Where log lines go. @default console.log */
  readonly log?: LogSink;
  /** Request ID for the log lines. */
  readonly requestId?: string;
}

/** What the function returns (visible in the Lambda console and to a test invoke). */
export interface SnapshotResult {
  readonly capturedAt: string;
  readonly score: number;
  readonly machines: number;
  /** S3 key of this snapshot's dated report. */
  readonly reportKey: string;
}

/** The snapshot time: `now` to the whole second, as `2026-11-30T10:00:00Z`. */
export function snapshotTime(now: Date): string {
  return new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** SSE headers matching the bucket's default encryption (a bucket policy may require them). */
function encryption(config: SnapshotConfig): Partial<PutObjectCommandInput> {
  return config.reportKmsKeyArn
    ? {
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: config.reportKmsKeyArn,
        BucketKeyEnabled: true,
      }
    : { ServerSideEncryption: "AES256" };
}

/**
 * The Athena part, under the work table lock: empty the work tables, copy the sync data into
 * the work table (`prepare`), score the findings from it (`score`), run the SELECTs
 * (concurrently, bounded), assemble, then append the history.
 */
async function queryAndRecord(
  deps: SnapshotDependencies,
  athena: AthenaRunner,
  work: WorkTableTarget,
  parameters: readonly string[],
  capturedAt: string,
): Promise<RiskSnapshot> {
  const { config, statements } = deps;
  await emptyWorkTable(work);
  await athena.execute("prepare", statements.prepare, []);
  await athena.execute("score", statements.score, parameters);
  const results = await mapLimit(SNAPSHOT_QUERY_KEYS, config.queryConcurrency, async (key) => {
    const result = await athena.select(key, statements.selects[key], parameters);
    const expected: readonly string[] = SNAPSHOT_COLUMNS[key];
    if (result.columns.join(",") !== expected.join(",")) {
      throw new ResultShapeError(
        `query "${key}" returned the columns ${result.columns.join(", ") || "(none)"}; the snapshot contract (risk/model.ts SNAPSHOT_COLUMNS) expects ${expected.join(", ")}`,
      );
    }
    return result.rows as AthenaRow[];
  });
  const rows = Object.fromEntries(SNAPSHOT_QUERY_KEYS.map((k, i) => [k, results[i]])) as Record<
    SnapshotQueryKey,
    AthenaRow[]
  >;
  const snapshot = deps.assemble(rows, {
    fleet: config.fleet,
    capturedAt,
    staleDays: config.staleDays,
    weights: config.weights,
  });

  await athena.execute("appendHistory", statements.appendHistory, parameters);
  return snapshot;
}

/** Takes one snapshot at `now`; see the module comment for the steps and their order. */
export async function runSnapshot(deps: SnapshotDependencies, now: Date): Promise<SnapshotResult> {
  const { config } = deps;
  const clock = deps.clock ?? Date.now;
  const sleep =
    deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const emit = deps.emit ?? ((line: string) => console.log(line));
  const log = createLogger(
    { requestId: deps.requestId ?? "local", fleet: config.fleet },
    deps.log ?? ((line) => console.log(line)),
  );
  const capturedAt = snapshotTime(now);
  const parameters = [athenaString(capturedAt)];
  const athena = createAthenaRunner({
    athena: deps.athena,
    workgroup: config.workgroup,
    database: config.database,
    clock,
    sleep,
    deadline: clock() + deps.queryBudgetMs,
    budgetSeconds: Math.round(deps.queryBudgetMs / 1000),
    ...(deps.backoff ? { backoff: deps.backoff } : {}),
    onEvent: (e) => log.info("athena query finished", { ...e }),
  });

  // The work tables are this snapshot's alone while it holds the lock (functions/riskSnapshot/
  // workTable.ts): emptied, the copy filled by one pass over the sync data and read once by
  // the scoring, the scored table read by every other statement.
  const work: WorkTableTarget = {
    s3: deps.s3,
    bucket: config.reportBucket,
    prefix: config.workPrefix,
    encryption: encryption(config),
  };
  await acquireWorkLock(work, deps.requestId ?? "local", now);
  let snapshot: RiskSnapshot;
  try {
    snapshot = await queryAndRecord(deps, athena, work, parameters, capturedAt);
  } finally {
    await releaseWorkLock(work).catch((err: unknown) =>
      log.error(
        "could not release the work table lock; the next snapshot waits for it to go stale",
        {
          error: String(err),
        },
      ),
    );
  }

  const keys = reportKeys(config.reportPrefix, capturedAt);
  const html = deps.render(snapshot);
  const put = (Key: string, Body: string, ContentType: string) =>
    deps.s3.send(
      new PutObjectCommand({
        Bucket: config.reportBucket,
        Key,
        Body,
        ContentType,
        ...encryption(config),
      }),
    );
  // Dated copies first: `latest.html` never points past a snapshot that has no dated copy.
  await put(keys.dated, html, "text/html; charset=utf-8");
  await put(keys.datedJson, JSON.stringify(snapshot), "application/json; charset=utf-8");
  await put(keys.latest, html, "text/html; charset=utf-8");

  const change = dayOverDay(snapshot.history, snapshot.totals.score, now);
  for (const line of riskMetricLines(snapshot, { dayOverDay: change })) emit(line);

  log.info("snapshot taken", {
    capturedAt,
    score: snapshot.totals.score,
    machines: snapshot.totals.machines,
    dayOverDay: change,
    reportKey: keys.dated,
  });
  return {
    capturedAt,
    score: snapshot.totals.score,
    machines: snapshot.totals.machines,
    reportKey: keys.dated,
  };
}
