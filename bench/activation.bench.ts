/**
 * Activation handler: bundle size, and cold init (loading the bundle in a fresh Node
 * process: V8 parse + module evaluation + SSM client construction) as a ratio to a bare
 * `node -e ''` measured in the same run, interleaved so both see the same machine load.
 * Targets (issue 2): bundle ≤ 400 KB, init ≤ 1.3× bare node.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { bundleFunction } from "../components/shared/bundle";

export const title = "activation handler bundle size and cold init";

const RUNS = 25;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(args: string[], env: NodeJS.ProcessEnv): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} failed: ${r.stderr}`);
  return ms;
}

export async function run(): Promise<void> {
  const code = bundleFunction("activation");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "activation-bench-"));
  const file = path.join(dir, "index.js");
  fs.writeFileSync(file, code);
  const env = {
    PATH: process.env.PATH,
    NODE_NO_WARNINGS: "1",
    AWS_REGION: "ap-southeast-2",
    AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
    AWS_SECRET_ACCESS_KEY: "secret",
    MANAGED_INSTANCE_ROLE_NAME: "fleet-managed-instance",
    FLEET_NAME: "bench",
    ENVIRONMENT: "dev",
    ALLOWED_ACCOUNTS: "123456789012",
  };
  const bare: number[] = [];
  const init: number[] = [];
  time(["-e", ""], env);
  time([file], env);
  for (let i = 0; i < RUNS; i++) {
    bare.push(time(["-e", ""], env));
    init.push(time([file], env));
  }
  fs.rmSync(dir, { recursive: true, force: true });
  const kb = code.length / 1024;
  const ratio = median(init) / median(bare);
  console.log(
    `bundle size:        ${kb.toFixed(1)} KB (target ≤ 400 KB) ${kb <= 400 ? "ok" : "OVER"}`,
  );
  console.log(`bare node (median): ${median(bare).toFixed(1)} ms over ${RUNS} runs`);
  console.log(`load bundle (med.): ${median(init).toFixed(1)} ms over ${RUNS} runs`);
  console.log(
    `cold init ratio:    ${ratio.toFixed(2)}x bare node (target ≤ 1.3x) ${ratio <= 1.3 ? "ok" : "OVER"}`,
  );
}
