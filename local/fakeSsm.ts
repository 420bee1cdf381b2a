/**
 * A local stand-in for AWS Systems Manager that speaks the AWS JSON 1.1 protocol closely
 * enough for the real `@aws-sdk/client-ssm` client to use it unmodified (point `endpoint` at
 * {@link FakeSsm.url}). It keeps activations and managed instances in memory, validates
 * input the way SSM does (ValidationException for modelled constraints, InvalidParameters
 * for rules the service checks itself), and can inject throttling and 5xx errors so the
 * handler's retry and error paths can be exercised without AWS. Run Command (SendCommand,
 * ListCommandInvocations) is simulated per instance: scripted outcomes and delays, with
 * MaxConcurrency and MaxErrors applied the way SSM describes them.
 *
 * Facts it follows: /work/shared/reference/aws-facts.md. Wire format: awsJson1_1, i.e.
 * `POST /`, `X-Amz-Target: AmazonSSM.<Op>`, JSON bodies, timestamps as epoch seconds, errors
 * as `{"__type": "<Code>", "message": "..."}` (the SDK reads `__type` first, then `code`,
 * then the `x-amzn-ErrorType` header; both `__type` and the header are sent).
 */
import { randomBytes, randomUUID } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type {
  CommandInvocation,
  InstanceInformation,
  PingStatus,
  ResourceType,
  Tag,
} from "@aws-sdk/client-ssm";

/** The operations the fake implements; anything else answers `UnknownOperationException`. */
export const FAKE_SSM_OPERATIONS = [
  "AddTagsToResource",
  "CreateActivation",
  "DeleteActivation",
  "DeregisterManagedInstance",
  "DescribeActivations",
  "DescribeInstanceInformation",
  "ListCommandInvocations",
  "ListComplianceItems",
  "ListTagsForResource",
  "PutComplianceItems",
  "RemoveTagsFromResource",
  "SendCommand",
] as const;

/** One of {@link FAKE_SSM_OPERATIONS}. */
export type FakeSsmOperation = (typeof FAKE_SSM_OPERATIONS)[number];

/** A managed instance served by `DescribeInstanceInformation`, with the tags SSM keeps beside it. */
export interface FakeInstance extends InstanceInformation {
  /** `mi-` + 17 hex for hybrid nodes, `i-…` for EC2 instances. */
  InstanceId: string;
  /** Tags on the node (what `tag:<key>` filters and `ListTagsForResource` see). @default [] */
  Tags?: Tag[];
}

/** An activation as the fake stores it (the code is kept so {@link FakeSsm.registerInstance} can check it). */
export interface FakeActivation {
  /** UUID returned by CreateActivation. */
  readonly ActivationId: string;
  /** The secret code returned once by CreateActivation. */
  readonly ActivationCode: string;
  /** As sent to CreateActivation. */
  readonly Description?: string;
  /** As sent to CreateActivation; becomes the registered node's `Name`. */
  readonly DefaultInstanceName?: string;
  /** As sent to CreateActivation. */
  readonly IamRole: string;
  /** As sent, or 1. */
  readonly RegistrationLimit: number;
  /** How many nodes registered with it so far. */
  RegistrationsCount: number;
  /** As sent, or 24 h after creation. */
  readonly ExpirationDate: Date;
  /** When CreateActivation ran. */
  readonly CreatedDate: Date;
  /** As sent; applied to every node that registers with it. */
  readonly Tags: Tag[];
}

/**
 * How one instance answers a Run Command invocation. The terminal state is reached `delayMs`
 * after the invocation starts (it starts when MaxConcurrency lets it).
 */
export interface FakeCommandOutcome {
  /**
   * Terminal state: `Success`, `Failed` (non-zero exit), `ExecutionTimedOut` (ran too long;
   * counts against MaxErrors), `DeliveryTimedOut` and `Undeliverable` (never ran; do not
   * count), `Cancelled`. `Terminated` is never scripted: SSM gives it to invocations it stops
   * sending once MaxErrors is exceeded, and so does the fake.
   */
  readonly status:
    "Success" | "Failed" | "ExecutionTimedOut" | "DeliveryTimedOut" | "Undeliverable" | "Cancelled";
  /** Plugin response code. @default 0 for Success, 1 for Failed, 137 for ExecutionTimedOut, else -1 */
  readonly responseCode?: number;
  /** Plugin output (SSM returns at most 2,500 characters of it). @default "" */
  readonly output?: string;
  /** Milliseconds from start to the terminal state (InProgress meanwhile). @default 0 */
  readonly delayMs?: number;
}

/** A command document the fake knows, with its parameter declarations (as in the YAML). */
export interface FakeDocument {
  /** Parameter name to declaration; a declaration without `default` is required. @default {} */
  readonly parameters?: Readonly<
    Record<
      string,
      { default?: unknown; allowedValues?: readonly string[]; allowedPattern?: string }
    >
  >;
}

/** A command as SendCommand accepted it. */
export interface FakeCommand {
  readonly CommandId: string;
  readonly DocumentName: string;
  readonly Parameters: Readonly<Record<string, string[]>>;
  readonly InstanceIds: readonly string[];
  readonly MaxConcurrency: string;
  readonly MaxErrors: string;
  readonly Comment?: string;
  readonly RequestedDateTime: Date;
}

/**
 * What PutComplianceItems stored for one resource and compliance type: each call replaces the
 * previous items of that type on that resource (aws-facts: "Each call replaces that type's
 * items on that resource").
 */
export interface FakeComplianceRecord {
  readonly ResourceId: string;
  readonly ResourceType: string;
  readonly ComplianceType: string;
  readonly ExecutionSummary: {
    readonly ExecutionTime: Date;
    readonly ExecutionId?: string;
    readonly ExecutionType?: string;
  };
  readonly Items: readonly {
    readonly Id: string;
    readonly Title?: string;
    readonly Severity: string;
    readonly Status: string;
    readonly Details?: Readonly<Record<string, string>>;
  }[];
}

/** Error injection for throttling; both knobs may be combined. */
export interface FakeSsmThrottle {
  /**
   * Admit at most this many calls per second (token bucket, capacity = this value, refilled
   * continuously); the rest answer ThrottlingException. Unset = no rate cap.
   */
  readonly admitPerSecond?: number;
  /** Probability 0..1 that an otherwise admitted call is throttled anyway. @default 0 */
  readonly rate?: number;
  /** Only these operations are throttled. @default every operation */
  readonly operations?: readonly string[];
}

/** Options for {@link startFakeSsm}. */
export interface FakeSsmOptions {
  /** Interface to bind. @default "127.0.0.1" */
  readonly host?: string;
  /** Port to bind. @default 0 (ephemeral) */
  readonly port?: number;
  /** Region reported in ARNs and error messages. @default "ap-southeast-2" */
  readonly region?: string;
  /** Account used in role ARNs. @default "123456789012" */
  readonly accountId?: string;
  /** Instances already registered when the server starts. @default [] */
  readonly instances?: readonly FakeInstance[];
  /**
   * Role names that exist; CreateActivation with any other answers `ValidationException: Not
   * existing role`, as SSM does for a missing or untrusted role. @default every name exists
   */
  readonly iamRoles?: readonly string[];
  /** Throttling injection. @default none */
  readonly throttle?: FakeSsmThrottle;
  /** Seed for the injected-rate RNG (mulberry32), for repeatable runs. @default Math.random */
  readonly seed?: number;
  /** Clock, in epoch milliseconds, for expiry checks and the throttle bucket. @default Date.now */
  readonly now?: () => number;
  /**
   * Documents SendCommand accepts, by name; any other answers InvalidDocument, and parameters
   * are checked against the declarations (InvalidParameters). @default every name exists and
   * takes any parameters
   */
  readonly documents?: Readonly<Record<string, FakeDocument>>;
  /** Run Command outcome per instance ID. @default {@link FakeSsmOptions.defaultCommandOutcome} */
  readonly commandOutcomes?: Readonly<Record<string, FakeCommandOutcome>>;
  /** Outcome of instances without their own. @default `{ status: "Success" }` at once */
  readonly defaultCommandOutcome?: FakeCommandOutcome;
}

/** Counters since start (or the last {@link FakeSsm.resetStats}). */
export interface FakeSsmStats {
  /** Requests received per `X-Amz-Target` operation name, whatever their outcome. */
  readonly calls: Readonly<Record<string, number>>;
  /** Requests answered with an injected ThrottlingException. */
  readonly throttled: number;
  /** Requests answered with an injected 5xx (see {@link FakeSsm.failNext}). */
  readonly failed: number;
  /** Requests that passed the injections and reached the operation (success or modelled error). */
  readonly admitted: number;
  /** Every request received. */
  readonly total: number;
}

/** One request as the fake saw it, for asserting what a client sent. */
export interface FakeSsmRequest {
  /** Operation name from `X-Amz-Target`. */
  readonly operation: string;
  /** Parsed JSON body (undefined when it was not JSON). */
  readonly input: unknown;
  /** HTTP status sent back. */
  readonly status: number;
  /** `__type` of the error sent back, if any. */
  readonly errorType?: string;
}

/** Options for {@link FakeSsm.registerInstance}. */
export type RegisterInstanceOverrides = Partial<Omit<FakeInstance, "ActivationId">>;

/** A running fake SSM endpoint. */
export interface FakeSsm {
  /** `http://127.0.0.1:<port>`: pass as the SDK's `endpoint` (or the handler's `SSM_ENDPOINT`). */
  readonly url: string;
  /** Bound port. */
  readonly port: number;
  /** Region the fake claims to be. */
  readonly region: string;
  /** Every activation created (deleted ones are removed). */
  readonly activations: readonly FakeActivation[];
  /** Every registered instance, in registration order. */
  readonly instances: readonly FakeInstance[];
  /** Every request received, oldest first. */
  readonly requests: readonly FakeSsmRequest[];
  /** Every command SendCommand accepted, oldest first. */
  readonly commands: readonly FakeCommand[];
  /** What PutComplianceItems holds now: one record per resource and compliance type. */
  readonly compliance: readonly FakeComplianceRecord[];
  /** Script (or, with undefined, unscript) how an instance answers commands sent from now on. */
  setCommandOutcome(instanceId: string, outcome: FakeCommandOutcome | undefined): void;
  /** Counters since start or the last reset. */
  stats(): FakeSsmStats;
  /** Zero the counters and the request log (not the data). */
  resetStats(): void;
  /** Replace the throttling injection (undefined = none); the bucket starts full. */
  setThrottle(throttle: FakeSsmThrottle | undefined): void;
  /**
   * Answer the next `count` requests (of `operation`, or of any operation) with HTTP `status`
   * and `InternalServerError`, before throttling is considered.
   */
  failNext(count: number, status?: number, operation?: string): void;
  /**
   * Simulate `amazon-ssm-agent -register`: consume one registration of the activation and
   * create a managed instance (`mi-` + 17 hex, Name = DefaultInstanceName, tags = activation
   * tags, PingStatus Online). Throws an error named `InvalidActivation` if the id/code pair is
   * unknown, expired or used up, as the agent would report.
   */
  registerInstance(
    activationId: string,
    activationCode: string,
    overrides?: RegisterInstanceOverrides,
  ): FakeInstance;
  /** Add (or replace, by InstanceId) an instance. */
  putInstance(instance: FakeInstance): void;
  /** Change an instance's PingStatus (e.g. to `ConnectionLost`). Throws if it does not exist. */
  setPingStatus(instanceId: string, status: PingStatus): void;
  /** Stop listening and drop open connections. */
  close(): Promise<void>;
}

/** Same character class SSM uses for names, tag keys and tag values (needs the `u` flag). */
const SSM_NAME_PATTERN = /^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u;
const SSM_NAME_PATTERN_TEXT = "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$";
const TAG_KEY_PATTERN_TEXT = "^(?!^(?i)aws:)(?=^[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*$).*$";
const MANAGED_INSTANCE_ID = /^mi-[0-9a-f]{17}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_ACTIVATION_LIFETIME_MS = 30 * DAY_MS;
const MAX_TAGS_PER_RESOURCE = 50;
// UNVERIFIED: SSM does not document the page size used when MaxResults is omitted.
const DEFAULT_PAGE_SIZE = 50;
const INSTANCE_FILTER_KEYS = [
  "ActivationIds",
  "AgentVersion",
  "AssociationStatus",
  "IamRole",
  "InstanceIds",
  "PingStatus",
  "PlatformTypes",
  "ResourceType",
  "SourceIds",
  "SourceTypes",
  "tag-key",
];
const ACTIVATION_FILTER_KEYS = ["ActivationIds", "DefaultInstanceName", "IamRole"];
// Run Command shapes (botocore ssm/2014-11-06: SendCommandRequest, ListCommandInvocationsRequest).
const INSTANCE_ID = /(^i-(\w{8}|\w{17})$)|(^mi-\w{17}$)/;
const INSTANCE_ID_TEXT = "(^i-(\\w{8}|\\w{17})$)|(^mi-\\w{17}$)";
const DOCUMENT_ARN = /^[a-zA-Z0-9_\-.:/]{3,128}$/;
const MAX_CONCURRENCY = /^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$/;
const MAX_ERRORS = /^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$/;
// PutComplianceItems shapes (botocore ssm/2014-11-06: ComplianceTypeName, ComplianceSeverity, …).
const COMPLIANCE_TYPE = /^([A-Za-z0-9_\-]\w+|Custom:[a-zA-Z0-9_\-]\w+)$/;
const COMPLIANCE_SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNSPECIFIED"];
const COMPLIANCE_STATUSES = ["COMPLIANT", "NON_COMPLIANT"];
const MAX_COMPLIANCE_ITEMS = 10_000;
const COMMAND_FILTER_KEYS = [
  "InvokedAfter",
  "InvokedBefore",
  "Status",
  "ExecutionStage",
  "DocumentName",
];
/** CommandPluginOutput: SSM keeps the first 2,500 characters (the rest goes to S3 if asked). */
const MAX_PLUGIN_OUTPUT = 2500;

/** An error that becomes an awsJson1_1 error response. */
class SsmError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    // Modelled SSM exceptions carry `Message`; framework errors (validation, throttling) `message`.
    readonly messageKey: "message" | "Message" = "Message",
  ) {
    super(message);
    this.name = code;
  }
}

/** Collects Smithy constraint violations and reports them in SSM's wording. */
class ConstraintErrors {
  private readonly items: string[] = [];

  add(value: unknown, path: string, constraint: string): void {
    const shown = value === undefined || value === null ? "null" : `'${String(value)}'`;
    this.items.push(`Value ${shown} at '${path}' failed to satisfy constraint: ${constraint}`);
  }

  length(value: string | undefined, path: string, min: number, max: number): void {
    if (value === undefined) return;
    if (value.length < min)
      this.add(value, path, `Member must have length greater than or equal to ${min}`);
    if (value.length > max)
      this.add(value, path, `Member must have length less than or equal to ${max}`);
  }

  range(value: number | undefined, path: string, min: number, max: number): void {
    if (value === undefined) return;
    if (value < min)
      this.add(value, path, `Member must have value greater than or equal to ${min}`);
    if (value > max) this.add(value, path, `Member must have value less than or equal to ${max}`);
  }

  throwIfAny(): void {
    const n = this.items.length;
    if (n === 0) return;
    const head = `${n} validation error${n === 1 ? "" : "s"} detected: `;
    throw new SsmError("ValidationException", head + this.items.join("; "), 400, "message");
  }
}

/** mulberry32: tiny, seedable, good enough to decide injected failures repeatably. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Activation codes look like `base64` text of 20 characters. */
function newActivationCode(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  return Array.from(randomBytes(20), (b) => alphabet[b & 63]).join("");
}

function newManagedInstanceId(): string {
  return `mi-${randomBytes(9).toString("hex").slice(0, 17)}`;
}

/** awsJson1_1 sends timestamps as epoch seconds; accept ISO strings too for hand-written calls. */
function parseTimestamp(value: unknown): Date | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number") return new Date(value * 1000);
  if (typeof value === "string") {
    const d = new Date(value);
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new SsmError(
    "SerializationException",
    `Cannot parse timestamp ${JSON.stringify(value)}`,
    400,
    "message",
  );
}

/** Dates become epoch seconds, as the SDK's awsJson deserializer expects. */
function toWire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toWire);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toWire(v);
    return out;
  }
  return value;
}

function asString(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") {
    throw new SsmError("SerializationException", `Expected a string at '${path}'`, 400, "message");
  }
  return value;
}

function asNumber(value: unknown, path: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new SsmError(
      "SerializationException",
      `Expected an integer at '${path}'`,
      400,
      "message",
    );
  }
  return value;
}

function asArray(value: unknown, path: string): unknown[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    throw new SsmError("SerializationException", `Expected a list at '${path}'`, 400, "message");
  }
  return value;
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** Validates a Tags list against SSM's Tag shape constraints and returns it typed. */
function readTags(
  value: unknown,
  errors: ConstraintErrors,
  path: string,
  maxItems: number,
  minItems = 0,
): Tag[] {
  const list = asArray(value, path) ?? [];
  if (list.length > maxItems)
    errors.add(
      `[${list.length} items]`,
      path,
      `Member must have length less than or equal to ${maxItems}`,
    );
  if (value !== undefined && list.length < minItems)
    errors.add("[]", path, `Member must have length greater than or equal to ${minItems}`);
  return list.map((raw, i) => {
    const item = asRecord(raw);
    const key = asString(item.Key, `${path}.${i + 1}.member.key`);
    const val = asString(item.Value, `${path}.${i + 1}.member.value`);
    const at = `${path}.${i + 1}.member`;
    if (key === undefined) errors.add(undefined, `${at}.key`, "Member must not be null");
    else {
      errors.length(key, `${at}.key`, 1, 128);
      if (!SSM_NAME_PATTERN.test(key) || /^aws:/i.test(key)) {
        errors.add(
          key,
          `${at}.key`,
          `Member must satisfy regular expression pattern: ${TAG_KEY_PATTERN_TEXT}`,
        );
      }
    }
    if (val === undefined) errors.add(undefined, `${at}.value`, "Member must not be null");
    else {
      errors.length(val, `${at}.value`, 0, 256);
      if (!SSM_NAME_PATTERN.test(val)) {
        errors.add(
          val,
          `${at}.value`,
          `Member must satisfy regular expression pattern: ${SSM_NAME_PATTERN_TEXT}`,
        );
      }
    }
    return { Key: key ?? "", Value: val ?? "" };
  });
}

function rejectDuplicateKeys(tags: Tag[]): void {
  const seen = new Set<string>();
  for (const t of tags) {
    if (seen.has(t.Key!)) {
      throw new SsmError(
        "InvalidParameters",
        `Duplicate tag key '${t.Key}'. Each tag key must be unique.`,
      );
    }
    seen.add(t.Key!);
  }
}

/** Pagination tokens bind the offset to the query so a token cannot be reused across queries. */
function encodeToken(offset: number, query: string): string {
  return Buffer.from(JSON.stringify({ o: offset, q: query })).toString("base64");
}

function decodeToken(token: string | undefined, query: string): number {
  if (token === undefined) return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64").toString("utf8")) as {
      o?: unknown;
      q?: unknown;
    };
    if (
      typeof parsed.o === "number" &&
      Number.isInteger(parsed.o) &&
      parsed.o >= 0 &&
      parsed.q === query
    ) {
      return parsed.o;
    }
  } catch {
    // Falls through to the same error SSM gives for any unusable token.
  }
  throw new SsmError("InvalidNextToken", "The specified token isn't valid.");
}

function paginate<T>(
  items: T[],
  maxResults: number,
  offset: number,
  query: string,
): { page: T[]; next?: string } {
  const page = items.slice(offset, offset + maxResults);
  const end = offset + page.length;
  return { page, next: end < items.length ? encodeToken(end, query) : undefined };
}

/** Filter values shared by the new and the legacy filter lists. */
interface InstanceFilter {
  key: string;
  values: string[];
}

function instanceMatches(instance: FakeInstance, filter: InstanceFilter): boolean {
  const tags = instance.Tags ?? [];
  if (filter.key.startsWith("tag:")) {
    const key = filter.key.slice(4);
    return tags.some((t) => t.Key === key && filter.values.includes(t.Value ?? ""));
  }
  const field: Record<string, unknown> = {
    ActivationIds: instance.ActivationId,
    AgentVersion: instance.AgentVersion,
    AssociationStatus: instance.AssociationStatus,
    IamRole: instance.IamRole,
    InstanceIds: instance.InstanceId,
    PingStatus: instance.PingStatus,
    PlatformTypes: instance.PlatformType,
    ResourceType: instance.ResourceType,
    SourceIds: instance.SourceId,
    SourceTypes: instance.SourceType,
  };
  if (filter.key === "tag-key") return tags.some((t) => filter.values.includes(t.Key ?? ""));
  return filter.values.includes(String(field[filter.key] ?? ""));
}

/** When one invocation starts and ends, and how, as decided at SendCommand time. */
interface ScheduledInvocation {
  readonly instanceId: string;
  readonly instanceName: string;
  /** Epoch ms the agent starts it (Pending before). */
  readonly start: number;
  /** Epoch ms it reaches `outcome` (InProgress before, from `start`). */
  readonly end: number;
  readonly outcome: FakeCommandOutcome["status"] | "Terminated";
  readonly responseCode: number;
  readonly output: string;
}

/** A rate control's number of machines for a command of `targets` targets. */
function resolveRate(text: string, targets: number, round: (n: number) => number): number {
  if (!text.endsWith("%")) return Number.parseInt(text, 10);
  return round((Number.parseInt(text, 10) / 100) * targets);
}

/**
 * Lays out a command's invocations in time the way Run Command describes its rate controls
 * (https://docs.aws.amazon.com/systems-manager/latest/userguide/send-commands-multiple.html):
 * at most MaxConcurrency run at once, in the order given; once more than MaxErrors have
 * failed (Failed, execution timed out), the invocations not yet started are Terminated.
 * Delivery time-outs and Undeliverable don't count. How SSM rounds percentages is
 * UNVERIFIED: concurrency rounds up (at least 1), errors round down.
 */
function scheduleInvocations(
  start: number,
  targets: readonly { instanceId: string; instanceName: string; outcome: FakeCommandOutcome }[],
  maxConcurrency: string,
  maxErrors: string,
): ScheduledInvocation[] {
  const slots = Math.max(1, resolveRate(maxConcurrency, targets.length, Math.ceil));
  const allowedErrors = resolveRate(maxErrors, targets.length, Math.floor);
  const freeAt: number[] = Array.from({ length: Math.min(slots, targets.length) }, () => start);
  const out: ScheduledInvocation[] = [];
  for (const t of targets) {
    freeAt.sort((a, b) => a - b);
    const begin = freeAt[0];
    const errorsSoFar = out.filter(
      (o) => o.end <= begin && (o.outcome === "Failed" || o.outcome === "ExecutionTimedOut"),
    ).length;
    if (errorsSoFar > allowedErrors) {
      out.push({
        ...t,
        start: begin,
        end: begin,
        outcome: "Terminated",
        responseCode: -1,
        output: "",
      });
      continue;
    }
    const end = begin + Math.max(0, t.outcome.delayMs ?? 0);
    freeAt[0] = end;
    const defaultCode =
      t.outcome.status === "Success"
        ? 0
        : t.outcome.status === "Failed"
          ? 1
          : t.outcome.status === "ExecutionTimedOut"
            ? 137
            : -1;
    out.push({
      instanceId: t.instanceId,
      instanceName: t.instanceName,
      start: begin,
      end,
      outcome: t.outcome.status,
      responseCode: t.outcome.responseCode ?? defaultCode,
      output: (t.outcome.output ?? "").slice(0, MAX_PLUGIN_OUTPUT),
    });
  }
  return out;
}

/**
 * Status and StatusDetails of a terminal outcome. Which Status SSM pairs with Undeliverable
 * and Terminated is UNVERIFIED (the API documents them as StatusDetails only): the fake says
 * Failed and Cancelled, and readers should key on StatusDetails.
 */
const TERMINAL_WIRE: Record<ScheduledInvocation["outcome"], { status: string; plugin: string }> = {
  Success: { status: "Success", plugin: "Success" },
  Failed: { status: "Failed", plugin: "Failed" },
  ExecutionTimedOut: { status: "TimedOut", plugin: "TimedOut" },
  DeliveryTimedOut: { status: "TimedOut", plugin: "TimedOut" },
  Undeliverable: { status: "Failed", plugin: "Failed" },
  Cancelled: { status: "Cancelled", plugin: "Cancelled" },
  Terminated: { status: "Cancelled", plugin: "Cancelled" },
};

/** An invocation as ListCommandInvocations returns it at time `t`. */
function invocationAt(
  command: FakeCommand,
  inv: ScheduledInvocation,
  t: number,
  details: boolean,
): CommandInvocation {
  const terminal = t >= inv.end;
  const running = !terminal && t >= inv.start;
  const status = terminal ? TERMINAL_WIRE[inv.outcome].status : running ? "InProgress" : "Pending";
  const statusDetails = terminal ? inv.outcome : status;
  return {
    CommandId: command.CommandId,
    InstanceId: inv.instanceId,
    InstanceName: inv.instanceName,
    Comment: command.Comment,
    DocumentName: command.DocumentName,
    DocumentVersion: "$DEFAULT",
    RequestedDateTime: command.RequestedDateTime,
    Status: status as CommandInvocation["Status"],
    StatusDetails: statusDetails,
    TraceOutput: "",
    StandardOutputUrl: "",
    StandardErrorUrl: "",
    CommandPlugins: details
      ? [
          {
            Name: "main",
            Status: (terminal ? TERMINAL_WIRE[inv.outcome].plugin : status) as NonNullable<
              CommandInvocation["CommandPlugins"]
            >[number]["Status"],
            StatusDetails: statusDetails,
            ResponseCode: terminal ? inv.responseCode : -1,
            ResponseStartDateTime: running || terminal ? new Date(inv.start) : undefined,
            ResponseFinishDateTime: terminal ? new Date(inv.end) : undefined,
            Output: terminal ? inv.output : "",
            StandardOutputUrl: "",
            StandardErrorUrl: "",
          },
        ]
      : [],
  };
}

/** What DescribeInstanceInformation returns for a stored instance (tags live elsewhere in SSM). */
function publicInstance(instance: FakeInstance): InstanceInformation {
  const out: FakeInstance = { ...instance };
  delete out.Tags;
  return out;
}

/**
 * Start a fake SSM endpoint on 127.0.0.1 and an ephemeral port.
 *
 * @example
 * ```ts
 * const ssm = await startFakeSsm({ throttle: { rate: 0.5 }, seed: 7 });
 * const client = new SSMClient({ endpoint: ssm.url, region: ssm.region,
 *   credentials: { accessKeyId: "test", secretAccessKey: "test" } });
 * const { ActivationId, ActivationCode } = await client.send(
 *   new CreateActivationCommand({ IamRole: "role", DefaultInstanceName: "web-1" }));
 * ssm.registerInstance(ActivationId!, ActivationCode!);
 * await ssm.close();
 * ```
 */
export async function startFakeSsm(options: FakeSsmOptions = {}): Promise<FakeSsm> {
  const host = options.host ?? "127.0.0.1";
  const region = options.region ?? "ap-southeast-2";
  const accountId = options.accountId ?? "123456789012";
  const now = options.now ?? Date.now;
  const random = options.seed === undefined ? Math.random : seededRandom(options.seed);
  const knownRoles = options.iamRoles ? new Set(options.iamRoles) : undefined;

  const activations = new Map<string, FakeActivation>();
  const instances = new Map<string, FakeInstance>();
  for (const i of options.instances ?? [])
    instances.set(i.InstanceId, { ...i, Tags: [...(i.Tags ?? [])] });

  let throttle: FakeSsmThrottle | undefined;
  let bucketTokens = 0;
  let bucketTime = 0;
  const setThrottle = (t: FakeSsmThrottle | undefined): void => {
    if (t?.admitPerSecond !== undefined && !(t.admitPerSecond > 0)) {
      throw new Error(`throttle.admitPerSecond must be a number > 0, got ${t.admitPerSecond}`);
    }
    if (t?.rate !== undefined && !(t.rate >= 0 && t.rate <= 1)) {
      throw new Error(`throttle.rate must be a probability between 0 and 1, got ${t.rate}`);
    }
    throttle = t;
    bucketTokens = t?.admitPerSecond ?? 0;
    bucketTime = now();
  };
  setThrottle(options.throttle);

  const failures: Array<{ status: number; operation?: string }> = [];
  let calls: Record<string, number> = {};
  let throttled = 0;
  let failed = 0;
  let admitted = 0;
  let total = 0;
  let requests: FakeSsmRequest[] = [];
  const documents = options.documents;
  const outcomes = new Map(Object.entries(options.commandOutcomes ?? {}));
  const defaultOutcome: FakeCommandOutcome = options.defaultCommandOutcome ?? { status: "Success" };
  const commands: Array<{ command: FakeCommand; invocations: ScheduledInvocation[] }> = [];
  /** `<resourceId>\n<complianceType>` → what the last PutComplianceItems of that pair sent. */
  const compliance = new Map<string, FakeComplianceRecord>();

  const isThrottled = (operation: string): boolean => {
    if (!throttle) return false;
    if (throttle.operations && !throttle.operations.includes(operation)) return false;
    if (throttle.admitPerSecond !== undefined) {
      const t = now();
      const capacity = Math.max(1, throttle.admitPerSecond);
      bucketTokens = Math.min(
        capacity,
        bucketTokens + ((t - bucketTime) / 1000) * throttle.admitPerSecond,
      );
      bucketTime = t;
      if (bucketTokens < 1) return true;
      bucketTokens -= 1;
    }
    return throttle.rate !== undefined && throttle.rate > 0 && random() < throttle.rate;
  };

  const ops: Record<FakeSsmOperation, (input: Record<string, unknown>) => unknown> = {
    CreateActivation(input) {
      const errors = new ConstraintErrors();
      const description = asString(input.Description, "description");
      const defaultName = asString(input.DefaultInstanceName, "defaultInstanceName");
      const iamRole = asString(input.IamRole, "iamRole");
      const limit = asNumber(input.RegistrationLimit, "registrationLimit");
      const expiration = parseTimestamp(input.ExpirationDate);
      errors.length(description, "description", 0, 256);
      errors.length(defaultName, "defaultInstanceName", 0, 256);
      if (defaultName !== undefined && !SSM_NAME_PATTERN.test(defaultName)) {
        errors.add(
          defaultName,
          "defaultInstanceName",
          `Member must satisfy regular expression pattern: ${SSM_NAME_PATTERN_TEXT}`,
        );
      }
      if (iamRole === undefined) errors.add(undefined, "iamRole", "Member must not be null");
      errors.length(iamRole, "iamRole", 0, 64);
      errors.range(limit, "registrationLimit", 1, 1000);
      const tags = readTags(input.Tags, errors, "tags", 1000);
      errors.throwIfAny();
      rejectDuplicateKeys(tags);
      const created = now();
      if (expiration !== undefined) {
        const ahead = expiration.getTime() - created;
        if (ahead <= 0) {
          throw new SsmError("InvalidParameters", "ExpirationDate must be in the future.");
        }
        if (ahead > MAX_ACTIVATION_LIFETIME_MS) {
          throw new SsmError(
            "InvalidParameters",
            "ExpirationDate can be at most 30 days from now.",
          );
        }
      }
      if (knownRoles && !knownRoles.has(iamRole!.split("/").pop()!)) {
        throw new SsmError(
          "ValidationException",
          `Not existing role: arn:aws:iam::${accountId}:role/${iamRole}`,
          400,
          "message",
        );
      }
      const activation: FakeActivation = {
        ActivationId: randomUUID(),
        ActivationCode: newActivationCode(),
        Description: description,
        DefaultInstanceName: defaultName,
        IamRole: iamRole!,
        RegistrationLimit: limit ?? 1,
        RegistrationsCount: 0,
        ExpirationDate: expiration ?? new Date(created + DAY_MS),
        CreatedDate: new Date(created),
        Tags: tags,
      };
      activations.set(activation.ActivationId, activation);
      return { ActivationId: activation.ActivationId, ActivationCode: activation.ActivationCode };
    },

    DescribeActivations(input) {
      const errors = new ConstraintErrors();
      const maxResults = asNumber(input.MaxResults, "maxResults");
      errors.range(maxResults, "maxResults", 1, 50);
      const filters = (asArray(input.Filters, "filters") ?? []).map((raw, i) => {
        const f = asRecord(raw);
        const key = asString(f.FilterKey, `filters.${i + 1}.member.filterKey`);
        if (key !== undefined && !ACTIVATION_FILTER_KEYS.includes(key)) {
          errors.add(
            key,
            `filters.${i + 1}.member.filterKey`,
            `Member must satisfy enum value set: [${ACTIVATION_FILTER_KEYS.join(", ")}]`,
          );
        }
        const values = (asArray(f.FilterValues, `filters.${i + 1}.member.filterValues`) ?? []).map(
          String,
        );
        return { key: key ?? "", values };
      });
      errors.throwIfAny();
      const field = (a: FakeActivation, key: string): string | undefined =>
        key === "ActivationIds"
          ? a.ActivationId
          : key === "DefaultInstanceName"
            ? a.DefaultInstanceName
            : a.IamRole;
      const matching = [...activations.values()].filter((a) =>
        filters.every((f) => f.values.length === 0 || f.values.includes(field(a, f.key) ?? "")),
      );
      const query = JSON.stringify(["DescribeActivations", filters]);
      const { page, next } = paginate(
        matching,
        maxResults ?? DEFAULT_PAGE_SIZE,
        decodeToken(asString(input.NextToken, "nextToken"), query),
        query,
      );
      const t = now();
      return {
        ActivationList: page.map((a) => ({
          ActivationId: a.ActivationId,
          Description: a.Description,
          DefaultInstanceName: a.DefaultInstanceName,
          IamRole: a.IamRole,
          RegistrationLimit: a.RegistrationLimit,
          RegistrationsCount: a.RegistrationsCount,
          ExpirationDate: a.ExpirationDate,
          Expired: a.ExpirationDate.getTime() <= t,
          CreatedDate: a.CreatedDate,
          Tags: a.Tags.length > 0 ? a.Tags : undefined,
        })),
        NextToken: next,
      };
    },

    DeleteActivation(input) {
      const errors = new ConstraintErrors();
      const id = asString(input.ActivationId, "activationId");
      if (id === undefined) errors.add(undefined, "activationId", "Member must not be null");
      errors.throwIfAny();
      if (!UUID.test(id!)) {
        throw new SsmError(
          "InvalidActivationId",
          "The activation ID isn't valid. Verify that you entered the correct ActivationId or ActivationCode and try again.",
        );
      }
      if (!activations.delete(id!)) {
        throw new SsmError("InvalidActivation", `Activation ID ${id} doesn't exist.`);
      }
      return {};
    },

    DescribeInstanceInformation(input) {
      const errors = new ConstraintErrors();
      const maxResults = asNumber(input.MaxResults, "maxResults");
      errors.range(maxResults, "maxResults", 5, 50);
      const filters: InstanceFilter[] = (asArray(input.Filters, "filters") ?? []).map((raw, i) => {
        const f = asRecord(raw);
        const key = asString(f.Key, `filters.${i + 1}.member.key`) ?? "";
        const values = (asArray(f.Values, `filters.${i + 1}.member.values`) ?? []).map(String);
        errors.length(key, `filters.${i + 1}.member.key`, 1, 163);
        if (values.length < 1 || values.length > 100) {
          errors.add(
            `[${values.length} items]`,
            `filters.${i + 1}.member.values`,
            "Member must have length between 1 and 100",
          );
        }
        return { key, values };
      });
      const legacy: InstanceFilter[] = (
        asArray(input.InstanceInformationFilterList, "instanceInformationFilterList") ?? []
      ).map((raw, i) => {
        const f = asRecord(raw);
        const key = asString(f.key, `instanceInformationFilterList.${i + 1}.member.key`) ?? "";
        const values = (
          asArray(f.valueSet, `instanceInformationFilterList.${i + 1}.member.valueSet`) ?? []
        ).map(String);
        return { key, values };
      });
      errors.throwIfAny();
      if (filters.length > 0 && legacy.length > 0) {
        throw new SsmError(
          "InvalidInstanceInformationFilterValue",
          "Filters and InstanceInformationFilterList can't be used together.",
        );
      }
      const all = filters.length > 0 ? filters : legacy;
      for (const f of all) {
        if (
          !INSTANCE_FILTER_KEYS.includes(f.key) &&
          !(f.key.startsWith("tag:") && f.key.length > 4 && filters.length > 0)
        ) {
          throw new SsmError(
            "InvalidFilterKey",
            `The filter key ${f.key} isn't valid. Valid keys: ${INSTANCE_FILTER_KEYS.join(", ")}, tag:<key>.`,
          );
        }
      }
      const tagFilters = all.filter((f) => f.key.startsWith("tag"));
      if (tagFilters.length > 0 && tagFilters.length < all.length) {
        throw new SsmError(
          "InvalidFilterKey",
          "Tag filters (tag:<key>, tag-key) can't be combined with other filter keys.",
        );
      }
      const matching = [...instances.values()].filter((i) =>
        all.every((f) => instanceMatches(i, f)),
      );
      const query = JSON.stringify(["DescribeInstanceInformation", all]);
      const { page, next } = paginate(
        matching,
        maxResults ?? DEFAULT_PAGE_SIZE,
        decodeToken(asString(input.NextToken, "nextToken"), query),
        query,
      );
      return { InstanceInformationList: page.map(publicInstance), NextToken: next };
    },

    DeregisterManagedInstance(input) {
      const errors = new ConstraintErrors();
      const id = asString(input.InstanceId, "instanceId");
      if (id === undefined) errors.add(undefined, "instanceId", "Member must not be null");
      else if (!MANAGED_INSTANCE_ID.test(id)) {
        errors.add(
          id,
          "instanceId",
          "Member must satisfy regular expression pattern: (^mi-[0-9a-f]{17}$)",
        );
      }
      errors.throwIfAny();
      if (!instances.delete(id!)) throw new SsmError("InvalidInstanceId", "Instance Id is invalid");
      return {};
    },

    AddTagsToResource(input) {
      const instance = taggableInstance(input);
      const errors = new ConstraintErrors();
      const tags = readTags(input.Tags, errors, "tags", 1000, 1);
      if (input.Tags === undefined) errors.add(undefined, "tags", "Member must not be null");
      errors.throwIfAny();
      rejectDuplicateKeys(tags);
      const merged = new Map((instance.Tags ?? []).map((t) => [t.Key!, t.Value ?? ""]));
      for (const t of tags) merged.set(t.Key!, t.Value ?? "");
      if (merged.size > MAX_TAGS_PER_RESOURCE) {
        throw new SsmError(
          "TooManyTagsError",
          `The resource would have ${merged.size} tags; at most ${MAX_TAGS_PER_RESOURCE} are allowed.`,
        );
      }
      instance.Tags = [...merged].map(([Key, Value]) => ({ Key, Value }));
      return {};
    },

    RemoveTagsFromResource(input) {
      const instance = taggableInstance(input);
      const keys = (asArray(input.TagKeys, "tagKeys") ?? []).map(String);
      instance.Tags = (instance.Tags ?? []).filter((t) => !keys.includes(t.Key ?? ""));
      return {};
    },

    PutComplianceItems(input) {
      const errors = new ConstraintErrors();
      const resourceId = asString(input.ResourceId, "resourceId");
      const resourceType = asString(input.ResourceType, "resourceType");
      const complianceType = asString(input.ComplianceType, "complianceType");
      if (resourceId === undefined) errors.add(undefined, "resourceId", "Member must not be null");
      errors.length(resourceId, "resourceId", 1, 100);
      if (resourceType === undefined)
        errors.add(undefined, "resourceType", "Member must not be null");
      errors.length(resourceType, "resourceType", 1, 50);
      if (complianceType === undefined)
        errors.add(undefined, "complianceType", "Member must not be null");
      else if (!COMPLIANCE_TYPE.test(complianceType)) {
        errors.add(
          complianceType,
          "complianceType",
          `Member must satisfy regular expression pattern: ${COMPLIANCE_TYPE.source}`,
        );
      }
      const summary = asRecord(input.ExecutionSummary);
      if (input.ExecutionSummary === undefined)
        errors.add(undefined, "executionSummary", "Member must not be null");
      const executionTime = parseTimestamp(summary.ExecutionTime);
      if (input.ExecutionSummary !== undefined && executionTime === undefined)
        errors.add(undefined, "executionSummary.executionTime", "Member must not be null");
      const rawItems = asArray(input.Items, "items");
      if (rawItems === undefined) errors.add(undefined, "items", "Member must not be null");
      else if (rawItems.length > MAX_COMPLIANCE_ITEMS) {
        errors.add(
          `[${rawItems.length} items]`,
          "items",
          `Member must have length less than or equal to ${MAX_COMPLIANCE_ITEMS}`,
        );
      }
      const items = (rawItems ?? []).map((raw, i) => {
        const item = asRecord(raw);
        const at = `items.${i + 1}.member`;
        const id = asString(item.Id, `${at}.id`);
        const title = asString(item.Title, `${at}.title`);
        const severity = asString(item.Severity, `${at}.severity`);
        const status = asString(item.Status, `${at}.status`);
        errors.length(id, `${at}.id`, 0, 100);
        errors.length(title, `${at}.title`, 0, 500);
        if (severity === undefined || !COMPLIANCE_SEVERITIES.includes(severity)) {
          errors.add(
            severity,
            `${at}.severity`,
            `Member must satisfy enum value set: [${COMPLIANCE_SEVERITIES.join(", ")}]`,
          );
        }
        if (status !== undefined && !COMPLIANCE_STATUSES.includes(status)) {
          errors.add(
            status,
            `${at}.status`,
            `Member must satisfy enum value set: [${COMPLIANCE_STATUSES.join(", ")}]`,
          );
        }
        const details = Object.fromEntries(
          Object.entries(asRecord(item.Details)).map(([k, v]) => [k, String(v)]),
        );
        return {
          Id: id ?? "",
          ...(title === undefined ? {} : { Title: title }),
          Severity: severity ?? "UNSPECIFIED",
          Status: status ?? "COMPLIANT",
          Details: details,
        };
      });
      const uploadType = asString(input.UploadType, "uploadType");
      if (uploadType !== undefined && uploadType !== "COMPLETE" && uploadType !== "PARTIAL") {
        errors.add(
          uploadType,
          "uploadType",
          "Member must satisfy enum value set: [COMPLETE, PARTIAL]",
        );
      }
      errors.throwIfAny();
      // UNVERIFIED wording; SSM refuses compliance for a managed node it does not know.
      if (resourceType === "ManagedInstance" && !instances.has(resourceId!)) {
        throw new SsmError(
          "InvalidResourceId",
          `The resource ID ${resourceId} isn't valid. Verify that you entered the correct ID and try again.`,
        );
      }
      const key = `${resourceId}\n${complianceType}`;
      const previous = compliance.get(key);
      // PARTIAL updates only the items it names; COMPLETE (the default) replaces the type's set.
      const kept =
        uploadType === "PARTIAL" && previous
          ? previous.Items.filter((old) => !items.some((n) => n.Id === old.Id))
          : [];
      compliance.set(key, {
        ResourceId: resourceId!,
        ResourceType: resourceType!,
        ComplianceType: complianceType!,
        ExecutionSummary: {
          ExecutionTime: executionTime!,
          ...(typeof summary.ExecutionId === "string" ? { ExecutionId: summary.ExecutionId } : {}),
          ...(typeof summary.ExecutionType === "string"
            ? { ExecutionType: summary.ExecutionType }
            : {}),
        },
        Items: [...kept, ...items],
      });
      return {};
    },

    ListComplianceItems(input) {
      const errors = new ConstraintErrors();
      const ids = (asArray(input.ResourceIds, "resourceIds") ?? []).map(String);
      const types = (asArray(input.ResourceTypes, "resourceTypes") ?? []).map(String);
      const maxResults = asNumber(input.MaxResults, "maxResults");
      errors.range(maxResults, "maxResults", 1, 50);
      const filters = (asArray(input.Filters, "filters") ?? []).map((raw) => {
        const f = asRecord(raw);
        return {
          key: asString(f.Key, "filters.key") ?? "",
          values: (asArray(f.Values, "filters.values") ?? []).map(String),
          type: asString(f.Type, "filters.type") ?? "EQUAL",
        };
      });
      errors.throwIfAny();
      const fields: Record<
        string,
        (r: FakeComplianceRecord, i: FakeComplianceRecord["Items"][number]) => string
      > = {
        ComplianceType: (r) => r.ComplianceType,
        Status: (_r, i) => i.Status,
        Severity: (_r, i) => i.Severity,
      };
      for (const f of filters) {
        if (!Object.hasOwn(fields, f.key) || f.type !== "EQUAL") {
          throw new SsmError(
            "InvalidFilter",
            `The fake filters compliance items by ${Object.keys(fields).join(", ")} with EQUAL only, got ${f.key} ${f.type}.`,
          );
        }
      }
      const rows = [...compliance.values()]
        .filter((r) => ids.length === 0 || ids.includes(r.ResourceId))
        .filter((r) => types.length === 0 || types.includes(r.ResourceType))
        .flatMap((r) =>
          r.Items.filter((i) => filters.every((f) => f.values.includes(fields[f.key](r, i)))).map(
            (i) => ({
              ComplianceType: r.ComplianceType,
              ResourceType: r.ResourceType,
              ResourceId: r.ResourceId,
              Id: i.Id,
              Title: i.Title,
              Status: i.Status,
              Severity: i.Severity,
              ExecutionSummary: r.ExecutionSummary,
              Details: i.Details,
            }),
          ),
        );
      const query = JSON.stringify(["ListComplianceItems", ids, types, filters]);
      const { page, next } = paginate(
        rows,
        maxResults ?? DEFAULT_PAGE_SIZE,
        decodeToken(asString(input.NextToken, "nextToken"), query),
        query,
      );
      return { ComplianceItems: page, NextToken: next };
    },

    ListTagsForResource(input) {
      return { TagList: taggableInstance(input).Tags ?? [] };
    },

    SendCommand(input) {
      const errors = new ConstraintErrors();
      const documentName = asString(input.DocumentName, "documentName");
      if (documentName === undefined) {
        errors.add(undefined, "documentName", "Member must not be null");
      } else if (!DOCUMENT_ARN.test(documentName)) {
        errors.add(
          documentName,
          "documentName",
          `Member must satisfy regular expression pattern: ${DOCUMENT_ARN.source}`,
        );
      }
      const ids = (asArray(input.InstanceIds, "instanceIds") ?? []).map((v, i) =>
        String(asString(v, `instanceIds.${i + 1}.member`)),
      );
      if (ids.length > 50) {
        errors.add(
          `[${ids.length} items]`,
          "instanceIds",
          "Member must have length less than or equal to 50",
        );
      }
      ids.forEach((id, i) => {
        if (!INSTANCE_ID.test(id)) {
          errors.add(
            id,
            `instanceIds.${i + 1}.member`,
            `Member must satisfy regular expression pattern: ${INSTANCE_ID_TEXT}`,
          );
        }
      });
      const maxConcurrency = asString(input.MaxConcurrency, "maxConcurrency");
      const maxErrors = asString(input.MaxErrors, "maxErrors");
      for (const [value, path, pattern] of [
        [maxConcurrency, "maxConcurrency", MAX_CONCURRENCY],
        [maxErrors, "maxErrors", MAX_ERRORS],
      ] as const) {
        if (value === undefined) continue;
        errors.length(value, path, 1, 7);
        if (!pattern.test(value)) {
          errors.add(
            value,
            path,
            `Member must satisfy regular expression pattern: ${pattern.source}`,
          );
        }
      }
      const comment = asString(input.Comment, "comment");
      errors.length(comment, "comment", 0, 100);
      errors.range(asNumber(input.TimeoutSeconds, "timeoutSeconds"), "timeoutSeconds", 30, 2592000);
      const rawParameters = asRecord(input.Parameters);
      const parameters: Record<string, string[]> = {};
      for (const [key, values] of Object.entries(rawParameters)) {
        parameters[key] = (asArray(values, `parameters.${key}`) ?? []).map(String);
      }
      errors.throwIfAny();
      if (input.Targets !== undefined) {
        throw new SsmError(
          "InvalidParameters",
          "The fake sends commands by InstanceIds only; Targets is not implemented.",
        );
      }
      // UNVERIFIED: the error SSM gives when neither InstanceIds nor Targets is set.
      if (ids.length === 0) {
        throw new SsmError("InvalidParameters", "Specify InstanceIds or Targets.");
      }
      const document =
        documents && Object.hasOwn(documents, documentName!) ? documents[documentName!] : undefined;
      if (documents && !document) {
        throw new SsmError("InvalidDocument", `Document ${documentName} does not exist.`);
      }
      if (document) {
        const declared = document.parameters ?? {};
        for (const [key, values] of Object.entries(parameters)) {
          const def = Object.hasOwn(declared, key) ? declared[key] : undefined;
          if (!def) {
            throw new SsmError(
              "InvalidParameters",
              `Parameter "${key}" is not defined in document ${documentName}.`,
            );
          }
          for (const v of values) {
            if (
              (def.allowedValues && !def.allowedValues.includes(v)) ||
              (def.allowedPattern !== undefined && !new RegExp(def.allowedPattern).test(v))
            ) {
              throw new SsmError(
                "InvalidParameters",
                `Parameter "${key}" has a value that is not allowed: "${v}".`,
              );
            }
          }
        }
        for (const [key, def] of Object.entries(declared)) {
          if (def.default === undefined && !Object.hasOwn(parameters, key)) {
            throw new SsmError("InvalidParameters", `Parameter "${key}" is required.`);
          }
        }
      }
      // UNVERIFIED wording; SSM refuses the whole call when an ID is not a managed node it knows.
      const unknown = ids.filter((id) => !instances.has(id));
      if (unknown.length > 0) {
        throw new SsmError(
          "InvalidInstanceId",
          `Instances [[${unknown.join(", ")}]] not in a valid state for account ${accountId}`,
        );
      }
      const requested = now();
      const command: FakeCommand = {
        CommandId: randomUUID(),
        DocumentName: documentName!,
        Parameters: parameters,
        InstanceIds: ids,
        MaxConcurrency: maxConcurrency ?? "50",
        MaxErrors: maxErrors ?? "0",
        Comment: comment,
        RequestedDateTime: new Date(requested),
      };
      const invocations = scheduleInvocations(
        requested,
        ids.map((id) => {
          const i = instances.get(id)!;
          return {
            instanceId: id,
            instanceName: i.ComputerName ?? i.Name ?? "",
            outcome: outcomes.get(id) ?? defaultOutcome,
          };
        }),
        command.MaxConcurrency,
        command.MaxErrors,
      );
      commands.push({ command, invocations });
      return {
        Command: {
          ...command,
          Targets: [],
          Status: "Pending",
          StatusDetails: "Pending",
          TargetCount: ids.length,
          CompletedCount: 0,
          ErrorCount: 0,
          DeliveryTimedOutCount: 0,
        },
      };
    },

    ListCommandInvocations(input) {
      const errors = new ConstraintErrors();
      const commandId = asString(input.CommandId, "commandId");
      errors.length(commandId, "commandId", 36, 36);
      const instanceId = asString(input.InstanceId, "instanceId");
      if (instanceId !== undefined && !INSTANCE_ID.test(instanceId)) {
        errors.add(
          instanceId,
          "instanceId",
          `Member must satisfy regular expression pattern: ${INSTANCE_ID_TEXT}`,
        );
      }
      const maxResults = asNumber(input.MaxResults, "maxResults");
      errors.range(maxResults, "maxResults", 1, 50);
      const rawFilters = asArray(input.Filters, "filters");
      if (rawFilters !== undefined && (rawFilters.length < 1 || rawFilters.length > 5)) {
        errors.add(
          `[${rawFilters.length} items]`,
          "filters",
          "Member must have length between 1 and 5",
        );
      }
      const filters = (rawFilters ?? []).map((raw, i) => {
        const f = asRecord(raw);
        const key = asString(f.key, `filters.${i + 1}.member.key`) ?? "";
        if (!COMMAND_FILTER_KEYS.includes(key)) {
          errors.add(
            key,
            `filters.${i + 1}.member.key`,
            `Member must satisfy enum value set: [${COMMAND_FILTER_KEYS.join(", ")}]`,
          );
        }
        return { key, value: asString(f.value, `filters.${i + 1}.member.value`) ?? "" };
      });
      errors.throwIfAny();
      if (filters.some((f) => f.key === "ExecutionStage")) {
        throw new SsmError(
          "InvalidFilterKey",
          "The ExecutionStage filter can be used with ListCommands only.",
        );
      }
      const details = input.Details === true;
      const t = now();
      // Newest command first, as the console lists them; unknown IDs simply match nothing.
      const matching = [...commands]
        .reverse()
        .filter((c) => commandId === undefined || c.command.CommandId === commandId)
        .flatMap((c) =>
          c.invocations
            .filter((inv) => instanceId === undefined || inv.instanceId === instanceId)
            .map((inv) => invocationAt(c.command, inv, t, details)),
        )
        .filter((inv) =>
          filters.every((f) =>
            f.key === "Status"
              ? inv.Status === f.value || inv.StatusDetails === f.value
              : f.key === "DocumentName"
                ? inv.DocumentName === f.value
                : f.key === "InvokedAfter"
                  ? inv.RequestedDateTime!.getTime() >= new Date(f.value).getTime()
                  : inv.RequestedDateTime!.getTime() <= new Date(f.value).getTime(),
          ),
        );
      const query = JSON.stringify([
        "ListCommandInvocations",
        commandId,
        instanceId,
        filters,
        details,
      ]);
      const { page, next } = paginate(
        matching,
        maxResults ?? DEFAULT_PAGE_SIZE,
        decodeToken(asString(input.NextToken, "nextToken"), query),
        query,
      );
      return { CommandInvocations: page, NextToken: next };
    },
  };

  function taggableInstance(input: Record<string, unknown>): FakeInstance {
    const errors = new ConstraintErrors();
    const type = asString(input.ResourceType, "resourceType");
    const id = asString(input.ResourceId, "resourceId");
    if (type === undefined) errors.add(undefined, "resourceType", "Member must not be null");
    if (id === undefined) errors.add(undefined, "resourceId", "Member must not be null");
    errors.throwIfAny();
    if (type !== "ManagedInstance") {
      throw new SsmError(
        "InvalidResourceType",
        `The fake only tags ResourceType ManagedInstance, got ${type}.`,
      );
    }
    const instance = instances.get(id!);
    if (!instance || !MANAGED_INSTANCE_ID.test(id!)) {
      throw new SsmError(
        "InvalidResourceId",
        `The resource ID ${id} isn't valid. Verify that you entered the correct ID and try again.`,
      );
    }
    return instance;
  }

  const respond = (
    res: http.ServerResponse,
    operation: string,
    input: unknown,
    status: number,
    body: unknown,
    errorType?: string,
  ): void => {
    const payload = JSON.stringify(toWire(body));
    const headers: http.OutgoingHttpHeaders = {
      "Content-Type": "application/x-amz-json-1.1",
      "Content-Length": Buffer.byteLength(payload),
      "x-amzn-RequestId": randomUUID(),
    };
    if (errorType) headers["x-amzn-ErrorType"] = errorType;
    res.writeHead(status, headers);
    res.end(payload);
    requests.push({ operation, input, status, errorType });
  };

  const sendError = (
    res: http.ServerResponse,
    operation: string,
    input: unknown,
    err: SsmError,
  ): void => {
    respond(
      res,
      operation,
      input,
      err.status,
      { __type: err.code, [err.messageKey]: err.message },
      err.code,
    );
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      total += 1;
      const target = String(req.headers["x-amz-target"] ?? "");
      const operation = target.startsWith("AmazonSSM.")
        ? target.slice("AmazonSSM.".length)
        : target;
      calls[operation] = (calls[operation] ?? 0) + 1;
      let input: unknown;
      try {
        const text = Buffer.concat(chunks).toString("utf8");
        input = text.length === 0 ? {} : JSON.parse(text);
      } catch {
        sendError(
          res,
          operation,
          undefined,
          new SsmError("SerializationException", "Request body is not valid JSON", 400, "message"),
        );
        return;
      }
      if (
        req.method !== "POST" ||
        !target.startsWith("AmazonSSM.") ||
        !(FAKE_SSM_OPERATIONS as readonly string[]).includes(operation)
      ) {
        sendError(
          res,
          operation,
          input,
          new SsmError("UnknownOperationException", `Unknown operation ${target}`, 400, "message"),
        );
        return;
      }
      const failureIndex = failures.findIndex(
        (f) => f.operation === undefined || f.operation === operation,
      );
      if (failureIndex >= 0) {
        const [failure] = failures.splice(failureIndex, 1);
        failed += 1;
        sendError(
          res,
          operation,
          input,
          new SsmError(
            "InternalServerError",
            "An internal error occurred (injected by the fake).",
            failure.status,
          ),
        );
        return;
      }
      if (isThrottled(operation)) {
        throttled += 1;
        sendError(
          res,
          operation,
          input,
          new SsmError("ThrottlingException", "Rate exceeded", 400, "message"),
        );
        return;
      }
      admitted += 1;
      try {
        const output = ops[operation as FakeSsmOperation](asRecord(input));
        respond(res, operation, input, 200, output);
      } catch (err) {
        if (err instanceof SsmError) sendError(res, operation, input, err);
        else
          sendError(res, operation, input, new SsmError("InternalServerError", String(err), 500));
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${host}:${port}`,
    port,
    region,
    get activations() {
      return [...activations.values()];
    },
    get instances() {
      return [...instances.values()];
    },
    get requests() {
      return requests;
    },
    get commands() {
      return commands.map((c) => c.command);
    },
    get compliance() {
      return [...compliance.values()];
    },
    setCommandOutcome(instanceId, outcome) {
      if (outcome === undefined) outcomes.delete(instanceId);
      else outcomes.set(instanceId, outcome);
    },
    stats: () => ({ calls: { ...calls }, throttled, failed, admitted, total }),
    resetStats() {
      calls = {};
      throttled = failed = admitted = total = 0;
      requests = [];
    },
    setThrottle,
    failNext(count, status = 500, operation) {
      if (!Number.isInteger(count) || count < 0)
        throw new Error(`failNext count must be an integer >= 0, got ${count}`);
      if (!Number.isInteger(status) || status < 500 || status > 599) {
        throw new Error(`failNext status must be a 5xx HTTP status, got ${status}`);
      }
      for (let i = 0; i < count; i++) failures.push({ status, operation });
    },
    registerInstance(activationId, activationCode, overrides = {}) {
      const activation = activations.get(activationId);
      const fail = (why: string): never => {
        const err = new Error(`InvalidActivation: ${why}`);
        err.name = "InvalidActivation";
        throw err;
      };
      if (!activation || activation.ActivationCode !== activationCode) {
        return fail("the activation ID and code don't match an activation");
      }
      if (activation.ExpirationDate.getTime() <= now())
        return fail(`activation ${activationId} has expired`);
      if (activation.RegistrationsCount >= activation.RegistrationLimit) {
        return fail(
          `activation ${activationId} reached its registration limit of ${activation.RegistrationLimit}`,
        );
      }
      activation.RegistrationsCount += 1;
      const id = overrides.InstanceId ?? newManagedInstanceId();
      const instance: FakeInstance = {
        InstanceId: id,
        PingStatus: "Online",
        // aws-facts: LastPingDateTime is unset right after registration.
        AgentVersion: "3.3.1142.0",
        IsLatestVersion: true,
        PlatformType: "Linux",
        PlatformName: "Ubuntu",
        PlatformVersion: "22.04",
        ActivationId: activationId,
        IamRole: activation.IamRole,
        RegistrationDate: new Date(now()),
        ResourceType: "ManagedInstance" satisfies ResourceType,
        Name: activation.DefaultInstanceName,
        IPAddress: "10.0.0.10",
        ComputerName: activation.DefaultInstanceName ?? id,
        SourceId: id,
        SourceType: "AWS::SSM::ManagedInstance",
        ...overrides,
        Tags: overrides.Tags ?? activation.Tags.map((t) => ({ ...t })),
      };
      instances.set(id, instance);
      return instance;
    },
    putInstance(instance) {
      instances.set(instance.InstanceId, { ...instance, Tags: [...(instance.Tags ?? [])] });
    },
    setPingStatus(instanceId, status) {
      const instance = instances.get(instanceId);
      if (!instance) throw new Error(`setPingStatus: no instance ${instanceId}`);
      instance.PingStatus = status;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (!server.listening) return resolve();
        server.close((err) => (err ? reject(err) : resolve()));
        // The SDK keeps sockets alive; without this close() would wait for them to idle out.
        server.closeAllConnections();
      }),
  };
}
