/**
 * `npm start [-- --machines N] [--keep] [--quiet]`: the whole story on one machine, offline.
 * See demo/pipeline.ts for the steps and README "The local demo (`npm start`)".
 *
 * Exit codes: 0 done; 1 a step failed; 2 bad flags.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEMO_USAGE, DemoUsageError, parseDemoArgs, type DemoOptions } from "./args";
import { formatFleetTable, fleetRows } from "./fleetTable";
import { ENFORCE_ENVIRONMENT, runDemo, type ComplianceRound, type DemoResult } from "./pipeline";
import { acceptanceLines, mandatedLines, scoreChange, totalsLine } from "./summary";

/** Where the two HTML reports are copied (kept after the working folder is removed). */
export const REPORT_DIR = "demo-report";

/** Where `npm start` writes (tests pass buffers). */
export interface StartIo {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
  /** The folder the reports go under. @default process.cwd() */
  readonly cwd?: string;
}

function roundTable(result: DemoResult, round: ComplianceRound): string {
  return formatFleetTable(
    fleetRows(round.nodes, round.compliance, round.snapshot, {
      environment: result.stack.environmentTagKey,
      mode: result.stack.modeTagKey,
    }),
  );
}

function print(result: DemoResult, options: DemoOptions, reports: string[], io: StartIo): void {
  const { before, after } = result;
  const out = io.stdout;
  if (!options.quiet) {
    out("");
    out(`Fleet after the first State Manager run (${before.runs.length} association runs):`);
    out(roundTable(result, before));
    out(totalsLine("Before", before.snapshot));
    out("");
    out(result.modeSet.stdout.trimEnd());
    out("");
    out(
      `Fleet after enforcing ${result.stack.environmentTagKey}=${ENFORCE_ENVIRONMENT} (${after.runs.length} association runs):`,
    );
    out(roundTable(result, after));
    out(totalsLine("After", after.snapshot));
    for (const l of [...mandatedLines(after.snapshot), ...acceptanceLines(after.snapshot)]) out(l);
    out("");
  }
  out(`Risk score: ${scoreChange(before.snapshot.totals.score, after.snapshot.totals.score)}`);
  out(`Report before: ${reports[0]}`);
  out(`Report after:  ${reports[1]}`);
  if (!options.quiet) {
    const steps = Object.entries(result.timings).map(
      ([step, ms]) => `${step.replace(/:.*| \(.*| to .*/, "")} ${(ms / 1000).toFixed(1)} s`,
    );
    out(`Time per step: ${steps.join("; ")}`);
  }
}

/** Runs `npm start` with `argv`; resolves to the exit code. */
export async function runStart(argv: readonly string[], io: StartIo): Promise<number> {
  let options: DemoOptions;
  try {
    options = parseDemoArgs(argv);
  } catch (err) {
    if (!(err instanceof DemoUsageError)) throw err;
    io.stderr(`npm start: ${err.message}`);
    io.stderr(DEMO_USAGE);
    return 2;
  }
  if (options.help) {
    io.stdout(DEMO_USAGE);
    return 0;
  }
  const started = Date.now();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "hybrid-fleet-demo-"));
  try {
    if (!options.quiet)
      io.stdout(
        `A local fleet of ${options.machines} machines, end to end (working folder ${workDir})`,
      );
    const result = await runDemo({
      machines: options.machines,
      workDir,
      progress: (line) => {
        if (!options.quiet) io.stdout(`  ${line}`);
      },
    });
    const reportDir = path.resolve(io.cwd ?? process.cwd(), REPORT_DIR);
    fs.mkdirSync(reportDir, { recursive: true });
    const reports = [result.before.reportFile, result.after.reportFile].map((f, i) => {
      const to = path.join(reportDir, i === 0 ? "before.html" : "after.html");
      fs.copyFileSync(f, to);
      return to;
    });
    print(result, options, reports, io);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    io.stdout(`Done in ${seconds} s${options.keep ? `; working folder kept: ${workDir}` : ""}`);
    return 0;
  } catch (err) {
    io.stderr(`npm start: failed: ${(err as Error).stack ?? String(err)}`);
    if (!options.keep) io.stderr("(run with --keep to look at the machines' logs)");
    return 1;
  } finally {
    if (!options.keep) fs.rmSync(workDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  // The AWS SDK warns on every run that its 2027 releases need Node 22; the demo runs on the
  // project's Node 20.19+ (package.json engines). Every other warning is printed as usual.
  process.removeAllListeners("warning");
  process.on("warning", (w) => {
    if (w.name !== "NodeVersionSupportWarning") process.stderr.write(`${w.name}: ${w.message}\n`);
  });
  runStart(process.argv.slice(2), {
    stdout: (l) => process.stdout.write(`${l}\n`),
    stderr: (l) => process.stderr.write(`${l}\n`),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`npm start: internal error: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
