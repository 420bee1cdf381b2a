/** `npm start`'s flags. */
import { parseStrictFlags } from "../local/flags";

/** Parsed flags of `npm start`. */
export interface DemoOptions {
  /** Machines to boot (1–200). @default 20 */
  readonly machines: number;
  /** Leave the working folder (machines, sync folder, reports) in place. @default false */
  readonly keep: boolean;
  /** Print only the result (scores and where the report is). @default false */
  readonly quiet: boolean;
  readonly help: boolean;
}

/** A bad flag: `npm start` prints it with the usage and exits 2. */
export class DemoUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DemoUsageError";
  }
}

/** Most machines `--machines` takes: each is a few processes on this host. */
export const MAX_MACHINES = 200;

/** What `npm start -- --help` prints (and a bad flag, after the error). */
export const DEMO_USAGE = `usage: npm start [-- --machines N] [--keep] [--quiet] [--help]

  --machines N   machines to boot (1-${MAX_MACHINES}; default 20): one EC2 instance, the rest on-premises
  --keep         keep the working folder (machines, sync folder, reports) and print where it is
  --quiet        print only the scores and where the reports are
  --help         this text

exit codes: 0 done, 1 a stage failed, 2 bad flags`;

/** Parses the arguments after `npm start --`; throws {@link DemoUsageError}. */
export function parseDemoArgs(argv: readonly string[]): DemoOptions {
  const values = parseStrictFlags(
    argv,
    {
      machines: { type: "string" },
      keep: { type: "boolean" },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    (message) => new DemoUsageError(message),
  );
  const raw = values.machines;
  let machines = 20;
  if (raw !== undefined) {
    machines = Number(raw);
    if (
      typeof raw !== "string" ||
      !/^[0-9]+$/.test(raw) ||
      machines < 1 ||
      machines > MAX_MACHINES
    ) {
      throw new DemoUsageError(
        `--machines must be a whole number from 1 to ${MAX_MACHINES}; got "${String(raw)}"`,
      );
    }
  }
  return {
    machines,
    keep: values.keep === true,
    quiet: values.quiet === true,
    help: values.help === true,
  };
}
