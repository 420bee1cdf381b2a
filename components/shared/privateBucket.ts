import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Settings of {@link createPrivateBucket}. */
export interface PrivateBucketSettings {
  /** Let `pulumi destroy` delete a non-empty bucket (only for disposable data). */
  readonly forceDestroy: boolean;
  /** KMS key for default encryption (with an S3 bucket key); absent: SSE-S3. */
  readonly kmsKeyArn?: pulumi.Input<string>;
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** The bucket and the guards that make it private, for callers to depend on. */
export interface PrivateBucket {
  readonly bucket: aws.s3.Bucket;
  readonly ownership: aws.s3.BucketOwnershipControls;
  readonly publicAccess: aws.s3.BucketPublicAccessBlock;
  readonly encryption: aws.s3.BucketServerSideEncryptionConfiguration;
}

/**
 * An S3 bucket that is private by construction: ACLs disabled (bucket owner enforced),
 * every public-access block on, default encryption (SSE-S3, or KMS with a bucket key).
 * Children are named `<name>`, `<name>-ownership`, `<name>-public-access`,
 * `<name>-encryption`; policies, versioning and lifecycle stay with the caller.
 */
export function createPrivateBucket(
  name: string,
  settings: PrivateBucketSettings,
  opts: pulumi.CustomResourceOptions,
): PrivateBucket {
  const bucket = new aws.s3.Bucket(
    name,
    { forceDestroy: settings.forceDestroy, tags: settings.tags },
    opts,
  );
  const ownership = new aws.s3.BucketOwnershipControls(
    `${name}-ownership`,
    { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
    opts,
  );
  const publicAccess = new aws.s3.BucketPublicAccessBlock(
    `${name}-public-access`,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    opts,
  );
  const rule = settings.kmsKeyArn
    ? {
        applyServerSideEncryptionByDefault: {
          sseAlgorithm: "aws:kms",
          kmsMasterKeyId: settings.kmsKeyArn,
        },
        bucketKeyEnabled: true,
      }
    : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } };
  const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
    `${name}-encryption`,
    { bucket: bucket.id, rules: [rule] },
    opts,
  );
  return { bucket, ownership, publicAccess, encryption };
}
