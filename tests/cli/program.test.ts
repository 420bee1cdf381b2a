import * as assert from "node:assert/strict";
import { Command } from "commander";
import { runAction } from "../../cli/action";
import { clientConfig, CLI_MAX_ATTEMPTS } from "../../cli/clients";
import type { CliContext } from "../../cli/context";
import { RefusedError, UsageError } from "../../cli/errors";
import { globalOptions, requireFleet } from "../../cli/globals";
import type { CommandModule } from "../../cli/registry";
import { runHarness } from "./support/cliHarness";

/** A command that reports its resolved global options, or throws what it is told to. */
const probe: CommandModule = {
  register(program: Command, ctx: CliContext) {
    program
      .command("probe")
      .option("--throw <kind>")
      .action(
        runAction<{ throw?: string }>(ctx, async (options, globals) => {
          if (options.throw === "usage") throw new UsageError("--x must be 1");
          if (options.throw === "refused") throw new RefusedError("nothing to do");
          return { text: `fleet=${requireFleet(globals)}\n`, json: globals, exitCode: 1 };
        }),
      );
  },
};

describe("hybrid-fleet program", () => {
  it("--help lists the global options and exits 0", async () => {
    const r = await runHarness(["--help"]);
    assert.equal(r.code, 0);
    for (const o of ["--region", "--profile", "--json", "--fleet", "--fleet-tag-key"]) {
      assert.ok(r.stdout.includes(o), o);
    }
  });

  it("an unknown option is a usage error: exit 2, message on stderr", async () => {
    const r = await runHarness(["--bogus"]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /unknown option '--bogus'/);
  });

  it("prints text, or one JSON document with --json (global options before or after the command)", async () => {
    const text = await runHarness(["probe", "--fleet", "acme"], { commands: [probe] });
    assert.deepEqual(text, { code: 1, stdout: "fleet=acme\n", stderr: "" });
    const json = await runHarness(["--json", "probe", "--fleet", "acme"], {
      commands: [probe],
    });
    assert.deepEqual(JSON.parse(json.stdout), {
      json: true,
      fleet: "acme",
      fleetTagKey: "HybridFleet",
      modeTagKey: "ComplianceMode",
      environmentTagKey: "Environment",
    });
  });

  it("takes the fleet from HYBRID_FLEET_NAME, and says how to set it when missing", async () => {
    const env = await runHarness(["probe"], {
      commands: [probe],
      env: { HYBRID_FLEET_NAME: "f1" },
    });
    assert.equal(env.stdout, "fleet=f1\n");
    const none = await runHarness(["probe"], { commands: [probe] });
    assert.equal(none.code, 2);
    assert.equal(
      none.stderr,
      "error: --fleet is required (the value of the HybridFleet tag on the fleet's machines), or set HYBRID_FLEET_NAME\n",
    );
  });

  it("maps thrown errors to exit codes: usage 2, refused 4", async () => {
    const usage = await runHarness(["probe", "--throw", "usage"], { commands: [probe] });
    assert.deepEqual(usage, { code: 2, stdout: "", stderr: "error: --x must be 1\n" });
    const refused = await runHarness(["probe", "--throw", "refused"], { commands: [probe] });
    assert.deepEqual(refused, { code: 4, stdout: "", stderr: "nothing to do\n" });
  });

  it("rejects a malformed tag key option", () => {
    const program = new Command().option("--fleet-tag-key <k>", "", "bad\u0000key");
    assert.throws(() => globalOptions(program, {}), /--fleet-tag-key must be a tag key/);
  });

  it("builds clients with the profile and region given, and bounded adaptive retries", () => {
    assert.deepEqual(clientConfig({ region: "eu-west-1", profile: "ops" }), {
      region: "eu-west-1",
      profile: "ops",
      maxAttempts: CLI_MAX_ATTEMPTS,
      retryMode: "adaptive",
    });
    assert.deepEqual(clientConfig({}), { maxAttempts: CLI_MAX_ATTEMPTS, retryMode: "adaptive" });
  });
});
