/**
 * Offline validator for SSM Command documents of schema 2.2.
 *
 * AWS publishes no JSON schema for Command documents, so the rules below are transcribed from
 * AWS's documentation (Systems Manager User Guide: "SSM document syntax" / "Data elements and
 * parameters", "Schemas, features, and examples", "Command document plugin reference"; the
 * CreateDocument API reference for the name pattern, reserved prefixes and the 64 KB limit).
 * The validator is proven on AWS's own documents (tests/fixtures/documents/aws-owned) and on
 * copies of them broken one rule at a time.
 */
import * as YAML from "yaml";

/** The inputs of `aws:softwareInventory` (and parameters of AWS-GatherSoftwareInventory). */
export const INVENTORY_PARAMETERS: readonly string[] = [
  "applications",
  "awsComponents",
  "files",
  "networkConfig",
  "windowsUpdates",
  "instanceDetailedInformation",
  "services",
  "windowsRegistry",
  "windowsRoles",
  "customInventory",
  "billingInfo",
];

/** One problem found in a document: where (a JSON-path-like location) and what. */
export interface DocumentIssue {
  readonly path: string;
  readonly message: string;
}

/** How to validate. */
export interface ValidateDocumentOptions {
  /** Document name to check (pattern, reserved prefixes). @default not checked */
  readonly name?: string;
  /**
   * The document is owned by Amazon: reserved name prefixes and the 64 KB CreateDocument limit
   * apply only to documents customers create (AWS-RunPatchBaseline is 73 KB).
   * @default false
   */
  readonly amazonOwned?: boolean;
  /**
   * This project's stricter policy on top of AWS's rules: only `String`/`StringList`
   * parameters, each with `allowedPattern` or `allowedValues`, and every reference inside a
   * script step used inside single quotes (`'{{ Param }}'`).
   * @default false
   */
  readonly strict?: boolean;
}

/** CreateDocument rejects content above 64 KB (MaxDocumentSizeExceeded). */
export const MAX_DOCUMENT_BYTES = 64 * 1024;
/** CreateDocument's `Name` pattern. */
export const DOCUMENT_NAME_PATTERN = /^[a-zA-Z0-9_\-.]{3,128}$/;
/**
 * Prefixes AWS reserves for its own document names (CreateDocument). Compared
 * case-insensitively: stricter than needed if AWS compares case-sensitively.
 */
export const RESERVED_NAME_PREFIXES = [
  "aws",
  "amazon",
  "amzn",
  "AWSEC2",
  "AWSConfigRemediation",
  "AWSSupport",
] as const;

/** Parameter types the document syntax allows. */
export const PARAMETER_TYPES = [
  "String",
  "StringList",
  "Integer",
  "Boolean",
  "MapList",
  "StringMap",
] as const;

const PARAMETER_PROPERTIES = new Set([
  "type",
  "description",
  "default",
  "allowedValues",
  "allowedPattern",
  "displayType",
  "minItems",
  "maxItems",
  "minChars",
  "maxChars",
  "interpolationType",
]);

const TOP_LEVEL = new Set(["schemaVersion", "description", "parameters", "mainSteps"]);
const STEP_KEYS = new Set(["action", "name", "inputs", "precondition"]);
const PLATFORMS = ["Linux", "Windows", "MacOS"];

type InputKind = "String" | "StringList" | "StringMap" | "Boolean" | "Timeout" | "Any";

interface InputSpec {
  readonly kind: InputKind;
  readonly required?: boolean;
  readonly values?: readonly string[];
}

/** Inputs every plugin accepts with SSM Agent 3.0.502+ ("Shared inputs"). */
const SHARED_INPUTS: Record<string, InputSpec> = {
  finallyStep: { kind: "Boolean" },
  onFailure: { kind: "String", values: ["exit", "successAndExit"] },
  onSuccess: { kind: "String", values: ["exit"] },
  // Schema 1.2's plugin id, still present in AWS-owned 2.2 documents (AWS-InstallApplication).
  id: { kind: "String" },
};

const S = (required = false): InputSpec => ({ kind: "String", required });

/** The plugin reference's inputs per action (required ones marked). */
export const PLUGIN_INPUTS: Readonly<Record<string, Readonly<Record<string, InputSpec>>>> = {
  "aws:applications": {
    action: { kind: "String", required: true, values: ["Install", "Repair", "Uninstall"] },
    parameters: S(),
    source: S(true),
    sourceHash: S(),
  },
  "aws:cloudWatch": { properties: { kind: "Any" } },
  "aws:configureDocker": {
    action: { kind: "String", required: true, values: ["Install", "Uninstall"] },
  },
  "aws:configurePackage": {
    name: S(true),
    action: { kind: "String", required: true, values: ["Install", "Uninstall"] },
    installationType: { kind: "String", values: ["Uninstall and reinstall", "In-place update"] },
    additionalArguments: { kind: "StringMap" },
    version: S(),
  },
  "aws:domainJoin": {
    directoryId: S(true),
    directoryName: S(true),
    directoryOU: S(),
    dnsIpAddresses: { kind: "StringList", required: true },
  },
  "aws:downloadContent": {
    sourceType: { kind: "String", required: true },
    sourceInfo: { kind: "StringMap", required: true },
    destinationPath: S(),
  },
  "aws:psModule": {
    runCommand: { kind: "StringList" },
    source: S(true),
    sourceHash: S(),
    timeoutSeconds: { kind: "Timeout" },
    workingDirectory: S(),
  },
  "aws:refreshAssociation": { associationIds: { kind: "StringList" } },
  "aws:runDockerAction": {
    action: S(true),
    container: S(),
    image: S(),
    cmd: S(),
    memory: S(),
    cpuShares: S(),
    volume: { kind: "StringList" },
    env: S(),
    user: S(),
    publish: S(),
  },
  "aws:runDocument": {
    documentType: S(true),
    documentPath: S(),
    documentParameters: { kind: "StringMap" },
  },
  "aws:runPowerShellScript": {
    runCommand: { kind: "StringList", required: true },
    timeoutSeconds: { kind: "Timeout" },
    workingDirectory: S(),
  },
  "aws:runShellScript": {
    runCommand: { kind: "StringList", required: true },
    timeoutSeconds: { kind: "Timeout" },
    workingDirectory: S(),
  },
  "aws:softwareInventory": Object.fromEntries(INVENTORY_PARAMETERS.map((k) => [k, S()])),
  "aws:updateAgent": {
    agentName: S(true),
    allowDowngrade: { kind: "Boolean" },
    source: S(true),
    targetVersion: S(),
  },
  "aws:updateSsmAgent": {
    agentName: S(true),
    allowDowngrade: { kind: "Boolean", required: true },
    source: S(true),
    targetVersion: S(),
  },
};

const REF = /\{\{\s*([^{}]*?)\s*\}\}/g;

function refsIn(s: string): string[] {
  return [...s.matchAll(REF)].map((m) => m[1]);
}

function isWholeRef(s: string): boolean {
  return /^\{\{\s*[^{}]*?\s*\}\}$/.test(s);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Strings anywhere inside a value, with their paths. */
function* stringsIn(v: unknown, at: string): Generator<[string, string]> {
  if (typeof v === "string") yield [at, v];
  else if (Array.isArray(v))
    for (let i = 0; i < v.length; i++) yield* stringsIn(v[i], `${at}[${i}]`);
  else if (isObject(v)) for (const [k, x] of Object.entries(v)) yield* stringsIn(x, `${at}.${k}`);
}

/**
 * RE2 (what `allowedPattern` uses) has no lookaround and no backreferences; anything else
 * must also compile.
 */
export function checkAllowedPattern(pattern: string): string | undefined {
  if (/\(\?<?[=!]/.test(pattern)) return "uses lookaround, which RE2 does not support";
  if (/\\[1-9]/.test(pattern)) return "uses a backreference, which RE2 does not support";
  try {
    new RegExp(pattern);
  } catch (e) {
    return `does not compile: ${(e as Error).message}`;
  }
  return undefined;
}

/** Checks a document name against CreateDocument's pattern and reserved prefixes. */
export function validateDocumentName(name: string): string | undefined {
  if (!DOCUMENT_NAME_PATTERN.test(name)) {
    return `name ${JSON.stringify(name)} must match ${DOCUMENT_NAME_PATTERN.source}`;
  }
  const reserved = RESERVED_NAME_PREFIXES.find((p) =>
    name.toLowerCase().startsWith(p.toLowerCase()),
  );
  if (reserved) return `name ${JSON.stringify(name)} starts with the reserved prefix "${reserved}"`;
  return undefined;
}

/** Parses JSON or YAML document content into an object (errors as issues). */
export function parseDocumentContent(content: string): { doc?: unknown; issues: DocumentIssue[] } {
  try {
    const trimmed = content.trimStart();
    const doc = trimmed.startsWith("{") ? JSON.parse(content) : YAML.parse(content);
    return { doc, issues: [] };
  } catch (e) {
    return {
      issues: [{ path: "$", message: `content is neither JSON nor YAML: ${(e as Error).message}` }],
    };
  }
}

/**
 * Validates a schema-2.2 Command document (its content as a string, JSON or YAML). Returns
 * every issue found; an empty list means valid.
 *
 * @example
 * const issues = validateCommandDocument(fs.readFileSync("documents/cis.yaml", "utf8"), { strict: true });
 * if (issues.length) throw new Error(formatIssues(issues));
 */
export function validateCommandDocument(
  content: string,
  opts: ValidateDocumentOptions = {},
): DocumentIssue[] {
  const issues: DocumentIssue[] = [];
  const add = (path: string, message: string) => issues.push({ path, message });

  if (opts.name !== undefined) {
    // AWS's own documents carry the reserved prefixes; only the pattern applies to them.
    const problem = opts.amazonOwned
      ? DOCUMENT_NAME_PATTERN.test(opts.name)
        ? undefined
        : `name ${JSON.stringify(opts.name)} must match ${DOCUMENT_NAME_PATTERN.source}`
      : validateDocumentName(opts.name);
    if (problem) add("name", problem);
  }
  const bytes = Buffer.byteLength(content, "utf8");
  if (!opts.amazonOwned && bytes > MAX_DOCUMENT_BYTES) {
    add("$", `content is ${bytes} bytes; CreateDocument accepts at most ${MAX_DOCUMENT_BYTES}`);
  }
  const parsed = parseDocumentContent(content);
  if (parsed.issues.length) return [...issues, ...parsed.issues];
  const doc = parsed.doc;
  if (!isObject(doc)) return [...issues, { path: "$", message: "content must be an object" }];

  for (const key of Object.keys(doc)) {
    if (!TOP_LEVEL.has(key)) {
      add(key, `unknown top-level element; schema 2.2 allows ${[...TOP_LEVEL].join(", ")}`);
    }
  }
  if (doc.schemaVersion !== "2.2") {
    add("schemaVersion", `must be "2.2", got ${JSON.stringify(doc.schemaVersion)}`);
  }
  if (doc.description !== undefined && typeof doc.description !== "string") {
    add("description", "must be a string");
  }

  const params: Record<string, Record<string, unknown>> = {};
  if (doc.parameters !== undefined) {
    if (!isObject(doc.parameters)) add("parameters", "must be an object");
    else {
      for (const [pname, p] of Object.entries(doc.parameters)) {
        const at = `parameters.${pname}`;
        if (!isObject(p)) {
          add(at, "must be an object");
          continue;
        }
        params[pname] = p;
        validateParameter(at, p, add, opts.strict === true);
      }
    }
  }

  if (!Array.isArray(doc.mainSteps) || doc.mainSteps.length === 0) {
    add("mainSteps", "is required and must be a non-empty list of steps");
  } else {
    const names = new Set<string>();
    doc.mainSteps.forEach((step, i) => {
      const at = `mainSteps[${i}]`;
      if (!isObject(step)) {
        add(at, "must be an object");
        return;
      }
      for (const key of Object.keys(step)) {
        if (!STEP_KEYS.has(key))
          add(`${at}.${key}`, "unknown step element; allowed: action, name, inputs, precondition");
      }
      if (typeof step.name !== "string" || step.name === "") {
        add(`${at}.name`, "is required");
      } else if (names.has(step.name)) {
        add(`${at}.name`, `duplicate step name ${JSON.stringify(step.name)}`);
      } else names.add(step.name);
      if (step.precondition !== undefined)
        validatePrecondition(`${at}.precondition`, step.precondition, add);
      const action = step.action;
      if (typeof action !== "string" || !(action in PLUGIN_INPUTS)) {
        add(
          `${at}.action`,
          `unknown action ${JSON.stringify(action)}; known actions: ${Object.keys(PLUGIN_INPUTS).join(", ")}`,
        );
        return;
      }
      if (!isObject(step.inputs)) {
        add(`${at}.inputs`, "is required and must be an object");
        return;
      }
      validateInputs(`${at}.inputs`, action, step.inputs, params, add, opts.strict === true);
    });
  }

  // Every {{ reference }} anywhere must name a declared parameter (or a Parameter Store one).
  for (const [at, s] of stringsIn({ mainSteps: doc.mainSteps, parameters: doc.parameters }, "$")) {
    for (const ref of refsIn(s)) {
      if (/^ssm(-secure)?:/.test(ref)) continue;
      if (!(ref in params))
        add(at.replace(/^\$\./, ""), `{{ ${ref} }} does not name a declared parameter`);
    }
  }
  return issues;
}

function validateParameter(
  at: string,
  p: Record<string, unknown>,
  add: (path: string, message: string) => void,
  strict: boolean,
): void {
  for (const key of Object.keys(p)) {
    if (!PARAMETER_PROPERTIES.has(key)) {
      add(
        `${at}.${key}`,
        `unknown parameter property; allowed: ${[...PARAMETER_PROPERTIES].join(", ")}`,
      );
    }
  }
  const type = p.type;
  if (!PARAMETER_TYPES.includes(type as (typeof PARAMETER_TYPES)[number])) {
    add(`${at}.type`, `must be one of ${PARAMETER_TYPES.join(", ")}, got ${JSON.stringify(type)}`);
    return;
  }
  if (strict && type !== "String" && type !== "StringList") {
    add(`${at}.type`, `must be String or StringList in this project's documents, got ${type}`);
  }
  if (p.description !== undefined && typeof p.description !== "string")
    add(`${at}.description`, "must be a string");
  if (
    p.displayType !== undefined &&
    p.displayType !== "textfield" &&
    p.displayType !== "textarea"
  ) {
    add(`${at}.displayType`, "must be textfield or textarea");
  }
  if (p.interpolationType !== undefined && p.interpolationType !== "ENV_VAR") {
    add(`${at}.interpolationType`, "must be ENV_VAR");
  }
  for (const k of ["minItems", "maxItems", "minChars", "maxChars"]) {
    if (p[k] !== undefined && !(Number.isInteger(p[k]) && (p[k] as number) >= 0)) {
      add(`${at}.${k}`, "must be a non-negative integer");
    }
  }
  let pattern: RegExp | undefined;
  if (p.allowedPattern !== undefined) {
    if (typeof p.allowedPattern !== "string") add(`${at}.allowedPattern`, "must be a string");
    else {
      const problem = checkAllowedPattern(p.allowedPattern);
      if (problem) add(`${at}.allowedPattern`, problem);
      else pattern = new RegExp(p.allowedPattern);
    }
  }
  if (p.allowedValues !== undefined && !Array.isArray(p.allowedValues)) {
    add(`${at}.allowedValues`, "must be a list");
  }
  if (strict && p.allowedPattern === undefined && p.allowedValues === undefined) {
    add(at, "needs allowedPattern or allowedValues in this project's documents");
  }
  if (p.default !== undefined) {
    const d = p.default;
    const typeOk =
      type === "String"
        ? typeof d === "string"
        : type === "StringList"
          ? Array.isArray(d) && d.every((x) => typeof x === "string")
          : type === "Integer"
            ? Number.isInteger(d)
            : type === "Boolean"
              ? typeof d === "boolean"
              : type === "StringMap"
                ? isObject(d) || typeof d === "string"
                : Array.isArray(d);
    if (!typeOk && !(typeof d === "string" && isWholeRef(d))) {
      add(`${at}.default`, `does not match the parameter type ${type}`);
    } else if (typeof d === "string" && !isWholeRef(d)) {
      if (Array.isArray(p.allowedValues) && !p.allowedValues.map(String).includes(d)) {
        add(`${at}.default`, `${JSON.stringify(d)} is not one of allowedValues`);
      }
      if (pattern && !pattern.test(d)) {
        add(`${at}.default`, `${JSON.stringify(d)} does not match allowedPattern`);
      }
    }
  }
}

function validatePrecondition(
  at: string,
  pre: unknown,
  add: (path: string, message: string) => void,
): void {
  // Only StringEquals with two operands is supported; platformType takes Linux/Windows/MacOS.
  if (!isObject(pre) || Object.keys(pre).length !== 1 || !("StringEquals" in pre)) {
    add(at, "must be { StringEquals: [left, right] } (the only supported operator)");
    return;
  }
  const ops = pre.StringEquals;
  if (!Array.isArray(ops) || ops.length !== 2 || !ops.every((o) => typeof o === "string")) {
    add(`${at}.StringEquals`, "must be a list of exactly two strings");
    return;
  }
  if (ops[0] === "platformType" && !PLATFORMS.includes(ops[1])) {
    add(
      `${at}.StringEquals`,
      `platformType must equal one of ${PLATFORMS.join(", ")}, got ${JSON.stringify(ops[1])}`,
    );
  }
  if (ops[0] !== "platformType" && refsIn(ops.join(" ")).length === 0) {
    add(`${at}.StringEquals`, "must compare platformType or a {{ parameter }}");
  }
}

function validateInputs(
  at: string,
  action: string,
  inputs: Record<string, unknown>,
  params: Record<string, Record<string, unknown>>,
  add: (path: string, message: string) => void,
  strict: boolean,
): void {
  const spec = PLUGIN_INPUTS[action];
  for (const [name, s] of Object.entries(spec)) {
    if (s.required && inputs[name] === undefined) add(`${at}.${name}`, `is required by ${action}`);
  }
  const paramType = (ref: string) => params[ref]?.type as string | undefined;
  for (const [name, value] of Object.entries(inputs)) {
    const s = spec[name] ?? SHARED_INPUTS[name];
    if (!s) {
      add(
        `${at}.${name}`,
        `unknown input for ${action}; allowed: ${[...Object.keys(spec), ...Object.keys(SHARED_INPUTS)].join(", ")}`,
      );
      continue;
    }
    const whole = typeof value === "string" && isWholeRef(value) ? refsIn(value)[0] : undefined;
    const wholeType = whole !== undefined ? paramType(whole) : undefined;
    let ok: boolean;
    switch (s.kind) {
      case "StringList":
        ok =
          (Array.isArray(value) && value.every((x) => typeof x === "string")) ||
          (whole !== undefined && (wholeType === "StringList" || wholeType === "String"));
        break;
      case "StringMap":
        ok = isObject(value) || typeof value === "string";
        break;
      case "Boolean":
        ok =
          typeof value === "boolean" ||
          value === "true" ||
          value === "false" ||
          whole !== undefined;
        break;
      case "Timeout":
        ok =
          (typeof value === "string" && (/^\d+$/.test(value) || whole !== undefined)) ||
          Number.isInteger(value);
        break;
      case "String":
        ok = typeof value === "string";
        break;
      default:
        ok = true;
    }
    if (!ok) {
      add(
        `${at}.${name}`,
        `must be a ${s.kind === "Timeout" ? "number of seconds" : s.kind} for ${action}`,
      );
      continue;
    }
    if (
      s.values &&
      typeof value === "string" &&
      refsIn(value).length === 0 &&
      !s.values.includes(value)
    ) {
      add(`${at}.${name}`, `must be one of ${s.values.join(", ")}, got ${JSON.stringify(value)}`);
    }
    // Only String and StringList parameters can be spliced into text ("parameter types are
    // static": an Integer cannot feed runCommand); other types only as a whole value.
    for (const [sp, str] of stringsIn(value, `${at}.${name}`)) {
      for (const ref of refsIn(str)) {
        const t = paramType(ref);
        if (t === undefined || t === "String" || t === "StringList") continue;
        if (!PARAMETER_TYPES.includes(t as (typeof PARAMETER_TYPES)[number])) continue;
        const wholeOfMatchingInput = isWholeRef(str) && sp === `${at}.${name}` && s.kind === t;
        if (!wholeOfMatchingInput) {
          add(
            sp,
            `parameter ${ref} of type ${t} cannot be used here; only String and StringList parameters can be embedded`,
          );
        }
      }
      if (strict && name === "runCommand") {
        const unquoted = str.replace(/'\{\{ [A-Za-z0-9_]+ \}\}'/g, "");
        if (refsIn(unquoted).length) {
          add(
            sp,
            `{{ ${refsIn(unquoted)[0]} }} must appear only as '{{ Name }}' (single-quoted) in this project's documents`,
          );
        }
      }
    }
  }
}

/** One line per issue, for error messages. */
export function formatIssues(issues: readonly DocumentIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join("\n");
}
