/**
 * The package as another project consumes it: `npm pack` it, install the tarball into a
 * fresh consumer project with a real (offline) `npm ci`, and use it from there: every file
 * shipped is one that runs, each component builds alone under the consumer's mocks, the
 * handler it deploys stays within the size budget, ESM import and the types work, and a
 * mock that omits a computed value fails fast.
 *
 * The consumer brings its own `@pulumi/pulumi` and `@pulumi/aws` (they are peer
 * dependencies): a folder above the consumer links this repository's copies, which keeps
 * npm from unpacking @pulumi/aws's 11,000 files (about a minute here) on every run. The
 * install is offline because `npm ci` cached every tarball the lockfile names.
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { buildSync } from "esbuild";
import { LAMBDA_BUILD_OPTIONS, LAMBDA_BUNDLE_BUDGET_BYTES } from "../components/shared/bundle";
import { JANITOR_BUNDLE_BUDGET_BYTES } from "../components/ops/janitor";
import { consumerLockfile } from "./support/consumerLockfile";
import {
  CONSUMER_TIMEOUT_MS,
  OMITS_INVOKE_URL_SPEC,
  runOmitsInvokeUrlSpec,
} from "./support/runConsumerSpec";

const ROOT = path.join(__dirname, "..");
const PKG = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
const run = promisify(execFile);
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const NPX = process.platform === "win32" ? "npx.cmd" : "npx";

/** What may ship: the JS API with its types, the handlers' sources, the documents. */
const ALLOWED: readonly RegExp[] = [
  /^(package\.json|README\.md|LICENSE)$/,
  /^bin\/[\w/.]+\.(js|d\.ts)$/,
  /^(functions|identity)\/[\w/.]+\.ts$/,
  // The risk engine and report sources the snapshot function bundles (never risk/local/).
  /^(risk|report)\/[\w.]+\.ts$/,
  // The prune logic the janitor function bundles (the CLI's ops/ code ships compiled in bin/).
  /^ops\/prune\w*\.ts$/,
  /^documents\/[\w-]+\.yaml$/,
  /^documents\/bootstrap\/register\.(sh|ps1)$/,
  // The stack config's JSON Schema, for editor completion (issue 11, structured config).
  /^schema\/stack-config\.schema\.json$/,
];

/** The components a consumer can build alone. */
const COMPONENTS = ["ActivationApi", "ComplianceControls", "ComplianceSync", "HybridFleet"];

/** What tests/fixtures/consumer/buildComponents.mjs prints for one component. */
interface ComponentSummary {
  readonly component: string;
  readonly types: readonly string[];
  readonly outputs: Readonly<Record<string, string | null>>;
  /** Handler bundle size per Lambda function (logical name), bytes. */
  readonly bundles: Readonly<Record<string, number>>;
}

/** Dev-only files that once shipped; named so a regression reads plainly. */
const NEVER: readonly RegExp[] = [
  /^bin\/index\.(js|d\.ts)$/,
  /^bin\/local\//,
  /\.map$/,
  /^documents\/build\.ts$/,
  /^identity\/generate-certificates\./,
  /\.pem$/,
  /\.test\.ts$/,
];

/** Relative `require`s of compiled JS, resolved to files, from `main` outward. */
function requireClosure(dir: string, entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (rel: string) => {
    if (seen.has(rel)) return;
    seen.add(rel);
    const src = fs.readFileSync(path.join(dir, rel), "utf8");
    for (const [, spec] of src.matchAll(/require\("(\.{1,2}\/[^"]+)"\)/g)) {
      const base = path.posix.join(path.posix.dirname(rel), spec);
      const file = [`${base}.js`, `${base}/index.js`, base].find((f) =>
        fs.existsSync(path.join(dir, f)),
      );
      assert.ok(file, `${rel} requires ${spec}, which is not in the package`);
      visit(file);
    }
  };
  visit(entry);
  return seen;
}

/** Every file esbuild reads from this package to bundle each handler under functions/. */
function handlerSources(): Set<string> {
  const inputs = new Set<string>();
  for (const name of fs.readdirSync(path.join(ROOT, "functions"))) {
    const entry = path.join(ROOT, "functions", name, "index.ts");
    if (!fs.existsSync(entry)) continue;
    const { metafile } = buildSync({
      ...LAMBDA_BUILD_OPTIONS,
      mainFields: [...LAMBDA_BUILD_OPTIONS.mainFields],
      entryPoints: [entry],
      absWorkingDir: ROOT,
      metafile: true,
    });
    for (const input of Object.keys(metafile.inputs)) {
      if (!input.startsWith("node_modules/")) inputs.add(input);
    }
  }
  return inputs;
}

describe("package installed from its tarball into a fresh consumer project", () => {
  let tmp: string;
  let app: string;
  let files: string[];
  let installed: string;
  /** Each component's summary from one ES-module run of buildComponents.mjs. */
  const built = new Map<string, ComponentSummary>();

  before(async function () {
    this.timeout(300_000);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ssm-hybrid-fleet-consumer-"));
    await run(NPM, ["run", "build"], { cwd: ROOT });
    const { stdout } = await run(
      NPM,
      ["pack", "--json", "--ignore-scripts", "--pack-destination", tmp],
      { cwd: ROOT },
    );
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf("[")));
    files = packed.files.map((f: { path: string }) => f.path).sort();

    // The consumer's own Pulumi, one folder up (see the header).
    for (const peer of Object.keys(PKG.peerDependencies ?? {})) {
      const link = path.join(tmp, "node_modules", peer);
      fs.mkdirSync(path.dirname(link), { recursive: true });
      fs.symlinkSync(path.join(ROOT, "node_modules", peer), link, "dir");
    }
    app = path.join(tmp, "app");
    fs.mkdirSync(app);
    const spec = `file:../${packed.filename}`;
    fs.writeFileSync(
      path.join(app, "package.json"),
      JSON.stringify({
        name: "consumer",
        version: "1.0.0",
        private: true,
        dependencies: { [PKG.name]: spec },
      }),
    );
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));
    fs.writeFileSync(
      path.join(app, "package-lock.json"),
      JSON.stringify(
        consumerLockfile(lock, { ...PKG, spec, integrity: packed.integrity }, "consumer", {
          withPeers: false,
        }),
      ),
    );
    await run(
      NPM,
      ["ci", "--offline", "--legacy-peer-deps", "--ignore-scripts", "--no-audit", "--no-fund"],
      { cwd: app },
    );
    installed = path.join(app, "node_modules", PKG.name);
    for (const file of fs.readdirSync(path.join(__dirname, "fixtures", "consumer"))) {
      fs.copyFileSync(path.join(__dirname, "fixtures", "consumer", file), path.join(app, file));
    }
    // One process (loading @pulumi/aws once) builds each component alone, in turn.
    const { stdout: out } = await run(process.execPath, ["buildComponents.mjs", ...COMPONENTS], {
      cwd: app,
      maxBuffer: 64 * 1024 * 1024,
    });
    for (const line of out.split("\n").filter((l) => l.startsWith("{"))) {
      const summary: ComponentSummary = JSON.parse(line);
      built.set(summary.component, summary);
    }
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe("the tarball (npm pack --json)", () => {
    it("holds no file outside the allow-list", () => {
      const stray = files.filter((f) => !ALLOWED.some((re) => re.test(f)));
      const forbidden = files.filter((f) => NEVER.some((re) => re.test(f)));
      assert.deepEqual([...stray, ...forbidden], [], "files that should not ship");
    });

    it("ships exactly the compiled files main and the hybrid-fleet bin reach, each with its types", () => {
      const main = path.posix.normalize(PKG.main);
      const cli = path.posix.normalize(PKG.bin["hybrid-fleet"]);
      const reached = [
        ...new Set([...requireClosure(installed, main), ...requireClosure(installed, cli)]),
      ].sort();
      assert.deepEqual(
        files.filter((f) => f.startsWith("bin/") && f.endsWith(".js")),
        reached,
      );
      for (const js of reached) {
        assert.ok(files.includes(js.replace(/\.js$/, ".d.ts")), `${js} has no .d.ts`);
      }
      assert.ok(files.includes(PKG.types), PKG.types);
    });

    it("ships exactly the TypeScript sources the handler bundles are built from", () => {
      assert.deepEqual(
        files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")),
        [...handlerSources()].sort(),
      );
    });

    it("ships the documents, bootstrap scripts, README and LICENSE", () => {
      for (const f of [
        "LICENSE",
        "README.md",
        "documents/agent-install.yaml",
        "documents/antivirus.yaml",
        "documents/cis.yaml",
        "documents/bootstrap/register.sh",
        "documents/bootstrap/register.ps1",
      ]) {
        assert.ok(files.includes(f), f);
      }
      const license = fs.readFileSync(path.join(installed, "LICENSE"), "utf8");
      assert.equal(PKG.license, "Apache-2.0");
      assert.match(license, /^\s+Apache License\s+Version 2\.0, January 2004/);
      assert.match(license, /Copyright \d{4} The ssm-hybrid-fleet authors/);
    });
  });

  it("runs the hybrid-fleet CLI with npx in the consumer (help, version, usage error, no DuckDB)", async function () {
    this.timeout(60_000);
    const npx = (args: string[]) =>
      run(NPX, ["--offline", "--no-install", "hybrid-fleet", ...args], { cwd: app });
    const help = await npx(["--help"]);
    assert.match(help.stdout, /^Usage: hybrid-fleet \[options\]/);
    for (const option of ["--region", "--profile", "--json", "--fleet"]) {
      assert.ok(help.stdout.includes(option), option);
    }
    assert.equal((await npx(["--version"])).stdout.trim(), PKG.version);
    await assert.rejects(npx(["--no-such-option"]), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 2);
      assert.match(err.stderr, /unknown option '--no-such-option'/);
      return true;
    });
    // DuckDB is a dev dependency, absent here: --sync-dir says how to install it (loaded lazily,
    // so every other command runs without it).
    await assert.rejects(
      npx(["risk", "--sync-dir", app]),
      (err: { code: number; stderr: string }) => {
        assert.equal(err.code, 2);
        assert.match(err.stderr, /npm install --save-dev @duckdb\/node-api/);
        return true;
      },
    );
  });

  it("checks remediate's parameters against the documents shipped in the installed package", async function () {
    this.timeout(60_000);
    // Fails before any AWS call, so it runs offline; it proves the compiled command finds
    // documents/cis.yaml from bin/cli/commands/ in the consumer's node_modules.
    await assert.rejects(
      run(
        NPX,
        [
          "--offline",
          "--no-install",
          "hybrid-fleet",
          "remediate",
          "cis",
          "--fleet",
          "acme",
          "--name",
          "web-*",
          "--parameters",
          "Mode=fix",
        ],
        { cwd: app },
      ),
      (err: { code: number; stderr: string }) => {
        assert.equal(err.code, 2);
        assert.equal(
          err.stderr,
          'error: --parameters Mode must be one of report, enforce, got "fix"\n',
        );
        return true;
      },
    );
  });

  it("declares Pulumi as peer dependencies (one copy, one provider plugin), also dev", () => {
    for (const name of ["@pulumi/pulumi", "@pulumi/aws"]) {
      assert.equal(PKG.dependencies[name], undefined, `${name} in dependencies`);
      assert.match(PKG.peerDependencies[name] ?? "", /^\^\d+\.\d+\.\d+$/, name);
      assert.equal(PKG.devDependencies[name], PKG.peerDependencies[name], name);
    }
    // The package resolves the consumer's copy, not one of its own.
    assert.ok(!fs.existsSync(path.join(installed, "node_modules", "@pulumi")));
  });

  for (const component of COMPONENTS) {
    it(`builds ${component} alone from an ES module import, under the consumer's mocks`, () => {
      const summary = built.get(component);
      assert.ok(summary, `${component} was not built`);
      assert.ok(summary.types.length > 3, `${summary.types.length} resources`);
      assert.ok(
        summary.types.every((t) => t.startsWith("aws:") || t.startsWith("ssm-hybrid-fleet:")),
        summary.types.join(", "),
      );
      // Every public output resolved; optional ones (a KMS key not asked for) may be empty.
      const outputs = Object.entries(summary.outputs);
      assert.ok(outputs.length > 0);
      assert.ok(
        outputs.some(([, v]) => v !== null),
        JSON.stringify(summary.outputs),
      );
      if (component === "ActivationApi" || component === "HybridFleet") {
        const bundles = Object.entries(summary.bundles);
        assert.ok(bundles.length > 0, "no Lambda function was built");
        for (const [fn, bytes] of bundles) {
          // The daily janitor has its own budget (components/ops/janitor.ts says why).
          const budget = fn.endsWith("-janitor-function")
            ? JANITOR_BUNDLE_BUDGET_BYTES
            : LAMBDA_BUNDLE_BUDGET_BYTES;
          assert.ok(
            bytes > 50_000 && bytes <= budget,
            `${fn}: handler bundle from the installed package is ${bytes} bytes, budget ${budget}`,
          );
        }
      }
    });
  }

  it("type-checks a consumer's TypeScript against the shipped declarations", async function () {
    this.timeout(120_000);
    fs.writeFileSync(
      path.join(app, "index.ts"),
      `import { HybridFleet, type HybridFleetArgs, ActivationApi, type BootstrapTokenGrant } from "${PKG.name}";
const args: HybridFleetArgs = { fleetName: "acme", environment: "dev" };
export const fleet = new HybridFleet("f", args);
export const url = fleet.activationApi.activationUrl;
export const grants: BootstrapTokenGrant[] = [];
// @ts-expect-error environment is required: proves the types are real, not any
export const bad = new ActivationApi("a", { fleetName: "acme" });
`,
    );
    fs.writeFileSync(
      path.join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: "commonjs",
          moduleResolution: "node",
          target: "ES2022",
          skipLibCheck: true,
          types: [],
        },
        files: ["index.ts"],
      }),
    );
    await run(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", app], {
      cwd: app,
    }).catch((err: { stdout: string }) => assert.fail(err.stdout));
  });

  it("fails fast, naming the value, when the consumer's mocks omit the stage's invokeUrl", async function () {
    this.timeout(CONSUMER_TIMEOUT_MS + 60_000);
    const failure = await runOmitsInvokeUrlSpec(
      PKG.name,
      app,
      [],
      path.join(app, path.basename(OMITS_INVOKE_URL_SPEC)),
    );
    assert.match(failure.message, /invokeUrl resolved to nothing/);
    assert.ok(
      failure.durationMs < CONSUMER_TIMEOUT_MS / 2,
      `failed after ${failure.durationMs} ms`,
    );
  });
});
