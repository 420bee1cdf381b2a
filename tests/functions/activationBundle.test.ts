/**
 * The artifact that is deployed, not the source: bundle the handler with the same esbuild
 * settings the component uses, load it in a fresh Node process with a Lambda-like
 * environment (credentials in env vars only), and have it issue an activation from a
 * fake SSM endpoint on 127.0.0.1.
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { bundleFunction, LAMBDA_BUNDLE_BUDGET_BYTES } from "../../components/shared/bundle";
import { hashToken } from "../../functions/activation/tokens";
import { startFakeSsm, type FakeSsm } from "../../local/fakeSsm";
import { startLocalLeaseTable, type LocalLeaseTable } from "../../local/leaseTable";
import { event } from "./activationTestKit";

const TOKEN = `hft_${"b".repeat(43)}`;

describe("activation bundle (what Lambda runs)", () => {
  let ssm: FakeSsm;
  let leases: LocalLeaseTable;
  let dir: string;
  let code: string;

  before(async () => {
    ssm = await startFakeSsm({ region: "eu-west-1" });
    leases = await startLocalLeaseTable();
    code = bundleFunction("activation");
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "activation-bundle-"));
    fs.writeFileSync(path.join(dir, "index.js"), code);
  });
  after(async () => {
    await ssm.close();
    await leases.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("is self-contained: no Pulumi, no SSO/STS credential chain", () => {
    assert.ok(!code.includes("@pulumi/"));
    assert.ok(
      !/sso-oidc|AssumeRoleWithWebIdentity/.test(code),
      "default credential chain was bundled",
    );
    assert.ok(
      code.length <= LAMBDA_BUNDLE_BUDGET_BYTES,
      `bundle is ${code.length} bytes, budget ${LAMBDA_BUNDLE_BUDGET_BYTES}`,
    );
  });

  it("issues an activation in a fresh process with credentials from the environment", async () => {
    const runner = path.join(dir, "run.js");
    fs.writeFileSync(
      runner,
      `const { handler } = require("./index.js");
       handler(JSON.parse(process.argv[2]), { awsRequestId: "bundle-test" })
         .then((r) => process.stdout.write("\\n" + JSON.stringify(r)));`,
    );
    const env = {
      PATH: process.env.PATH,
      NODE_NO_WARNINGS: "1",
      AWS_REGION: "eu-west-1",
      AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
      AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
      AWS_SESSION_TOKEN: "session",
      SSM_ENDPOINT: ssm.url,
      MANAGED_INSTANCE_ROLE_NAME: "fleet-managed-instance",
      FLEET_NAME: "acme",
      ENVIRONMENT: "dev",
      EC2_AUTH: "disabled",
      TOKEN_AUTH: "enabled",
      DYNAMODB_ENDPOINT: leases.endpoint,
      LEASE_TABLE_NAME: leases.tableName,
      // As deployed: the grants in a file of the code package, named by the environment.
      BOOTSTRAP_TOKENS_FILE: "bootstrap-tokens.json",
    };
    fs.writeFileSync(
      path.join(dir, "bootstrap-tokens.json"),
      JSON.stringify([
        {
          id: "t",
          sha256: hashToken(TOKEN),
          namePattern: "db-.*",
          environment: "prod",
          expiresAt: "2099-01-01T00:00:00Z",
        },
      ]),
    );
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [runner, JSON.stringify(event({ name: "db-7" }, { Authorization: `Bearer ${TOKEN}` }))],
      { env },
    );
    // The handler's own log lines come first; the result is the last line.
    const lines = stdout.trim().split("\n");
    const result = JSON.parse(lines[lines.length - 1]);
    assert.ok(lines.slice(0, -1).some((l) => JSON.parse(l).message === "activation issued"));
    assert.equal(result.statusCode, 200, result.body);
    const body = JSON.parse(result.body);
    assert.equal(body.region, "eu-west-1");
    assert.equal(body.instanceName, "db-7");
    const [activation] = ssm.activations;
    assert.equal(activation.ActivationId, body.activationId);
    assert.equal(activation.DefaultInstanceName, "db-7");
    assert.equal(activation.IamRole, "fleet-managed-instance");
    assert.deepEqual(
      activation.Tags.find((t) => t.Key === "Environment"),
      { Key: "Environment", Value: "prod" },
    );
  });
});
