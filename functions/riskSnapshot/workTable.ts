/**
 * The work tables' files: a snapshot empties the work prefix, then its `prepare` INSERT writes
 * one copy of the sync data in its `copy/` folder (risk/stage.ts) and its `score` INSERT the
 * scored findings in `scored/` (risk/scored.ts), for the statements to read.
 *
 * Two snapshots must never share the prefix (one would empty it under the other), so a
 * snapshot holds a lock object beside it (`<prefix>.lock`, outside the table's location so
 * Athena never reads it), created with a conditional write: S3 refuses `If-None-Match: *`
 * with 412 Precondition Failed when the key exists
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html). A lock
 * older than the longest a snapshot can run (the Lambda's 15-minute maximum) was left by a
 * snapshot that died; it is removed and taken once more (the conditional write still decides
 * between two snapshots that both found it stale).
 */
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from "@aws-sdk/client-s3";

/** A lock older than this was left by a snapshot that no longer runs (Lambda's maximum). */
export const LOCK_STALE_MS = 15 * 60 * 1000;

/** DeleteObjects takes at most 1,000 keys per request. */
const DELETE_BATCH = 1000;

/** Another snapshot holds the work table. */
export class SnapshotBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SnapshotBusyError";
  }
}

/** The lock's key: the prefix without its `/`, plus `.lock` (`risk-work/` → `risk-work.lock`). */
export function lockKey(workPrefix: string): string {
  return `${workPrefix.replace(/\/$/, "")}.lock`;
}

function isPreconditionFailed(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === "PreconditionFailed" || e?.$metadata?.httpStatusCode === 412;
}

/** What the lock functions need. */
export interface WorkTableTarget {
  readonly s3: Pick<S3Client, "send">;
  readonly bucket: string;
  /** The work table's key prefix, ending in `/`. */
  readonly prefix: string;
  /** SSE headers for new objects (the bucket policy may require them). */
  readonly encryption: Partial<PutObjectCommandInput>;
}

/**
 * Takes the lock (`owner` is written into it for whoever finds it), or throws
 * {@link SnapshotBusyError} when a live snapshot holds it.
 */
export async function acquireWorkLock(t: WorkTableTarget, owner: string, now: Date): Promise<void> {
  const key = lockKey(t.prefix);
  const put = () =>
    t.s3.send(
      new PutObjectCommand({
        Bucket: t.bucket,
        Key: key,
        Body: JSON.stringify({ owner, since: now.toISOString() }),
        ContentType: "application/json",
        IfNoneMatch: "*",
        ...t.encryption,
      }),
    );
  try {
    await put();
    return;
  } catch (err) {
    if (!isPreconditionFailed(err)) throw err;
  }
  const head = await t.s3.send(new HeadObjectCommand({ Bucket: t.bucket, Key: key }));
  const age = now.getTime() - (head.LastModified?.getTime() ?? now.getTime());
  if (age < LOCK_STALE_MS) {
    throw new SnapshotBusyError(
      `another snapshot holds s3://${t.bucket}/${key} (taken ${Math.round(age / 1000)} s ago); this one stops without a result`,
    );
  }
  await t.s3.send(new DeleteObjectCommand({ Bucket: t.bucket, Key: key }));
  try {
    await put();
  } catch (err) {
    if (isPreconditionFailed(err)) {
      throw new SnapshotBusyError(`another snapshot took s3://${t.bucket}/${key} first`);
    }
    throw err;
  }
}

/** Gives the lock back. */
export async function releaseWorkLock(t: WorkTableTarget): Promise<void> {
  await t.s3.send(new DeleteObjectCommand({ Bucket: t.bucket, Key: lockKey(t.prefix) }));
}

/** Deletes every object under the work table's prefix; returns how many. */
export async function emptyWorkTable(t: WorkTableTarget): Promise<number> {
  let deleted = 0;
  let token: string | undefined;
  do {
    const page = await t.s3.send(
      new ListObjectsV2Command({
        Bucket: t.bucket,
        Prefix: t.prefix,
        MaxKeys: DELETE_BATCH,
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
    if (keys.length > 0) {
      const out = await t.s3.send(
        new DeleteObjectsCommand({
          Bucket: t.bucket,
          Delete: { Objects: keys, Quiet: true },
        }),
      );
      // Quiet mode lists only the failures; one left behind would join the next copy.
      if (out.Errors && out.Errors.length > 0) {
        const e = out.Errors[0];
        throw new Error(
          `could not delete ${out.Errors.length} work table object(s), first s3://${t.bucket}/${e.Key}: ${e.Code} ${e.Message}`,
        );
      }
      deleted += keys.length;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return deleted;
}
