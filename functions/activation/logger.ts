/**
 * A minimal structured logger: one JSON object per line, with the request ID on every
 * line. Secrets never reach it: callers log decisions and identifiers only, and
 * {@link redact} strips anything shaped like an activation code or bootstrap token from
 * free text (error messages from dependencies) as a second line of defence.
 */

/** Log levels, least to most severe. */
export type LogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR";

/** Where log lines go; `console.log` in Lambda, a collector in tests. */
export type LogSink = (line: string) => void;

/** A logger bound to one request. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const ORDER: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 };

const TOKEN_SHAPE = /hft_[A-Za-z0-9_-]{8,}/g;
const BEARER_SHAPE = /(bearer\s+)\S+/gi;

/** Removes token- and bearer-shaped substrings from free text. */
export function redact(text: string): string {
  return text.replace(TOKEN_SHAPE, "hft_[REDACTED]").replace(BEARER_SHAPE, "$1[REDACTED]");
}

/**
 * Creates a logger that writes JSON lines with `level`, `message`, `timestamp`,
 * `service` and the given base fields (request ID).
 */
export function createLogger(
  base: Record<string, unknown>,
  sink: LogSink,
  minLevel: LogLevel = "INFO",
  clock: () => Date = () => new Date(),
): Logger {
  const write = (level: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (ORDER[level] < ORDER[minLevel]) return;
    const line = JSON.stringify({
      level,
      message: redact(message),
      timestamp: clock().toISOString(),
      service: "activation-api",
      ...base,
      ...fields,
    });
    sink(redact(line));
  };
  return {
    debug: (m, f) => write("DEBUG", m, f),
    info: (m, f) => write("INFO", m, f),
    warn: (m, f) => write("WARN", m, f),
    error: (m, f) => write("ERROR", m, f),
  };
}
