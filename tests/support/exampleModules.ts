/**
 * Loads an example program (examples/<name>/index.ts) against this checkout. Examples import
 * the package by name and their peers (`@pulumi/*`) as a consumer's stack does; under test
 * those names must resolve to the checkout's sources and the root's node_modules, i.e. the one
 * Pulumi SDK the mocks are installed in, whether or not the example has node_modules of its own.
 */
import Module from "node:module";
import * as path from "node:path";

/** The package's name and the source file its compiled `main` is built from. */
export const PACKAGE_NAME = "ssm-hybrid-fleet";
const ROOT = path.join(__dirname, "..", "..");
const PACKAGE_SOURCE = path.join(ROOT, "components", "index.ts");

type ResolveFilename = (
  request: string,
  parent: { filename?: string | null } | undefined,
  ...rest: unknown[]
) => string;

/**
 * Where a module request made by a file of the example resolves: the package name to its
 * source, any other bare name from the repository root, relative paths as usual (undefined).
 */
export function exampleResolution(request: string, root = ROOT): string | undefined {
  if (request === PACKAGE_NAME) return PACKAGE_SOURCE;
  if (request.startsWith(".") || path.isAbsolute(request) || request.startsWith("node:")) {
    return undefined;
  }
  return require.resolve(request, { paths: [root] });
}

/**
 * `await import()`s `examples/<dir>/index.ts` with its requests resolved by
 * {@link exampleResolution}; Node's resolver is restored afterwards.
 */
export async function importExample<T>(dir: string): Promise<T> {
  const exampleDir = path.join(ROOT, "examples", dir) + path.sep;
  // Module._resolveFilename is Node's internal resolver hook (untyped); patched only while
  // the example's own top-level requires run.
  const internal = Module as unknown as { _resolveFilename: ResolveFilename };
  const original = internal._resolveFilename;
  internal._resolveFilename = function (request, parent, ...rest) {
    const fromExample = parent?.filename?.startsWith(exampleDir) ?? false;
    const mapped = fromExample ? exampleResolution(request) : undefined;
    return mapped ?? original.call(this, request, parent, ...rest);
  };
  try {
    return (await import(path.join(exampleDir, "index.ts"))) as T;
  } finally {
    internal._resolveFilename = original;
  }
}
