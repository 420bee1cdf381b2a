/**
 * Which fleet machines a command acts on: `--name PATTERN` (a glob on the Name tag, else the
 * computer name) and repeatable `--tag K=V` (all must match). Pure: no AWS here; the fleet
 * tag itself is applied by the listing (ops/fleet.ts), so nothing outside the fleet is ever
 * selected.
 */

/** One `--tag K=V`. */
export interface TagFilter {
  readonly key: string;
  readonly value: string;
}

/** A parsed selection. Empty = every fleet machine. */
export interface Selector {
  /** Glob: `*` any run of characters, `?` one character; case-insensitive. */
  readonly name?: string;
  /** Every pair must be on the machine. */
  readonly tags: readonly TagFilter[];
}

/** A bad `--tag` or `--name` value: says which and what is allowed. */
export class SelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SelectorError";
  }
}

const TAG_PART = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/**
 * Parses `K=V` (split at the first `=`; the value may be empty or contain `=`). The key is
 * 1-128 and the value 0-256 characters of SSM's tag character class.
 */
export function parseTagFilter(text: string): TagFilter {
  const at = text.indexOf("=");
  if (at <= 0) {
    throw new SelectorError(`--tag must be KEY=VALUE (e.g. Wave=3), got "${text}"`);
  }
  const key = text.slice(0, at);
  const value = text.slice(at + 1);
  if (key.length > 128 || !TAG_PART.test(key)) {
    throw new SelectorError(
      `--tag key must be 1-128 letters, digits, spaces or _.:/=+-@, got "${key}"`,
    );
  }
  if (value.length > 256 || !TAG_PART.test(value)) {
    throw new SelectorError(
      `--tag value must be 0-256 letters, digits, spaces or _.:/=+-@, got "${value}"`,
    );
  }
  return { key, value };
}

/** `glob` as an anchored, case-insensitive regular expression. */
export function globToRegExp(glob: string): RegExp {
  const body = [...glob]
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[\\^$.|+()[\]{}]/g, "\\$&")))
    .join("");
  return new RegExp(`^${body}$`, "iu");
}

/** A machine as the selector sees it. */
export interface Selectable {
  /** Name tag, else the computer name. */
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** True when `machine` matches every part of `selector`. */
export function matchesSelector(selector: Selector, machine: Selectable): boolean {
  if (selector.name !== undefined && !globToRegExp(selector.name).test(machine.name)) {
    return false;
  }
  return selector.tags.every((t) => machine.tags[t.key] === t.value);
}

/** True when the selector names no machine in particular (then mutating commands refuse). */
export function isEmptySelector(selector: Selector): boolean {
  return selector.name === undefined && selector.tags.length === 0;
}
