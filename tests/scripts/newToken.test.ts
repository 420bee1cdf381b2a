import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import * as YAML from "yaml";
import { PROJECT } from "../../config/schema";
import { loadFleetArgs } from "../../config/stackConfig";
import { hashToken } from "../../functions/activation/tokens";

const ROOT = path.join(__dirname, "..", "..");

describe("npm run token:new", () => {
  it("prints the token once and a bootstrapTokens entry the stack config accepts", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        require.resolve("ts-node/dist/bin.js"),
        "--transpile-only",
        "scripts/new-token.ts",
        "--id",
        "dc1-web",
        "--environment",
        "prod",
        "--name-pattern",
        "web-[0-9]{2,4}",
        "--days",
        "30",
      ],
      { cwd: ROOT },
    );
    const token = /^token \(shown once; store it as a secret\): (hft_\S+)$/m.exec(stdout)?.[1];
    assert.ok(token, stdout);
    const yaml = stdout.slice(stdout.indexOf(`${PROJECT}:bootstrapTokens:`));
    const entry = YAML.parse(yaml)[`${PROJECT}:bootstrapTokens`];
    assert.equal(entry.length, 1);
    assert.deepEqual(Object.keys(entry[0]), [
      "id",
      "sha256",
      "expiresAt",
      "environment",
      "namePattern",
    ]);
    assert.equal(entry[0].sha256, hashToken(token));
    assert.equal(entry[0].namePattern, "web-[0-9]{2,4}");
    assert.ok(!yaml.includes(token), "the token itself must not be in the config entry");
    const args = loadFleetArgs(
      { tokenAuth: true, bootstrapTokens: entry },
      { project: PROJECT, stack: "dev" },
    );
    assert.equal(args.bootstrapTokens?.[0].id, "dc1-web");
  });
});
