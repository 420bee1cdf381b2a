import * as assert from "node:assert/strict";
import { mapLimit } from "../../../functions/shared/concurrency";

describe("mapLimit (functions/shared)", () => {
  it("keeps at most `limit` calls in flight and the results in input order", async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3, 0, 6], 3, async (n, i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, n * 3));
      inFlight--;
      return `${i}:${n}`;
    });
    assert.equal(peak, 3);
    assert.deepEqual(out, ["0:5", "1:1", "2:4", "3:2", "4:3", "5:0", "6:6"]);
  });

  it("rejects with the first error and starts no new calls after it", async () => {
    const started: number[] = [];
    await assert.rejects(
      mapLimit([0, 1, 2, 3, 4, 5], 2, async (n) => {
        started.push(n);
        if (n === 1) throw new Error("boom");
        await new Promise((r) => setTimeout(r, 5));
        return n;
      }),
      /boom/,
    );
    assert.ok(started.length <= 3, started.join(","));
  });

  it("refuses a limit below 1", async () => {
    await assert.rejects(
      mapLimit([1], 0, async (n) => n),
      /limit must be a whole number of 1 or more, got 0/,
    );
  });

  it("maps nothing to nothing", async () => {
    assert.deepEqual(await mapLimit([], 4, async (n) => n), []);
  });
});
