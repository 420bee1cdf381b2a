/**
 * Runs `hybrid-fleet` in-process for tests: buffered stdout/stderr, a scripted stdin, TTY
 * flags and environment of the test's choosing, and the exit code. Commands' tests use it
 * with SSM/EC2 clients mocked by aws-sdk-client-mock.
 */
import { EC2Client } from "@aws-sdk/client-ec2";
import { SSMClient } from "@aws-sdk/client-ssm";
import { PassThrough } from "node:stream";
import type { ClientFactory } from "../../../cli/clients";
import type { CliIo } from "../../../cli/io";
import { runCli, type RunOptions } from "../../../cli/program";

/** How the fake terminal looks. */
export interface HarnessOptions extends RunOptions {
  /** stdout is a terminal (colour allowed unless NO_COLOR). @default false */
  readonly stdoutTTY?: boolean;
  /** stdin and stderr are terminals (prompts allowed). @default false */
  readonly promptTTY?: boolean;
  /** Lines typed on stdin. @default none (stdin ends at once) */
  readonly input?: string;
  /** @default {} (no HYBRID_FLEET_NAME, no NO_COLOR) */
  readonly env?: Record<string, string | undefined>;
}

/** What a run printed and returned. */
export interface HarnessResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Clients in the test region, with fake credentials, for mocking with aws-sdk-client-mock.
 * Their endpoint is a closed loopback port, so a call a test forgot to mock fails at once
 * (exit 3) instead of leaving the machine.
 */
export function testClients(): ClientFactory {
  const config = {
    region: "ap-southeast-2",
    credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" },
    endpoint: "http://127.0.0.1:9",
    maxAttempts: 1,
  };
  const ssm = new SSMClient(config);
  const ec2 = new EC2Client(config);
  return { ssm: () => ssm, ec2: () => ec2 };
}

/** Runs the CLI with `argv` and collects its output. */
export async function runHarness(
  argv: readonly string[],
  options: HarnessOptions = {},
): Promise<HarnessResult> {
  let stdout = "";
  let stderr = "";
  const stdin = new PassThrough() as PassThrough & { isTTY?: boolean };
  stdin.isTTY = options.promptTTY ?? false;
  stdin.end(options.input ?? "");
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s), isTTY: options.stdoutTTY ?? false },
    stderr: { write: (s: string) => (stderr += s), isTTY: options.promptTTY ?? false },
    stdin,
    env: options.env ?? {},
  };
  const code = await runCli(argv, io, { clients: testClients(), ...options });
  return { code, stdout, stderr };
}
