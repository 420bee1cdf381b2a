/**
 * Lambda entry point of the risk snapshot (an EventBridge schedule invokes it, hourly by
 * default). Configuration, the statements file and the SDK clients are set up once per cold
 * start; a missing variable or a statements file built against another contract fails the
 * init with a message naming it. Each invocation takes one snapshot at its own "now".
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { AthenaClient } from "@aws-sdk/client-athena";
import { S3Client } from "@aws-sdk/client-s3";
import type { Context, ScheduledEvent } from "aws-lambda";
import { renderReport } from "../../report/render";
import { assembleSnapshot } from "../../risk/assemble";
import { queryBudgetMs } from "./budget";
import { loadSnapshotConfig } from "./config";
import { ConfigurationError } from "./errors";
import { createLogger } from "./logger";
import { runSnapshot, type SnapshotResult } from "./snapshot";
import { parseStatements, STATEMENTS_FILE } from "./statements";

const config = loadSnapshotConfig(process.env);

// Written into the code package beside the bundle by the RiskView component.
const statementsPath = path.join(__dirname, STATEMENTS_FILE);
let statementsText: string;
try {
  statementsText = readFileSync(statementsPath, "utf8");
} catch (cause) {
  throw new ConfigurationError(`${STATEMENTS_FILE} cannot be read beside the bundle`, { cause });
}
const statements = parseStatements(statementsText);

const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
if (!region) throw new ConfigurationError("environment variable AWS_REGION is required");

const athena = new AthenaClient({
  region,
  ...(config.athenaEndpoint ? { endpoint: config.athenaEndpoint } : {}),
});
const s3 = new S3Client({
  region,
  // A local endpoint has no bucket subdomains.
  ...(config.s3Endpoint ? { endpoint: config.s3Endpoint, forcePathStyle: true } : {}),
});

/** The scheduled handler: takes one snapshot and returns its headline figures. */
export const handler = async (
  _event: ScheduledEvent,
  context: Context,
): Promise<SnapshotResult> => {
  const now = new Date();
  try {
    return await runSnapshot(
      {
        athena,
        s3,
        config,
        statements,
        assemble: assembleSnapshot,
        render: renderReport,
        queryBudgetMs: queryBudgetMs(config.queryBudgetSeconds, context.getRemainingTimeInMillis()),
        requestId: context.awsRequestId,
      },
      now,
    );
  } catch (err) {
    // One structured line naming what failed; the error itself still fails the invocation
    // (Lambda's Errors metric, and no SnapshotSucceeded data point for the alarm).
    const e = err as Error;
    createLogger({ requestId: context.awsRequestId, fleet: config.fleet }, (line) =>
      console.log(line),
    ).error("snapshot failed", { error: e?.name, cause: String(e?.message).slice(0, 1000) });
    throw err;
  }
};
