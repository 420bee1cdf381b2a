/**
 * The package as another stack consumes it: build with tsconfig.build.json (what
 * `npm run build` publishes), then load `main` and check that every component and its
 * validator is exported, that `types` exist, and that the built layout can still bundle
 * the Lambda handlers it deploys.
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";

const ROOT = path.join(__dirname, "..");

describe("package build (main/types)", () => {
  let out: string;

  before(async function () {
    this.timeout(240_000);
    // Inside the repo so the build resolves node_modules like the published package would.
    out = fs.mkdtempSync(path.join(ROOT, ".test-build-"));
    await promisify(execFile)(
      process.execPath,
      [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json", "--outDir", out],
      { cwd: ROOT },
    );
  });
  after(() => fs.rmSync(out, { recursive: true, force: true }));

  it("package.json main and types point into the build output", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    const rel = (p: string) => path.join(out, path.relative("bin", p));
    assert.ok(fs.existsSync(rel(pkg.main)), pkg.main);
    assert.ok(fs.existsSync(rel(pkg.types)), pkg.types);
    const dts = fs.readFileSync(rel(pkg.types), "utf8");
    for (const name of ["ActivationApi", "ActivationApiArgs", "HybridFleet", "HybridFleetArgs"]) {
      assert.match(dts, new RegExp(`\\b${name}\\b`), `${name} missing from ${pkg.types}`);
    }
  });

  it("exports every component class from the root", async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    const root = await import(path.join(out, path.relative("bin", pkg.main)));
    const components = fs
      .readdirSync(path.join(ROOT, "components"))
      .filter((f) => f.endsWith(".ts") && f !== "index.ts")
      .map((f) => fs.readFileSync(path.join(ROOT, "components", f), "utf8"))
      .flatMap((src) =>
        [...src.matchAll(/export class (\w+) extends pulumi\.ComponentResource/g)].map((m) => m[1]),
      );
    assert.ok(components.length >= 2);
    for (const name of components)
      assert.equal(typeof root[name], "function", `${name} not exported`);
  });

  it("bundles the activation handler from the built layout", async () => {
    const { bundleFunction } = await import(path.join(out, "components", "bundle.js"));
    const code: string = bundleFunction("activation");
    assert.ok(code.includes("CreateActivation") && !code.includes("sso-oidc"));
  });
});
