/**
 * Runs Athena statements the way the snapshot needs: start in the workgroup with the
 * snapshot time as an execution parameter, poll with backoff until a final state or the time
 * budget runs out (then stop the query: a runaway query keeps scanning, and costing, after the
 * Lambda gives up), and read the result pages into objects keyed by the header row.
 *
 * API: StartQueryExecution, GetQueryExecution, GetQueryResults, StopQueryExecution
 * (https://docs.aws.amazon.com/athena/latest/APIReference/API_Operations.html).
 */
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClient,
} from "@aws-sdk/client-athena";
import { AthenaQueryError, AthenaTimeoutError } from "./errors";

/** One result row: column name → value (Athena returns every value as text; SQL NULL → null). */
export type AthenaRow = Record<string, string | null>;

/** A SELECT's result: the header row's column names and the data rows. */
export interface AthenaResult {
  readonly columns: readonly string[];
  readonly rows: readonly AthenaRow[];
}

/** Poll timing: first wait, growth factor, longest wait (milliseconds). */
export interface PollBackoff {
  readonly initialMs: number;
  readonly factor: number;
  readonly maxMs: number;
}

/** Default backoff: 0.5 s, ×2, at most 5 s (a snapshot query takes seconds, not minutes). */
export const DEFAULT_POLL_BACKOFF: PollBackoff = { initialMs: 500, factor: 2, maxMs: 5_000 };

/** GetQueryResults' largest page. */
export const RESULTS_PAGE_SIZE = 1000;

/** What the runner needs; time comes in as functions so tests run without waiting. */
export interface AthenaRunnerOptions {
  readonly athena: Pick<AthenaClient, "send">;
  readonly workgroup: string;
  readonly database: string;
  /** Current time in milliseconds (same frame as `deadline`). */
  readonly clock: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Time (per `clock`) by which every query must have finished. */
  readonly deadline: number;
  /** The budget the deadline came from, in seconds (for the timeout message). */
  readonly budgetSeconds: number;
  readonly backoff?: PollBackoff;
  /** Called when a query starts and ends (logging). */
  readonly onEvent?: (event: AthenaQueryEvent) => void;
}

/** A query's progress, for the log. */
export interface AthenaQueryEvent {
  readonly queryKey: string;
  readonly queryExecutionId: string;
  readonly state: string;
  readonly elapsedMs: number;
  readonly dataScannedBytes?: number;
}

/** Runs statements; `select` reads the results, `execute` only waits for success. */
export interface AthenaRunner {
  select(queryKey: string, sql: string, parameters: readonly string[]): Promise<AthenaResult>;
  execute(queryKey: string, sql: string, parameters: readonly string[]): Promise<string>;
}

/**
 * An Athena string literal for an execution parameter. Parameters are SQL literals put in
 * place of each `?` in order, so a string value goes in single quotes with any `'` doubled,
 * as in `EXECUTE my_insert USING 'usa'`
 * (https://docs.aws.amazon.com/athena/latest/ug/querying-with-prepared-statements.html;
 * AWS SDK for pandas: "for varchar columns … you must surround the value in single quotes",
 * https://github.com/aws/aws-sdk-pandas/pull/2326).
 */
export function athenaString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

const FINAL_STATES = new Set(["SUCCEEDED", "FAILED", "CANCELLED"]);

/** Creates a runner bound to a workgroup, a database and a deadline. */
export function createAthenaRunner(options: AthenaRunnerOptions): AthenaRunner {
  const { athena, clock, sleep, deadline } = options;
  const backoff = options.backoff ?? DEFAULT_POLL_BACKOFF;

  async function start(queryKey: string, sql: string, parameters: readonly string[]) {
    const started = await athena.send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        QueryExecutionContext: { Database: options.database },
        WorkGroup: options.workgroup,
        // The API takes one value at least: a statement without `?` sends none.
        ...(parameters.length > 0 ? { ExecutionParameters: [...parameters] } : {}),
      }),
    );
    if (!started.QueryExecutionId) {
      throw new Error(`Athena returned no QueryExecutionId for query "${queryKey}"`);
    }
    return started.QueryExecutionId;
  }

  async function waitFor(queryKey: string, id: string, startedAt: number): Promise<void> {
    let delay = backoff.initialMs;
    for (;;) {
      const { QueryExecution } = await athena.send(
        new GetQueryExecutionCommand({ QueryExecutionId: id }),
      );
      const state = QueryExecution?.Status?.State ?? "UNKNOWN";
      if (FINAL_STATES.has(state)) {
        options.onEvent?.({
          queryKey,
          queryExecutionId: id,
          state,
          elapsedMs: clock() - startedAt,
          ...(QueryExecution?.Statistics?.DataScannedInBytes !== undefined
            ? { dataScannedBytes: QueryExecution.Statistics.DataScannedInBytes }
            : {}),
        });
        if (state === "SUCCEEDED") return;
        throw new AthenaQueryError(
          queryKey,
          id,
          state,
          QueryExecution?.Status?.StateChangeReason ??
            QueryExecution?.Status?.AthenaError?.ErrorMessage,
        );
      }
      const left = deadline - clock();
      if (left <= 0) {
        try {
          await athena.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
        } catch {
          // The timeout is the error to report; a query that could not be stopped ends on
          // its own at the workgroup's limits.
        }
        throw new AthenaTimeoutError(queryKey, id, state, options.budgetSeconds);
      }
      await sleep(Math.min(delay, left));
      delay = Math.min(delay * backoff.factor, backoff.maxMs);
    }
  }

  async function readResults(id: string): Promise<AthenaResult> {
    let columns: string[] | undefined;
    const rows: AthenaRow[] = [];
    let nextToken: string | undefined;
    do {
      const page = await athena.send(
        new GetQueryResultsCommand({
          QueryExecutionId: id,
          MaxResults: RESULTS_PAGE_SIZE,
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      );
      const pageRows = page.ResultSet?.Rows ?? [];
      let data = pageRows;
      if (columns === undefined) {
        // For a SELECT, the first row of the first page is the header.
        columns =
          pageRows.length > 0
            ? (pageRows[0].Data ?? []).map((d) => d.VarCharValue ?? "")
            : (page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []).map((c) => c.Name ?? "");
        data = pageRows.slice(1);
      }
      for (const row of data) {
        const values = row.Data ?? [];
        rows.push(Object.fromEntries(columns.map((c, i) => [c, values[i]?.VarCharValue ?? null])));
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return { columns: columns ?? [], rows };
  }

  return {
    async select(queryKey, sql, parameters) {
      const startedAt = clock();
      const id = await start(queryKey, sql, parameters);
      await waitFor(queryKey, id, startedAt);
      return readResults(id);
    },
    async execute(queryKey, sql, parameters) {
      const startedAt = clock();
      const id = await start(queryKey, sql, parameters);
      await waitFor(queryKey, id, startedAt);
      return id;
    },
  };
}
