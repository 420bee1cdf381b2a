/**
 * Bundles a Lambda handler under `functions/` with esbuild into one minified file.
 * Handlers import no `@pulumi/*` code, so the bundle holds only the handler and what it
 * really uses. The AWS SDK client is bundled too, so the deployed code does not depend on
 * whichever SDK version the Lambda runtime ships.
 *
 * Two choices keep the bundle small, and cold start with it (V8 parses every byte at load):
 * - `mainFields: module, main`: the SDK's per-file ES builds tree-shake; its CommonJS
 *   builds are one file per package holding every command (690 KB vs 430 KB here).
 * - the SDK's default credential chain is swapped for `functions/shared/envCredentials`
 *   (Lambda provides credentials in the environment, the chain's first link), which
 *   drops the STS/SSO clients and file/IMDS providers (another ~130 KB).
 * `npm run bench` prints the resulting size and cold-init ratio.
 *
 * It always bundles the TypeScript sources the package ships (`functions/`, `identity/`),
 * never tsc's CommonJS output in `bin/`: esbuild cannot tree-shake through CommonJS
 * `require` of the SDK's ES modules, which made the installed package's bundle 454 KB
 * against 293 KB from source.
 */
import * as path from "node:path";
import { buildSync, type BuildOptions } from "esbuild";
import { PACKAGE_ROOT } from "./packageRoot";

const cache = new Map<string, string>();

/** The folder holding the handlers' TypeScript sources (source checkout or installed package). */
export const FUNCTIONS_DIR = path.join(PACKAGE_ROOT, "functions");

/**
 * Largest deployed handler bundle, bytes: V8 parses every byte at cold start. The source
 * and the installed-package tests assert the same budget.
 */
export const LAMBDA_BUNDLE_BUDGET_BYTES = 400 * 1024;

/**
 * The esbuild settings every Lambda bundle uses; benchmarks and size tests build with the
 * same settings so their figures describe what is deployed.
 */
export const LAMBDA_BUILD_OPTIONS = {
  bundle: true,
  minify: true,
  platform: "node",
  target: "node22",
  format: "cjs",
  mainFields: ["module", "main"],
  // The SDK's default credential chain → the Lambda environment provider.
  alias: {
    "@aws-sdk/credential-provider-node": path.join(FUNCTIONS_DIR, "shared", "envCredentials.ts"),
  },
  write: false,
  legalComments: "none",
  logLevel: "silent",
} as const satisfies BuildOptions;

/**
 * Bundles `functions/<name>/index.ts` for Node 22 (CommonJS), minified, without source maps.
 * Results are cached per process: a stack that builds two APIs bundles once.
 */
export function bundleFunction(name: string): string {
  const cached = cache.get(name);
  if (cached !== undefined) return cached;
  const result = buildSync({
    ...LAMBDA_BUILD_OPTIONS,
    mainFields: [...LAMBDA_BUILD_OPTIONS.mainFields],
    entryPoints: [path.join(FUNCTIONS_DIR, name, "index.ts")],
  });
  const code = result.outputFiles[0].text;
  cache.set(name, code);
  return code;
}
