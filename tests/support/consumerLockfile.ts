/**
 * Builds the `package-lock.json` of a fresh consumer project that depends on this package's
 * tarball, from this repository's own lockfile.
 *
 * Why: `npm install --offline <tarball>` must resolve version ranges, which needs registry
 * metadata that `npm ci` never caches; `npm ci --offline` with a lockfile needs only the
 * package tarballs, which `npm ci` did cache (content-addressed by integrity). Copying the
 * entries the tarball's dependencies and peers reach gives the consumer the exact versions
 * this repository tests with, and a real npm install that needs no network.
 */

/** One `packages` entry of a v3 lockfile (the fields this module reads or clears). */
export interface LockEntry {
  readonly version?: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly peerDependenciesMeta?: Readonly<Record<string, { readonly optional?: boolean }>>;
  readonly optional?: boolean;
  readonly [field: string]: unknown;
}

/** A v3 lockfile: `packages` keyed by install location (`node_modules/a/node_modules/b`). */
export interface Lockfile {
  readonly lockfileVersion: number;
  readonly packages: Readonly<Record<string, LockEntry>>;
}

/** The packed package as the consumer sees it. */
export interface PackedPackage {
  readonly name: string;
  readonly version: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  /** How the consumer's package.json names the tarball, e.g. `file:../x-0.1.0.tgz`. */
  readonly spec: string;
  /** The tarball's `sha512-…` integrity (from `npm pack --json`). */
  readonly integrity: string;
  /** package.json's `bin`: npm links executables from the lockfile entry's copy. */
  readonly bin?: Readonly<Record<string, string>>;
}

/**
 * Where Node (and npm) finds `dep` when required from the package installed at `from`:
 * `from/node_modules/dep`, then each ancestor's `node_modules/dep`.
 */
export function resolveLocation(
  packages: Readonly<Record<string, LockEntry>>,
  from: string,
  dep: string,
): string | undefined {
  for (let at = from; ;) {
    const candidate = at === "" ? `node_modules/${dep}` : `${at}/node_modules/${dep}`;
    if (packages[candidate]) return candidate;
    if (at === "") return undefined;
    const cut = at.lastIndexOf("/node_modules/");
    at = cut < 0 ? "" : at.slice(0, cut);
  }
}

/** The npm registry's tarball URL of the package installed at `location`. */
export function registryTarball(location: string, version: string | undefined): string {
  const name = location.slice(location.lastIndexOf("node_modules/") + "node_modules/".length);
  return `https://registry.npmjs.org/${name}/-/${name.split("/").pop()}-${version}.tgz`;
}

/**
 * The consumer's lockfile: its root depends on the tarball; the tarball's dependencies and
 * peers, and everything they reach, keep this repository's locations, versions and
 * integrities. Throws when a required dependency is missing from `lock`. `withPeers: false`
 * leaves peers out, for a consumer whose own environment already provides them.
 */
export function consumerLockfile(
  lock: Lockfile,
  pkg: PackedPackage,
  consumerName: string,
  { withPeers = true }: { readonly withPeers?: boolean } = {},
) {
  const self = `node_modules/${pkg.name}`;
  const packages: Record<string, LockEntry> = {
    "": { name: consumerName, version: "1.0.0", dependencies: { [pkg.name]: pkg.spec } },
    [self]: {
      version: pkg.version,
      resolved: pkg.spec,
      integrity: pkg.integrity,
      dependencies: pkg.dependencies,
      peerDependencies: pkg.peerDependencies,
      ...(pkg.bin ? { bin: pkg.bin } : {}),
    },
  };
  const queue: Array<[string, string, boolean]> = [];
  const want = (from: string, deps: Readonly<Record<string, string>> = {}, optional: boolean) => {
    for (const dep of Object.keys(deps)) queue.push([from, dep, optional]);
  };
  want(self, pkg.dependencies, false);
  if (withPeers) want(self, pkg.peerDependencies, false);
  while (queue.length > 0) {
    const [from, dep, optional] = queue.shift()!;
    const at = resolveLocation(lock.packages, from, dep);
    if (at === undefined) {
      if (optional) continue;
      throw new Error(`${dep} (needed by ${from}) is not in the repository's lockfile`);
    }
    if (packages[at]) continue;
    // Dev/peer flags describe this repository's tree; npm recomputes them for the consumer.
    const entry: Record<string, unknown> = { ...lock.packages[at] };
    for (const flag of ["dev", "devOptional", "peer"]) delete entry[flag];
    // Without `resolved` npm fetches each package's registry metadata to find its tarball,
    // which is neither cached by `npm ci` nor fast; with it, the cached tarball serves.
    packages[at] = { resolved: registryTarball(at, lock.packages[at].version), ...entry };
    const found = lock.packages[at];
    want(at, found.dependencies, false);
    want(at, found.optionalDependencies, true);
    const peers = Object.fromEntries(
      Object.entries(found.peerDependencies ?? {}).filter(
        ([name]) => !found.peerDependenciesMeta?.[name]?.optional,
      ),
    );
    if (withPeers) want(at, peers, false);
  }
  return { name: consumerName, version: "1.0.0", lockfileVersion: 3, requires: true, packages };
}
