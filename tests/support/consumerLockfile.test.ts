import { strict as assert } from "node:assert";
import {
  consumerLockfile,
  registryTarball,
  resolveLocation,
  type Lockfile,
} from "./consumerLockfile";

const LOCK: Lockfile = {
  lockfileVersion: 3,
  packages: {
    "": { name: "repo" },
    "node_modules/a": { version: "1.0.0", dependencies: { b: "^1", c: "^2" }, dev: true },
    "node_modules/a/node_modules/c": { version: "2.0.0" },
    "node_modules/b": { version: "1.1.0", optionalDependencies: { "@x/linux": "1", gone: "1" } },
    "node_modules/c": { version: "3.0.0" },
    "node_modules/@x/linux": { version: "1.0.0", optional: true },
    "node_modules/@p/peer": { version: "5.0.0", peerDependencies: { a: "^1" } },
    "node_modules/unused": { version: "9.9.9" },
  },
};

describe("consumerLockfile (test support)", () => {
  for (const [from, dep, expected] of [
    ["node_modules/a", "c", "node_modules/a/node_modules/c"],
    ["node_modules/b", "c", "node_modules/c"],
    ["node_modules/a/node_modules/c", "b", "node_modules/b"],
    ["", "missing", undefined],
  ] as const) {
    it(`resolves ${dep} from ${from || "the root"} to ${expected}`, () => {
      assert.equal(resolveLocation(LOCK.packages, from, dep), expected);
    });
  }

  it("names registry tarballs, scoped or not", () => {
    assert.equal(
      registryTarball("node_modules/a/node_modules/@x/linux", "1.0.0"),
      "https://registry.npmjs.org/@x/linux/-/linux-1.0.0.tgz",
    );
  });

  const pkg = {
    name: "fleet",
    version: "0.1.0",
    dependencies: { a: "^1" },
    peerDependencies: { "@p/peer": "^5" },
    spec: "file:../fleet-0.1.0.tgz",
    integrity: "sha512-x",
  };

  it("copies what the tarball's dependencies reach, without dev flags or unused entries", () => {
    const out = consumerLockfile(LOCK, pkg, "consumer", { withPeers: false });
    assert.deepEqual(Object.keys(out.packages).sort(), [
      "",
      "node_modules/@x/linux",
      "node_modules/a",
      "node_modules/a/node_modules/c",
      "node_modules/b",
      "node_modules/fleet",
    ]);
    assert.equal(out.packages["node_modules/a"].dev, undefined);
    assert.equal(
      out.packages["node_modules/a"].resolved,
      "https://registry.npmjs.org/a/-/a-1.0.0.tgz",
    );
    assert.deepEqual(out.packages[""].dependencies, { fleet: "file:../fleet-0.1.0.tgz" });
  });

  it("adds peers (and what they reach) unless told not to", () => {
    const out = consumerLockfile(LOCK, pkg, "consumer");
    assert.ok(out.packages["node_modules/@p/peer"]);
  });

  it("refuses a required dependency the lockfile lacks", () => {
    assert.throws(
      () => consumerLockfile(LOCK, { ...pkg, dependencies: { nope: "1" } }, "consumer"),
      /nope \(needed by node_modules\/fleet\) is not in the repository's lockfile/,
    );
  });
});
