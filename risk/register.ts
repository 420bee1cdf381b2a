/**
 * The acceptance register: validation of the accepted risks a stack configures
 * (`risk.acceptances`), and the register files the risk SQL joins.
 *
 * Pure and engine-neutral (no Pulumi, no AWS SDK): the RiskView component, the stack config and
 * the offline `npm run risk` all validate with the same function and get the same words.
 *
 * The register files, as the risk SQL reads them: the stack writes {@link registerFiles}'
 * objects into the bucket under the register prefix (`risk-register/` by default), where the
 * Glue tables of `riskGlueTableSpecs` (risk/sql.ts) catalogue them.
 *
 * Format: two newline-delimited JSON objects, lower-case keys equal to the Glue columns.
 * - `acceptances/acceptances.json`: one line per acceptance, keys `id`, `control`,
 *   `finding_pattern` (left out when the acceptance has none: every finding), `reason`,
 *   `approver`, `expires_at`;
 * - `scopes/scopes.json`: one line per scope entry, `{"acceptance_id", "kind": "name",
 *   "match_value": <name or resource ID>}` or `{"acceptance_id", "kind": "tag", "tag_key",
 *   "match_value": <tag value>}`. An acceptance without names covers every machine name;
 *   without tags it requires none.
 * Lines are sorted by acceptance ID (then kind, tag key, value) so that the objects, and the
 * stack's preview, do not change unless the register does. An empty register is two empty
 * objects (zero lines), which both engines read as empty tables.
 */
import { nestedQuantifier } from "../functions/activation/patternSafety";
import {
  DEFAULT_MAX_ACCEPTANCE_DAYS,
  EXPIRING_SOON_DAYS,
  type Acceptance,
  type RiskControl,
} from "./model";
import { REGISTER_FOLDERS } from "./sql";

/** One problem with the register: where (`risk.acceptances[2].approver`) and what. */
export interface AcceptanceProblem {
  /** Path of the offending value, from `basePath`. */
  readonly path: string;
  /** What is wrong and what is allowed. */
  readonly message: string;
}

/** What {@link validateAcceptances} checks the register against. */
export interface AcceptanceRules {
  /** The enabled controls: an acceptance must name one, and not a mandated one. */
  readonly controls: readonly RiskControl[];
  /** The instant expiries are compared with (the deploy's or the snapshot's "now"). */
  readonly now: Date;
  /** Longest an acceptance may run from `now`, days (1–{@link DEFAULT_MAX_ACCEPTANCE_DAYS}). */
  readonly maxAcceptanceDays: number;
  /**
   * Path of the list, prefixed to every problem's path.
   * @default "risk.acceptances" (the stack config key)
   */
  readonly basePath?: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Register IDs: they appear in metrics, the report and the SQL's output, so keep them plain. */
const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** An ISO 8601 instant with a zone: `2027-03-31T00:00:00Z`, `2027-03-31T10:00:00.5+10:00`. */
const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;
/** SSM's tag character class (aws-facts.md, CreateActivation Tags). */
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
/** Machine names: the Name tag (tag characters), a computer name or a resource ID. */
const NAME_MAX = 256;
const PATTERN_MAX = 256;
const TEXT_MAX = 1024;

/**
 * Why `pattern` is not a safe, portable finding pattern, or undefined when it is. The
 * pattern runs in Athena (Trino) and in DuckDB (RE2), over every finding of the fleet, so it
 * must compile, use only what both engines share (no backreferences, no lookaround: RE2 has
 * neither), and not nest a varying repetition in another (`(a+)+`), which makes a
 * backtracking engine take exponential time (functions/activation/patternSafety.ts).
 */
export function findingPatternProblem(pattern: string): string | undefined {
  if (pattern.length === 0 || pattern.length > PATTERN_MAX) {
    return `must be a regular expression of 1–${PATTERN_MAX} characters (leave it out to accept every finding of the control)`;
  }
  try {
    new RegExp(pattern, "u");
  } catch (err) {
    return `is not a valid regular expression: ${(err as Error).message}`;
  }
  if (/\\[1-9]|\\k</.test(pattern)) {
    return `must not use backreferences (\\1, \\k<name>): RE2 (DuckDB) has none; got ${JSON.stringify(pattern)}`;
  }
  if (/\(\?<?[=!]/.test(pattern)) {
    return `must not use lookaround ((?=, (?!, (?<=, (?<!): RE2 (DuckDB) has none; got ${JSON.stringify(pattern)}`;
  }
  const nested = nestedQuantifier(pattern);
  if (nested !== undefined) {
    return `nests a repetition inside a repetition (${nested}), which can take exponential time; write it without the outer repetition`;
  }
  return undefined;
}

/** Milliseconds since the epoch of a valid ISO 8601 instant with a zone, else undefined. */
export function parseInstant(value: string): number | undefined {
  const m = INSTANT.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, zh, zm] = m.map((v) => (v === undefined ? 0 : Number(v)));
  // Date.parse accepts 2027-02-30 (it rolls over to March 2): check the calendar itself.
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth || h > 23 || mi > 59 || s > 59) {
    return undefined;
  }
  if (zh > 23 || zm > 59) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function requiredText(
  a: Record<string, unknown>,
  key: "reason" | "approver",
  at: string,
  why: string,
): AcceptanceProblem[] {
  const v = a[key];
  if (typeof v !== "string" || v.trim() === "") {
    return [{ path: `${at}.${key}`, message: `is required: ${why}` }];
  }
  if (v.length > TEXT_MAX) {
    return [{ path: `${at}.${key}`, message: `must be at most ${TEXT_MAX} characters` }];
  }
  return [];
}

function expiryProblems(
  value: unknown,
  at: string,
  rules: AcceptanceRules,
  maxDays: number,
): AcceptanceProblem[] {
  const path = `${at}.expiresAt`;
  if (value === undefined || value === "") {
    return [{ path, message: "is required: every acceptance expires (e.g. 2027-03-31T00:00:00Z)" }];
  }
  const ms = typeof value === "string" ? parseInstant(value) : undefined;
  if (ms === undefined) {
    return [
      {
        path,
        message: `must be an ISO 8601 instant with a zone, e.g. 2027-03-31T00:00:00Z; got ${JSON.stringify(value)}`,
      },
    ];
  }
  // An expiry that has passed is no error: the acceptance is reported as expired (its findings
  // count as open and the expired-acceptance alarm fires), and a lapsed approval must not block
  // an unrelated `pulumi up`. {@link acceptanceWarnings} says so at synth time.
  const now = rules.now.getTime();
  if (ms > now + maxDays * DAY_MS) {
    const latest = new Date(now + maxDays * DAY_MS).toISOString();
    return [
      {
        path,
        message: `${value as string} is more than maxAcceptanceDays (${maxDays}) ahead: at the latest ${latest}`,
      },
    ];
  }
  return [];
}

function scopeProblems(a: Record<string, unknown>, at: string): AcceptanceProblem[] {
  const problems: AcceptanceProblem[] = [];
  if (a.names !== undefined) {
    if (!Array.isArray(a.names) || a.names.length === 0) {
      problems.push({
        path: `${at}.names`,
        message:
          "must list at least one machine name or resource ID (leave it out to cover every machine)",
      });
    } else {
      const names: readonly unknown[] = a.names;
      names.forEach((n, j) => {
        if (typeof n !== "string" || n === "" || n.length > NAME_MAX || !TAG_CHARS.test(n)) {
          problems.push({
            path: `${at}.names[${j}]`,
            message: `must be a machine name or resource ID: 1–${NAME_MAX} letters, digits, spaces or _ . : / = + - @; got ${JSON.stringify(n)}`,
          });
        } else if (names.indexOf(n) !== j) {
          problems.push({ path: `${at}.names[${j}]`, message: `repeats ${JSON.stringify(n)}` });
        }
      });
    }
  }
  if (a.tags !== undefined) {
    if (!isRecord(a.tags) || Object.keys(a.tags).length === 0) {
      problems.push({
        path: `${at}.tags`,
        message: "must map at least one tag key to its value (leave it out to require no tag)",
      });
    } else {
      for (const [k, v] of Object.entries(a.tags)) {
        const keyOk = k.length >= 1 && k.length <= 128 && TAG_CHARS.test(k) && !/^aws:/i.test(k);
        if (!keyOk) {
          problems.push({
            path: `${at}.tags`,
            message: `key ${JSON.stringify(k)} must be a tag key: 1–128 letters, digits, spaces or _ . : / = + - @, not starting with aws:`,
          });
        } else if (typeof v !== "string" || v.length > 256 || !TAG_CHARS.test(v)) {
          problems.push({
            path: `${at}.tags.${k}`,
            message: `must be a tag value: 0–256 letters, digits, spaces or _ . : / = + - @; got ${JSON.stringify(v)}`,
          });
        }
      }
    }
  }
  return problems;
}

/**
 * Every problem with the acceptance register, in list order; empty when it is valid. Checks
 * each entry's ID (plain, unique), control (an enabled one, not mandated), finding pattern
 * ({@link findingPatternProblem}), scope (names, tags), reason, approver and expiry (an ISO
 * 8601 instant with a zone, after `now`, at most `maxAcceptanceDays` ahead). Pure: the
 * caller supplies the clock.
 *
 * @example
 * ```ts
 * validateAcceptances(config.acceptances, { controls, now: new Date(), maxAcceptanceDays: 365 });
 * // [{ path: "risk.acceptances[2].approver", message: "is required: …" }]
 * ```
 */
export function validateAcceptances(
  acceptances: readonly unknown[],
  rules: AcceptanceRules,
): AcceptanceProblem[] {
  const base = rules.basePath ?? "risk.acceptances";
  const max = rules.maxAcceptanceDays;
  if (!Number.isInteger(max) || max < 1 || max > DEFAULT_MAX_ACCEPTANCE_DAYS) {
    return [
      {
        path: `${base.includes(".") ? base.slice(0, base.lastIndexOf(".") + 1) : ""}maxAcceptanceDays`,
        message: `must be a whole number of days from 1 to ${DEFAULT_MAX_ACCEPTANCE_DAYS}; got ${max}`,
      },
    ];
  }
  const enabled = rules.controls.map((c) => c.name);
  const allowed = enabled.length > 0 ? enabled.join(", ") : "none: no control is enabled";
  const seen = new Map<string, number>();
  const problems: AcceptanceProblem[] = [];
  acceptances.forEach((entry, i) => {
    const at = `${base}[${i}]`;
    if (!isRecord(entry)) {
      problems.push({ path: at, message: "must be an object (a YAML mapping)" });
      return;
    }
    const id = entry.id;
    if (typeof id !== "string" || !ID.test(id)) {
      problems.push({
        path: `${at}.id`,
        message: `must be 1–64 letters, digits, _ . - starting with a letter or digit; got ${JSON.stringify(id)}`,
      });
    } else if (seen.has(id)) {
      problems.push({
        path: `${at}.id`,
        message: `"${id}" is already used by ${base}[${seen.get(id)}]: IDs must be unique`,
      });
    } else {
      seen.set(id, i);
    }
    const control = rules.controls.find((c) => c.name === entry.control);
    if (control === undefined) {
      problems.push({
        path: `${at}.control`,
        message: `must be an enabled control (${allowed}); got ${JSON.stringify(entry.control)}`,
      });
    } else if (control.mandatory) {
      problems.push({
        path: `${at}.control`,
        message: `"${control.name}" is mandated (controls.${control.name}.mandatory): its findings cannot be accepted`,
      });
    }
    if (entry.findingPattern !== undefined) {
      const problem =
        typeof entry.findingPattern === "string"
          ? findingPatternProblem(entry.findingPattern)
          : "must be a string (a regular expression)";
      if (problem !== undefined) problems.push({ path: `${at}.findingPattern`, message: problem });
    }
    problems.push(...scopeProblems(entry, at));
    problems.push(...requiredText(entry, "reason", at, "say why the business accepts this risk"));
    problems.push(
      ...requiredText(entry, "approver", at, "name who approved it (a person or a change record)"),
    );
    problems.push(...expiryProblems(entry.expiresAt, at, rules, max));
  });
  return problems;
}

/**
 * Warnings for valid acceptances that have expired, or expire within
 * {@link EXPIRING_SOON_DAYS} days of `now`: their findings count as open (again) once expired.
 * The component logs each with `pulumi.log.warn`; `npm run risk` prints them.
 */
export function acceptanceWarnings(
  acceptances: readonly Acceptance[],
  now: Date,
  basePath = "risk.acceptances",
): string[] {
  const soon = now.getTime() + EXPIRING_SOON_DAYS * DAY_MS;
  return acceptances.flatMap((a, i) => {
    const ms = parseInstant(a.expiresAt);
    if (ms === undefined || ms > soon) return [];
    if (ms <= now.getTime()) {
      return [
        `${basePath}[${i}] (${a.id}) expired at ${a.expiresAt}: its findings of ${a.control} count as open (acceptance-expired) and the expired-acceptance alarm fires; renew it with a new approval or remove it`,
      ];
    }
    const days = Math.ceil((ms - now.getTime()) / DAY_MS);
    return [
      `${basePath}[${i}] (${a.id}) expires ${a.expiresAt}, in ${days} day${days === 1 ? "" : "s"}: its findings of ${a.control} count as open again after that; renew it or fix them`,
    ];
  });
}

/** Key suffixes (below the register prefix) of the register objects. */
export const REGISTER_KEYS = {
  acceptances: `${REGISTER_FOLDERS.acceptances}/acceptances.json`,
  scopes: `${REGISTER_FOLDERS.scopes}/scopes.json`,
} as const;

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function ndjson(lines: readonly object[]): string {
  return lines.map((l) => `${JSON.stringify(l)}\n`).join("");
}

/**
 * The register objects for a list of (validated) acceptances: S3 key suffix → NDJSON body.
 * @example
 * registerFiles([{ id: "kb-1", control: "patch", findingPattern: "KB50.*", names: ["web-01"],
 *   reason: "vendor fix due", approver: "CAB-42", expiresAt: "2027-03-31T00:00:00Z" }])
 * // { "acceptances/acceptances.json": '{"id":"kb-1","control":"patch",…}\n',
 * //   "scopes/scopes.json": '{"acceptance_id":"kb-1","kind":"name","match_value":"web-01"}\n' }
 */
export function registerFiles(acceptances: readonly Acceptance[]): Record<string, string> {
  const sorted = [...acceptances].sort((a, b) => compare(a.id, b.id));
  const rows = sorted.map((a) => ({
    id: a.id,
    control: a.control,
    ...(a.findingPattern === undefined ? {} : { finding_pattern: a.findingPattern }),
    reason: a.reason,
    approver: a.approver,
    expires_at: a.expiresAt,
  }));
  const scopes: object[] = [];
  for (const a of sorted) {
    for (const name of [...new Set(a.names ?? [])].sort(compare)) {
      scopes.push({ acceptance_id: a.id, kind: "name", match_value: name });
    }
    for (const [key, value] of Object.entries(a.tags ?? {}).sort(([x], [y]) => compare(x, y))) {
      scopes.push({ acceptance_id: a.id, kind: "tag", tag_key: key, match_value: value });
    }
  }
  return { [REGISTER_KEYS.acceptances]: ndjson(rows), [REGISTER_KEYS.scopes]: ndjson(scopes) };
}
