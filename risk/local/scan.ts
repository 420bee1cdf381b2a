/**
 * Walks a local copy of the Resource Data Sync prefix (`aws s3 sync s3://<bucket>/<prefix> DIR`)
 * before DuckDB reads it: finds the sync files of the types the snapshot reads, checks that
 * every line of each is a JSON object, and sets aside the files that are not, so one broken
 * file is named in the summary instead of failing the whole snapshot (DuckDB's JSON reader
 * stops at the first bad line). Athena, by contrast, would fail the query: the OpenX SerDe
 * tables are created without `ignore.malformed.json`.
 *
 * Only what Athena's partition projection would read counts as a sync file:
 * `DIR/<Type>/accountid=<id>/region=<region>/resourcetype=<type>/<name>.json`. Anything else
 * (the `test.json` permission probe under `accountid=<id>/`, stray files) is not read, exactly
 * as in Athena.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { UnreadableFile } from "../model";

/** The sync folder is missing, is not a folder, or holds no sync file. */
export class SyncFolderError extends Error {
  constructor(
    message: string,
    /** The folder that was given. */
    readonly folder: string,
  ) {
    super(message);
    this.name = "SyncFolderError";
  }
}

/** What a scan found. */
export interface SyncScan {
  /** The folder scanned (absolute). */
  readonly root: string;
  /** Readable sync files, relative to `root` with `/` separators, sorted. */
  readonly files: readonly string[];
  /** Files left out, named with what is wrong, sorted by file. */
  readonly unreadable: readonly UnreadableFile[];
  /** Type folders that hold at least one sync file (readable or not), sorted. */
  readonly types: readonly string[];
  /** `accountid=` and `region=` values seen (for the tables' partition projection), sorted. */
  readonly accountIds: readonly string[];
  readonly regions: readonly string[];
  /** Bytes of the readable files. */
  readonly bytes: number;
}

/** Options of {@link scanSyncFolder}. */
export interface ScanOptions {
  /**
   * Type folders to read (`AWS:ComplianceItem`, …). Other types are neither read nor checked.
   * @default every `AWS:*` and `Custom:*` folder
   */
  readonly types?: readonly string[];
}

const TYPE_FOLDER = /^(AWS|Custom):[A-Za-z0-9_]+$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * What is wrong with one sync file's content, or undefined when every line is a JSON object.
 * A final newline is optional; blank lines carry nothing and are skipped (as DuckDB does); a
 * last line without its newline that does not parse is reported as truncated.
 */
export function syncFileProblem(content: Buffer): string | undefined {
  let text: string;
  try {
    text = utf8.decode(content);
  } catch {
    return "not UTF-8 text";
  }
  const lines = text.split("\n");
  const endsWithNewline = lines[lines.length - 1] === "";
  if (endsWithNewline) lines.pop();
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n].endsWith("\r") ? lines[n].slice(0, -1) : lines[n];
    const where = `line ${n + 1}`;
    if (raw.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      const last = n === lines.length - 1 && !endsWithNewline;
      const why = (err as Error).message;
      return last ? `${where}: truncated (no newline at the end): ${why}` : `${where}: ${why}`;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      const kind = value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
      return `${where}: not a JSON object (${kind})`;
    }
  }
  return undefined;
}

function subfolders(dir: string, prefix: string): { name: string; value: string }[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name.startsWith(prefix))
    .map((e) => ({ name: e.name, value: e.name.slice(prefix.length) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Type folders one level below `root`, to point the user at the right folder. */
function nestedSyncFolder(root: string): string | undefined {
  for (const e of fs.readdirSync(root, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const inner = path.join(root, e.name);
    if (fs.readdirSync(inner).some((n) => TYPE_FOLDER.test(n))) return inner;
  }
  return undefined;
}

/**
 * Scans `root` (the folder holding `AWS:<Type>/` folders). Throws {@link SyncFolderError} when
 * it is missing, not a folder, or holds no sync file of the wanted types.
 */
export function scanSyncFolder(root: string, options: ScanOptions = {}): SyncScan {
  const abs = path.resolve(root);
  if (!fs.existsSync(abs)) throw new SyncFolderError(`sync folder ${root} does not exist`, root);
  if (!fs.statSync(abs).isDirectory()) {
    throw new SyncFolderError(`sync folder ${root} is not a folder`, root);
  }
  const wanted = options.types === undefined ? undefined : new Set(options.types);
  const typeFolders = fs
    .readdirSync(abs, { withFileTypes: true })
    .filter((e) => e.isDirectory() && TYPE_FOLDER.test(e.name))
    .map((e) => e.name)
    .filter((t) => wanted === undefined || wanted.has(t))
    .sort();
  const files: string[] = [];
  const unreadable: UnreadableFile[] = [];
  const types = new Set<string>();
  const accountIds = new Set<string>();
  const regions = new Set<string>();
  let bytes = 0;
  for (const type of typeFolders) {
    for (const account of subfolders(path.join(abs, type), "accountid=")) {
      const accountDir = path.join(abs, type, account.name);
      for (const region of subfolders(accountDir, "region=")) {
        const regionDir = path.join(accountDir, region.name);
        for (const resourceType of subfolders(regionDir, "resourcetype=")) {
          const dir = path.join(regionDir, resourceType.name);
          const names = fs
            .readdirSync(dir, { withFileTypes: true })
            .filter((e) => e.isFile() && e.name.endsWith(".json"))
            .map((e) => e.name)
            .sort();
          for (const name of names) {
            const rel = [type, account.name, region.name, resourceType.name, name].join("/");
            const content = fs.readFileSync(path.join(dir, name));
            types.add(type);
            accountIds.add(account.value);
            regions.add(region.value);
            const problem = syncFileProblem(content);
            if (problem === undefined) {
              files.push(rel);
              bytes += content.length;
            } else {
              unreadable.push({ file: rel, problem });
            }
          }
        }
      }
    }
  }
  if (types.size === 0) {
    const nested = nestedSyncFolder(abs);
    const wantedText = wanted === undefined ? "AWS:<Type>" : [...wanted].sort().join(", ");
    throw new SyncFolderError(
      `sync folder ${root} holds no sync file (expected ${wantedText}/accountid=<id>/region=<region>/resourcetype=<type>/<id>.json)` +
        (nested === undefined ? "" : `; did you mean ${nested}?`),
      root,
    );
  }
  return {
    root: abs,
    files,
    unreadable,
    types: [...types].sort(),
    accountIds: [...accountIds].sort(),
    regions: [...regions].sort(),
    bytes,
  };
}
