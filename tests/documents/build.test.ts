import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { DOCUMENT_SPECS, buildDocuments } from "../../documents/build";
import { loadDocument, stepScript, substitute } from "./sandbox";

const DOCS = path.join(__dirname, "..", "..", "documents");
const SCRIPTS = path.join(DOCS, "scripts");

function shellcheck(args: string[], input?: string) {
  const r = spawnSync("shellcheck", args, { input, encoding: "utf8" });
  assert.notEqual(
    r.error?.message.includes("ENOENT"),
    true,
    "shellcheck must be installed (.ci/run installs it)",
  );
  return r;
}

describe("documents: generated YAML and embedded scripts", () => {
  it("documents/{agent-install,antivirus,cis}.yaml are exactly what documents/build.ts generates", () => {
    const built = buildDocuments();
    assert.deepEqual(Object.keys(built).sort(), [
      "agent-install.yaml",
      "antivirus.yaml",
      "cis.yaml",
    ]);
    for (const [file, content] of Object.entries(built)) {
      assert.equal(
        fs.readFileSync(path.join(DOCS, file), "utf8"),
        content,
        `documents/${file} is stale: run npx ts-node documents/build.ts`,
      );
    }
  });

  for (const spec of DOCUMENT_SPECS) {
    it(`${spec.file}.yaml embeds the tested scripts verbatim, Linux and Windows`, () => {
      const doc = loadDocument(`${spec.file}.yaml`);
      for (const [platform, step] of [
        ["Linux", spec.linux],
        ["Windows", spec.windows],
      ] as const) {
        const embedded = stepScript(doc, platform);
        for (const script of step.scripts) {
          const text = fs.readFileSync(path.join(SCRIPTS, script), "utf8").trimEnd();
          assert.ok(embedded.includes(text + "\n"), `${platform} step lacks ${script}`);
        }
        assert.ok(
          embedded.trimEnd().endsWith(`\n${step.main}`),
          `${platform} step must end with ${step.main}`,
        );
      }
    });

    it(`${spec.file}.yaml: the Linux step passes shellcheck as POSIX sh`, () => {
      const doc = loadDocument(`${spec.file}.yaml`);
      const script = substitute(doc, stepScript(doc, "Linux"), {});
      const r = shellcheck(["-s", "sh", "-"], script);
      assert.equal(r.status, 0, r.stdout + r.stderr);
    });
  }

  it("the standalone scripts pass shellcheck as POSIX sh", () => {
    const files = fs.readdirSync(SCRIPTS).filter((f) => f.endsWith(".sh"));
    assert.deepEqual(files.sort(), [
      "agent-install.sh",
      "agent.sh",
      "antivirus.sh",
      "cis.sh",
      "common.sh",
    ]);
    const r = shellcheck(["-s", "sh", ...files.map((f) => path.join(SCRIPTS, f))]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it("shellcheck does catch a broken step (the check can fail)", () => {
    const r = shellcheck(["-s", "sh", "-"], "x=$(echo [[ a == b ]])\nrm -rf $x/*\n");
    assert.notEqual(r.status, 0);
  });
});
