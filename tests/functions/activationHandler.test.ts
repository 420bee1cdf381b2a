import * as assert from "node:assert/strict";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import {
  CreateActivationCommand,
  DescribeInstanceInformationCommand,
  SSMClient,
  ThrottlingException,
} from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { createActivationHandler, type IdentityVerifier } from "../../functions/activation/handler";
import { hashToken } from "../../functions/activation/tokens";
import { startLocalLeaseTable, type LocalLeaseTable } from "../../local/leaseTable";
import {
  baseConfig,
  event,
  EXPIRED_TOKEN,
  FLEET_ACCOUNT,
  GOOD_TOKEN,
  logCollector,
  NOW,
} from "./activationTestKit";

// mockClient stubs SSMClient.prototype.send for every instance: create it per suite and
// restore it, so suites that use the real client against a local fake are unaffected.
let ssmMock: ReturnType<typeof mockClient>;
// The name lease runs against dynalite (a real DynamoDB implementation), a fresh table per test.
let leases: LocalLeaseTable;
const CODE = "SECRETcodeXYZ1234567890";

class IdentityVerificationError extends Error {
  constructor(readonly reason: string) {
    super(`identity invalid: ${reason}`);
    this.name = "IdentityVerificationError";
  }
}

/** A verifier fake: the "signature" is the JSON identity itself, or "bad". */
const fakeVerifier: IdentityVerifier = ({ signature }) => {
  const text = Buffer.from(signature, "base64").toString("utf8");
  if (text === "bad") throw new IdentityVerificationError("bad-signature");
  if (text.startsWith("reason:")) throw new IdentityVerificationError(text.slice(7));
  return JSON.parse(text);
};

function ec2Headers(identity: object | string, kind = "rsa2048"): Record<string, string> {
  const sig = typeof identity === "string" ? identity : JSON.stringify(identity);
  return {
    "X-Instance-Identity-Signature": Buffer.from(sig).toString("base64"),
    "X-Instance-Identity-Signature-Kind": kind,
  };
}

const INSTANCE = {
  accountId: FLEET_ACCOUNT,
  instanceId: "i-0abc1234def567890",
  region: "ap-southeast-2",
};

function makeHandler(overrides: Record<string, string> = {}) {
  const logs = logCollector();
  const handler = createActivationHandler({
    ssm: new SSMClient({ region: "ap-southeast-2" }),
    config: baseConfig(overrides),
    region: "ap-southeast-2",
    verifyIdentity: fakeVerifier,
    leases: { client: leases.client, table: leases.tableName },
    clock: () => NOW,
    log: logs.sink,
  });
  return { handler, logs };
}

function body(result: { body: string }) {
  return JSON.parse(result.body);
}

describe("activation handler", () => {
  before(() => {
    ssmMock = mockClient(SSMClient);
  });
  after(() => ssmMock.restore());
  beforeEach(async () => {
    leases = await startLocalLeaseTable();
    ssmMock.reset();
    ssmMock.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [] });
    ssmMock.on(CreateActivationCommand).resolves({
      ActivationId: "e488f2f6-e686-4afb-8a04-ef6dfEXAMPLE",
      ActivationCode: CODE,
    });
  });
  afterEach(async () => leases.close());

  describe("success", () => {
    it("issues a single-use activation named after a proven EC2 instance", async () => {
      const { handler, logs } = makeHandler();
      const res = await handler(
        event({ name: INSTANCE.instanceId, "tag.Team": "web" }, ec2Headers(INSTANCE)),
        { awsRequestId: "req-1" },
      );
      assert.equal(res.statusCode, 200);
      assert.deepEqual(body(res), {
        activationId: "e488f2f6-e686-4afb-8a04-ef6dfEXAMPLE",
        activationCode: CODE,
        region: "ap-southeast-2",
        instanceName: INSTANCE.instanceId,
        expiresAt: "2026-11-28T13:00:00.000Z",
      });
      assert.equal(res.headers?.["Cache-Control"], "no-store");
      const calls = ssmMock.commandCalls(CreateActivationCommand);
      assert.equal(calls.length, 1);
      assert.deepEqual(calls[0].args[0].input, {
        DefaultInstanceName: INSTANCE.instanceId,
        IamRole: "fleet-dev-managed-instance",
        RegistrationLimit: 1,
        ExpirationDate: new Date("2026-11-28T13:00:00.000Z"),
        Description: `ssm-hybrid-fleet acme-dev: ${INSTANCE.instanceId} via ec2:${FLEET_ACCOUNT}:${INSTANCE.instanceId}`,
        Tags: [
          { Key: "Name", Value: INSTANCE.instanceId },
          { Key: "Environment", Value: "dev" },
          { Key: "ComplianceMode", Value: "report" },
          { Key: "HybridFleet", Value: "acme-dev" },
          { Key: "Team", Value: "web" },
        ],
      });
      const describe = ssmMock.commandCalls(DescribeInstanceInformationCommand);
      assert.deepEqual(describe[0].args[0].input, {
        Filters: [
          { Key: "ResourceType", Values: ["ManagedInstance"] },
          { Key: "PingStatus", Values: ["Online", "ConnectionLost"] },
        ],
        MaxResults: 50,
        NextToken: undefined,
      });
      const lease = await leases.client.send(
        new GetItemCommand({
          TableName: leases.tableName,
          Key: { name: { S: INSTANCE.instanceId } },
        }),
      );
      assert.deepEqual(lease.Item, {
        name: { S: INSTANCE.instanceId },
        principal: { S: `ec2:${FLEET_ACCOUNT}:${INSTANCE.instanceId}` },
        leaseToken: lease.Item?.leaseToken,
        activationId: { S: "e488f2f6-e686-4afb-8a04-ef6dfEXAMPLE" },
        // The activation's expiry (13:00) plus the 15-minute grace, in epoch seconds.
        expiresAt: { N: String(Date.parse("2026-11-28T13:15:00Z") / 1000) },
        updatedAt: { S: NOW.toISOString() },
      });
      const issued = logs.lines
        .map((l) => JSON.parse(l))
        .find((l) => l.message === "activation issued");
      assert.equal(issued.requestId, "req-1");
      assert.equal(issued.instanceName, INSTANCE.instanceId);
      assert.ok(!logs.lines.some((l) => l.includes(CODE)), "activation code must never be logged");
    });

    it("computes the expiry per request from the configured lifetime", async () => {
      let now = NOW;
      const handler = createActivationHandler({
        ssm: new SSMClient({ region: "ap-southeast-2" }),
        config: baseConfig({ ACTIVATION_TTL_MINUTES: "15" }),
        region: "ap-southeast-2",
        verifyIdentity: fakeVerifier,
        leases: { client: leases.client, table: leases.tableName },
        clock: () => now,
        log: () => undefined,
      });
      await handler(event({ name: INSTANCE.instanceId }, ec2Headers(INSTANCE)));
      now = new Date(NOW.getTime() + 3_600_000);
      const res = await handler(event({ name: INSTANCE.instanceId }, ec2Headers(INSTANCE)));
      const dates = ssmMock
        .commandCalls(CreateActivationCommand)
        .map((c) => c.args[0].input.ExpirationDate);
      assert.deepEqual(dates, [
        new Date("2026-11-28T12:15:00.000Z"),
        new Date("2026-11-28T13:15:00.000Z"),
      ]);
      assert.equal(body(res).expiresAt, "2026-11-28T13:15:00.000Z");
    });

    it("registers an on-premises machine with a bootstrap token, pinning the token's environment", async () => {
      const { handler, logs } = makeHandler({ DEFAULT_MODE: "enforce" });
      const res = await handler(
        event(
          { name: "web-17", "tag.CostCentre": "4242" },
          { authorization: `Bearer ${GOOD_TOKEN}` },
        ),
      );
      assert.equal(res.statusCode, 200);
      const input = ssmMock.commandCalls(CreateActivationCommand)[0].args[0].input;
      assert.equal(input.DefaultInstanceName, "web-17");
      assert.equal(input.Description, "ssm-hybrid-fleet acme-dev: web-17 via token:dc1-web");
      assert.deepEqual(input.Tags, [
        { Key: "Name", Value: "web-17" },
        { Key: "Environment", Value: "prod" },
        { Key: "ComplianceMode", Value: "enforce" },
        { Key: "HybridFleet", Value: "acme-dev" },
        { Key: "CostCentre", Value: "4242" },
      ]);
      assert.ok(!logs.lines.some((l) => l.includes(GOOD_TOKEN) || l.includes(CODE)));
      assert.ok(logs.lines.some((l) => JSON.parse(l).tokenId === "dc1-web"));
    });

    it("accepts a name of exactly 256 characters, including letters of any script", async () => {
      const { handler } = makeHandler({
        BOOTSTRAP_TOKENS: JSON.stringify([
          {
            id: "any",
            sha256: hashToken(GOOD_TOKEN),
            namePattern: ".*",
            environment: "dev",
            expiresAt: "2030-01-01T00:00:00Z",
          },
        ]),
      });
      const name = "ü".repeat(250) + "é 1:/@";
      const res = await handler(event({ name }, { Authorization: `bearer ${GOOD_TOKEN}` }));
      assert.equal(res.statusCode, 200, res.body);
    });

    it("409 for a registered ConnectionLost holder of the name (it may come back)", async () => {
      ssmMock.on(DescribeInstanceInformationCommand).resolves({
        InstanceInformationList: [
          {
            InstanceId: "mi-0123456789abcdef0",
            Name: INSTANCE.instanceId,
            PingStatus: "ConnectionLost",
            ResourceType: "ManagedInstance",
          },
        ],
      });
      const { handler } = makeHandler();
      const res = await handler(event({ name: INSTANCE.instanceId }, ec2Headers(INSTANCE)));
      assert.equal(res.statusCode, 409, res.body);
      assert.match(
        body(res).message,
        /mi-0123456789abcdef0, which is registered \(ConnectionLost\)/,
      );
      assert.equal(ssmMock.commandCalls(CreateActivationCommand).length, 0);
      // The refused request gave the lease back: the name is not locked by a refusal.
      const lease = await leases.client.send(
        new GetItemCommand({
          TableName: leases.tableName,
          Key: { name: { S: INSTANCE.instanceId } },
        }),
      );
      assert.equal(lease.Item, undefined);
    });
  });

  describe("refusals", () => {
    const cases: Array<[string, ReturnType<typeof event>, number, string | RegExp]> = [
      ["no name", event({}, ec2Headers(INSTANCE)), 400, "query parameter name is required"],
      [
        "no query at all",
        event(null, ec2Headers(INSTANCE)),
        400,
        "query parameter name is required",
      ],
      ["empty name", event({ name: "" }, ec2Headers(INSTANCE)), 400, "name must not be empty"],
      [
        "name twice",
        event({ name: ["a", "b"] }, ec2Headers(INSTANCE)),
        400,
        "query parameter name must be given once",
      ],
      [
        "name 257 chars",
        event({ name: "a".repeat(257) }, ec2Headers(INSTANCE)),
        400,
        "name must be at most 256 characters",
      ],
      [
        "shell metacharacters",
        event({ name: "a;rm -rf" }, ec2Headers(INSTANCE)),
        400,
        /may contain only letters/,
      ],
      [
        "unknown parameter",
        event({ name: "a", foo: "1" }, ec2Headers(INSTANCE)),
        400,
        /unknown query parameter "foo"/,
      ],
      [
        "tag not allowed",
        event({ name: "a", "tag.Owner": "x" }, ec2Headers(INSTANCE)),
        400,
        /tag "Owner" may not be set by callers; allowed tag keys: Team, CostCentre/,
      ],
      [
        "reserved tag",
        event({ name: "a", "tag.Environment": "prod" }, ec2Headers(INSTANCE)),
        400,
        /tag "Environment" may not be set/,
      ],
      [
        "tag value not allowed",
        event({ name: INSTANCE.instanceId, "tag.Team": "ops" }, ec2Headers(INSTANCE)),
        400,
        /must be one of web, db/,
      ],
      [
        "tag value pattern",
        event({ name: INSTANCE.instanceId, "tag.CostCentre": "12" }, ec2Headers(INSTANCE)),
        400,
        /matching \[0-9\]\{4\}/,
      ],
      [
        "both proofs",
        event({ name: "a" }, { ...ec2Headers(INSTANCE), Authorization: `Bearer ${GOOD_TOKEN}` }),
        400,
        /not both/,
      ],
      [
        "bad signature kind",
        event({ name: "a" }, ec2Headers(INSTANCE, "md5")),
        400,
        /must be one of signature, pkcs7, rsa2048/,
      ],
      [
        "non-base64 signature",
        event({ name: "a" }, { "X-Instance-Identity-Signature": "%%%" }),
        400,
        /must be base64/,
      ],
      [
        "document without signature",
        event({ name: "a" }, { "X-Instance-Identity-Document": "e30=" }),
        400,
        /Signature is required/,
      ],
      [
        "kind signature without document",
        event({ name: "a" }, ec2Headers(INSTANCE, "signature")),
        400,
        /Document is required/,
      ],
      ["no proof", event({ name: "a" }), 401, /proof of identity required/],
      ["basic auth", event({ name: "a" }, { Authorization: "Basic dXNlcjpwYXNz" }), 401, /Bearer/],
      [
        "bad signature",
        event({ name: INSTANCE.instanceId }, ec2Headers("bad")),
        403,
        "instance identity signature did not verify (bad-signature)",
      ],
      [
        "a malformed signature blob",
        event({ name: INSTANCE.instanceId }, ec2Headers("reason:malformed-signature")),
        400,
        "instance identity proof is malformed (malformed-signature)",
      ],
      [
        "a document of another region's key",
        event({ name: INSTANCE.instanceId }, ec2Headers("reason:signer-mismatch")),
        403,
        "instance identity signature did not verify (signer-mismatch)",
      ],
      [
        "account not allowed",
        event(
          { name: INSTANCE.instanceId },
          ec2Headers({ ...INSTANCE, accountId: "210987654321" }),
        ),
        403,
        "account 210987654321 is not allowed to register in this fleet",
      ],
      [
        "naming another instance",
        event({ name: "i-0000000000000000f" }, ec2Headers(INSTANCE)),
        403,
        /only register under its own instance ID \(i-0abc1234def567890\)/,
      ],
      [
        "unknown token",
        event({ name: "web-1" }, { Authorization: `Bearer hft_${"C".repeat(43)}` }),
        403,
        "bootstrap token is not valid",
      ],
      [
        "malformed token",
        event({ name: "web-1" }, { Authorization: "Bearer hunter2" }),
        403,
        "bootstrap token is malformed",
      ],
      [
        "expired token",
        event({ name: "web-1" }, { Authorization: `Bearer ${EXPIRED_TOKEN}` }),
        403,
        "bootstrap token old has expired",
      ],
      [
        "name outside the token's pattern",
        event({ name: "db-1" }, { Authorization: `Bearer ${GOOD_TOKEN}` }),
        403,
        'bootstrap token dc1-web may not register the name "db-1"',
      ],
    ];
    for (const [title, ev, status, message] of cases) {
      it(`${status} for ${title}`, async () => {
        const { handler, logs } = makeHandler();
        const res = await handler(ev, { awsRequestId: "req-x" });
        assert.equal(res.statusCode, status, res.body);
        const b = body(res);
        assert.equal(b.requestId, "req-x");
        if (typeof message === "string") assert.equal(b.message, message);
        else assert.match(b.message, message);
        assert.equal(ssmMock.commandCalls(CreateActivationCommand).length, 0);
        assert.ok(!logs.lines.some((l) => l.includes(GOOD_TOKEN) || l.includes(EXPIRED_TOKEN)));
      });
    }

    it("checks the proof before any operator pattern: an unproven caller's tag value is never matched", async () => {
      const { handler } = makeHandler();
      // A value the CostCentre pattern refuses, sent without proof: 401, not the pattern's 400.
      const res = await handler(event({ name: "web-1", "tag.CostCentre": "1".repeat(31) + "a" }));
      assert.equal(res.statusCode, 401, res.body);
      // The same value with a valid proof reaches the pattern.
      const proven = await handler(
        event(
          { name: "web-1", "tag.CostCentre": "1".repeat(31) + "a" },
          { Authorization: `Bearer ${GOOD_TOKEN}` },
        ),
      );
      assert.equal(proven.statusCode, 400, proven.body);
      assert.match(body(proven).message, /must be a value matching|matching \[0-9\]\{4\}/);
    });

    it("403 for a token machine asking for an EC2- or mi-shaped name, unless its grant opts in", async () => {
      const grant = (allow: boolean) =>
        JSON.stringify([
          {
            id: "broad",
            sha256: hashToken(GOOD_TOKEN),
            namePattern: "[a-z0-9-]+",
            environment: "dev",
            expiresAt: "2030-01-01T00:00:00Z",
            ...(allow ? { allowInstanceIdNames: true } : {}),
          },
        ]);
      const strict = makeHandler({ BOOTSTRAP_TOKENS: grant(false) }).handler;
      for (const name of ["i-0123456789abcdef0", "i-01234567", "mi-0123456789abcdef0", "mi-x"]) {
        const res = await strict(event({ name }, { Authorization: `Bearer ${GOOD_TOKEN}` }));
        assert.equal(res.statusCode, 403, name);
        assert.equal(
          body(res).message,
          `bootstrap token broad may not register "${name}": names shaped like an EC2 instance ID or managed instance ID (i-…, mi-…) need allowInstanceIdNames on the grant`,
        );
      }
      // Not instance-ID-shaped: 16 hex digits, upper case, a longer prefix.
      for (const name of ["i-0123456789abcdef", "ami-0123", "web-i-01234567"]) {
        const res = await strict(event({ name }, { Authorization: `Bearer ${GOOD_TOKEN}` }));
        assert.equal(res.statusCode, 200, `${name}: ${res.body}`);
      }
      const optedIn = makeHandler({ BOOTSTRAP_TOKENS: grant(true) }).handler;
      const res = await optedIn(
        event({ name: "i-0123456789abcdef1" }, { Authorization: `Bearer ${GOOD_TOKEN}` }),
      );
      assert.equal(res.statusCode, 200, res.body);
    });

    it("refuses identity documents older than ec2MaxIdentityAgeMinutes, and only then", async () => {
      const started = (minutesAgo: number) => ({
        ...INSTANCE,
        pendingTime: new Date(NOW.getTime() - minutesAgo * 60_000).toISOString(),
      });
      const windowed = makeHandler({ EC2_MAX_IDENTITY_AGE_MINUTES: "30" }).handler;
      const fresh = await windowed(event({ name: INSTANCE.instanceId }, ec2Headers(started(29))));
      assert.equal(fresh.statusCode, 200, fresh.body);
      const stale = await windowed(event({ name: INSTANCE.instanceId }, ec2Headers(started(31))));
      assert.equal(stale.statusCode, 403);
      assert.equal(
        body(stale).message,
        `the instance identity document's pendingTime (2026-11-28T11:29:00.000Z) is older than 30 minutes (ec2MaxIdentityAgeMinutes)`,
      );
      const missing = await windowed(event({ name: INSTANCE.instanceId }, ec2Headers(INSTANCE)));
      assert.equal(missing.statusCode, 403);
      // 0 (the default) is off: a year-old start is fine.
      const off = makeHandler().handler;
      const old = await off(event({ name: INSTANCE.instanceId }, ec2Headers(started(525_600))));
      assert.equal(old.statusCode, 200, old.body);
    });

    it("403 when EC2 proof is switched off, and when token proof is switched off", async () => {
      const ec2Off = makeHandler({ EC2_AUTH: "disabled" }).handler;
      const res1 = await ec2Off(event({ name: INSTANCE.instanceId }, ec2Headers(INSTANCE)));
      assert.equal(res1.statusCode, 403);
      assert.equal(body(res1).message, "EC2 instance identity proof is disabled for this fleet");
      const tokenOff = makeHandler({ TOKEN_AUTH: "disabled" }).handler;
      const res2 = await tokenOff(
        event({ name: "web-1" }, { Authorization: `Bearer ${GOOD_TOKEN}` }),
      );
      assert.equal(res2.statusCode, 403);
      assert.equal(body(res2).message, "bootstrap token proof is disabled for this fleet");
      assert.equal(ssmMock.commandCalls(CreateActivationCommand).length, 0);
    });

    it("409 when an Online managed instance holds the name, found on a later page", async () => {
      ssmMock
        .on(DescribeInstanceInformationCommand)
        .resolvesOnce({
          InstanceInformationList: [
            {
              InstanceId: "mi-00000000000000001",
              Name: "web-1",
              PingStatus: "Online",
              ResourceType: "ManagedInstance",
            },
          ],
          NextToken: "page2",
        })
        .resolvesOnce({
          InstanceInformationList: [
            {
              InstanceId: "mi-0123456789abcdef0",
              Name: INSTANCE.instanceId,
              PingStatus: "Online",
              ResourceType: "ManagedInstance",
            },
          ],
        });
      const { handler } = makeHandler();
      const res = await handler(event({ name: INSTANCE.instanceId }, ec2Headers(INSTANCE)));
      assert.equal(res.statusCode, 409);
      assert.match(
        body(res).message,
        /held by managed instance mi-0123456789abcdef0, which is registered \(Online\)/,
      );
      const pages = ssmMock
        .commandCalls(DescribeInstanceInformationCommand)
        .map((c) => c.args[0].input.NextToken);
      assert.deepEqual(pages, [undefined, "page2"]);
      assert.equal(ssmMock.commandCalls(CreateActivationCommand).length, 0);
    });
  });

  describe("SSM failures", () => {
    it("503 with Retry-After when SSM still throttles after the SDK's retries", async () => {
      ssmMock.on(CreateActivationCommand).rejects(
        new ThrottlingException({
          message: "Rate exceeded",
          Message: "Rate exceeded",
          $metadata: { httpStatusCode: 400 },
        }),
      );
      const { handler, logs } = makeHandler({ RETRY_AFTER_SECONDS: "3" });
      const res = await handler(event({ name: INSTANCE.instanceId }, ec2Headers(INSTANCE)));
      assert.equal(res.statusCode, 503);
      assert.equal(res.headers?.["Retry-After"], "3");
      assert.equal(body(res).error, "ServiceUnavailable");
      assert.ok(logs.lines.some((l) => JSON.parse(l).level === "ERROR"));
    });

    it("503 for an SSM 5xx", async () => {
      const err = Object.assign(new Error("boom"), {
        name: "InternalServerError",
        $metadata: { httpStatusCode: 500 },
      });
      ssmMock.on(DescribeInstanceInformationCommand).rejects(err);
      const { handler } = makeHandler();
      const res = await handler(event({ name: INSTANCE.instanceId }, ec2Headers(INSTANCE)));
      assert.equal(res.statusCode, 503);
    });

    it("500 when the verifier reports a fault of its own (a broken pinned certificate)", async () => {
      const { handler } = makeHandler();
      const res = await handler(
        event({ name: INSTANCE.instanceId }, ec2Headers("reason:bad-certificate")),
      );
      assert.equal(res.statusCode, 500);
      assert.equal(body(res).error, "InternalError");
    });

    it("500 with the request ID and no internals for anything unexpected", async () => {
      const err = Object.assign(new Error("Not existing role: arn:aws:iam::123:role/x"), {
        name: "ValidationException",
        $metadata: { httpStatusCode: 400 },
      });
      ssmMock.on(CreateActivationCommand).rejects(err);
      const { handler, logs } = makeHandler();
      const res = await handler(event({ name: INSTANCE.instanceId }, ec2Headers(INSTANCE)), {
        awsRequestId: "req-500",
      });
      assert.equal(res.statusCode, 500);
      assert.deepEqual(body(res), {
        error: "InternalError",
        message: "internal error; quote request ID req-500",
        requestId: "req-500",
      });
      assert.ok(!res.body.includes("Not existing role"));
      assert.ok(!res.body.includes("at "), "no stack trace");
      const logged = logs.lines.map((l) => JSON.parse(l)).find((l) => l.level === "ERROR");
      assert.match(logged.cause, /ValidationException: Not existing role/);
    });
  });
});
