/**
 * A consumer whose Pulumi mocks omit a computed value the components build on (the
 * stage's `invokeUrl`) gets an immediate error naming it, not a hang until the test
 * runner's timeout.
 */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { MissingOutputError, requireValue } from "../../components/shared/requireValue";
import { installMocks, unwrap } from "../support/pulumiMocks";
import { CONSUMER_TIMEOUT_MS, runOmitsInvokeUrlSpec } from "../support/runConsumerSpec";

const ROOT = path.join(__dirname, "..", "..");

const WHERE = { where: "Thing t", property: "url", example: "https://example.com" };

describe("requireValue", () => {
  before(() => installMocks());

  it("passes a present value through without reporting", async () => {
    const reported: Error[] = [];
    const value = await unwrap(
      requireValue(pulumi.output("https://x"), WHERE, (e) => reported.push(e)),
    );
    assert.equal(value, "https://x");
    assert.deepEqual(reported, []);
  });

  for (const missing of [undefined, null, ""]) {
    it(`reports ${JSON.stringify(missing)} as a MissingOutputError naming the property`, async () => {
      const reported: Error[] = [];
      requireValue(pulumi.output(missing as string | undefined), WHERE, (e) => reported.push(e));
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(reported.length, 1);
      assert.ok(reported[0] instanceof MissingOutputError);
      assert.equal(
        reported[0].message,
        "Thing t: url resolved to nothing. AWS always sets it, so a test's mocks probably omit it: return it from pulumi.runtime.setMocks' newResource state, e.g. url: \"https://example.com\"",
      );
    });
  }
});

describe("a consumer whose mocks omit the stage's invokeUrl", () => {
  it("fails at once with an error naming invokeUrl, not at the mocha timeout", async function () {
    this.timeout(CONSUMER_TIMEOUT_MS + 60_000);
    const failure = await runOmitsInvokeUrlSpec(path.join(ROOT, "components"), ROOT, [
      "--require",
      "ts-node/register/transpile-only",
    ]);
    assert.equal(failure.title, "awaits the Linux user data");
    assert.match(
      failure.message,
      /ActivationApi api: aws\.apigateway\.Stage api-stage: invokeUrl resolved to nothing\. .* e\.g\. invokeUrl: "https:/,
    );
    assert.match(failure.stack, /MissingOutputError/);
    // Before the fix the test waited out the whole timeout; now it fails as soon as the
    // component is built (the time is bundling and mock registration, not waiting).
    assert.ok(
      failure.durationMs < CONSUMER_TIMEOUT_MS / 2,
      `failed after ${failure.durationMs} ms`,
    );
  });
});
