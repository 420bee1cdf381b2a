/**
 * Bundles a Lambda handler under `functions/` with esbuild into one minified file.
 * Handlers import no `@pulumi/*` code, so the bundle holds only the handler and what it
 * really uses (the AWS SDK client included, so the deployed code does not depend on the
 * SDK version of the Lambda runtime).
 */
import * as path from "node:path";
import { buildSync } from "esbuild";

const cache = new Map<string, string>();

/** The folder holding the handlers (source checkout or the built package). */
export const FUNCTIONS_DIR = path.join(__dirname, "..", "functions");

/**
 * Bundles `functions/<name>/index` for Node 22 (CommonJS), minified, without source maps.
 * Results are cached per process: a stack that builds two APIs bundles once.
 */
export function bundleFunction(name: string): string {
  const cached = cache.get(name);
  if (cached !== undefined) return cached;
  const result = buildSync({
    entryPoints: [path.join(FUNCTIONS_DIR, name, "index")],
    bundle: true,
    minify: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    write: false,
    legalComments: "none",
    logLevel: "silent",
  });
  const code = result.outputFiles[0].text;
  cache.set(name, code);
  return code;
}
