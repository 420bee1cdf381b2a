import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { createInterface } from "node:readline";
import { DescribeInstanceInformationCommand, SSMClient } from "@aws-sdk/client-ssm";
import {
  applyLocalEnv,
  FIXTURE_ACCOUNT_ID,
  startLocalApi,
  type LocalApi,
} from "../../local/apiLocal";
import { assertRealSsmClient, request } from "./support";

const ROOT = path.resolve(__dirname, "../..");
const FIXTURES = path.join(ROOT, "tests/fixtures/local");

/** Every variable `applyLocalEnv` may set: cleared before and restored after the real-handler tests. */
const CONTRACT_VARS = [
  "AWS_REGION",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_EC2_METADATA_DISABLED",
  "SSM_ENDPOINT",
  "DYNAMODB_ENDPOINT",
  "LEASE_TABLE_NAME",
  "MANAGED_INSTANCE_ROLE_NAME",
  "FLEET_TAG_KEY",
  "FLEET_NAME",
  "MODE_TAG_KEY",
  "DEFAULT_MODE",
  "ENVIRONMENT_TAG_KEY",
  "ENVIRONMENT",
  "ACTIVATION_TTL_MINUTES",
  "EC2_AUTH",
  "ALLOWED_ACCOUNTS",
  "TOKEN_AUTH",
  "ALLOWED_TAGS",
  "SSM_MAX_ATTEMPTS",
  "BOOTSTRAP_TOKENS",
];

describe("local activation API", () => {
  describe("applyLocalEnv", () => {
    it("fills the contract's variables and mints a token whose SHA-256 it stores", () => {
      const env: NodeJS.ProcessEnv = {};
      const token = applyLocalEnv(env, "http://127.0.0.1:1", new Date("2026-11-28T00:00:00Z"));

      assert.match(token ?? "", /^hft_[A-Za-z0-9_-]{43}$/);
      assert.equal(env.SSM_ENDPOINT, "http://127.0.0.1:1");
      assert.equal(env.AWS_REGION, "ap-southeast-2");
      assert.equal(env.MANAGED_INSTANCE_ROLE_NAME, "hybrid-fleet-dev-managed-instance");
      assert.equal(env.EC2_AUTH, "enabled");
      assert.equal(env.TOKEN_AUTH, "enabled");
      assert.equal(env.ALLOWED_ACCOUNTS, FIXTURE_ACCOUNT_ID);
      assert.deepEqual(JSON.parse(env.BOOTSTRAP_TOKENS ?? ""), [
        {
          id: "api-local",
          sha256: createHash("sha256").update(token!).digest("hex"),
          namePattern: ".+",
          environment: "dev",
          expiresAt: "2026-11-29T00:00:00.000Z",
        },
      ]);
    });

    it("keeps values already set and mints no token when BOOTSTRAP_TOKENS is given", () => {
      const env: NodeJS.ProcessEnv = {
        ALLOWED_ACCOUNTS: "111122223333",
        SSM_ENDPOINT: "http://127.0.0.1:9",
        BOOTSTRAP_TOKENS: "[]",
      };
      assert.equal(applyLocalEnv(env, "http://127.0.0.1:1"), undefined);
      assert.equal(env.ALLOWED_ACCOUNTS, "111122223333");
      assert.equal(env.SSM_ENDPOINT, "http://127.0.0.1:9");
      assert.equal(env.BOOTSTRAP_TOKENS, "[]");
    });
  });

  describe("startLocalApi with a stand-in handler", () => {
    before(assertRealSsmClient);

    it("serves the handler and points its environment at the fake SSM", async () => {
      const env: NodeJS.ProcessEnv = {};
      const local = await startLocalApi({
        env,
        handler: async () => {
          const ssm = new SSMClient({
            endpoint: env.SSM_ENDPOINT,
            region: env.AWS_REGION,
            credentials: {
              accessKeyId: env.AWS_ACCESS_KEY_ID!,
              secretAccessKey: env.AWS_SECRET_ACCESS_KEY!,
            },
          });
          const out = await ssm.send(new DescribeInstanceInformationCommand({}));
          ssm.destroy();
          return {
            statusCode: 200,
            body: JSON.stringify({ count: out.InstanceInformationList?.length }),
          };
        },
      });
      try {
        const res = await request(`${local.url}/activate?name=x`);
        assert.equal(res.status, 200);
        assert.deepEqual(JSON.parse(res.body), { count: 0 });
        assert.equal(local.ssmEndpoint, local.ssm.url);
        assert.equal(local.ssm.stats().calls.DescribeInstanceInformation, 1);
      } finally {
        await local.close();
      }
    });
  });

  describe("the real handler end to end", () => {
    let local: LocalApi;
    const saved: Record<string, string | undefined> = {};

    before(async () => {
      assertRealSsmClient();
      for (const k of CONTRACT_VARS) {
        saved[k] = process.env[k];
        delete process.env[k];
      }
      // The handler reads its configuration at module load: load it fresh for this environment.
      delete require.cache[require.resolve("../../functions/activation")];
      local = await startLocalApi();
    });

    after(async () => {
      await local?.close();
      for (const k of CONTRACT_VARS) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
      delete require.cache[require.resolve("../../functions/activation")];
    });

    beforeEach(() => {
      local.ssm.setThrottle(undefined);
      local.ssm.resetStats();
    });

    const withToken = (
      name: string,
    ): Promise<ReturnType<typeof request> extends Promise<infer R> ? R : never> =>
      request(`${local.url}/activate?name=${encodeURIComponent(name)}`, {
        headers: { Authorization: `Bearer ${local.devToken}` },
      });

    it("issues an activation for a token holder; the simulated agent registers with it; the name is then taken", async () => {
      const first = await withToken("dc1-web-01");
      assert.equal(first.status, 200, first.body);
      const body = JSON.parse(first.body) as Record<string, string>;
      assert.equal(body.instanceName, "dc1-web-01");
      assert.equal(body.region, "ap-southeast-2");
      const [activation] = local.ssm.activations;
      assert.equal(activation.ActivationId, body.activationId);
      assert.equal(activation.ActivationCode, body.activationCode);
      assert.equal(activation.IamRole, "hybrid-fleet-dev-managed-instance");
      assert.equal(activation.ExpirationDate.toISOString(), body.expiresAt);

      const node = local.ssm.registerInstance(body.activationId, body.activationCode);
      assert.equal(node.Name, "dc1-web-01");
      assert.ok(node.Tags?.some((t) => t.Key === "Name" && t.Value === "dc1-web-01"));

      const again = await withToken("dc1-web-01");
      assert.equal(again.status, 409, again.body);
      assert.equal(JSON.parse(again.body).error !== undefined, true);

      // A ConnectionLost node may come back: the name stays taken until it is deregistered.
      local.ssm.setPingStatus(node.InstanceId, "ConnectionLost");
      const afterLoss = await withToken("dc1-web-01");
      assert.equal(afterLoss.status, 409, afterLoss.body);
      local.ssm.setPingStatus(node.InstanceId, "Inactive");
      const afterDeregistration = await withToken("dc1-web-01");
      assert.equal(afterDeregistration.status, 200, afterDeregistration.body);
    });

    it("accepts a genuine EC2 identity document and rsa2048 signature through the gateway", async () => {
      const document = readFileSync(path.join(FIXTURES, "document"));
      const rsa2048 = readFileSync(path.join(FIXTURES, "rsa2048"), "utf8").replace(/\s+/g, "");
      const res = await request(`${local.url}/activate?name=i-0c5541936caf78c12`, {
        headers: {
          "X-Instance-Identity-Document": document.toString("base64"),
          "X-Instance-Identity-Signature": rsa2048,
          "X-Instance-Identity-Signature-Kind": "rsa2048",
        },
      });
      assert.equal(res.status, 200, res.body);
      assert.equal(JSON.parse(res.body).instanceName, "i-0c5541936caf78c12");
    });

    it("answers 503 with Retry-After once the SDK has retried SSM throttling maxAttempts times", async () => {
      local.ssm.setThrottle({ rate: 1 });
      const res = await withToken("dc1-web-02");
      assert.equal(res.status, 503, res.body);
      assert.match(String(res.headers["retry-after"]), /^\d+$/);
      const stats = local.ssm.stats();
      assert.equal(stats.throttled, 3, JSON.stringify(stats));
      assert.equal(stats.admitted, 0);
    });

    it("answers API Gateway's own 403 for a path the API does not have", async () => {
      const res = await request(`${local.url}/register?name=x`);
      assert.equal(res.status, 403);
      assert.deepEqual(JSON.parse(res.body), { message: "Missing Authentication Token" });
    });
  });

  describe("npm run api:local (scripts/api-local.ts)", () => {
    it("prints one JSON line with the URLs, serves, and exits cleanly on SIGTERM", async () => {
      const env = { ...process.env };
      for (const k of CONTRACT_VARS) delete env[k];
      const child = spawn(
        process.execPath,
        [
          "-r",
          "ts-node/register/transpile-only",
          "scripts/api-local.ts",
          "--api-rate-limit",
          "100",
          "--api-burst-limit",
          "100",
        ],
        {
          cwd: ROOT,
          env,
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      const exited = new Promise<number | null>((resolve) =>
        child.on("exit", (code) => resolve(code)),
      );
      try {
        const lines = createInterface({ input: child.stdout! });
        const first = await new Promise<string>((resolve, reject) => {
          lines.once("line", resolve);
          child.once("exit", (code) =>
            reject(new Error(`api-local exited with ${code} before printing`)),
          );
        });
        const info = JSON.parse(first) as { url: string; ssmEndpoint: string; devToken: string };
        assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+\/latest$/);
        assert.match(info.ssmEndpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
        const res = await request(`${info.url}/activate?name=lab-01`, {
          headers: { Authorization: `Bearer ${info.devToken}` },
        });
        assert.equal(res.status, 200, res.body);
      } finally {
        child.kill("SIGTERM");
      }
      assert.equal(await exited, 0);
    });

    it("refuses a bad flag value, naming the flag", async () => {
      const child = spawn(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", "scripts/api-local.ts", "--throttle-rate", "2"],
        {
          cwd: ROOT,
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let stderr = "";
      child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
      assert.equal(code, 1);
      assert.match(stderr, /--throttle-rate must be a number from 0 to 1, got "2"/);
    });
  });
});
