/**
 * Step 6's switch: `hybrid-fleet mode set enforce --tag Environment=dev --yes`, the real CLI
 * in-process against the fake SSM. The CLI builds its clients with the SDK's default chain and
 * never sets an endpoint; the SDK reads `AWS_ENDPOINT_URL_SSM` / `AWS_ENDPOINT_URL_EC2` itself
 * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html), which is how it
 * is pointed at the fake here, as a user would point the installed binary.
 */
import { PassThrough } from "node:stream";
import { runCli } from "../cli/program";

/** The CLI's output and exit code. */
export interface CliRun {
  readonly argv: readonly string[];
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `hybrid-fleet <argv>` with the process environment extended by `env`. */
export async function runHybridFleet(
  argv: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  // No terminal: `--yes` is what lets mode set change anything, as in a script.
  const stdin = new PassThrough();
  stdin.end();
  const saved = { ...process.env };
  // The SDK reads endpoints, region and credentials from process.env when a client is made.
  Object.assign(process.env, env);
  try {
    const code = await runCli(argv, {
      stdout: { write: (s: string) => (stdout += s), isTTY: false },
      stderr: { write: (s: string) => (stderr += s), isTTY: false },
      stdin,
      env: { ...process.env, NO_COLOR: "1" },
    });
    return { argv, code, stdout, stderr };
  } finally {
    for (const k of Object.keys(env)) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}

/** `mode set enforce` for the machines tagged `key=value` of `fleet`, against `ssmEndpoint`. */
export function setModeEnforce(
  fleet: string,
  key: string,
  value: string,
  ssmEndpoint: string,
  region: string,
): Promise<CliRun> {
  return runHybridFleet(
    [
      "--fleet",
      fleet,
      "--region",
      region,
      "mode",
      "set",
      "enforce",
      "--tag",
      `${key}=${value}`,
      "--yes",
    ],
    {
      AWS_ENDPOINT_URL_SSM: ssmEndpoint,
      // Every node is hybrid (mi-): EC2 is never called; a closed port makes a stray call fail.
      AWS_ENDPOINT_URL_EC2: "http://127.0.0.1:9",
      AWS_ACCESS_KEY_ID: "AKIALOCALFAKE000000",
      AWS_SECRET_ACCESS_KEY: "local-fake-secret",
      AWS_EC2_METADATA_DISABLED: "true",
    },
  );
}
