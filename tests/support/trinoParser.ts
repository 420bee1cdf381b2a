/**
 * Trino's grammar (dt-sql-parser's TrinoSQL, an ANTLR grammar of Trino's SQL), loaded for
 * tests. The package ships ES modules with extension-less imports that only bundlers
 * resolve, so Node cannot load it directly; esbuild (already the handler bundler) turns
 * it into one CommonJS file once per run.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildSync } from "esbuild";
import type { TrinoSQL } from "dt-sql-parser";

let cached: TrinoSQL | undefined;

/** A Trino SQL parser; `validate(sql)` lists syntax errors (empty when the SQL parses). */
export function trinoParser(): TrinoSQL {
  if (cached) return cached;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "trino-grammar-"));
  const outfile = path.join(dir, "dt-sql-parser.cjs");
  buildSync({
    stdin: { contents: 'export { TrinoSQL } from "dt-sql-parser";', resolveDir: __dirname },
    bundle: true,
    platform: "node",
    format: "cjs",
    outfile,
    logLevel: "silent",
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a file built just now
  const { TrinoSQL: Parser } = require(outfile) as typeof import("dt-sql-parser");
  fs.rmSync(dir, { recursive: true, force: true });
  cached = new Parser();
  return cached;
}
