import { strict as assert } from "node:assert";
import { DemoUsageError, parseDemoArgs } from "../../demo/args";
import { runStart } from "../../demo/start";

describe("npm start flags", () => {
  it("defaults to 20 machines, not kept, not quiet", () => {
    assert.deepEqual(parseDemoArgs([]), { machines: 20, keep: false, quiet: false, help: false });
    assert.deepEqual(parseDemoArgs(["--machines", "5", "--keep", "--quiet"]), {
      machines: 5,
      keep: true,
      quiet: true,
      help: false,
    });
  });

  for (const [argv, message] of [
    [["--machines", "0"], /--machines must be a whole number from 1 to 200; got "0"/],
    [["--machines", "2.5"], /got "2\.5"/],
    [["--machines", "201"], /got "201"/],
    [["--machine", "5"], /Unknown option '--machine'/],
    [["extra"], /Unexpected argument 'extra'/],
  ] as const) {
    it(`refuses ${argv.join(" ")}`, () => {
      assert.throws(
        () => parseDemoArgs(argv),
        (e: Error) => e instanceof DemoUsageError && message.test(e.message),
      );
    });
  }

  it("exits 2 with the error and the usage on a bad flag, 0 with the usage on --help", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (l: string) => out.push(l), stderr: (l: string) => err.push(l) };
    assert.equal(await runStart(["--machines", "x"], io), 2);
    assert.match(err[0], /^npm start: --machines must be a whole number/);
    assert.match(err[1], /^usage: npm start/);
    assert.equal(out.length, 0);
    assert.equal(await runStart(["--help"], io), 0);
    assert.match(out[0], /--machines N/);
  });
});
