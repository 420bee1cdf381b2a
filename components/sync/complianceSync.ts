/**
 * ComplianceSync: makes the fleet's compliance queryable. A Resource Data Sync writes
 * compliance, inventory and tags into an S3 bucket in the documented layout; explicit Glue
 * tables with partition projection, an Athena workgroup, views and saved queries sit on top.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { createPrivateBucket } from "../shared/privateBucket";
import { fleetPhysicalNames } from "../shared/physicalNames";
import { ArgumentError } from "../shared/errors";
import { formatPath, schemaProblems } from "../shared/argsSchema";
import { ComplianceSyncArgsSchema } from "./complianceSync.schema";
import {
  resultsBucketPolicy,
  ssmKeyPolicyStatement,
  syncBucketPolicy,
  syncKeyPolicy,
} from "./complianceSync.policies";
import {
  BUILTIN_INVENTORY_TYPES,
  InventoryTypeSpec,
  SqlContext,
  complianceViews,
  glueTableSpec,
  savedQueries,
  tableNameFor,
  inventoryTypeProblem,
} from "./complianceSync.sql";

/** Type token of {@link ComplianceSync}. Never change it: it is part of every URN. */
export const COMPLIANCE_SYNC_TYPE = "ssm-hybrid-fleet:compliance:ComplianceSync";

const COMPONENT = "ComplianceSync";

/** Compliance-driven inventory types: every scan rewrites them, so age means "machine gone". */
export const SCAN_REWRITTEN_TYPES = [
  "AWS:ComplianceItem",
  "AWS:ComplianceSummary",
  "AWS:PatchSummary",
] as const;

/** Arguments of {@link ComplianceSync}. */
export interface ComplianceSyncArgs {
  /**
   * Key prefix the syncs write under (`<prefix>/AWS:<Type>/accountid=…`).
   * @default "ssm-sync"
   */
  readonly prefix?: string;
  /**
   * Name of the Resource Data Sync (the same name in every region). Unique per account and
   * region, so the default comes from the fleet name.
   * @default `HybridFleet-<fleetName>` fitted to 1-64 characters (see {@link fleetPhysicalNames}); the component name without fleetName
   */
  readonly syncName?: string;
  /**
   * Regions, besides the stack's own, where a Resource Data Sync into this bucket is created
   * (one sync per region: a sync only carries its own region's nodes).
   * @default []
   */
  readonly additionalSyncRegions?: readonly string[];
  /**
   * Accounts whose syncs may write into the bucket (bucket policy, KMS grant and the
   * `accountid` partition values). Other accounts create their own syncs pointing here.
   * @default [the stack's account]
   */
  readonly sourceAccountIds?: readonly string[];
  /**
   * Values of the `region` partition that Athena projects. Add the regions that other
   * accounts' syncs write from.
   * @default the stack's region plus additionalSyncRegions
   */
  readonly queryRegions?: readonly string[];
  /**
   * A customer managed KMS key (ARN) to encrypt the data and the Athena results with. The
   * component cannot edit that key's policy: add `requiredKeyPolicyStatement` to it.
   * Mutually exclusive with `createKmsKey`. SSE-S3 when neither is set.
   * @default undefined (SSE-S3)
   */
  readonly kmsKeyArn?: pulumi.Input<string>;
  /**
   * Create a KMS key (rotation on) whose policy already grants Resource Data Sync.
   * @default false
   */
  readonly createKmsKey?: boolean;
  /**
   * Keep the data bucket (and its settings and key) when the stack or component is
   * destroyed: the compliance history cannot be recreated.
   * @default true
   */
  readonly retainDataOnDelete?: boolean;
  /**
   * Mark the data bucket and key `protect`, so that `pulumi destroy` fails until unprotected.
   * @default false
   */
  readonly protectData?: boolean;
  /**
   * Days after which a compliance file (AWS:ComplianceItem, AWS:ComplianceSummary,
   * AWS:PatchSummary) that has not been rewritten is expired. Every scan rewrites these files,
   * so one this old belongs to a machine that is gone. Must exceed the longest scan interval.
   * @default 90
   */
  readonly staleComplianceDays?: number;
  /**
   * Days after which any other file that has not been rewritten (inventory, tags, custom
   * types) is expired. Off by default: unchanged inventory is not re-sent, so a file's age
   * does not prove its machine is gone.
   * @default undefined (never)
   */
  readonly staleInventoryDays?: number;
  /**
   * Days a replaced or expired object version is kept (the bucket is versioned).
   * @default 30
   */
  readonly noncurrentVersionDays?: number;
  /**
   * Glue database name (`^[a-z0-9_]{1,255}$`).
   * @default `hybrid_fleet_<fleetName>` in lower case, other characters as `_` plus a hash of the fleet name when any had to change; from the component name without fleetName
   */
  readonly databaseName?: string;
  /**
   * Custom inventory types to catalogue besides the built-in ones, with their columns.
   * @default []
   */
  readonly customInventoryTypes?: readonly InventoryTypeSpec[];
  /**
   * Athena workgroup name.
   * @default `HybridFleet-<fleetName>` fitted to `[A-Za-z0-9._-]{1,128}`; the component name without fleetName
   */
  readonly workgroupName?: string;
  /**
   * Athena stops a query that scans more than this many bytes (minimum 10 MB).
   * @default 1073741824 (1 GiB)
   */
  readonly bytesScannedCutoffPerQuery?: number;
  /**
   * Days Athena query results are kept in the results bucket.
   * @default 7
   */
  readonly resultsExpirationDays?: number;
  /**
   * Tag key that carries the compliance mode.
   * @default "ComplianceMode"
   */
  readonly modeTagKey?: string;
  /**
   * Tag key that carries the environment.
   * @default "Environment"
   */
  readonly environmentTagKey?: string;
  /**
   * Tag key that marks the machines a fleet manages.
   * @default "HybridFleet"
   */
  readonly fleetTagKey?: string;
  /**
   * When set, views and queries only see machines whose fleet tag has this value.
   * @default undefined (every machine in the bucket)
   */
  readonly fleetName?: string;
  /**
   * Tags for the taggable resources.
   * @default {}
   */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** ComplianceSyncArgs with defaults applied and every plain value checked. */
export interface ResolvedComplianceSyncSettings {
  readonly prefix: string;
  readonly syncName: string;
  readonly additionalSyncRegions: readonly string[];
  readonly sourceAccountIds?: readonly string[];
  readonly queryRegions?: readonly string[];
  readonly useKms: boolean;
  readonly createKmsKey: boolean;
  readonly retainDataOnDelete: boolean;
  readonly protectData: boolean;
  readonly staleComplianceDays: number;
  readonly staleInventoryDays?: number;
  readonly noncurrentVersionDays: number;
  readonly databaseName: string;
  readonly inventoryTypes: readonly InventoryTypeSpec[];
  readonly workgroupName: string;
  readonly bytesScannedCutoffPerQuery: number;
  readonly resultsExpirationDays: number;
  readonly sql: SqlContext;
}

const PREFIX = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const ACCOUNT = /^\d{12}$/;
const WORKGROUP = /^[A-Za-z0-9._-]{1,128}$/;
const DATABASE = /^[a-z0-9_]{1,255}$/;
const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$/u;
const MIN_CUTOFF = 10 * 1024 * 1024;

function wholeDays(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ArgumentError(
      COMPONENT,
      field,
      `must be a whole number of days from ${min} to ${max}, got ${value}`,
    );
  }
  return value;
}

function listOf(field: string, values: readonly string[], re: RegExp, what: string): string[] {
  for (const v of values) {
    if (!re.test(v)) throw new ArgumentError(COMPONENT, field, `"${v}" is not ${what}`);
  }
  return [...new Set(values)].sort();
}

/**
 * Applies the defaults of {@link ComplianceSyncArgs} and validates every plain value, throwing
 * an {@link ArgumentError} that names the field and what is allowed. Pure: the component calls
 * it before registering anything.
 */
export function resolveComplianceSyncArgs(
  name: string,
  args: ComplianceSyncArgs,
): ResolvedComplianceSyncSettings {
  // Shape and types at every depth: the schema the stack config shares.
  const [first] = schemaProblems(ComplianceSyncArgsSchema, args);
  if (first) throw new ArgumentError(COMPONENT, formatPath(first.path), first.problem);
  const prefix = args.prefix ?? "ssm-sync";
  if (!PREFIX.test(prefix) || prefix.length > 256) {
    throw new ArgumentError(
      COMPONENT,
      "prefix",
      `"${prefix}" must be 1–256 characters of letters, digits, _ . - in /-separated segments, without leading or trailing /`,
    );
  }
  // Account-unique names default from the fleet: every stack uses the same component names.
  const defaults =
    args.fleetName === undefined
      ? {
          syncName: name,
          databaseName: name.toLowerCase().replace(/[^a-z0-9_]/g, "_"),
          workgroupName: name,
        }
      : fleetPhysicalNames(args.fleetName);
  const syncName = args.syncName ?? defaults.syncName;
  if (syncName.length < 1 || syncName.length > 64) {
    throw new ArgumentError(COMPONENT, "syncName", `"${syncName}" must be 1–64 characters`);
  }
  if (args.kmsKeyArn !== undefined && args.createKmsKey === true) {
    throw new ArgumentError(
      COMPONENT,
      "kmsKeyArn",
      "and createKmsKey are mutually exclusive: pass one or neither",
    );
  }
  const databaseName = args.databaseName ?? defaults.databaseName;
  if (!DATABASE.test(databaseName)) {
    throw new ArgumentError(
      COMPONENT,
      "databaseName",
      `"${databaseName}" must match ^[a-z0-9_]{1,255}$`,
    );
  }
  const workgroupName = args.workgroupName ?? defaults.workgroupName;
  if (!WORKGROUP.test(workgroupName)) {
    throw new ArgumentError(
      COMPONENT,
      "workgroupName",
      `"${workgroupName}" must match ^[A-Za-z0-9._-]{1,128}$`,
    );
  }
  const cutoff = args.bytesScannedCutoffPerQuery ?? 1024 * 1024 * 1024;
  if (!Number.isInteger(cutoff) || cutoff < MIN_CUTOFF) {
    throw new ArgumentError(
      COMPONENT,
      "bytesScannedCutoffPerQuery",
      `must be a whole number of bytes ≥ ${MIN_CUTOFF} (10 MB), got ${cutoff}`,
    );
  }
  const tagKeys: [string, string][] = [
    ["modeTagKey", args.modeTagKey ?? "ComplianceMode"],
    ["environmentTagKey", args.environmentTagKey ?? "Environment"],
    ["fleetTagKey", args.fleetTagKey ?? "HybridFleet"],
  ];
  for (const [field, key] of tagKeys) {
    if (!TAG_KEY.test(key) || key.toLowerCase().startsWith("aws:")) {
      throw new ArgumentError(
        COMPONENT,
        field,
        `"${key}" must be a tag key: 1–128 letters, digits, spaces or _ . : / = + - @, not starting with aws:`,
      );
    }
  }
  if (args.fleetName !== undefined && !TAG_VALUE.test(args.fleetName)) {
    throw new ArgumentError(
      COMPONENT,
      "fleetName",
      `"${args.fleetName}" must be a tag value: 1–256 letters, digits, spaces or _ . : / = + - @`,
    );
  }
  const custom = (args.customInventoryTypes ?? []).map((t, i) => {
    const problem = inventoryTypeProblem(t);
    if (problem !== undefined)
      throw new ArgumentError(COMPONENT, "customInventoryTypes", `[${i}]${problem}`);
    return t;
  });
  const inventoryTypes = [...BUILTIN_INVENTORY_TYPES, ...custom];
  const names = inventoryTypes.map((t) => tableNameFor(t.typeName));
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) {
    throw new ArgumentError(
      COMPONENT,
      "customInventoryTypes",
      `has two types that map to table "${dup}" (built-in types are ${BUILTIN_INVENTORY_TYPES.map((t) => t.typeName).join(", ")})`,
    );
  }
  const staleComplianceDays = wholeDays(
    "staleComplianceDays",
    args.staleComplianceDays ?? 90,
    7,
    3650,
  );
  const staleInventoryDays =
    args.staleInventoryDays === undefined
      ? undefined
      : wholeDays("staleInventoryDays", args.staleInventoryDays, 30, 3650);
  return {
    prefix,
    syncName,
    additionalSyncRegions: listOf(
      "additionalSyncRegions",
      args.additionalSyncRegions ?? [],
      REGION,
      "an AWS region like ap-southeast-2",
    ),
    sourceAccountIds:
      args.sourceAccountIds === undefined
        ? undefined
        : listOf("sourceAccountIds", args.sourceAccountIds, ACCOUNT, "a 12-digit AWS account ID"),
    queryRegions:
      args.queryRegions === undefined
        ? undefined
        : listOf("queryRegions", args.queryRegions, REGION, "an AWS region like ap-southeast-2"),
    useKms: args.kmsKeyArn !== undefined || args.createKmsKey === true,
    createKmsKey: args.createKmsKey === true,
    retainDataOnDelete: args.retainDataOnDelete ?? true,
    protectData: args.protectData ?? false,
    staleComplianceDays,
    staleInventoryDays,
    noncurrentVersionDays: wholeDays(
      "noncurrentVersionDays",
      args.noncurrentVersionDays ?? 30,
      1,
      3650,
    ),
    databaseName,
    inventoryTypes,
    workgroupName,
    bytesScannedCutoffPerQuery: cutoff,
    resultsExpirationDays: wholeDays(
      "resultsExpirationDays",
      args.resultsExpirationDays ?? 7,
      1,
      3650,
    ),
    sql: {
      database: databaseName,
      modeTagKey: tagKeys[0][1],
      environmentTagKey: tagKeys[1][1],
      fleetTagKey: tagKeys[2][1],
      fleetName: args.fleetName,
    },
  };
}

/**
 * Warnings for settings that are allowed but risky; the component logs each with
 * `pulumi.log.warn`.
 */
export function complianceSyncWarnings(s: ResolvedComplianceSyncSettings): string[] {
  const warnings: string[] = [];
  if (!s.retainDataOnDelete) {
    warnings.push(
      "ComplianceSync: retainDataOnDelete is false: destroying the stack deletes the synced compliance data and its history",
    );
  }
  if (s.staleInventoryDays !== undefined) {
    warnings.push(
      `ComplianceSync: staleInventoryDays is ${s.staleInventoryDays}: unchanged inventory is not re-sent, so live machines whose inventory and tags do not change lose those files`,
    );
  }
  return warnings;
}

/** One S3 lifecycle rule as passed to `aws.s3.BucketLifecycleConfiguration`. */
export interface LifecycleRule {
  readonly id: string;
  readonly status: "Enabled";
  readonly filter: { readonly prefix: string };
  readonly expiration?: { readonly days?: number; readonly expiredObjectDeleteMarker?: boolean };
  readonly noncurrentVersionExpiration?: { readonly noncurrentDays: number };
  readonly abortIncompleteMultipartUpload?: { readonly daysAfterInitiation: number };
}

/**
 * The data bucket's lifecycle. Resource Data Sync never deletes a file; it overwrites a live
 * machine's files when new data arrives. So:
 *
 * - compliance files (items, summaries, patch summary) are rewritten by every scan: one not
 *   rewritten for `staleComplianceDays` belongs to a machine that is gone, and is expired;
 * - other files are only rewritten when their content changes, so age proves nothing: they
 *   are expired after `staleInventoryDays` only when the user opts in;
 * - with versioning, every overwrite and expiry leaves a noncurrent version: those are
 *   removed after `noncurrentVersionDays`, with the delete markers left behind and any
 *   incomplete multipart upload.
 */
export function dataLifecycleRules(s: ResolvedComplianceSyncSettings): LifecycleRule[] {
  const rules: LifecycleRule[] = SCAN_REWRITTEN_TYPES.map((t) => ({
    id: `expire-stale-${tableNameFor(t).replace(/_/g, "-")}`,
    status: "Enabled" as const,
    filter: { prefix: `${s.prefix}/${t}/` },
    expiration: { days: s.staleComplianceDays },
  }));
  if (s.staleInventoryDays !== undefined) {
    for (const t of s.inventoryTypes) {
      if ((SCAN_REWRITTEN_TYPES as readonly string[]).includes(t.typeName)) continue;
      rules.push({
        id: `expire-stale-${tableNameFor(t.typeName).replace(/_/g, "-")}`,
        status: "Enabled",
        filter: { prefix: `${s.prefix}/${t.typeName}/` },
        expiration: { days: s.staleInventoryDays },
      });
    }
  }
  rules.push({
    id: "expire-noncurrent-versions",
    status: "Enabled",
    filter: { prefix: "" },
    expiration: { expiredObjectDeleteMarker: true },
    noncurrentVersionExpiration: { noncurrentDays: s.noncurrentVersionDays },
    abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
  });
  return rules;
}

/** Athena results live under this prefix of the results bucket. */
export const RESULTS_PREFIX = "athena-results";

/**
 * Resource Data Sync into S3, with Glue tables and an Athena workgroup, views and saved
 * queries over it.
 *
 * Multi-region: a sync only carries the nodes of its own region, so one sync is created per
 * region: the stack's, plus each of `additionalSyncRegions` (the provider v7 per-resource
 * `region`), all writing to this one bucket. Multi-account: list the accounts in
 * `sourceAccountIds` (bucket policy, key grant, `accountid` projection) and create, in each of
 * them and each region, an `aws.ssm.ResourceDataSync` pointing at `bucketName` with the same
 * prefix (and `kmsKeyArn`); add their regions to `queryRegions`. New accounts or regions only
 * change table properties: no `MSCK REPAIR`.
 *
 * Views are saved as `CREATE OR REPLACE VIEW` named queries: run each once after the first
 * deploy (Athena stores views in Glue in an undocumented encoding, so the component does not
 * write them itself). The saved queries do not depend on the views.
 *
 * @example
 * ```ts
 * const sync = new ComplianceSync("fleet-compliance", {
 *   createKmsKey: true,
 *   additionalSyncRegions: ["us-east-1"],
 *   fleetName: "acme",
 * });
 * export const complianceBucket = sync.bucketName;
 * export const athenaWorkgroup = sync.workgroupName;
 * ```
 */
export class ComplianceSync extends pulumi.ComponentResource {
  /** Data bucket name. */
  public readonly bucketName: pulumi.Output<string>;
  /** Data bucket ARN. */
  public readonly bucketArn: pulumi.Output<string>;
  /** Athena results bucket name. */
  public readonly resultsBucketName: pulumi.Output<string>;
  /** KMS key ARN used for data and results; undefined with SSE-S3. */
  public readonly kmsKeyArn: pulumi.Output<string | undefined>;
  /**
   * With a user-supplied key: the key policy statement (JSON) to add to it so the sync can
   * encrypt. Undefined otherwise.
   */
  public readonly requiredKeyPolicyStatement: pulumi.Output<string | undefined>;
  /** Resource Data Sync names by region (`default` = the stack's region). */
  public readonly syncNames: Record<string, pulumi.Output<string>>;
  /** Glue database name. */
  public readonly databaseName: pulumi.Output<string>;
  /** Glue table names by inventory type name. */
  public readonly tableNames: Record<string, pulumi.Output<string>>;
  /** Athena workgroup name. */
  public readonly workgroupName: pulumi.Output<string>;
  /** Athena named query IDs by key (views as `view:<name>`). */
  public readonly namedQueryIds: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: ComplianceSyncArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    // Validate before registering anything, so bad input leaves no half-built component.
    const s = resolveComplianceSyncArgs(name, args);
    super(COMPLIANCE_SYNC_TYPE, name, {}, opts);
    for (const w of complianceSyncWarnings(s)) pulumi.log.warn(w, this);
    const tags = args.tags ?? {};

    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    const partition = aws.getPartitionOutput({}, { parent: this }).partition;
    const homeRegion = aws.getRegionOutput({}, { parent: this }).region;
    const accountIds: pulumi.Output<string[]> = s.sourceAccountIds
      ? pulumi.output([...s.sourceAccountIds])
      : identity.accountId.apply((a) => [a]);
    const queryRegions: pulumi.Output<string[]> = s.queryRegions
      ? pulumi.output([...s.queryRegions])
      : homeRegion.apply((r) => [...new Set([r, ...s.additionalSyncRegions])].sort());

    const keep: pulumi.CustomResourceOptions = {
      parent: this,
      retainOnDelete: s.retainDataOnDelete,
      protect: s.protectData,
    };

    // The key.
    let keyArn: pulumi.Output<string> | undefined;
    let keyPolicy: aws.kms.KeyPolicy | undefined;
    if (s.createKmsKey) {
      const key = new aws.kms.Key(
        `${name}-key`,
        {
          description: `Encrypts ${name}'s Resource Data Sync data and Athena results`,
          enableKeyRotation: true,
          deletionWindowInDays: 30,
          tags,
        },
        keep,
      );
      keyArn = key.arn;
      keyPolicy = new aws.kms.KeyPolicy(
        `${name}-key-policy`,
        {
          keyId: key.id,
          policy: pulumi
            .all([partition, identity.accountId, key.arn, accountIds])
            .apply(([p, acct, arn, accts]) => JSON.stringify(syncKeyPolicy(p, acct, arn, accts))),
        },
        keep,
      );
    } else if (args.kmsKeyArn !== undefined) {
      keyArn = pulumi.output(args.kmsKeyArn);
    }

    // The data bucket.
    const { bucket, ownership, publicAccess, encryption } = createPrivateBucket(
      `${name}-data`,
      { forceDestroy: false, kmsKeyArn: keyArn, tags },
      keep,
    );
    new aws.s3.BucketVersioning(
      `${name}-data-versioning`,
      { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
      keep,
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-data-lifecycle`,
      { bucket: bucket.id, rules: dataLifecycleRules(s) },
      keep,
    );
    const bucketPolicy = new aws.s3.BucketPolicy(
      `${name}-data-policy`,
      {
        bucket: bucket.id,
        policy: pulumi
          .all([partition, bucket.bucket, accountIds, keyArn])
          .apply(([p, b, accts, k]) =>
            JSON.stringify(
              syncBucketPolicy({
                partition: p,
                bucketName: b,
                prefix: s.prefix,
                sourceAccountIds: accts,
                kmsKeyArn: k,
              }),
            ),
          ),
      },
      { ...keep, dependsOn: [publicAccess, ownership] },
    );

    // One sync per region: a sync only carries the nodes of the region it lives in.
    const syncDeps: pulumi.Resource[] = [
      bucketPolicy,
      encryption,
      ...(keyPolicy ? [keyPolicy] : []),
    ];
    const syncNames: Record<string, pulumi.Output<string>> = {};
    for (const region of ["", ...s.additionalSyncRegions]) {
      const sync = new aws.ssm.ResourceDataSync(
        region === "" ? `${name}-sync` : `${name}-sync-${region}`,
        {
          name: s.syncName,
          ...(region === "" ? {} : { region }),
          s3Destination: {
            bucketName: bucket.bucket,
            region: bucket.bucketRegion,
            prefix: s.prefix,
            syncFormat: "JsonSerDe",
            ...(keyArn ? { kmsKeyArn: keyArn } : {}),
          },
        },
        { parent: this, dependsOn: syncDeps },
      );
      syncNames[region === "" ? "default" : region] = sync.name;
    }

    // Glue catalog: explicit tables, partition projection.
    const database = new aws.glue.CatalogDatabase(
      `${name}-db`,
      {
        name: s.databaseName,
        description: `Resource Data Sync tables of ${name} (partition projection, no crawler)`,
        tags,
      },
      { parent: this },
    );
    const tableNames: Record<string, pulumi.Output<string>> = {};
    for (const type of s.inventoryTypes) {
      const spec = pulumi
        .all([bucket.bucket, accountIds, queryRegions])
        .apply(([b, accts, regions]) =>
          glueTableSpec(type, { bucketName: b, prefix: s.prefix, accountIds: accts, regions }),
        );
      const tableName = tableNameFor(type.typeName);
      const table = new aws.glue.CatalogTable(
        `${name}-${tableName.replace(/_/g, "-")}`,
        {
          name: tableName,
          databaseName: database.name,
          description: spec.description,
          tableType: spec.tableType,
          parameters: spec.parameters,
          partitionKeys: spec.partitionKeys.apply((k) => k.map((p) => ({ ...p }))),
          storageDescriptor: spec.storageDescriptor.apply((d) => ({
            ...d,
            serDeInfo: { ...d.serDeInfo, parameters: { ...d.serDeInfo.parameters } },
            columns: d.columns.map((c) => ({ ...c })),
          })),
        },
        { parent: this },
      );
      tableNames[type.typeName] = table.name;
    }

    // Athena results: their own bucket, encrypted, expiring. Disposable, hence forceDestroy.
    const {
      bucket: results,
      ownership: resultsOwnership,
      publicAccess: resultsPublicAccess,
    } = createPrivateBucket(
      `${name}-results`,
      { forceDestroy: true, kmsKeyArn: keyArn, tags },
      { parent: this },
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-results-lifecycle`,
      {
        bucket: results.id,
        rules: [
          {
            id: "expire-query-results",
            status: "Enabled",
            filter: { prefix: "" },
            expiration: { days: s.resultsExpirationDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
          },
        ],
      },
      { parent: this },
    );
    new aws.s3.BucketPolicy(
      `${name}-results-policy`,
      {
        bucket: results.id,
        policy: pulumi
          .all([partition, results.bucket])
          .apply(([p, b]) => JSON.stringify(resultsBucketPolicy(p, b))),
      },
      { parent: this, dependsOn: [resultsPublicAccess, resultsOwnership] },
    );

    const workgroup = new aws.athena.Workgroup(
      `${name}-workgroup`,
      {
        name: s.workgroupName,
        description: `Queries over ${name}'s Resource Data Sync (settings enforced)`,
        state: "ENABLED",
        forceDestroy: true,
        configuration: {
          enforceWorkgroupConfiguration: true,
          publishCloudwatchMetricsEnabled: true,
          bytesScannedCutoffPerQuery: s.bytesScannedCutoffPerQuery,
          engineVersion: { selectedEngineVersion: "Athena engine version 3" },
          resultConfiguration: {
            outputLocation: pulumi.interpolate`s3://${results.bucket}/${RESULTS_PREFIX}/`,
            expectedBucketOwner: identity.accountId,
            encryptionConfiguration: keyArn
              ? { encryptionOption: "SSE_KMS", kmsKeyArn: keyArn }
              : { encryptionOption: "SSE_S3" },
          },
        },
        tags,
      },
      { parent: this },
    );

    const namedQueryIds: Record<string, pulumi.Output<string>> = {};
    const queries = [
      ...complianceViews(s.sql).map((q) => ({ ...q, key: `view:${q.key}` })),
      ...savedQueries(s.sql),
    ];
    for (const q of queries) {
      const resourceKey = q.key.replace(/^view:/, "view-").replace(/_/g, "-");
      const nq = new aws.athena.NamedQuery(
        `${name}-${resourceKey}`,
        {
          name: q.title,
          description: q.description,
          database: database.name,
          workgroup: workgroup.name,
          query: q.sql,
        },
        { parent: this },
      );
      namedQueryIds[q.key] = nq.id;
    }

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.resultsBucketName = results.bucket;
    this.kmsKeyArn = keyArn
      ? keyArn.apply((k) => k as string | undefined)
      : pulumi.output(undefined);
    this.requiredKeyPolicyStatement =
      args.kmsKeyArn !== undefined
        ? pulumi
            .all([partition, pulumi.output(args.kmsKeyArn), accountIds])
            .apply(
              ([p, k, accts]) =>
                JSON.stringify(ssmKeyPolicyStatement(p, k, accts)) as string | undefined,
            )
        : pulumi.output(undefined);
    this.syncNames = syncNames;
    this.databaseName = database.name;
    this.tableNames = tableNames;
    this.workgroupName = workgroup.name;
    this.namedQueryIds = namedQueryIds;
    this.registerOutputs({
      bucketName: this.bucketName,
      bucketArn: this.bucketArn,
      resultsBucketName: this.resultsBucketName,
      kmsKeyArn: this.kmsKeyArn,
      requiredKeyPolicyStatement: this.requiredKeyPolicyStatement,
      syncNames: this.syncNames,
      databaseName: this.databaseName,
      tableNames: this.tableNames,
      workgroupName: this.workgroupName,
      namedQueryIds: this.namedQueryIds,
    });
  }
}
