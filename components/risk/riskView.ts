/**
 * RiskView: turns the compliance the sync already writes into risk, in AWS. It writes the
 * acceptance register next to the sync data, catalogues the register, the risk history and the
 * snapshot's work table, saves the risk views and queries in the sync's Athena workgroup, and
 * runs the scheduled snapshot function that appends history, publishes the risk metrics and
 * writes the report.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import {
  DEFAULT_MAX_ACCEPTANCE_DAYS,
  DEFAULT_RISK_STALE_DAYS,
  DEFAULT_SEVERITY_WEIGHTS,
  DEFAULT_TOP_MACHINES,
  type Acceptance,
  type RiskControl,
  type SeverityWeights,
} from "../../risk/model";
import { acceptanceWarnings, registerFiles, validateAcceptances } from "../../risk/register";
import {
  RISK_TABLE_NAMES,
  riskGlueTableSpecs,
  riskStatements,
  riskViews,
  type RiskSqlContext,
} from "../../risk/sql";
import type { GlueTableSpec } from "../sync/complianceSync.sql";
import { STATEMENTS_FILE } from "../../functions/riskSnapshot/statements";
import { bundleFunction } from "../shared/bundle";
import { ArgumentError } from "../shared/errors";
import { formatPath, schemaProblems } from "../shared/argsSchema";
import { bundledFunction } from "../shared/bundledFunction";
import { scheduleFunction } from "../shared/schedule";
import { DEFAULT_SNAPSHOT_SCHEDULE, RiskViewArgsSchema } from "./riskView.schema";
import {
  HISTORY_PREFIX,
  REGISTER_PREFIX,
  REPORTS_PREFIX,
  WORK_PREFIX,
  riskSnapshotPolicy,
} from "./riskView.policies";
import { snapshotScheduleProblem } from "./riskSchedule";

/** Type token of {@link RiskView}. Never change it: it is part of every URN. */
export const RISK_VIEW_TYPE = "ssm-hybrid-fleet:risk:RiskView";

const COMPONENT = "RiskView";

/** File in the snapshot function's code package holding the statements it runs. */
export const RISK_STATEMENTS_FILE = STATEMENTS_FILE;

/** Arguments of {@link RiskView}. */
export interface RiskViewArgs {
  /** The sync's data bucket (ComplianceSync `bucketName`): register, history and reports go there too. */
  readonly bucketName: pulumi.Input<string>;
  /** Key prefix the syncs write under. @default "ssm-sync" */
  readonly prefix?: string;
  /** Glue database of the sync tables (ComplianceSync `databaseName`). */
  readonly databaseName: pulumi.Input<string>;
  /** Athena workgroup the snapshot runs in (ComplianceSync `workgroupName`). */
  readonly workgroupName: pulumi.Input<string>;
  /** Athena results bucket (ComplianceSync `resultsBucketName`). */
  readonly resultsBucketName: pulumi.Input<string>;
  /** KMS key of the data and results, if any (ComplianceSync `kmsKeyArn`). @default undefined (SSE-S3) */
  readonly kmsKeyArn?: pulumi.Input<string | undefined>;
  /** The enabled controls, with their severity and whether they are mandated. */
  readonly controls: readonly RiskControl[];
  /** The fleet tag value the risk SQL filters on. @default undefined (every machine in the bucket) */
  readonly fleetName?: string;
  /** Key of the fleet tag. @default "HybridFleet" */
  readonly fleetTagKey?: string;
  /** Key of the compliance-mode tag. @default "ComplianceMode" */
  readonly modeTagKey?: string;
  /** Key of the environment tag. @default "Environment" */
  readonly environmentTagKey?: string;
  /** Days after which data is unknown, which counts as a finding (1-90). @default 7 */
  readonly staleDays?: number;
  /** Weight of one open finding per severity (each 0-1000). @default risk/model.ts DEFAULT_SEVERITY_WEIGHTS */
  readonly severityWeights?: Partial<SeverityWeights>;
  /** Longest an acceptance may run from the deploy, days (1-365). @default 365 */
  readonly maxAcceptanceDays?: number;
  /** The acceptance register. @default [] */
  readonly acceptances?: readonly Acceptance[];
  /** EventBridge schedule of the snapshot (rate ≥ 15 minutes, or cron). @default "rate(1 hour)" */
  readonly snapshotSchedule?: string;
  /** Machines in the report's top list (1-500). @default 20 */
  readonly topMachines?: number;
  /** Retention of the function's logs, days (a CloudWatch Logs value). @default 30 */
  readonly logRetentionDays?: number;
  /** Memory of the snapshot function, MB (128-10240). @default 512 */
  readonly memorySize?: number;
  /** Timeout of the snapshot function, seconds (30-900). @default 300 */
  readonly timeoutSeconds?: number;
  /** Tags for the taggable resources. @default {} */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** RiskViewArgs' plain values with defaults applied and checked. */
export interface ResolvedRiskViewSettings {
  readonly prefix: string;
  readonly staleDays: number;
  readonly weights: SeverityWeights;
  readonly maxAcceptanceDays: number;
  readonly acceptances: readonly Acceptance[];
  readonly snapshotSchedule: string;
  readonly topMachines: number;
  readonly logRetentionDays: number;
  readonly memorySize: number;
  readonly timeoutSeconds: number;
  readonly fleetTagKey: string;
  readonly modeTagKey: string;
  readonly environmentTagKey: string;
  /** Warnings to log (acceptances expiring soon). */
  readonly warnings: readonly string[];
}

/**
 * Applies the defaults of {@link RiskViewArgs} and validates every plain value, including the
 * acceptance register against the enabled controls at `now`; throws an {@link ArgumentError}
 * naming the field (`acceptances[2].approver`) and what is allowed. Pure.
 */
export function resolveRiskViewArgs(args: RiskViewArgs, now: Date): ResolvedRiskViewSettings {
  const [first] = schemaProblems(RiskViewArgsSchema, args);
  if (first) throw new ArgumentError(COMPONENT, formatPath(first.path), first.problem);
  const snapshotSchedule = args.snapshotSchedule ?? DEFAULT_SNAPSHOT_SCHEDULE;
  const scheduleProblem = snapshotScheduleProblem(snapshotSchedule);
  if (scheduleProblem !== undefined) {
    throw new ArgumentError(COMPONENT, "snapshotSchedule", scheduleProblem);
  }
  const maxAcceptanceDays = args.maxAcceptanceDays ?? DEFAULT_MAX_ACCEPTANCE_DAYS;
  const acceptances = args.acceptances ?? [];
  const [problem] = validateAcceptances(acceptances, {
    controls: args.controls,
    now,
    maxAcceptanceDays,
    basePath: "acceptances",
  });
  if (problem) throw new ArgumentError(COMPONENT, problem.path, problem.message);
  return {
    prefix: args.prefix ?? "ssm-sync",
    staleDays: args.staleDays ?? DEFAULT_RISK_STALE_DAYS,
    weights: { ...DEFAULT_SEVERITY_WEIGHTS, ...args.severityWeights },
    maxAcceptanceDays,
    acceptances,
    snapshotSchedule,
    topMachines: args.topMachines ?? DEFAULT_TOP_MACHINES,
    logRetentionDays: args.logRetentionDays ?? 30,
    memorySize: args.memorySize ?? 512,
    timeoutSeconds: args.timeoutSeconds ?? 300,
    fleetTagKey: args.fleetTagKey ?? "HybridFleet",
    modeTagKey: args.modeTagKey ?? "ComplianceMode",
    environmentTagKey: args.environmentTagKey ?? "Environment",
    warnings: acceptanceWarnings(acceptances, now, "acceptances").map((w) => `${COMPONENT}: ${w}`),
  };
}

/** Glue table inputs from a spec (plain copies: Pulumi wants mutable arrays). */
function tableInputs(spec: pulumi.Output<GlueTableSpec>) {
  return {
    description: spec.description,
    tableType: spec.tableType,
    parameters: spec.parameters,
    partitionKeys: spec.partitionKeys.apply((k) => k.map((p) => ({ ...p }))),
    storageDescriptor: spec.storageDescriptor.apply((d) => ({
      ...d,
      serDeInfo: { ...d.serDeInfo, parameters: { ...d.serDeInfo.parameters } },
      columns: d.columns.map((c) => ({ ...c })),
    })),
  };
}

/**
 * The risk view over a {@link ComplianceSync}: acceptance register, register, history and
 * work tables, saved risk views and queries, and the scheduled snapshot function with its
 * least-privilege role. Metrics, dashboard and alarms build on its outputs (RiskDashboard,
 * RiskAlerts).
 *
 * @example
 * ```ts
 * const sync = new ComplianceSync("fleet-sync", { fleetName: "acme" });
 * const risk = new RiskView("fleet-risk", {
 *   bucketName: sync.bucketName,
 *   databaseName: sync.databaseName,
 *   workgroupName: sync.workgroupName,
 *   resultsBucketName: sync.resultsBucketName,
 *   kmsKeyArn: sync.kmsKeyArn,
 *   fleetName: "acme",
 *   controls: [{ name: "patch", complianceType: "Patch", severity: "HIGH", mandatory: false }],
 * });
 * export const riskReport = risk.reportUrl;
 * ```
 */
export class RiskView extends pulumi.ComponentResource {
  /** Where the latest HTML report is written: `s3://<bucket>/risk-reports/latest.html`. */
  public readonly reportUrl: pulumi.Output<string>;
  /** Name of the snapshot function. */
  public readonly functionName: pulumi.Output<string>;
  /** Name of the snapshot function's log group (its EMF metrics come from there). */
  public readonly logGroupName: pulumi.Output<string>;
  /** Glue table the snapshots append to. */
  public readonly historyTableName: pulumi.Output<string>;
  /** Glue table of the acceptance register. */
  public readonly registerTableName: pulumi.Output<string>;
  /** Athena named query IDs by key. */
  public readonly namedQueryIds: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: RiskViewArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validate before registering anything, so bad input leaves no half-built component.
    const s = resolveRiskViewArgs(args, new Date());
    super(RISK_VIEW_TYPE, name, {}, opts);
    for (const w of s.warnings) pulumi.log.warn(w, this);
    const tags = args.tags ?? {};
    const parent = { parent: this };

    const identity = aws.getCallerIdentityOutput({}, parent);
    const partition = aws.getPartitionOutput({}, parent).partition;
    const region = aws.getRegionOutput({}, parent).region;
    const bucketName = pulumi.output(args.bucketName);
    const databaseName = pulumi.output(args.databaseName);
    const kmsKeyArn = pulumi.output(args.kmsKeyArn);

    // The register: one object per file, where the register table reads it.
    const registerObjects: aws.s3.BucketObjectv2[] = [];
    for (const [suffix, body] of Object.entries(registerFiles(s.acceptances)).sort()) {
      registerObjects.push(
        new aws.s3.BucketObjectv2(
          // Keyed by the register table's folder (acceptances, scopes): stable names.
          `${name}-register-${suffix.split("/")[0]}`,
          {
            bucket: bucketName,
            key: `${REGISTER_PREFIX}/${suffix}`,
            content: body,
            contentType: "application/x-ndjson",
            tags,
          },
          parent,
        ),
      );
    }

    const context = (database: string): RiskSqlContext => ({
      database,
      modeTagKey: s.modeTagKey,
      environmentTagKey: s.environmentTagKey,
      fleetTagKey: s.fleetTagKey,
      fleetName: args.fleetName,
      controls: args.controls,
      weights: s.weights,
      staleDays: s.staleDays,
      topMachines: s.topMachines,
      acceptancesTable: RISK_TABLE_NAMES.acceptances,
      scopesTable: RISK_TABLE_NAMES.scopes,
      historyTable: RISK_TABLE_NAMES.history,
    });
    const sqlContext = databaseName.apply(context);

    // Register, history and work tables.
    const specs = bucketName.apply((b) =>
      riskGlueTableSpecs({
        bucketName: b,
        registerPrefix: REGISTER_PREFIX,
        historyPrefix: HISTORY_PREFIX,
        workPrefix: WORK_PREFIX,
      }),
    );
    const tables: Record<string, aws.glue.CatalogTable> = {};
    for (const table of Object.values(RISK_TABLE_NAMES)) {
      const spec = specs.apply((all) => {
        const found = all.find((t) => t.name === table);
        if (!found) throw new Error(`risk/sql.ts riskGlueTableSpecs returned no table ${table}`);
        return found;
      });
      tables[table] = new aws.glue.CatalogTable(
        `${name}-${table.replace(/_/g, "-")}`,
        { name: table, databaseName, ...tableInputs(spec) },
        parent,
      );
    }

    // The risk views, saved in the sync's workgroup like the compliance views. Which views
    // exist does not depend on the database name: list them once, fill in the SQL per name.
    const namedQueryIds: Record<string, pulumi.Output<string>> = {};
    for (const q of riskViews(context("database_name"))) {
      const nq = new aws.athena.NamedQuery(
        `${name}-view-${q.key.replace(/_/g, "-")}`,
        {
          name: q.title,
          description: q.description,
          database: databaseName,
          workgroup: args.workgroupName,
          query: sqlContext.apply((ctx) => riskViews(ctx).find((v) => v.key === q.key)!.sql),
        },
        parent,
      );
      namedQueryIds[`view:${q.key}`] = nq.id;
    }

    // The snapshot function.
    const { logGroup, fn } = bundledFunction(
      {
        names: {
          logGroup: `${name}-snapshot-logs`,
          role: `${name}-snapshot`,
          function: `${name}-snapshot`,
        },
        logRetentionDays: s.logRetentionDays,
        roleDescription: `Risk snapshot function of ${name}`,
        trustSourceAccount: identity.accountId,
        policy: (logGroupArn) =>
          pulumi
            .output({
              partition,
              region,
              accountId: identity.accountId,
              workgroupName: args.workgroupName,
              databaseName,
              historyTableName: tables[RISK_TABLE_NAMES.history].name,
              bucketName,
              resultsBucketName: args.resultsBucketName,
              kmsKeyArn,
              logGroupArn,
            })
            .apply((v) => JSON.stringify(riskSnapshotPolicy({ ...v, syncPrefix: s.prefix }))),
        function: {
          description: `Risk snapshot of ${name}: history, metrics, report`,
          code: sqlContext.apply(
            (ctx) =>
              new pulumi.asset.AssetArchive({
                "index.js": new pulumi.asset.StringAsset(bundleFunction("riskSnapshot")),
                // Built at deploy time: the function imports no SQL builder.
                [RISK_STATEMENTS_FILE]: new pulumi.asset.StringAsset(
                  JSON.stringify(riskStatements(ctx)),
                ),
              }),
          ),
          memorySize: s.memorySize,
          timeout: s.timeoutSeconds,
          environment: {
            // The names functions/riskSnapshot/config.ts reads.
            variables: {
              ATHENA_WORKGROUP: args.workgroupName,
              ATHENA_DATABASE: databaseName,
              REPORT_BUCKET: bucketName,
              REPORT_PREFIX: `${REPORTS_PREFIX}/`,
              // Emptied before every snapshot (the work table's files): never the bucket root.
              WORK_PREFIX: `${WORK_PREFIX}/`,
              ...(args.kmsKeyArn === undefined
                ? {}
                : { REPORT_KMS_KEY_ARN: kmsKeyArn.apply((k) => k ?? "") }),
              FLEET_NAME: args.fleetName ?? "(all)",
              STALE_DAYS: String(s.staleDays),
              WEIGHTS: JSON.stringify(s.weights),
            },
          },
        },
        tags,
      },
      this,
    );

    // Schedule: an EventBridge rule, and a permission only that rule can use.
    scheduleFunction(
      name,
      {
        fn,
        scheduleExpression: s.snapshotSchedule,
        description: `Runs ${name}'s risk snapshot`,
        tags,
      },
      this,
    );

    this.reportUrl = pulumi.interpolate`s3://${bucketName}/${REPORTS_PREFIX}/latest.html`;
    this.functionName = fn.name;
    this.logGroupName = logGroup.name;
    this.historyTableName = tables[RISK_TABLE_NAMES.history].name;
    this.registerTableName = tables[RISK_TABLE_NAMES.acceptances].name;
    this.namedQueryIds = namedQueryIds;
    this.registerOutputs({
      reportUrl: this.reportUrl,
      functionName: this.functionName,
      logGroupName: this.logGroupName,
      historyTableName: this.historyTableName,
      registerTableName: this.registerTableName,
      namedQueryIds: this.namedQueryIds,
    });
  }
}
