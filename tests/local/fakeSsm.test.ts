import { strict as assert } from "node:assert";
import {
  AddTagsToResourceCommand,
  CreateActivationCommand,
  DeleteActivationCommand,
  DeregisterManagedInstanceCommand,
  DescribeActivationsCommand,
  DescribeInstanceInformationCommand,
  InvalidParameters,
  ListTagsForResourceCommand,
  SSMClient,
  paginateDescribeInstanceInformation,
  type CreateActivationCommandInput,
} from "@aws-sdk/client-ssm";
import { startFakeSsm, type FakeInstance, type FakeSsm } from "../../local/fakeSsm";
import { assertRealSsmClient, rejection, request, type RawResponse } from "./support";

const CREDENTIALS = { accessKeyId: "AKIALOCALTEST", secretAccessKey: "local-test" };
const DAY = 24 * 60 * 60 * 1000;

function clientFor(ssm: FakeSsm, maxAttempts = 3): SSMClient {
  return new SSMClient({
    endpoint: ssm.url,
    region: ssm.region,
    credentials: CREDENTIALS,
    maxAttempts,
  });
}

function instance(n: number, fleet: string, extra: Partial<FakeInstance> = {}): FakeInstance {
  const id = `mi-${n.toString(16).padStart(17, "0")}`;
  return {
    InstanceId: id,
    PingStatus: "Online",
    ResourceType: "ManagedInstance",
    Name: `host-${n}`,
    Tags: [
      { Key: "Fleet", Value: fleet },
      { Key: "Name", Value: `host-${n}` },
    ],
    ...extra,
  };
}

describe("fakeSsm with the real SSMClient", () => {
  let ssm: FakeSsm;
  let client: SSMClient;

  before(assertRealSsmClient);

  afterEach(async () => {
    client?.destroy();
    // close() is idempotent, so a test that closed its own fake leaves nothing to trip on.
    await ssm?.close();
  });

  describe("CreateActivation", () => {
    beforeEach(async () => {
      ssm = await startFakeSsm({ iamRoles: ["fleet-role"] });
      client = clientFor(ssm);
    });

    it("returns a UUID and a code, and DescribeActivations reads the activation back", async () => {
      const expiration = new Date(Date.now() + 2 * DAY);
      const created = await client.send(
        new CreateActivationCommand({
          IamRole: "fleet-role",
          DefaultInstanceName: "web-01",
          Description: "web-01 via activation API",
          RegistrationLimit: 1,
          ExpirationDate: expiration,
          Tags: [{ Key: "HybridFleet", Value: "dev" }],
        }),
      );

      assert.match(
        created.ActivationId ?? "",
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      );
      assert.ok((created.ActivationCode ?? "").length >= 20);
      const listed = await client.send(
        new DescribeActivationsCommand({
          Filters: [{ FilterKey: "ActivationIds", FilterValues: [created.ActivationId!] }],
        }),
      );
      assert.equal(listed.ActivationList?.length, 1);
      const a = listed.ActivationList![0];
      assert.equal(a.DefaultInstanceName, "web-01");
      assert.equal(a.IamRole, "fleet-role");
      assert.equal(a.RegistrationLimit, 1);
      assert.equal(a.RegistrationsCount, 0);
      assert.equal(a.Expired, false);
      assert.equal(a.ExpirationDate?.getTime(), expiration.getTime());
      assert.ok(a.CreatedDate instanceof Date);
      assert.deepEqual(a.Tags, [{ Key: "HybridFleet", Value: "dev" }]);
      assert.equal(
        (a as Record<string, unknown>).ActivationCode,
        undefined,
        "the code is returned once only",
      );
      assert.deepEqual(
        ssm.requests.map((r) => r.operation),
        ["CreateActivation", "DescribeActivations"],
      );
    });

    it("defaults to one registration and 24 hours", async () => {
      const before = Date.now();
      await client.send(new CreateActivationCommand({ IamRole: "fleet-role" }));
      const [a] = ssm.activations;
      assert.equal(a.RegistrationLimit, 1);
      const ahead = a.ExpirationDate.getTime() - before;
      assert.ok(ahead >= DAY && ahead < DAY + 60_000, `expiry ${ahead} ms ahead`);
    });

    const invalid: Array<[string, Partial<CreateActivationCommandInput>, string, RegExp]> = [
      [
        "a missing IamRole",
        { IamRole: undefined },
        "ValidationException",
        /'iamRole' failed to satisfy constraint: Member must not be null/,
      ],
      [
        "an IamRole over 64 chars",
        { IamRole: "r".repeat(65) },
        "ValidationException",
        /iamRole.*less than or equal to 64/,
      ],
      [
        "a DefaultInstanceName with '!'",
        { DefaultInstanceName: "web 01!" },
        "ValidationException",
        /defaultInstanceName.*regular expression pattern/,
      ],
      [
        "a DefaultInstanceName over 256 chars",
        { DefaultInstanceName: "a".repeat(257) },
        "ValidationException",
        /defaultInstanceName.*less than or equal to 256/,
      ],
      [
        "RegistrationLimit 0",
        { RegistrationLimit: 0 },
        "ValidationException",
        /registrationLimit.*greater than or equal to 1/,
      ],
      [
        "RegistrationLimit 1001",
        { RegistrationLimit: 1001 },
        "ValidationException",
        /registrationLimit.*less than or equal to 1000/,
      ],
      [
        "an expiry in the past",
        { ExpirationDate: new Date(Date.now() - 1000) },
        "InvalidParameters",
        /ExpirationDate must be in the future/,
      ],
      [
        "an expiry 31 days ahead",
        { ExpirationDate: new Date(Date.now() + 31 * DAY) },
        "InvalidParameters",
        /at most 30 days/,
      ],
      [
        "an aws: tag key",
        { Tags: [{ Key: "aws:owner", Value: "x" }] },
        "ValidationException",
        /tags\.1\.member\.key.*regular expression/,
      ],
      [
        "an empty tag key",
        { Tags: [{ Key: "", Value: "x" }] },
        "ValidationException",
        /tags\.1\.member\.key.*greater than or equal to 1/,
      ],
      [
        "a tag value over 256 chars",
        { Tags: [{ Key: "k", Value: "v".repeat(257) }] },
        "ValidationException",
        /tags\.1\.member\.value.*less than or equal to 256/,
      ],
      [
        "1001 tags",
        { Tags: Array.from({ length: 1001 }, (_, i) => ({ Key: `k${i}`, Value: "v" })) },
        "ValidationException",
        /'tags'.*less than or equal to 1000/,
      ],
      [
        "a duplicate tag key",
        {
          Tags: [
            { Key: "k", Value: "1" },
            { Key: "k", Value: "2" },
          ],
        },
        "InvalidParameters",
        /Duplicate tag key 'k'/,
      ],
      [
        "a role that does not exist",
        { IamRole: "other-role" },
        "ValidationException",
        /^Not existing role: arn:aws:iam::123456789012:role\/other-role$/,
      ],
    ];
    for (const [what, change, name, message] of invalid) {
      it(`rejects ${what} with ${name}, once (client errors are not retried)`, async () => {
        const err = await rejection(
          client.send(
            new CreateActivationCommand({
              IamRole: "fleet-role",
              DefaultInstanceName: "web-01",
              ...change,
            } as CreateActivationCommandInput),
          ),
        );
        assert.equal(err.name, name);
        assert.match(err.message, message);
        assert.equal(err.$metadata.httpStatusCode, 400);
        assert.equal(err.$metadata.attempts, 1);
        assert.equal(ssm.stats().calls.CreateActivation, 1);
        assert.equal(ssm.activations.length, 0);
      });
    }

    it("surfaces InvalidParameters as the SDK's modelled exception class", async () => {
      const err = await rejection(
        client.send(
          new CreateActivationCommand({ IamRole: "fleet-role", ExpirationDate: new Date(0) }),
        ),
      );
      assert.ok(err instanceof InvalidParameters);
      assert.equal(err.$fault, "client");
    });

    it("accepts an expiry just under 30 days and Unicode names the pattern allows", async () => {
      await client.send(
        new CreateActivationCommand({
          IamRole: "service-role/fleet-role",
          DefaultInstanceName: "Überhost_1 a.b:c/d=e+f-g@h",
          ExpirationDate: new Date(Date.now() + 30 * DAY - 60_000),
        }),
      );
      assert.equal(ssm.activations[0].DefaultInstanceName, "Überhost_1 a.b:c/d=e+f-g@h");
    });
  });

  describe("throttling and 5xx injection", () => {
    it("answers ThrottlingException that the SDK classifies as throttling, retries, then surfaces", async () => {
      ssm = await startFakeSsm({ throttle: { rate: 1 } });
      client = clientFor(ssm, 3);
      // The resolved strategy is the SDK's own (RetryStrategyV2); record how it classifies each error.
      const strategy = (await client.config.retryStrategy()) as unknown as {
        refreshRetryTokenForRetry(token: unknown, info: { errorType: string }): Promise<unknown>;
      };
      const errorTypes: string[] = [];
      const refresh = strategy.refreshRetryTokenForRetry.bind(strategy);
      strategy.refreshRetryTokenForRetry = (token, info) => {
        errorTypes.push(info.errorType);
        return refresh(token, info);
      };

      const err = await rejection(client.send(new CreateActivationCommand({ IamRole: "r" })));

      assert.equal(err.name, "ThrottlingException");
      assert.equal(err.message, "Rate exceeded");
      assert.equal(err.$metadata.httpStatusCode, 400);
      assert.equal(err.$metadata.attempts, 3);
      assert.ok((err.$metadata.totalRetryDelay ?? 0) > 0, "the SDK backed off between attempts");
      assert.deepEqual(errorTypes, ["THROTTLING", "THROTTLING", "THROTTLING"]);
      assert.deepEqual(ssm.stats(), {
        calls: { CreateActivation: 3 },
        throttled: 3,
        failed: 0,
        admitted: 0,
        total: 3,
      });
      assert.equal(ssm.activations.length, 0);
    });

    it("sends the throttling error exactly as AWS JSON 1.1 does", async () => {
      ssm = await startFakeSsm({ throttle: { rate: 1 } });
      const res = await rawCall(ssm, "AmazonSSM.DescribeInstanceInformation", "{}");
      assert.equal(res.status, 400);
      assert.equal(res.headers["content-type"], "application/x-amz-json-1.1");
      assert.equal(res.headers["x-amzn-errortype"], "ThrottlingException");
      assert.deepEqual(JSON.parse(res.body), {
        __type: "ThrottlingException",
        message: "Rate exceeded",
      });
    });

    it("honours the client's maxAttempts", async () => {
      ssm = await startFakeSsm({ throttle: { rate: 1, operations: ["CreateActivation"] } });
      client = clientFor(ssm, 2);
      const err = await rejection(client.send(new CreateActivationCommand({ IamRole: "r" })));
      assert.equal(err.$metadata.attempts, 2);
      assert.equal(ssm.stats().calls.CreateActivation, 2);
      // Operations outside `operations` are not throttled.
      await client.send(new DescribeInstanceInformationCommand({}));
      assert.equal(ssm.stats().admitted, 1);
    });

    it("caps admissions per second with a token bucket on the injected clock", async () => {
      let clock = 1_000_000;
      ssm = await startFakeSsm({ throttle: { admitPerSecond: 2 }, now: () => clock });
      client = clientFor(ssm, 1);
      const outcome = async (): Promise<string> => {
        try {
          await client.send(new DescribeInstanceInformationCommand({}));
          return "ok";
        } catch (err) {
          return (err as Error).name;
        }
      };
      const first = [await outcome(), await outcome(), await outcome()];
      clock += 500;
      const afterHalfSecond = [await outcome(), await outcome()];

      assert.deepEqual(first, ["ok", "ok", "ThrottlingException"]);
      assert.deepEqual(afterHalfSecond, ["ok", "ThrottlingException"]);
      assert.equal(ssm.stats().throttled, 2);
      assert.equal(ssm.stats().admitted, 3);
    });

    it("throttles the same calls for the same seed", async () => {
      const pattern = async (seed: number): Promise<string> => {
        const fake = await startFakeSsm({ throttle: { rate: 0.5 }, seed });
        const results: string[] = [];
        for (let i = 0; i < 24; i++) {
          const res = await rawCall(fake, "AmazonSSM.DescribeInstanceInformation", "{}");
          results.push(res.status === 200 ? "." : "T");
        }
        await fake.close();
        return results.join("");
      };
      const a = await pattern(42);
      const b = await pattern(42);
      const c = await pattern(43);
      assert.equal(a, b);
      assert.notEqual(a, c);
      assert.match(a, /T/);
      assert.match(a, /\./);
    });

    it("recovers from fewer 5xx than maxAttempts (the SDK retries them as transient)", async () => {
      ssm = await startFakeSsm();
      client = clientFor(ssm, 3);
      ssm.failNext(2, 503);
      const out = await client.send(new CreateActivationCommand({ IamRole: "r" }));
      assert.ok(out.ActivationId);
      assert.equal(out.$metadata.attempts, 3);
      assert.deepEqual(
        ssm.requests.map((r) => r.status),
        [503, 503, 200],
      );
      assert.equal(ssm.stats().failed, 2);
    });

    it("surfaces InternalServerError once the 5xx outlast maxAttempts, and only for the chosen operation", async () => {
      ssm = await startFakeSsm();
      client = clientFor(ssm, 3);
      ssm.failNext(5, 500, "CreateActivation");
      await client.send(new DescribeInstanceInformationCommand({}));
      const err = await rejection(client.send(new CreateActivationCommand({ IamRole: "r" })));
      assert.equal(err.name, "InternalServerError");
      assert.equal(err.$metadata.httpStatusCode, 500);
      assert.equal(err.$metadata.attempts, 3);
      assert.equal(ssm.stats().failed, 3);
    });

    it("rejects nonsense injection settings, naming the field", async () => {
      ssm = await startFakeSsm();
      assert.throws(
        () => ssm.setThrottle({ rate: 1.5 }),
        /throttle\.rate must be a probability between 0 and 1, got 1\.5/,
      );
      assert.throws(
        () => ssm.setThrottle({ admitPerSecond: 0 }),
        /throttle\.admitPerSecond must be a number > 0/,
      );
      assert.throws(() => ssm.failNext(1, 404), /failNext status must be a 5xx/);
    });
  });

  describe("DescribeInstanceInformation", () => {
    beforeEach(async () => {
      const instances: FakeInstance[] = [];
      for (let n = 1; n <= 30; n++) instances.push(instance(n, n % 4 === 0 ? "b" : "a"));
      instances.push(instance(31, "a", { PingStatus: "ConnectionLost" }));
      instances.push({
        InstanceId: "i-0c5541936caf78c12",
        PingStatus: "Online",
        ResourceType: "EC2Instance",
        Tags: [{ Key: "Fleet", Value: "a" }],
      });
      ssm = await startFakeSsm({ instances });
      client = clientFor(ssm);
    });

    it("pages a tag filter with MaxResults and NextToken through the SDK paginator", async () => {
      const pages: string[][] = [];
      for await (const page of paginateDescribeInstanceInformation(
        { client, pageSize: 5 },
        { Filters: [{ Key: "tag:Fleet", Values: ["a"] }] },
      )) {
        pages.push((page.InstanceInformationList ?? []).map((i) => i.InstanceId!));
      }
      const expected = ssm.instances
        .filter((i) => i.Tags?.some((t) => t.Key === "Fleet" && t.Value === "a"))
        .map((i) => i.InstanceId);
      assert.equal(expected.length, 25);
      assert.deepEqual(pages.flat(), expected);
      assert.deepEqual(
        pages.map((p) => p.length),
        [5, 5, 5, 5, 5],
      );
      assert.equal(ssm.stats().calls.DescribeInstanceInformation, 5);
    });

    it("does not return the tags themselves (SSM keeps them apart)", async () => {
      const out = await client.send(
        new DescribeInstanceInformationCommand({
          Filters: [{ Key: "InstanceIds", Values: ["i-0c5541936caf78c12"] }],
        }),
      );
      assert.deepEqual(out.InstanceInformationList, [
        { InstanceId: "i-0c5541936caf78c12", PingStatus: "Online", ResourceType: "EC2Instance" },
      ]);
    });

    const filtered: Array<[string, Array<{ Key: string; Values: string[] }>, number]> = [
      ["tag:Name exact value", [{ Key: "tag:Name", Values: ["host-7"] }], 1],
      [
        "tag:Name several values (OR)",
        [{ Key: "tag:Name", Values: ["host-7", "host-8", "nope"] }],
        2,
      ],
      [
        "two tag filters (AND)",
        [
          { Key: "tag:Fleet", Values: ["b"] },
          { Key: "tag:Name", Values: ["host-8", "host-7"] },
        ],
        1,
      ],
      ["tag-key", [{ Key: "tag-key", Values: ["Fleet"] }], 32],
      ["PingStatus", [{ Key: "PingStatus", Values: ["ConnectionLost"] }], 1],
      ["ResourceType", [{ Key: "ResourceType", Values: ["EC2Instance"] }], 1],
      [
        "PingStatus and ResourceType",
        [
          { Key: "PingStatus", Values: ["Online"] },
          { Key: "ResourceType", Values: ["ManagedInstance"] },
        ],
        30,
      ],
      ["a tag nobody has", [{ Key: "tag:Missing", Values: ["x"] }], 0],
    ];
    for (const [what, Filters, count] of filtered) {
      it(`filters by ${what}`, async () => {
        const out = await client.send(
          new DescribeInstanceInformationCommand({ Filters, MaxResults: 50 }),
        );
        assert.equal(out.InstanceInformationList?.length, count);
      });
    }

    it("rejects MaxResults outside 5-50, tag filters mixed with others, unknown keys and foreign tokens", async () => {
      const small = await rejection(
        client.send(new DescribeInstanceInformationCommand({ MaxResults: 4 })),
      );
      assert.equal(small.name, "ValidationException");
      assert.match(small.message, /maxResults.*greater than or equal to 5/);
      const big = await rejection(
        client.send(new DescribeInstanceInformationCommand({ MaxResults: 51 })),
      );
      assert.match(big.message, /maxResults.*less than or equal to 50/);
      const mixed = await rejection(
        client.send(
          new DescribeInstanceInformationCommand({
            Filters: [
              { Key: "tag:Fleet", Values: ["a"] },
              { Key: "PingStatus", Values: ["Online"] },
            ],
          }),
        ),
      );
      assert.equal(mixed.name, "InvalidFilterKey");
      const unknown = await rejection(
        client.send(
          new DescribeInstanceInformationCommand({ Filters: [{ Key: "Name", Values: ["x"] }] }),
        ),
      );
      assert.equal(unknown.name, "InvalidFilterKey");
      const first = await client.send(
        new DescribeInstanceInformationCommand({
          MaxResults: 5,
          Filters: [{ Key: "tag:Fleet", Values: ["a"] }],
        }),
      );
      const reused = await rejection(
        client.send(
          new DescribeInstanceInformationCommand({
            MaxResults: 5,
            NextToken: first.NextToken,
            Filters: [{ Key: "tag:Fleet", Values: ["b"] }],
          }),
        ),
      );
      assert.equal(reused.name, "InvalidNextToken");
    });
  });

  describe("the managed-instance lifecycle", () => {
    beforeEach(async () => {
      ssm = await startFakeSsm();
      client = clientFor(ssm);
    });

    it("registers an instance from an activation, as the agent would", async () => {
      const { ActivationId, ActivationCode } = await client.send(
        new CreateActivationCommand({
          IamRole: "fleet-role",
          DefaultInstanceName: "db-1",
          RegistrationLimit: 1,
          Tags: [{ Key: "Environment", Value: "dev" }],
        }),
      );

      const registered = ssm.registerInstance(ActivationId!, ActivationCode!);

      assert.match(registered.InstanceId, /^mi-[0-9a-f]{17}$/);
      const out = await client.send(
        new DescribeInstanceInformationCommand({
          Filters: [{ Key: "tag:Environment", Values: ["dev"] }],
        }),
      );
      assert.equal(out.InstanceInformationList?.length, 1);
      const info = out.InstanceInformationList![0];
      assert.equal(info.InstanceId, registered.InstanceId);
      assert.equal(info.Name, "db-1");
      assert.equal(info.PingStatus, "Online");
      assert.equal(info.ResourceType, "ManagedInstance");
      assert.equal(info.ActivationId, ActivationId);
      assert.equal(info.IamRole, "fleet-role");
      assert.ok(info.RegistrationDate instanceof Date);
      const activations = await client.send(new DescribeActivationsCommand({}));
      assert.equal(activations.ActivationList?.[0].RegistrationsCount, 1);
      assert.throws(() => ssm.registerInstance(ActivationId!, ActivationCode!), {
        name: "InvalidActivation",
        message: /registration limit of 1/,
      });
      assert.throws(() => ssm.registerInstance(ActivationId!, "wrong-code-000000000"), {
        name: "InvalidActivation",
        message: /don't match/,
      });
    });

    it("refuses an expired activation", async () => {
      let clock = Date.now();
      await ssm.close();
      ssm = await startFakeSsm({ now: () => clock });
      client = clientFor(ssm);
      const { ActivationId, ActivationCode } = await client.send(
        new CreateActivationCommand({ IamRole: "r", ExpirationDate: new Date(clock + 60_000) }),
      );
      clock += 61_000;
      assert.throws(() => ssm.registerInstance(ActivationId!, ActivationCode!), {
        name: "InvalidActivation",
        message: /expired/,
      });
      const listed = await client.send(new DescribeActivationsCommand({}));
      assert.equal(listed.ActivationList?.[0].Expired, true);
    });

    it("tags, lists tags of and deregisters managed instances, and deletes activations", async () => {
      const { ActivationId, ActivationCode } = await client.send(
        new CreateActivationCommand({ IamRole: "r", DefaultInstanceName: "n1" }),
      );
      const { InstanceId } = ssm.registerInstance(ActivationId!, ActivationCode!);

      await client.send(
        new AddTagsToResourceCommand({
          ResourceType: "ManagedInstance",
          ResourceId: InstanceId,
          Tags: [{ Key: "Name", Value: "n1" }],
        }),
      );
      const tags = await client.send(
        new ListTagsForResourceCommand({ ResourceType: "ManagedInstance", ResourceId: InstanceId }),
      );
      assert.deepEqual(tags.TagList, [{ Key: "Name", Value: "n1" }]);
      const byName = await client.send(
        new DescribeInstanceInformationCommand({ Filters: [{ Key: "tag:Name", Values: ["n1"] }] }),
      );
      assert.equal(byName.InstanceInformationList?.[0].InstanceId, InstanceId);
      const tooMany = await rejection(
        client.send(
          new AddTagsToResourceCommand({
            ResourceType: "ManagedInstance",
            ResourceId: InstanceId,
            Tags: Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: "v" })),
          }),
        ),
      );
      assert.equal(tooMany.name, "TooManyTagsError");
      const unknownResource = await rejection(
        client.send(
          new AddTagsToResourceCommand({
            ResourceType: "ManagedInstance",
            ResourceId: "mi-00000000000000000",
            Tags: [{ Key: "a", Value: "b" }],
          }),
        ),
      );
      assert.equal(unknownResource.name, "InvalidResourceId");

      await client.send(new DeregisterManagedInstanceCommand({ InstanceId }));
      assert.equal(ssm.instances.length, 0);
      const again = await rejection(
        client.send(new DeregisterManagedInstanceCommand({ InstanceId })),
      );
      assert.equal(again.name, "InvalidInstanceId");

      await client.send(new DeleteActivationCommand({ ActivationId }));
      assert.equal(ssm.activations.length, 0);
      const gone = await rejection(client.send(new DeleteActivationCommand({ ActivationId })));
      assert.equal(gone.name, "InvalidActivation");
    });

    it("moves an instance's PingStatus for staleness scenarios", async () => {
      const { ActivationId, ActivationCode } = await client.send(
        new CreateActivationCommand({ IamRole: "r", DefaultInstanceName: "n1" }),
      );
      const { InstanceId } = ssm.registerInstance(ActivationId!, ActivationCode!);
      ssm.setPingStatus(InstanceId, "ConnectionLost");
      const out = await client.send(
        new DescribeInstanceInformationCommand({
          Filters: [{ Key: "PingStatus", Values: ["Online"] }],
        }),
      );
      assert.deepEqual(out.InstanceInformationList, []);
      assert.throws(
        () => ssm.setPingStatus("mi-ffffffffffffffff0", "Online"),
        /no instance mi-ffffffffffffffff0/,
      );
    });
  });

  describe("the wire protocol", () => {
    beforeEach(async () => {
      ssm = await startFakeSsm();
    });

    it("answers unknown operations and bad JSON like an AWS JSON service", async () => {
      const unknown = await rawCall(ssm, "AmazonSSM.GetParameter", "{}");
      assert.equal(unknown.status, 400);
      assert.equal(JSON.parse(unknown.body).__type, "UnknownOperationException");
      const bad = await rawCall(ssm, "AmazonSSM.CreateActivation", "{not json");
      assert.equal(JSON.parse(bad.body).__type, "SerializationException");
    });

    it("binds to loopback on an ephemeral port", () => {
      assert.match(ssm.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.notEqual(ssm.port, 0);
    });
  });
});

/** A hand-made AWS JSON 1.1 call, to see the bytes the SDK would parse. */
function rawCall(ssm: FakeSsm, target: string, body: string): Promise<RawResponse> {
  return request(`${ssm.url}/`, {
    method: "POST",
    headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target },
    body,
  });
}
