/**
 * The README's "CLI" examples are real: each `$ hybrid-fleet …` block there is exactly what the
 * CLI prints for the mocked fleet of tests/cli/support/demoFleet.ts (which also prints them
 * afresh when run).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { demoBlock, runDemo, DEMO_COMMANDS } from "./support/demoFleet";

function readmeCliBlocks(): string[] {
  const readme = fs.readFileSync(path.join(__dirname, "../../README.md"), "utf8");
  const start = readme.indexOf("\n## CLI\n");
  assert.ok(start >= 0, "README has no CLI section");
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```text\n(\$ hybrid-fleet [\s\S]*?)```/g)].map((m) => m[1]);
}

describe("README CLI examples", () => {
  it("shows every demo command once, with exactly what the CLI prints", async () => {
    const blocks = readmeCliBlocks();
    assert.equal(blocks.length, DEMO_COMMANDS.length);
    const runs = await runDemo();
    runs.forEach((run, i) => assert.equal(blocks[i], demoBlock(run)));
  });
});
