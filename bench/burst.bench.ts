/**
 * Scale-out burst: N machines boot at once and register through the local activation API
 * (the REAL handler behind the API Gateway adapter) while the fake SSM admits only R
 * CreateActivation calls per second and throttles the rest. Two clients:
 *  - `script`: N concurrent runs of the real documents/bootstrap/register.sh (fake agent);
 *  - `client`: an in-process client that follows register.sh's retry policy exactly (its
 *    constants are read from the script), to show the policy at sizes where N bash
 *    processes would measure this machine's CPU instead.
 * Figures: total time, the ideal N/R, their ratio (target ≤ 1.05), attempts per
 * registration, failures (target 0), what SSM saw and SSM calls per registration (target
 * ≤ 1.5: every SSM call comes out of the account-wide quota the customer's tools share).
 *
 * Environment: BENCH_BURST_N (default 500), BENCH_BURST_R (default 10),
 * BENCH_BURST_MODE (script | client | both, default both), BENCH_BURST_RETRY_AFTER (the
 * handler's RETRY_AFTER_SECONDS, default 2 as in its config), BENCH_BURST_SSM_MAX_ATTEMPTS
 * (its SSM_MAX_ATTEMPTS, default 3), BENCH_BURST_API_RATE (API Gateway stage rate limit,
 * default R as the README advises; "none" for no stage throttling), BENCH_BURST_API_RETRY_AFTER
 * (Retry-After on the stage's own 429, default the deployed THROTTLED gateway response's;
 * "none" for API Gateway's bare 429).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { THROTTLED_RETRY_AFTER_SECONDS } from "../components/activation/throttledResponse";
import {
  GOOD_TOKEN,
  REGISTER_SH,
  newMachine,
  runScript,
  startLocalStack,
  type LocalStack,
} from "../tests/bootstrap/support/harness";

/** One line for `npm run bench`. */
export const title =
  "bootstrap burst: N machines register at once against an SSM admitting R CreateActivation/s";

/** register.sh's retry policy, read from the script so the client cannot drift from it. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly maxTimeMs: number;
  readonly baseMs: number;
  readonly capMs: number;
}

/** Reads `readonly DEFAULT_*=n` from register.sh. */
export function scriptPolicy(script = fs.readFileSync(REGISTER_SH, "utf8")): RetryPolicy {
  const read = (name: string): number => {
    const m = new RegExp(`^readonly ${name}=(\\d+)$`, "m").exec(script);
    if (!m) throw new Error(`register.sh has no line "readonly ${name}=<integer>"`);
    return Number(m[1]);
  };
  return {
    maxAttempts: read("DEFAULT_MAX_ATTEMPTS"),
    maxTimeMs: read("DEFAULT_MAX_TIME") * 1000,
    baseMs: read("DEFAULT_BACKOFF_BASE_MS"),
    capMs: read("DEFAULT_BACKOFF_CAP_MS"),
  };
}

/** register.sh's `backoff_ms`: full jitter, or [S, 2S] after `Retry-After: S`. */
export function backoffMs(
  policy: RetryPolicy,
  failedAttempt: number,
  retryAfter: number | undefined,
): number {
  if (retryAfter !== undefined && retryAfter > 0) {
    return retryAfter * 1000 + Math.floor(Math.random() * (retryAfter * 1000 + 1));
  }
  let ceiling = policy.baseMs;
  for (let i = 1; i < failedAttempt && ceiling < policy.capMs; i++) ceiling *= 2;
  ceiling = Math.min(ceiling, policy.capMs);
  return Math.floor(Math.random() * (ceiling + 1));
}

interface Outcome {
  readonly ok: boolean;
  readonly attempts: number;
  readonly doneMs: number;
}

/** One machine following register.sh's API loop (no agent: the API call is what is measured). */
async function clientRegister(
  url: string,
  name: string,
  policy: RetryPolicy,
  t0: number,
): Promise<Outcome> {
  const start = Date.now();
  for (let attempt = 1; ; attempt++) {
    let status = 0;
    let retryAfter: number | undefined;
    try {
      const res = await fetch(`${url}/activate?name=${encodeURIComponent(name)}`, {
        headers: { Accept: "application/json", Authorization: `Bearer ${GOOD_TOKEN}` },
        signal: AbortSignal.timeout(30_000),
      });
      status = res.status;
      const ra = res.headers.get("retry-after");
      retryAfter = ra !== null && /^\d{1,5}$/.test(ra.trim()) ? Number(ra) : undefined;
      await res.arrayBuffer();
    } catch {
      status = 0;
    }
    if (status === 200) return { ok: true, attempts: attempt, doneMs: Date.now() - t0 };
    if (![0, 429].includes(status) && !(status >= 500 && status <= 599)) {
      return { ok: false, attempts: attempt, doneMs: Date.now() - t0 };
    }
    const delay = backoffMs(policy, attempt, retryAfter);
    const elapsed = Math.floor((Date.now() - start) / 1000) * 1000;
    if (attempt >= policy.maxAttempts || elapsed + delay > policy.maxTimeMs) {
      return { ok: false, attempts: attempt, doneMs: Date.now() - t0 };
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/**
 * N concurrent runs of the real register.sh. One bash launcher forks them all: spawning 500
 * children from Node takes tens of seconds (each spawn copies this process), which would be
 * measured as boot time; bash forks them in well under a second.
 */
async function scriptBurst(apiUrl: string, n: number, policy: RetryPolicy): Promise<Outcome[]> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "hf-burst-"));
  const launcher = [
    "set -u",
    'date +%s%N >"$ROOT/start"',
    "for ((i = 0; i < N; i++)); do",
    "  d=$ROOT/m$i",
    '  mkdir -p "$d"',
    "  (",
    "    HF_REGISTRATION_FILE=$d/registration FAKE_AGENT_REGISTRATION_FILE=$d/registration \\",
    "      FAKE_AGENT_LOG=$d/agent.log FAKE_SERVICE_LOG=$d/service.log \\",
    '      bash "$SCRIPT" --name "web-$i" --no-ec2 2>"$d/stderr"',
    '    echo $? >"$d/rc"',
    '    date +%s%N >"$d/done"',
    "  ) &",
    "done",
    "wait",
  ].join("\n");
  fs.writeFileSync(path.join(root, "launch.sh"), launcher);
  const m = newMachine();
  const res = await runScript(path.join(root, "launch.sh"), [], {
    ...m.env,
    ROOT: root,
    N: String(n),
    SCRIPT: REGISTER_SH,
    HF_API_URL: apiUrl,
    HF_TOKEN: GOOD_TOKEN,
    // The script's own backoff defaults, not the tests' shortened ones.
    HF_BACKOFF_BASE_MS: String(policy.baseMs),
    HF_BACKOFF_CAP_MS: String(policy.capMs),
  });
  if (res.code !== 0) throw new Error(`launcher failed: ${res.stderr}`);
  const start = Number(fs.readFileSync(path.join(root, "start"), "utf8")) / 1e6;
  const outcomes = Array.from({ length: n }, (_, i) => {
    const d = path.join(root, `m${i}`);
    const stderr = fs.readFileSync(path.join(d, "stderr"), "utf8");
    const rc = Number(fs.readFileSync(path.join(d, "rc"), "utf8"));
    return {
      ok: rc === 0 && fs.existsSync(path.join(d, "agent.log")),
      attempts: (stderr.match(/^register\.sh: attempt \d+:/gm) ?? []).length + 1,
      doneMs: Number(fs.readFileSync(path.join(d, "done"), "utf8")) / 1e6 - start,
    };
  });
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(m.dir, { recursive: true, force: true });
  return outcomes;
}

async function burst(
  mode: "script" | "client",
  n: number,
  r: number,
  retryAfter: number,
  ssmMaxAttempts: number,
  apiRate: number | undefined,
  apiRetryAfter: number | undefined,
): Promise<void> {
  const stack: LocalStack = await startLocalStack({
    ssmThrottle: { admitPerSecond: r, operations: ["CreateActivation"] },
    ...(apiRate !== undefined
      ? {
          apiThrottle: {
            rateLimit: apiRate,
            burstLimit: Math.max(1, Math.round(apiRate)),
            retryAfterSeconds: apiRetryAfter,
          },
        }
      : {}),
    env: {
      RETRY_AFTER_SECONDS: String(retryAfter),
      SSM_MAX_ATTEMPTS: String(ssmMaxAttempts),
      // The deployed default (the test harness sets 0 to see nodes it adds behind the API's back).
      REGISTERED_NAMES_MAX_AGE_SECONDS: "300",
    },
  });
  try {
    const policy = scriptPolicy();
    const t0 = Date.now();
    let outcomes: Outcome[];
    if (mode === "client") {
      outcomes = await Promise.all(
        Array.from({ length: n }, (_, i) => clientRegister(stack.url, `web-${i}`, policy, t0)),
      );
    } else {
      outcomes = await scriptBurst(stack.url, n, policy);
    }
    const total = Math.max(...outcomes.map((o) => o.doneMs)) / 1000;
    const ideal = n / r;
    const attempts = outcomes.map((o) => o.attempts);
    const mean = attempts.reduce((a, b) => a + b, 0) / n;
    const sorted = [...attempts].sort((a, b) => a - b);
    const failures = outcomes.filter((o) => !o.ok).length;
    const stats = stack.ssm.stats();
    const issued = stack.ssm.activations.length;
    console.log(
      `mode=${mode} N=${n} R=${r}/s (CreateActivation), SSM_MAX_ATTEMPTS=${ssmMaxAttempts}, Retry-After=${retryAfter} s, stage throttle ${apiRate === undefined ? "none" : `${apiRate}/s`}, its 429 Retry-After ${apiRetryAfter ?? "none"}`,
    );
    console.log(
      `  total time ${total.toFixed(1)} s, ideal N/R ${ideal.toFixed(1)} s, ratio ${(total / ideal).toFixed(3)} (target <= 1.05)`,
    );
    console.log(
      `  attempts per registration: mean ${mean.toFixed(2)}, median ${sorted[Math.floor(n / 2)]}, p95 ${sorted[Math.floor(n * 0.95)]}, max ${sorted[n - 1]} (bound ${policy.maxAttempts})`,
    );
    console.log(`  failures ${failures} (target 0); activations issued ${issued}`);
    const lat = stack.calls.map((c) => c.ms).sort((a, b) => a - b);
    const pct = (q: number): number => lat[Math.min(lat.length - 1, Math.floor(lat.length * q))];
    const spread = stack.calls.length / (Math.max(...outcomes.map((o) => o.doneMs)) / 1000);
    console.log(
      `  API calls ${stack.calls.length} (${spread.toFixed(1)}/s); handler time p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms, max ${lat[lat.length - 1]} ms`,
    );
    console.log(
      `  SSM saw CreateActivation ${stats.calls.CreateActivation ?? 0} (throttled ${stats.throttled}), DescribeInstanceInformation ${stats.calls.DescribeInstanceInformation ?? 0}, DeleteActivation ${stats.calls.DeleteActivation ?? 0}`,
    );
    const ok = n - failures;
    console.log(
      `  SSM calls per registration ${(stats.total / Math.max(1, ok)).toFixed(2)} (${stats.total} calls / ${ok} registrations; target <= 1.5)`,
    );
    // What each machine that registered cost the API and SSM (the AWS bill and quota side).
    const registered = Math.max(1, n - failures);
    const per = (calls: number): string => (calls / registered).toFixed(2);
    console.log(
      `  calls per registration: API ${per(stack.calls.length)}, CreateActivation ${per(stats.calls.CreateActivation ?? 0)}, DescribeInstanceInformation ${per(stats.calls.DescribeInstanceInformation ?? 0)}`,
    );
  } finally {
    await stack.close();
  }
}

/** Runs the burst in the configured mode(s) and prints the figures. */
export async function run(): Promise<void> {
  const n = Number(process.env.BENCH_BURST_N ?? 500);
  const r = Number(process.env.BENCH_BURST_R ?? 10);
  const mode = process.env.BENCH_BURST_MODE ?? "both";
  // The handler's default (RETRY_AFTER_SECONDS in functions/activation/config.ts).
  const retryAfter = Number(process.env.BENCH_BURST_RETRY_AFTER ?? 2);
  // The handler's SDK retries (SSM_MAX_ATTEMPTS, default 3 in its config).
  const ssmMaxAttempts = Number(process.env.BENCH_BURST_SSM_MAX_ATTEMPTS ?? 3);
  // API Gateway stage throttling (the deployed throttleRateLimit); "none" for the raw burst.
  const apiRateRaw = process.env.BENCH_BURST_API_RATE ?? String(r);
  const apiRate = apiRateRaw === "none" ? undefined : Number(apiRateRaw);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`BENCH_BURST_N must be a whole number >= 1, got ${n}`);
  if (!(r > 0)) throw new Error(`BENCH_BURST_R must be a number > 0, got ${r}`);
  if (!["script", "client", "both"].includes(mode)) {
    throw new Error(`BENCH_BURST_MODE must be script, client or both, got ${mode}`);
  }
  if (apiRate !== undefined && !(apiRate > 0)) {
    throw new Error(`BENCH_BURST_API_RATE must be a number > 0 or "none", got ${apiRateRaw}`);
  }
  // Retry-After on the stage's own 429 (the THROTTLED gateway response); "none" for without.
  const apiRetryAfterRaw =
    process.env.BENCH_BURST_API_RETRY_AFTER ?? String(THROTTLED_RETRY_AFTER_SECONDS);
  const apiRetryAfter = apiRetryAfterRaw === "none" ? undefined : Number(apiRetryAfterRaw);
  if (apiRetryAfter !== undefined && !(Number.isInteger(apiRetryAfter) && apiRetryAfter >= 1)) {
    throw new Error(
      `BENCH_BURST_API_RETRY_AFTER must be a whole number >= 1 or "none", got ${apiRetryAfterRaw}`,
    );
  }
  const args = [n, r, retryAfter, ssmMaxAttempts, apiRate, apiRetryAfter] as const;
  if (mode !== "client") await burst("script", ...args);
  if (mode !== "script") await burst("client", ...args);
}
