import * as assert from "node:assert/strict";
import * as path from "node:path";
import { exampleResolution, PACKAGE_NAME } from "./exampleModules";

const ROOT = path.join(__dirname, "..", "..");

describe("exampleResolution (how examples' imports resolve under test)", () => {
  it("maps the package name to the source of its compiled main", () => {
    assert.equal(exampleResolution(PACKAGE_NAME), path.join(ROOT, "components", "index.ts"));
  });

  it("resolves bare names from the repository root, so the example shares the mocked SDK", () => {
    assert.equal(
      exampleResolution("@pulumi/pulumi"),
      require.resolve("@pulumi/pulumi", { paths: [ROOT] }),
    );
    assert.ok(exampleResolution("@pulumi/awsx")?.startsWith(path.join(ROOT, "node_modules")));
  });

  it("leaves relative, absolute and node: requests to Node", () => {
    for (const request of ["./local", "../x", "/abs/path", "node:fs"]) {
      assert.equal(exampleResolution(request), undefined, request);
    }
  });
});
