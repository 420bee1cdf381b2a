/**
 * `npm start`'s whole story, step by step (issue 14's list), returning what each step produced
 * so the end-to-end test can check every stage's numbers:
 * 1. the local activation API (real handler, name-lease table, fake SSM);
 * 2. N machines boot and run the real register.sh; SSM tags each new node from its activation;
 * 3. the simulated State Manager runs every association whose targets match a node's tags;
 * 4. the simulated Resource Data Sync writes the S3 layout to a local folder;
 * 5. the risk view and the HTML report;
 * 6. `hybrid-fleet mode set enforce --tag Environment=dev`, then 3–5 again.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { SSMClient } from "@aws-sdk/client-ssm";
import { FIXTURE_ACCOUNT_ID } from "../local/apiLocal";
import type { FakeComplianceRecord, FakeInstance } from "../local/fakeSsm";
import { runResourceDataSync, type SyncWritten } from "../local/resourceDataSync";
import {
  createStateManager,
  type AssociationRun,
  type AssociationSpec,
} from "../local/stateManager";
import type { RiskSnapshot } from "../risk/model";
import { startDemoApi } from "./activationApi";
import { demoAssociations } from "./associations";
import { bootMachines, type BootedMachine } from "./bootMachines";
import { documentRunner } from "./documentRunner";
import { setModeEnforce, type CliRun } from "./enforce";
import { fleetPlan } from "./fleetPlan";
import { createMachineSandbox } from "./machineSandbox";
import { riskSnapshot } from "./riskReport";
import { AV_INSTALLER_FILE, AV_INSTALLER_SOURCE, demoStack, type DemoStack } from "./stackConfig";

/** The environment whose machines step 6 switches to enforce. */
export const ENFORCE_ENVIRONMENT = "dev";

/** One pass of steps 3–5. */
export interface ComplianceRound {
  readonly runs: readonly AssociationRun[];
  /** What the fake SSM holds after the runs (one record per node and compliance type). */
  readonly compliance: readonly FakeComplianceRecord[];
  /** Sync files written per type. */
  readonly syncFiles: SyncWritten;
  readonly snapshot: RiskSnapshot;
  readonly reportFile: string;
  /** The managed nodes as SSM holds them (tags included) at the time of the round. */
  readonly nodes: readonly FakeInstance[];
}

/** Everything the demo did. */
export interface DemoResult {
  readonly stack: DemoStack;
  readonly machines: readonly BootedMachine[];
  readonly associations: readonly AssociationSpec[];
  readonly before: ComplianceRound;
  /** `hybrid-fleet mode set enforce --tag Environment=dev`. */
  readonly modeSet: CliRun;
  readonly after: ComplianceRound;
  /** Milliseconds per step. */
  readonly timings: Readonly<Record<string, number>>;
}

/** How to run it. */
export interface DemoRunOptions {
  readonly machines: number;
  /** Folder for machines, the sync folder, history and reports (must exist, may be empty). */
  readonly workDir: string;
  /** Progress lines (the step being run). */
  readonly progress: (line: string) => void;
  readonly clock?: () => Date;
}

function snapshotNodes(nodes: readonly FakeInstance[]): FakeInstance[] {
  return nodes.map((n) => ({ ...n, Tags: (n.Tags ?? []).map((t) => ({ ...t })) }));
}

/** Runs steps 1–6. */
export async function runDemo(options: DemoRunOptions): Promise<DemoResult> {
  const clock = options.clock ?? (() => new Date());
  const timings: Record<string, number> = {};
  const timed = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
    options.progress(step);
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      timings[step] = Date.now() - t0;
    }
  };
  const stack = demoStack(clock());
  const dirs = {
    machines: path.join(options.workDir, "machines"),
    s3: path.join(options.workDir, "s3"),
    sync: path.join(options.workDir, "s3", "compliance-sync"),
    history: path.join(options.workDir, "history"),
  };
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
  // The simulated bucket the anti-virus installer is fetched from (s3://bucket/key → file).
  const installer = path.join(dirs.s3, AV_INSTALLER_SOURCE.slice("s3://".length));
  fs.mkdirSync(path.dirname(installer), { recursive: true });
  fs.copyFileSync(AV_INSTALLER_FILE, installer);

  const associations = await timed("Reading the stack's State Manager associations", () =>
    demoAssociations(stack),
  );
  // The handler logs one JSON line per request (CloudWatch in Lambda); here they would bury
  // the story. Other console output passes through.
  const consoleLog = console.log;
  console.log = (...args: unknown[]): void => {
    if (typeof args[0] === "string" && args[0].startsWith('{"level":')) return;
    consoleLog(...args);
  };
  const api = await timed(
    "1. Starting the activation API (real handler, lease table, fake SSM)",
    () => startDemoApi(stack, clock()),
  );
  const ssm = new SSMClient({
    region: stack.region,
    endpoint: api.ssm.url,
    credentials: { accessKeyId: "AKIALOCALFAKE000000", secretAccessKey: "local-fake-secret" },
  });
  try {
    const plan = fleetPlan(options.machines, stack.environment);
    const machines = await timed(
      `2. Booting ${plan.length} machines: register.sh in each machine's sandbox`,
      () =>
        bootMachines(
          api,
          plan.map((m) => createMachineSandbox(dirs.machines, m)),
        ),
    );
    const runner = documentRunner({
      ssm,
      ssmEndpoint: api.ssm.url,
      region: stack.region,
      fleetName: stack.fleetName,
      machines,
      s3Root: dirs.s3,
      now: clock,
    });
    const stateManager = createStateManager(ssm, associations, runner, clock);
    const order = new Map(machines.map((m) => [m.node.InstanceId, m.sandbox.machine.index]));
    const round = async (label: string, reportName: string): Promise<ComplianceRound> => {
      const runs = await timed(
        `${label}3. State Manager: associations apply to newly matching nodes`,
        () => stateManager.apply(),
      );
      const syncFiles = await timed(`${label}4. Resource Data Sync to ${dirs.sync}`, () =>
        runResourceDataSync(
          ssm,
          { root: dirs.sync, accountId: FIXTURE_ACCOUNT_ID, region: stack.region },
          clock(),
        ),
      );
      const reportFile = path.join(options.workDir, reportName);
      const snapshot = await timed(`${label}5. Risk view and HTML report`, () =>
        riskSnapshot({
          syncDir: dirs.sync,
          historyDir: dirs.history,
          reportFile,
          stackYaml: stack.yaml,
          fleetName: stack.fleetName,
          now: clock(),
        }),
      );
      return {
        runs,
        compliance: api.ssm.compliance.map((r) => ({ ...r, Items: [...r.Items] })),
        syncFiles,
        snapshot,
        reportFile,
        nodes: snapshotNodes(api.ssm.instances).sort(
          (a, b) => (order.get(a.InstanceId) ?? 0) - (order.get(b.InstanceId) ?? 0),
        ),
      };
    };
    const before = await round("", "risk-report-before.html");
    const modeSet = await timed(
      `6. hybrid-fleet mode set enforce --tag ${stack.environmentTagKey}=${ENFORCE_ENVIRONMENT}`,
      () =>
        setModeEnforce(
          stack.fleetName,
          stack.environmentTagKey,
          ENFORCE_ENVIRONMENT,
          api.ssm.url,
          stack.region,
        ),
    );
    if (modeSet.code !== 0) {
      throw new Error(`hybrid-fleet mode set exited ${modeSet.code}:\n${modeSet.stderr}`);
    }
    const after = await round("6. again, ", "risk-report-after.html");
    return { stack, machines, associations, before, modeSet, after, timings };
  } finally {
    ssm.destroy();
    await api.close();
    console.log = consoleLog;
  }
}
