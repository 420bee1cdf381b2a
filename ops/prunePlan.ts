/**
 * The janitor's plan, as a pure function: which managed nodes to deregister and which
 * activations to delete, from what SSM and EC2 said about the fleet. Shared by the scheduled
 * janitor (functions/janitor) and `hybrid-fleet prune`; ops/pruneInputs.ts gathers the inputs
 * and ops/pruneExecute.ts carries the plan out.
 *
 * Safety rules, each one tested:
 * - only machines and activations carrying the fleet tag (`<fleetTagKey>=<fleetName>`) are ever
 *   planned; the janitor's IAM policy refuses the rest again (components/ops/janitor.policies.ts);
 * - only hybrid nodes (`mi-…`): DeregisterManagedInstance is for hybrid-activated nodes, an EC2
 *   instance stops being managed when it is terminated;
 * - a node that is Online is never deregistered for being stale or for its EC2 instance being
 *   gone (an agent that pings is alive, whatever another account or region's EC2 says);
 * - at most `maxActions` actions per run: beyond it nothing is done and the plan says how many
 *   were left for the next run (a bad filter cannot wipe the fleet in one go).
 */

/** Why a node is deregistered or an activation deleted. */
export type PruneKind =
  "ec2-gone" | "superseded" | "stale" | "activation-expired" | "activation-spent";

/** Every kind, in the order actions are planned (what is surest first). */
export const PRUNE_KINDS: readonly PruneKind[] = [
  "ec2-gone",
  "superseded",
  "stale",
  "activation-expired",
  "activation-spent",
];

/** A managed node as DescribeInstanceInformation reports it, with its tags. */
export interface PruneNode {
  /** `mi-…` (hybrid) or `i-…` (EC2). */
  readonly instanceId: string;
  /** The name it registered with (the activation's DefaultInstanceName; the Name tag). */
  readonly name?: string;
  /** `Online | ConnectionLost | Inactive`. */
  readonly pingStatus?: string;
  /** `ManagedInstance` (hybrid) or `EC2Instance`. */
  readonly resourceType?: string;
  readonly registrationDate?: Date;
  readonly lastPingDateTime?: Date;
  /** Its tags (at least the fleet tag when it carries one). */
  readonly tags: Readonly<Record<string, string>>;
}

/** An activation as DescribeActivations reports it. */
export interface PruneActivation {
  readonly activationId: string;
  readonly defaultInstanceName?: string;
  readonly expired?: boolean;
  readonly expirationDate?: Date;
  readonly registrationsCount?: number;
  readonly registrationLimit?: number;
  readonly tags: Readonly<Record<string, string>>;
}

/** What EC2 said about an instance ID a node is named after. */
export type Ec2State = "exists" | "terminated" | "not-found";

/** Everything the plan is made from. */
export interface PruneInputs {
  readonly nodes: readonly PruneNode[];
  readonly activations: readonly PruneActivation[];
  /**
   * EC2's answer per instance ID that a fleet node is named after; an ID missing here was not
   * looked up, and is left alone.
   */
  readonly ec2: ReadonlyMap<string, Ec2State>;
  readonly now: Date;
}

/** The plan's settings. */
export interface PruneOptions {
  /** Key of the fleet tag. */
  readonly fleetTagKey: string;
  /** Value of the fleet tag: the fleet's name. */
  readonly fleetName: string;
  /** ConnectionLost for more than this many days is stale. @default 30 */
  readonly staleDays?: number;
  /** Most actions in one run. @default 50 */
  readonly maxActions?: number;
}

/** Default of {@link PruneOptions.staleDays}. */
export const DEFAULT_STALE_DAYS = 30;
/** Default of {@link PruneOptions.maxActions}. */
export const DEFAULT_MAX_ACTIONS = 50;

/** One thing to do. */
export type PruneAction =
  | {
      readonly type: "deregister";
      readonly kind: "ec2-gone" | "superseded" | "stale";
      /** The `mi-…` node. */
      readonly target: string;
      readonly name?: string;
      /** Why, in words (for the table and the log line). */
      readonly reason: string;
    }
  | {
      readonly type: "delete-activation";
      readonly kind: "activation-expired" | "activation-spent";
      /** The activation ID. */
      readonly target: string;
      readonly name?: string;
      readonly reason: string;
    };

/** The plan. */
export interface PrunePlan {
  /** What this run does, at most `maxActions`, in {@link PRUNE_KINDS} order then by target. */
  readonly actions: readonly PruneAction[];
  /** Actions found beyond the cap: left for the next run. */
  readonly deferred: readonly PruneAction[];
  /** True when the cap cut the plan. */
  readonly capped: boolean;
  readonly maxActions: number;
  /** The fleet's hybrid nodes the plan looked at. */
  readonly fleetHybridNodes: number;
}

const DAY_MS = 86_400_000;
const EC2_INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/** Checks the plan's settings; throws an Error naming the field and what it allows. */
export function checkPruneOptions(opts: PruneOptions): Required<PruneOptions> {
  const staleDays = opts.staleDays ?? DEFAULT_STALE_DAYS;
  const maxActions = opts.maxActions ?? DEFAULT_MAX_ACTIONS;
  if (opts.fleetTagKey.trim() === "") {
    throw new Error("fleetTagKey must be a tag key (1-128 characters), got an empty string");
  }
  if (opts.fleetName.trim() === "") {
    throw new Error("fleetName must be the fleet tag's value, got an empty string");
  }
  if (!Number.isInteger(staleDays) || staleDays < 1 || staleDays > 3650) {
    throw new Error(`staleDays must be a whole number from 1 to 3650, got ${staleDays}`);
  }
  if (!Number.isInteger(maxActions) || maxActions < 0 || maxActions > 10_000) {
    throw new Error(`maxActions must be a whole number from 0 to 10000, got ${maxActions}`);
  }
  return { ...opts, staleDays, maxActions };
}

/** The node's name: the Name tag, else the name it registered with. */
function nodeName(node: PruneNode): string | undefined {
  const name = node.tags.Name ?? node.name;
  return name === undefined || name === "" ? undefined : name;
}

function isHybrid(node: PruneNode): boolean {
  return (
    node.instanceId.startsWith("mi-") &&
    (node.resourceType ?? "ManagedInstance") === "ManagedInstance"
  );
}

/** Newest registration first; a node without a date counts as the oldest; ties by ID. */
function newestFirst(a: PruneNode, b: PruneNode): number {
  const ta = a.registrationDate?.getTime() ?? -Infinity;
  const tb = b.registrationDate?.getTime() ?? -Infinity;
  if (ta !== tb) return tb > ta ? 1 : -1;
  return a.instanceId < b.instanceId ? 1 : a.instanceId > b.instanceId ? -1 : 0;
}

function days(ms: number): string {
  return `${Math.floor(ms / DAY_MS)} days`;
}

/** Deregistrations: at most one per node, for the first rule in PRUNE_KINDS order that holds. */
function nodeActions(
  nodes: readonly PruneNode[],
  ec2: ReadonlyMap<string, Ec2State>,
  now: Date,
  staleDays: number,
): PruneAction[] {
  const byName = new Map<string, PruneNode[]>();
  for (const node of nodes) {
    const name = nodeName(node);
    if (name === undefined) continue;
    byName.set(name, [...(byName.get(name) ?? []), node]);
  }
  const supersededBy = new Map<string, PruneNode>();
  for (const group of byName.values()) {
    if (group.length < 2) continue;
    const [newest, ...older] = [...group].sort(newestFirst);
    for (const node of older) supersededBy.set(node.instanceId, newest);
  }
  const actions: PruneAction[] = [];
  for (const node of nodes) {
    const name = nodeName(node);
    const online = node.pingStatus === "Online";
    const state = name !== undefined && EC2_INSTANCE_ID.test(name) ? ec2.get(name) : undefined;
    const lastSeen = node.lastPingDateTime ?? node.registrationDate;
    const silentFor = lastSeen === undefined ? Infinity : now.getTime() - lastSeen.getTime();
    const newer = supersededBy.get(node.instanceId);
    const base = { type: "deregister" as const, target: node.instanceId, name };
    if (!online && (state === "terminated" || state === "not-found")) {
      actions.push({
        ...base,
        kind: "ec2-gone",
        reason: `named after EC2 instance ${name}, which is ${state === "terminated" ? "terminated" : "not found"}; ${node.pingStatus ?? "no ping status"}`,
      });
    } else if (newer !== undefined) {
      actions.push({
        ...base,
        kind: "superseded",
        reason: `superseded by ${newer.instanceId}, registered ${newer.registrationDate?.toISOString() ?? "later"}`,
      });
    } else if (node.pingStatus === "ConnectionLost" && silentFor > staleDays * DAY_MS) {
      actions.push({
        ...base,
        kind: "stale",
        reason:
          lastSeen === undefined
            ? "ConnectionLost, never seen"
            : `ConnectionLost for ${days(silentFor)} (more than ${staleDays})`,
      });
    }
  }
  return actions;
}

/** Deletions of the fleet's activations that can register nothing more. */
function activationActions(activations: readonly PruneActivation[], now: Date): PruneAction[] {
  const actions: PruneAction[] = [];
  for (const a of activations) {
    const base = {
      type: "delete-activation" as const,
      target: a.activationId,
      name: a.defaultInstanceName || undefined,
    };
    const expired =
      a.expired === true ||
      (a.expirationDate !== undefined && a.expirationDate.getTime() <= now.getTime());
    const limit = a.registrationLimit;
    const spent = limit !== undefined && (a.registrationsCount ?? 0) >= limit;
    if (expired) {
      actions.push({ ...base, kind: "activation-expired", reason: "expired" });
    } else if (spent) {
      actions.push({
        ...base,
        kind: "activation-spent",
        reason: `spent (${a.registrationsCount ?? 0} of ${limit} registrations)`,
      });
    }
  }
  return actions;
}

/**
 * Plans one janitor run. Pure and deterministic: the same inputs give the same plan, and
 * applying a plan (without a cap cutting it) leaves nothing to plan.
 *
 * @example
 * const plan = planPrune(inputs, { fleetTagKey: "HybridFleet", fleetName: "acme" });
 * for (const a of plan.actions) console.log(a.type, a.target, a.reason);
 */
export function planPrune(inputs: PruneInputs, options: PruneOptions): PrunePlan {
  const opts = checkPruneOptions(options);
  const inFleet = (tags: Readonly<Record<string, string>>) =>
    Object.prototype.hasOwnProperty.call(tags, opts.fleetTagKey) &&
    tags[opts.fleetTagKey] === opts.fleetName;
  const nodes = inputs.nodes.filter((n) => inFleet(n.tags) && isHybrid(n));
  const activations = inputs.activations.filter((a) => inFleet(a.tags));
  const order = (a: PruneAction) => PRUNE_KINDS.indexOf(a.kind);
  const all = [
    ...nodeActions(nodes, inputs.ec2, inputs.now, opts.staleDays),
    ...activationActions(activations, inputs.now),
  ].sort((a, b) => order(a) - order(b) || (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
  return {
    actions: all.slice(0, opts.maxActions),
    deferred: all.slice(opts.maxActions),
    capped: all.length > opts.maxActions,
    maxActions: opts.maxActions,
    fleetHybridNodes: nodes.length,
  };
}

/** The EC2 instance IDs the plan wants EC2's word on: fleet hybrid nodes named like one. */
export function ec2IdsToCheck(nodes: readonly PruneNode[], options: PruneOptions): string[] {
  const ids = new Set<string>();
  for (const node of nodes) {
    if (node.tags[options.fleetTagKey] !== options.fleetName || !isHybrid(node)) continue;
    if (node.pingStatus === "Online") continue;
    const name = nodeName(node);
    if (name !== undefined && EC2_INSTANCE_ID.test(name)) ids.add(name);
  }
  return [...ids].sort();
}
