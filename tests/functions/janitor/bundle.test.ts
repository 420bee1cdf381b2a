/**
 * The artifact that is deployed, not the source: bundle the janitor with the same esbuild
 * settings the component uses, run it in a fresh Node process with a Lambda-like environment
 * (credentials in env vars only), against the fake SSM (local/fakeSsm.ts, SSM's JSON 1.1 wire
 * protocol) and a stand-in EC2 endpoint answering DescribeInstances in EC2's query protocol,
 * both on 127.0.0.1 and reached through the SDK's standard AWS_ENDPOINT_URL_<SERVICE> variables
 * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html).
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { CreateActivationCommand, SSMClient } from "@aws-sdk/client-ssm";
import { bundleFunction } from "../../../components/shared/bundle";
import { JANITOR_BUNDLE_BUDGET_BYTES } from "../../../components/ops/janitor";
import { startFakeSsm, type FakeSsm } from "../../../local/fakeSsm";

const DAY = 86_400_000;
const MI = (n: number) => `mi-${n.toString(16).padStart(17, "0")}`;
const FLEET = [{ Key: "HybridFleet", Value: "acme" }];

/** DescribeInstances in EC2's query protocol: one terminated instance, whatever was asked. */
function startFakeEc2(): Promise<{ url: string; bodies: string[]; close(): Promise<void> }> {
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      bodies.push(body);
      res.writeHead(200, { "Content-Type": "text/xml;charset=UTF-8" });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>8f7724cf-496f-496e-8fe3-example</requestId>
  <reservationSet><item><reservationId>r-1234567890abcdef0</reservationId>
    <instancesSet><item>
      <instanceId>i-0123456789abcdef0</instanceId>
      <instanceState><code>48</code><name>terminated</name></instanceState>
    </item></instancesSet>
  </item></reservationSet>
</DescribeInstancesResponse>`,
      );
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        bodies,
        close: () => new Promise((r) => server.close(() => r())),
      }),
    ),
  );
}

describe("janitor bundle (what Lambda runs)", () => {
  let ssm: FakeSsm;
  let ec2: Awaited<ReturnType<typeof startFakeEc2>>;
  let dir: string;
  let code: string;
  let clock = Date.now();

  before(async () => {
    const now = Date.now();
    ssm = await startFakeSsm({
      region: "eu-west-1",
      now: () => clock,
      instances: [
        {
          InstanceId: MI(1),
          Name: "web-1",
          PingStatus: "Online",
          ResourceType: "ManagedInstance",
          RegistrationDate: new Date(now - 100 * DAY),
          LastPingDateTime: new Date(now),
          Tags: FLEET,
        },
        {
          InstanceId: MI(2),
          Name: "web-2",
          PingStatus: "ConnectionLost",
          ResourceType: "ManagedInstance",
          RegistrationDate: new Date(now - 100 * DAY),
          LastPingDateTime: new Date(now - 40 * DAY),
          Tags: FLEET,
        },
        {
          InstanceId: MI(3),
          Name: "i-0123456789abcdef0",
          PingStatus: "ConnectionLost",
          ResourceType: "ManagedInstance",
          RegistrationDate: new Date(now - 3 * DAY),
          LastPingDateTime: new Date(now - 1 * DAY),
          Tags: FLEET,
        },
        {
          // Another fleet's stale node: never touched.
          InstanceId: MI(4),
          Name: "db-1",
          PingStatus: "ConnectionLost",
          ResourceType: "ManagedInstance",
          RegistrationDate: new Date(now - 100 * DAY),
          LastPingDateTime: new Date(now - 90 * DAY),
          Tags: [{ Key: "HybridFleet", Value: "other" }],
        },
      ],
    });
    // One activation of the fleet that expires, one of another fleet that expires too.
    const client = new SSMClient({
      region: "eu-west-1",
      endpoint: ssm.url,
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    });
    for (const Tags of [FLEET, [{ Key: "HybridFleet", Value: "other" }]]) {
      await client.send(
        new CreateActivationCommand({
          IamRole: "fleet-managed-instance",
          DefaultInstanceName: "web-9",
          ExpirationDate: new Date(now + 3_600_000),
          Tags,
        }),
      );
    }
    clock = now + 2 * 3_600_000;
    ec2 = await startFakeEc2();
    code = bundleFunction("janitor");
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "janitor-bundle-"));
    fs.writeFileSync(path.join(dir, "index.js"), code);
    fs.writeFileSync(
      path.join(dir, "run.js"),
      `require("./index.js").handler({}, { awsRequestId: "bundle-test" })
         .then((r) => process.stdout.write("\\n" + JSON.stringify(r)));`,
    );
  });
  after(async () => {
    await ssm?.close();
    await ec2?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("is self-contained and within its budget", () => {
    assert.ok(!code.includes("@pulumi/"));
    assert.ok(
      !/sso-oidc|AssumeRoleWithWebIdentity/.test(code),
      "default credential chain was bundled",
    );
    assert.ok(
      code.length <= JANITOR_BUNDLE_BUDGET_BYTES,
      `bundle is ${code.length} bytes, budget ${JANITOR_BUNDLE_BUDGET_BYTES}`,
    );
  });

  it("acts in a fresh process: deregisters the fleet's stale and EC2-gone nodes, deletes its expired activation", async () => {
    const otherActivation = ssm.activations.find((a) => a.Tags[0].Value === "other")!;
    const fleetActivation = ssm.activations.find((a) => a.Tags[0].Value === "acme")!;
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(dir, "run.js")], {
      env: {
        PATH: process.env.PATH,
        NODE_NO_WARNINGS: "1",
        AWS_REGION: "eu-west-1",
        AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
        AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        AWS_SESSION_TOKEN: "session",
        AWS_ENDPOINT_URL_SSM: ssm.url,
        AWS_ENDPOINT_URL_EC2: ec2.url,
        FLEET_NAME: "acme",
        JANITOR_APPLY: "true",
      },
    });
    const lines = stdout.trim().split("\n");
    const result = JSON.parse(lines[lines.length - 1]);
    assert.deepEqual(result, {
      apply: true,
      planned: 3,
      taken: 3,
      failed: 0,
      deferred: 0,
      capped: false,
      fleetHybridNodes: 3,
      accountHybridNodes: 4,
    });
    assert.deepEqual(ssm.instances.map((i) => i.InstanceId).sort(), [MI(1), MI(4)]);
    assert.deepEqual(
      ssm.activations.map((a) => a.ActivationId),
      [otherActivation.ActivationId],
    );
    assert.equal(ec2.bodies.length, 1);
    assert.match(ec2.bodies[0], /Action=DescribeInstances/);
    assert.match(ec2.bodies[0], /Filter\.1\.Value\.1=i-0123456789abcdef0/);
    const actions = lines
      .slice(0, -1)
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l))
      .filter((l) => l.action !== undefined);
    assert.deepEqual(
      actions.map((l) => [l.kind, l.target, l.outcome]),
      [
        ["ec2-gone", MI(3), "done"],
        ["stale", MI(2), "done"],
        ["activation-expired", fleetActivation.ActivationId, "done"],
      ],
    );
  });
});
