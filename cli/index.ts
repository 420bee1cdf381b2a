#!/usr/bin/env node
/**
 * The `hybrid-fleet` binary (package.json `bin`). Everything testable lives in
 * cli/program.ts; this file only connects it to the process.
 */
import { runCli } from "./program";

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`internal error: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
