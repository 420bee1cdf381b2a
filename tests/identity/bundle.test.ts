import * as assert from "node:assert/strict";
import * as path from "node:path";
import { buildSync } from "esbuild";
import { LAMBDA_BUILD_OPTIONS } from "../../components/shared/bundle";

const ROOT = path.join(__dirname, "..", "..");

describe("identity verifier bundle", () => {
  // The activation Lambda must stay within 400 KB with the SSM client inside; the verifier's
  // share is guarded here by what it pulls in, not by timing.
  const result = buildSync({
    ...LAMBDA_BUILD_OPTIONS,
    mainFields: [...LAMBDA_BUILD_OPTIONS.mainFields],
    entryPoints: [path.join(ROOT, "identity", "verify.ts")],
    metafile: true,
    absWorkingDir: ROOT,
  });

  it("bundles only the identity sources and Node built-ins (no pkijs, asn1js or other packages)", () => {
    const inputs = Object.keys(result.metafile.inputs).sort();
    assert.deepEqual(inputs, [
      "identity/ber.ts",
      "identity/certificates.generated.ts",
      "identity/verify.ts",
    ]);
    const imports = Object.values(result.metafile.outputs)[0].imports.map((i) => i.path);
    assert.deepEqual([...new Set(imports)], ["node:crypto"]);
  });

  it("stays under 60 KB minified with every pinned key", () => {
    const bytes = result.outputFiles[0].contents.length;
    assert.ok(bytes < 60 * 1024, `verifier bundle is ${bytes} bytes`);
  });
});
