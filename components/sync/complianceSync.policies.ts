/**
 * Pure builders for the policies of {@link ComplianceSync}: the data bucket policy that
 * Resource Data Sync needs (merged with a TLS-only deny), the results bucket policy, and the
 * KMS key policy grant for `ssm.amazonaws.com`.
 *
 * Everything here takes plain values and returns plain objects with a fixed key order, so the
 * JSON that reaches AWS is byte-for-byte stable between previews.
 */

import {
  denyInsecureTransport,
  type PolicyDocument,
  type PolicyStatement,
} from "../shared/policies";

export type { PolicyDocument, PolicyStatement };

/** What the data bucket policy is built from. */
export interface SyncBucketPolicyInput {
  /** AWS partition, e.g. `aws`. */
  readonly partition: string;
  /** Bucket name (not ARN). */
  readonly bucketName: string;
  /** Key prefix the syncs write under, without leading or trailing `/`. */
  readonly prefix: string;
  /** Accounts whose Resource Data Syncs may write into the bucket. At least one. */
  readonly sourceAccountIds: readonly string[];
  /** When the sync encrypts with KMS: the key ARN that every delivered object must use. */
  readonly kmsKeyArn?: string;
}

const SSM_SERVICE = "ssm.amazonaws.com";

/** A single value stays a string (as AWS documents it); several become a sorted list. */
function oneOrMany(values: readonly string[]): string | readonly string[] {
  const sorted = [...new Set(values)].sort();
  return sorted.length === 1 ? sorted[0] : sorted;
}

/** `arn:aws:ssm:*:<acct>:resource-data-sync/*` for each account: the documented aws:SourceArn. */
export function resourceDataSyncSourceArns(
  partition: string,
  accountIds: readonly string[],
): string | readonly string[] {
  return oneOrMany(accountIds.map((a) => `arn:${partition}:ssm:*:${a}:resource-data-sync/*`));
}

/** Object ARNs a sync may write: `arn:aws:s3:::BUCKET/<prefix>/*\/accountid=<acct>/*`, one per account. */
export function syncObjectArns(input: SyncBucketPolicyInput): string[] {
  const base = `arn:${input.partition}:s3:::${input.bucketName}`;
  const prefix = input.prefix === "" ? "" : `${input.prefix}/`;
  return [...new Set(input.sourceAccountIds)]
    .sort()
    .map((a) => `${base}/${prefix}*/accountid=${a}/*`);
}

/** The TLS-only deny for a bucket named in `partition`. */
export function tlsOnlyStatement(partition: string, bucketName: string): PolicyStatement {
  return denyInsecureTransport(`arn:${partition}:s3:::${bucketName}`);
}

/**
 * The data bucket policy: the TLS-only deny plus the two statements that the Systems Manager
 * user guide documents for Resource Data Sync ("Configuring resource data sync for Inventory",
 * archived copy in tests/fixtures/sync/SOURCE.txt):
 *
 * - `SSMBucketPermissionsCheck`: `s3:GetBucketAcl` on the bucket, exactly as documented (AWS
 *   documents no source conditions for this check, and the ACL it reveals is owner-only).
 * - `SSMBucketDelivery`: `s3:PutObject` on `<prefix>/*\/accountid=<acct>/*` with
 *   `s3:x-amz-acl = bucket-owner-full-control`, `aws:SourceAccount` and
 *   `aws:SourceArn` like `arn:aws:ssm:*:<acct>:resource-data-sync/*`. With KMS, the two
 *   `s3:x-amz-server-side-encryption*` conditions the walkthrough adds.
 *   The documented Sid has a stray leading space (`" SSMBucketDelivery"`); it is dropped here.
 */
export function syncBucketPolicy(input: SyncBucketPolicyInput): PolicyDocument {
  if (input.sourceAccountIds.length === 0) {
    throw new Error("sourceAccountIds must name at least one 12-digit AWS account ID");
  }
  const bucketArn = `arn:${input.partition}:s3:::${input.bucketName}`;
  const stringEquals: Record<string, string | readonly string[]> = {
    "s3:x-amz-acl": "bucket-owner-full-control",
    "aws:SourceAccount": oneOrMany(input.sourceAccountIds),
  };
  if (input.kmsKeyArn !== undefined) {
    stringEquals["s3:x-amz-server-side-encryption"] = "aws:kms";
    stringEquals["s3:x-amz-server-side-encryption-aws-kms-key-id"] = input.kmsKeyArn;
  }
  return {
    Version: "2012-10-17",
    Statement: [
      tlsOnlyStatement(input.partition, input.bucketName),
      {
        Sid: "SSMBucketPermissionsCheck",
        Effect: "Allow",
        Principal: { Service: SSM_SERVICE },
        Action: "s3:GetBucketAcl",
        Resource: bucketArn,
      },
      {
        Sid: "SSMBucketDelivery",
        Effect: "Allow",
        Principal: { Service: SSM_SERVICE },
        Action: "s3:PutObject",
        Resource: syncObjectArns(input),
        Condition: {
          StringEquals: stringEquals,
          ArnLike: {
            "aws:SourceArn": resourceDataSyncSourceArns(input.partition, input.sourceAccountIds),
          },
        },
      },
    ],
  };
}

/** The Athena results bucket only needs the TLS-only guard: readers reach it through IAM. */
export function resultsBucketPolicy(partition: string, bucketName: string): PolicyDocument {
  return { Version: "2012-10-17", Statement: [tlsOnlyStatement(partition, bucketName)] };
}

/**
 * The key policy statement that lets Resource Data Sync encrypt with a customer managed key,
 * as the walkthrough "Use resource data sync to aggregate inventory data" documents it
 * (`kms:GenerateDataKey`, `StringLike aws:SourceAccount`, `ArnLike aws:SourceArn`), with the
 * key's own ARN as the resource. When the key is the user's, this is the statement they add.
 */
export function ssmKeyPolicyStatement(
  partition: string,
  keyArn: string,
  sourceAccountIds: readonly string[],
): PolicyStatement {
  return {
    Sid: "ssm-access-policy-statement",
    Effect: "Allow",
    Principal: { Service: SSM_SERVICE },
    Action: ["kms:GenerateDataKey"],
    Resource: keyArn,
    Condition: {
      StringLike: { "aws:SourceAccount": oneOrMany(sourceAccountIds) },
      ArnLike: { "aws:SourceArn": resourceDataSyncSourceArns(partition, sourceAccountIds) },
    },
  };
}

/**
 * Key policy for a key this component creates: the account root keeps administration (so
 * IAM policies decide who may decrypt the data and the Athena results, and the key can never
 * become unmanageable), plus {@link ssmKeyPolicyStatement}.
 */
export function syncKeyPolicy(
  partition: string,
  accountId: string,
  keyArn: string,
  sourceAccountIds: readonly string[],
): PolicyDocument {
  return {
    Version: "2012-10-17",
    Id: "ssm-access-policy",
    Statement: [
      {
        Sid: "EnableIamPolicies",
        Effect: "Allow",
        Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
        Action: "kms:*",
        Resource: keyArn,
      },
      ssmKeyPolicyStatement(partition, keyArn, sourceAccountIds),
    ],
  };
}
