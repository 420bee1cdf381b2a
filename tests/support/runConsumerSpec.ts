/**
 * Runs the consumer spec whose mocks omit a computed value (`tests/fixtures/consumer/
 * omitsInvokeUrl.spec.cjs`) in a fresh mocha process, against the package at `fleetModule`
 * (source or installed), and returns how its one test failed.
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";

/**
 * The consumer's own mocha timeout: a hang shows as a failure after this long. Generous, so
 * that "failed well before it" holds on a loaded CI machine, where building the component
 * (bundling the handler) alone can take over 15 s.
 */
export const CONSUMER_TIMEOUT_MS = 120_000;

/** The spec's one failure as mocha's JSON reporter describes it. */
export interface ConsumerFailure {
  readonly title: string;
  readonly durationMs: number;
  readonly message: string;
  readonly stack: string;
}

/** The spec as this repository keeps it; a consumer test copies it into its project. */
export const OMITS_INVOKE_URL_SPEC = path.join(
  __dirname,
  "..",
  "fixtures",
  "consumer",
  "omitsInvokeUrl.spec.cjs",
);

/**
 * Runs `spec` with `cwd` as the consumer's folder (modules resolve from the spec's folder);
 * throws if it did not fail exactly once.
 */
export async function runOmitsInvokeUrlSpec(
  fleetModule: string,
  cwd: string,
  mochaArgs: readonly string[] = [],
  spec: string = OMITS_INVOKE_URL_SPEC,
): Promise<ConsumerFailure> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      require.resolve("mocha/bin/mocha.js"),
      "--no-config",
      "--reporter",
      "json",
      "--timeout",
      String(CONSUMER_TIMEOUT_MS),
      ...mochaArgs,
      spec,
    ],
    { cwd, env: { ...process.env, FLEET_MODULE: fleetModule }, maxBuffer: 64 * 1024 * 1024 },
  ).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? "" }));
  const report = JSON.parse(stdout.slice(stdout.indexOf("{")));
  if (report.stats.failures !== 1 || report.stats.passes !== 0) {
    throw new Error(`expected one failing test, got ${JSON.stringify(report.stats)}`);
  }
  const [failure] = report.failures;
  return {
    title: failure.title,
    durationMs: failure.duration,
    message: failure.err.message,
    stack: failure.err.stack ?? "",
  };
}
