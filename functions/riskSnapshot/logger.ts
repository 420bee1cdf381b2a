/**
 * Structured log lines of the snapshot function: one JSON object per line with `level`,
 * `message`, `timestamp`, `service` and the invocation's request ID, the same shape as the
 * activation API's log (Powertools-like), so one Logs Insights query reads both.
 */

/** Where lines go: `console.log` in Lambda, a collector in tests. */
export type LogSink = (line: string) => void;

/** A logger bound to one invocation. */
export interface SnapshotLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Creates a logger writing to `sink` with `base` fields (the request ID) on every line. */
export function createLogger(
  base: Record<string, unknown>,
  sink: LogSink,
  clock: () => Date = () => new Date(),
): SnapshotLogger {
  const write = (level: string, message: string, fields?: Record<string, unknown>) =>
    sink(
      JSON.stringify({
        level,
        message,
        timestamp: clock().toISOString(),
        service: "risk-snapshot",
        ...base,
        ...fields,
      }),
    );
  return {
    info: (m, f) => write("INFO", m, f),
    error: (m, f) => write("ERROR", m, f),
  };
}
