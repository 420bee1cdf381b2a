/**
 * The name lease end to end: the real handler, a real SSM client against the fake SSM, and
 * the lease table in dynalite (a real DynamoDB implementation, offline). No mocks: the
 * conditional writes and the races are DynamoDB's own semantics.
 */
import * as assert from "node:assert/strict";
import { SSMClient } from "@aws-sdk/client-ssm";
import { createActivationHandler, type IdentityVerifier } from "../../functions/activation/handler";
import { hashToken } from "../../functions/activation/tokens";
import { startFakeSsm, type FakeSsm } from "../../local/fakeSsm";
import { startLocalLeaseTable, type LocalLeaseTable } from "../../local/leaseTable";
import { assertRealSsmClient } from "../local/support";
import { baseConfig, event, FLEET_ACCOUNT } from "./activationTestKit";

const ROLE = "fleet-dev-managed-instance";
const NAME = "web-42";

/** `count` distinct tokens, each with its own grant (so its own principal) for `web-*`. */
function tokens(count: number): { tokens: string[]; env: string } {
  const list = Array.from(
    { length: count },
    (_, i) => `hft_${String(i).padStart(3, "0")}${"x".repeat(40)}`,
  );
  const grants = list.map((token, i) => ({
    id: `machine-${i}`,
    sha256: hashToken(token),
    namePattern: "web-[0-9]+",
    environment: "dev",
    expiresAt: "2030-01-01T00:00:00Z",
  }));
  return { tokens: list, env: JSON.stringify(grants) };
}

const noVerifier: IdentityVerifier = () => {
  throw new Error("no EC2 proofs in this suite");
};

describe("activation handler: the name lease (dynalite + fake SSM)", () => {
  let ssm: FakeSsm;
  let leases: LocalLeaseTable;
  let client: SSMClient;
  // The fake SSM checks expiry dates against the real clock: start from it.
  let start: Date;
  let now: Date;
  const grants = tokens(60);

  before(assertRealSsmClient);
  beforeEach(async () => {
    start = new Date();
    now = start;
    ssm = await startFakeSsm({ region: "ap-southeast-2", iamRoles: [ROLE] });
    leases = await startLocalLeaseTable();
    client = new SSMClient({
      region: "ap-southeast-2",
      endpoint: ssm.url,
      credentials: { accessKeyId: "AKIALOCALFAKE000000", secretAccessKey: "local-fake-secret" },
      maxAttempts: 1,
    });
  });
  afterEach(async () => {
    client.destroy();
    await leases.close();
    await ssm.close();
  });

  function handler(overrides: Record<string, string> = {}) {
    return createActivationHandler({
      ssm: client,
      config: baseConfig({
        MANAGED_INSTANCE_ROLE_NAME: ROLE,
        BOOTSTRAP_TOKENS: grants.env,
        ...overrides,
      }),
      region: "ap-southeast-2",
      verifyIdentity: noVerifier,
      leases: { client: leases.client, table: leases.tableName },
      clock: () => now,
      log: (l) => (process.env.DEBUG_LEASE ? console.error(l) : undefined),
    });
  }

  const ask = (h: ReturnType<typeof handler>, token: string, name = NAME) =>
    h(event({ name }, { Authorization: `Bearer ${token}` }));

  it("60 parallel requests from 60 machines for one free name: exactly one 200, the rest 409", async () => {
    const h = handler();
    const results = await Promise.all(grants.tokens.map((t) => ask(h, t)));
    const statuses = results.map((r) => r.statusCode);
    assert.equal(statuses.filter((s) => s === 200).length, 1, JSON.stringify(statuses));
    assert.equal(statuses.filter((s) => s === 409).length, 59);
    // SSM holds exactly one activation for the name, and it is the one the winner got.
    const named = ssm.activations.filter((a) => a.DefaultInstanceName === NAME);
    assert.equal(named.length, 1);
    const winner = JSON.parse(results[statuses.indexOf(200)].body);
    assert.equal(named[0].ActivationId, winner.activationId);
  });

  it("the same machine asking again gets a fresh activation and the old one is deleted", async () => {
    const h = handler();
    const first = JSON.parse((await ask(h, grants.tokens[0])).body);
    now = new Date(start.getTime() + 60_000);
    const again = await ask(h, grants.tokens[0]);
    assert.equal(again.statusCode, 200, again.body);
    const second = JSON.parse(again.body);
    assert.notEqual(second.activationId, first.activationId);
    assert.deepEqual(
      ssm.requests
        .filter((r) => r.operation === "DeleteActivation")
        .map((r) => (r.input as { ActivationId: string }).ActivationId),
      [first.activationId],
    );
    assert.deepEqual(
      ssm.activations.map((a) => a.ActivationId),
      [second.activationId],
    );
    // One listing of registered nodes for the fresh lease, then one look at whether the
    // replaced activation was used; no listing for the retry.
    assert.deepEqual(
      ssm.requests
        .filter((r) => r.operation === "DescribeInstanceInformation")
        .map((r) => (r.input as { Filters: Array<{ Key: string }> }).Filters[0].Key),
      ["ResourceType", "ActivationIds"],
    );
  });

  it("another machine asking for a leased name gets 409, and SSM is not asked", async () => {
    const h = handler();
    assert.equal((await ask(h, grants.tokens[0])).statusCode, 200);
    ssm.resetStats();
    const other = await ask(h, grants.tokens[1]);
    assert.equal(other.statusCode, 409, other.body);
    assert.match(JSON.parse(other.body).message, /"web-42" is leased to another machine/);
    assert.deepEqual(ssm.stats().calls, {});
  });

  it("a ConnectionLost holder keeps its name after its lease expired (it may come back)", async () => {
    const h = handler({ ACTIVATION_TTL_MINUTES: "60" });
    const first = JSON.parse((await ask(h, grants.tokens[0])).body);
    const node = ssm.registerInstance(first.activationId, first.activationCode);
    ssm.setPingStatus(node.InstanceId, "ConnectionLost");
    // Within the lease: the lease refuses.
    now = new Date(start.getTime() + 30 * 60_000);
    const during = await ask(h, grants.tokens[1]);
    assert.equal(during.statusCode, 409);
    assert.match(JSON.parse(during.body).message, /leased to another machine/);
    // Past the activation's expiry and the grace: SSM's registration refuses.
    now = new Date(start.getTime() + 2 * 60 * 60_000);
    const after = await ask(h, grants.tokens[1]);
    assert.equal(after.statusCode, 409, after.body);
    assert.match(
      JSON.parse(after.body).message,
      new RegExp(
        `held by managed instance ${node.InstanceId}, which is registered \\(ConnectionLost\\)`,
      ),
    );
    // Deregistered (Inactive): the name is free again.
    ssm.setPingStatus(node.InstanceId, "Inactive");
    now = new Date(start.getTime() + 3 * 60 * 60_000);
    assert.equal((await ask(h, grants.tokens[1])).statusCode, 200);
  });

  it("a failed first attempt gives the name back, so another machine is not locked out", async () => {
    const h = handler({ RETRY_AFTER_SECONDS: "1" });
    ssm.failNext(1, 500, "CreateActivation");
    const failed = await ask(h, grants.tokens[0]);
    assert.equal(failed.statusCode, 503);
    const other = await ask(h, grants.tokens[1]);
    assert.equal(other.statusCode, 200, other.body);
  });

  it("an EC2 instance is its own principal: its retries renew its lease", async () => {
    const ec2: IdentityVerifier = () => ({
      accountId: FLEET_ACCOUNT,
      instanceId: "i-0abc1234def567890",
      region: "ap-southeast-2",
    });
    const h = createActivationHandler({
      ssm: client,
      config: baseConfig({ MANAGED_INSTANCE_ROLE_NAME: ROLE }),
      region: "ap-southeast-2",
      verifyIdentity: ec2,
      leases: { client: leases.client, table: leases.tableName },
      clock: () => now,
      log: () => undefined,
    });
    const headers = {
      "X-Instance-Identity-Signature": "c2ln",
      "X-Instance-Identity-Signature-Kind": "rsa2048",
    };
    const a = await h(event({ name: "i-0abc1234def567890" }, headers));
    const b = await h(event({ name: "i-0abc1234def567890" }, headers));
    assert.deepEqual([a.statusCode, b.statusCode], [200, 200]);
    assert.equal(ssm.activations.length, 1);
  });
});
