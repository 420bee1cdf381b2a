/**
 * Finds this package's root folder, where `functions/`, `identity/` and `documents/` ship.
 *
 * Compiled code runs from `bin/components/<capability>/`, source from `components/<capability>/` (and test builds
 * from `.test-build-*\/components/`), so a fixed `..` cannot serve all three; the nearest
 * folder holding a `package.json` can.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The nearest ancestor of `start` (itself included) that holds a `package.json`.
 * `exists` is injectable so tests can describe a layout without creating it.
 */
export function findPackageRoot(
  start: string,
  exists: (file: string) => boolean = fs.existsSync,
): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (exists(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) {
      throw new Error(`package root not found: no package.json above ${start}`);
    }
  }
}

/** The root of the installed (or checked-out) ssm-hybrid-fleet package. */
export const PACKAGE_ROOT = findPackageRoot(__dirname);
