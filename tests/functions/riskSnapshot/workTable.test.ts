import * as assert from "node:assert/strict";
import { DeleteObjectsCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import {
  emptyWorkTable,
  lockKey,
  releaseWorkLock,
  type WorkTableTarget,
} from "../../../functions/riskSnapshot/workTable";
import { fakeS3, type FakeS3Object } from "./snapshotTestKit";

const BUCKET = "acme-risk-reports";
const OLD: Omit<FakeS3Object, "body"> = { lastModified: new Date("2026-11-30T09:00:00Z") };

/** `count` Parquet files under `risk-work/`, plus the neighbours that must survive. */
function bucketWith(count: number): Record<string, FakeS3Object> {
  const objects: Record<string, FakeS3Object> = {
    "risk-work.lock": { body: '{"owner":"req-1"}', ...OLD },
    "risk-work-other/x": { body: "keep", ...OLD },
    "risk-history/day=2026-11-30/h.parquet": { body: "keep", ...OLD },
  };
  for (let i = 0; i < count; i++) {
    objects[`risk-work/20261130_090000_${String(i).padStart(5, "0")}_0.parquet`] = {
      body: "PAR1",
      ...OLD,
    };
  }
  return objects;
}

function target(s3: WorkTableTarget["s3"]): WorkTableTarget {
  return {
    s3,
    bucket: BUCKET,
    prefix: "risk-work/",
    encryption: { ServerSideEncryption: "AES256" },
  };
}

describe("the work table's files", () => {
  it("empties 2,345 files in 3 listed pages and 3 deletes of at most 1,000, nothing else", async () => {
    const fake = fakeS3({ objects: bucketWith(2345) });
    try {
      const deleted = await emptyWorkTable(target(fake.client));
      assert.equal(deleted, 2345);
      const lists = fake.s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input);
      assert.equal(lists.length, 3);
      assert.deepEqual(lists[0], { Bucket: BUCKET, Prefix: "risk-work/", MaxKeys: 1000 });
      // Each later page continues from the token the previous answer gave.
      assert.ok(lists[1].ContinuationToken && lists[2].ContinuationToken);
      assert.notEqual(lists[1].ContinuationToken, lists[2].ContinuationToken);
      const deletes = fake.s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input);
      assert.deepEqual(
        deletes.map((d) => [d.Bucket, d.Delete?.Objects?.length, d.Delete?.Quiet]),
        [
          [BUCKET, 1000, true],
          [BUCKET, 1000, true],
          [BUCKET, 345, true],
        ],
      );
      const keys = deletes.flatMap((d) => d.Delete!.Objects!.map((o) => o.Key!));
      assert.equal(new Set(keys).size, 2345);
      assert.ok(keys.every((k) => k.startsWith("risk-work/")));
      assert.deepEqual([...fake.store.keys()].sort(), [
        "risk-history/day=2026-11-30/h.parquet",
        "risk-work-other/x",
        "risk-work.lock",
      ]);
    } finally {
      fake.s3.restore();
    }
  });

  it("sends no delete for an empty work table", async () => {
    const fake = fakeS3({ objects: bucketWith(0) });
    try {
      assert.equal(await emptyWorkTable(target(fake.client)), 0);
      assert.equal(fake.s3.commandCalls(ListObjectsV2Command).length, 1);
      assert.equal(fake.s3.commandCalls(DeleteObjectsCommand).length, 0);
      assert.equal(fake.store.size, 3);
    } finally {
      fake.s3.restore();
    }
  });

  it("throws naming the key when DeleteObjects answers with an error entry", async () => {
    const refused = "risk-work/20261130_090000_01500_0.parquet";
    const fake = fakeS3({
      objects: bucketWith(2345),
      refuseDelete: (key) =>
        key === refused ? { Code: "AccessDenied", Message: "Access Denied" } : undefined,
    });
    try {
      await assert.rejects(
        emptyWorkTable(target(fake.client)),
        new Error(
          `could not delete 1 work table object(s), first s3://${BUCKET}/${refused}: AccessDenied Access Denied`,
        ),
      );
      // It stops at the failing page: the third page is never listed.
      assert.equal(fake.s3.commandCalls(DeleteObjectsCommand).length, 2);
      assert.ok(fake.store.has(refused));
    } finally {
      fake.s3.restore();
    }
  });

  it("keeps the lock beside the table's location, outside it", () => {
    assert.equal(lockKey("risk-work/"), "risk-work.lock");
    assert.equal(lockKey("fleet/acme/risk-work/"), "fleet/acme/risk-work.lock");
    assert.ok(!lockKey("risk-work/").startsWith("risk-work/"));
  });

  it("gives the lock back by deleting its object", async () => {
    const fake = fakeS3({ objects: bucketWith(1) });
    try {
      await releaseWorkLock(target(fake.client));
      assert.ok(!fake.store.has("risk-work.lock"));
      assert.equal(fake.store.size, 3);
    } finally {
      fake.s3.restore();
    }
  });
});
