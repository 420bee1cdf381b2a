/**
 * The sync folder scanner, on real folders written to disk: a missing, wrong or empty folder is
 * a clear error; every broken file (truncated, a line that is no JSON object, bad UTF-8) is
 * named with its problem and left out, and every other file is kept.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SyncFolderError, scanSyncFolder, syncFileProblem } from "../../risk/local/scan";
import { writeSampleFleet } from "../../risk/local/sampleFleet";

const NOW = new Date("2026-11-30T10:00:00Z");
const LEAF = "accountid=111122223333/region=us-east-1/resourcetype=ManagedInstanceInventory";

describe("sync folder scanner", () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "risk-scan-"));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const write = (rel: string, body: string | Buffer): void => {
    const file = path.join(tmp, ...rel.split("/"));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, body);
  };

  it("refuses a folder that does not exist, naming it", () => {
    const missing = path.join(tmp, "nope");
    assert.throws(
      () => scanSyncFolder(missing),
      (e: Error) =>
        e instanceof SyncFolderError && e.message === `sync folder ${missing} does not exist`,
    );
  });

  it("refuses a file given as the folder", () => {
    write("f.txt", "x");
    const file = path.join(tmp, "f.txt");
    assert.throws(() => scanSyncFolder(file), {
      name: "SyncFolderError",
      message: `sync folder ${file} is not a folder`,
    });
  });

  it("refuses an empty folder and one holding only what Athena would not read", () => {
    assert.throws(() => scanSyncFolder(tmp), {
      name: "SyncFolderError",
      message:
        `sync folder ${tmp} holds no sync file (expected AWS:<Type>/accountid=<id>/region=<region>/` +
        "resourcetype=<type>/<id>.json)",
    });
    // The permission probe beside the partitions, a stray file, a non-JSON file in a leaf.
    write("AWS:InstanceInformation/accountid=111122223333/test.json", '{"a":1}\n');
    write("AWS:InstanceInformation/readme.json", '{"a":1}\n');
    write(`AWS:InstanceInformation/${LEAF}/notes.txt`, "hello\n");
    assert.throws(() => scanSyncFolder(tmp), /holds no sync file/);
  });

  it("points at the folder one level down when that is where the type folders are", () => {
    write(`ssm-sync/AWS:Tag/${LEAF}/mi-1.json`, '{"Key":"Name","Value":"a"}\n');
    assert.throws(() => scanSyncFolder(tmp), {
      message: new RegExp(`; did you mean ${path.join(tmp, "ssm-sync")}\\?$`),
    });
    assert.deepEqual(scanSyncFolder(path.join(tmp, "ssm-sync")).files, [
      `AWS:Tag/${LEAF}/mi-1.json`,
    ]);
  });

  it("names each broken file with its problem, leaves it out and keeps the rest", () => {
    const written = writeSampleFleet(tmp, { machines: 6, itemsPerMachine: 6, now: NOW });
    const all = scanSyncFolder(tmp);
    assert.equal(all.files.length, written.files);
    assert.deepEqual(all.unreadable, []);
    const [a, b, c, d] = all.files.filter((f) => f.startsWith("AWS:ComplianceItem/"));
    const body = (rel: string) => fs.readFileSync(path.join(tmp, ...rel.split("/")), "utf8");
    // Truncated mid-line, as an interrupted copy leaves it.
    write(a, body(a).slice(0, body(a).length - 40));
    // A line that is JSON but no object.
    write(b, `${body(b)}["not", "an", "object"]\n`);
    // A broken line in the middle.
    const lines = body(c).split("\n");
    lines.splice(1, 0, '{"Id": "x", ');
    write(c, lines.join("\n"));
    // Not UTF-8.
    write(
      d,
      Buffer.concat([Buffer.from('{"Id":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]),
    );

    const scan = scanSyncFolder(tmp);
    const lineCount = (rel: string) => body(rel).split("\n").length - 1;
    const expected = [
      {
        file: a,
        problem: `line ${lineCount(a) + 1}: truncated (no newline at the end): ${jsonError(
          body(a).split("\n").pop() ?? "",
        )}`,
      },
      { file: b, problem: `line ${lineCount(b)}: not a JSON object (an array)` },
      { file: c, problem: `line 2: ${jsonError('{"Id": "x", ')}` },
      { file: d, problem: "not UTF-8 text" },
    ].sort((x, y) => (x.file < y.file ? -1 : 1));
    assert.deepEqual(scan.unreadable, expected);
    assert.equal(scan.files.length, written.files - 4);
    for (const f of [a, b, c, d]) assert.ok(!scan.files.includes(f), f);
    assert.deepEqual(scan.types, [
      "AWS:ComplianceItem",
      "AWS:ComplianceSummary",
      "AWS:InstanceInformation",
      "AWS:Tag",
    ]);
    assert.deepEqual(scan.accountIds, ["111122223333"]);
    assert.deepEqual(scan.regions, ["ap-southeast-2", "us-east-1"]);
    const readable = scan.files.reduce(
      (n, f) => n + fs.statSync(path.join(tmp, ...f.split("/"))).size,
      0,
    );
    assert.equal(scan.bytes, readable);
  });

  it("reads only the types asked for, so broken files of other types do not count", () => {
    write(`AWS:Tag/${LEAF}/mi-1.json`, '{"Key":"Name","Value":"a"}\n');
    write(`AWS:Application/${LEAF}/mi-1.json`, "{broken\n");
    const scan = scanSyncFolder(tmp, { types: ["AWS:Tag", "AWS:ComplianceItem"] });
    assert.deepEqual(scan.files, [`AWS:Tag/${LEAF}/mi-1.json`]);
    assert.deepEqual(scan.unreadable, []);
    assert.throws(() => scanSyncFolder(tmp, { types: ["AWS:ComplianceItem"] }), {
      message: new RegExp("holds no sync file \\(expected AWS:ComplianceItem/accountid="),
    });
  });

  it("a folder whose only files are broken is scanned, not refused (they are named)", () => {
    write(`AWS:Tag/${LEAF}/mi-1.json`, '{"Key":');
    const scan = scanSyncFolder(tmp);
    assert.deepEqual(scan.files, []);
    assert.equal(scan.unreadable.length, 1);
  });

  for (const [name, text, problem] of [
    ["two objects with a final newline", '{"a":1}\n{"b":2}\n', undefined],
    ["no final newline after a whole object", '{"a":1}\n{"b":2}', undefined],
    ["CRLF line ends", '{"a":1}\r\n{"b":2}\r\n', undefined],
    ["blank lines (carry nothing)", '{"a":1}\n\n{"b":2}\n\n', undefined],
    ["an empty file", "", undefined],
    ["a number line", '{"a":1}\n3\n', "line 2: not a JSON object (number)"],
    ["a null line", "null\n", "line 1: not a JSON object (null)"],
    ["a string line", '"x"\n', "line 1: not a JSON object (string)"],
  ] as const) {
    it(`syncFileProblem: ${name}`, () => {
      assert.equal(syncFileProblem(Buffer.from(text)), problem);
    });
  }
});

function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`${text} parses`);
}
