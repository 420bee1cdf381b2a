/**
 * Runs every row of the bootstrap scenario table (`scenarios.ts`) against BOTH scripts:
 * `bash register.sh` and `pwsh -File register.ps1`, the same local API (real handler, fake
 * SSM), fake IMDS, fake agent, service manager and installer. Each run must meet the row's
 * expectation, and where a row runs on both, the two scripts must print the same lines
 * (modulo script name, flag spelling, service name and run-specific values).
 *
 * pwsh: under CI=true a missing pwsh fails every register.ps1 test; elsewhere the register.ps1
 * half is skipped with one line saying so (.ci/install-powershell.sh installs it).
 */
import { strict as assert } from "node:assert";
import type { Scenario, Shell } from "./support/scenario";
import { comparableLines, expected, observed } from "./support/scenarioJudge";
import {
  findPwsh,
  pool,
  runScenario,
  startWorld,
  type Observation,
  type World,
} from "./support/scenarioRunner";
import { SCENARIOS } from "./scenarios";

const SCRIPT_NAME: Readonly<Record<Shell, string>> = { sh: "register.sh", ps1: "register.ps1" };
/** Runs at once: each pwsh start costs about a CPU-second, and CI machines have two cores. */
const PARALLEL = 4;

function shellsOf(s: Scenario, havePwsh: boolean): Shell[] {
  if (s.only) return [s.only.shell];
  return havePwsh ? ["sh", "ps1"] : ["sh"];
}

describe("bootstrap scenarios: one table, register.sh and register.ps1", function () {
  // Tests wait for runs started in `before`; on a busy machine the last ones take a while.
  this.timeout(900_000);
  const pwsh = findPwsh();
  const ci = process.env.CI === "true";
  /** One run per row and script, started together in `before` and awaited by each test. */
  const runs = new Map<string, Promise<Observation>>();
  let world: World | undefined;

  if (!pwsh && !ci) {
    console.log(
      "\n  !!! SKIPPING the register.ps1 half of the bootstrap scenarios: pwsh not found on PATH or in ~/.dotnet/tools (run .ci/install-powershell.sh; CI=true makes this a failure) !!!\n",
    );
  }

  const keyOf = (s: Scenario, shell: Shell): string => `${s.title}\u0000${shell}`;

  before(async () => {
    world = await startWorld();
    const started = Date.now();
    const settle = new Map<string, (r: Observation | Error) => void>();
    for (const s of SCENARIOS) {
      for (const shell of shellsOf(s, !!pwsh || ci)) {
        const promise = new Promise<Observation>((resolve, reject) => {
          settle.set(keyOf(s, shell), (r) => (r instanceof Error ? reject(r) : resolve(r)));
        });
        // Each test awaits its own run; an unawaited rejection must not crash mocha meanwhile.
        promise.catch(() => undefined);
        runs.set(keyOf(s, shell), promise);
      }
    }
    // Rows proving themselves with the EC2 document all ask for the fixture's instance ID as
    // the same caller: run concurrently, the name lease answers the older request 409 ("a newer
    // request ... superseded this one"), as it would for two runs on one instance. One at a time.
    let ec2Queue: Promise<unknown> = Promise.resolve();
    const usesEc2Identity = (s: Scenario): boolean => s.imds !== undefined && s.imds !== "none";
    void pool(SCENARIOS, PARALLEL, async (s) => {
      const runBoth = async (): Promise<void> => {
        // One script after the other: both ask the same API for the same name.
        for (const shell of shellsOf(s, !!pwsh || ci)) {
          const done = settle.get(keyOf(s, shell)) as (r: Observation | Error) => void;
          try {
            done(await runScenario(world as World, s, shell, pwsh));
          } catch (e) {
            done(e as Error);
          }
        }
      };
      if (!usesEc2Identity(s)) return runBoth();
      const turn = ec2Queue.then(runBoth);
      ec2Queue = turn.catch(() => undefined);
      return turn;
    }).then(() =>
      console.log(
        `  bootstrap scenarios: ${SCENARIOS.length} rows, ${runs.size} runs in ${Math.round((Date.now() - started) / 1000)}s`,
      ),
    );
  });
  after(async () => {
    await Promise.allSettled(runs.values());
    await world?.close();
  });

  const titles = new Set<string>();
  for (const s of SCENARIOS) {
    assert.ok(!titles.has(s.title), `duplicate scenario title: ${s.title}`);
    titles.add(s.title);
    describe(s.title, () => {
      const shells = shellsOf(s, !!pwsh || ci);
      for (const shell of shells) {
        it(SCRIPT_NAME[shell], async () => {
          const r = await (runs.get(keyOf(s, shell)) as Promise<Observation>);
          assert.deepEqual(
            observed(s.expect, r),
            expected(s.expect, shell),
            `stderr was:\n${r.stderr}`,
          );
        });
      }
      if (shells.length === 2) {
        it("both print the same lines", async () => {
          const [sh, ps1] = await Promise.all(
            shells.map((shell) => runs.get(keyOf(s, shell)) as Promise<Observation>),
          );
          assert.deepEqual(comparableLines(ps1), comparableLines(sh));
        });
      }
    });
  }

  if (!pwsh && !ci) it.skip("register.ps1 half (pwsh not found)");
});
