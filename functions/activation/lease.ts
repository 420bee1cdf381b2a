/**
 * The name lease: one DynamoDB item per instance name, taken with a conditional write, so
 * that of many concurrent requests for one free name exactly one wins, whichever Lambda
 * instance serves it. SSM itself has no such guarantee: `CreateActivation` happily issues
 * any number of activations with the same `DefaultInstanceName`.
 *
 * Item: `name` (hash key), `principal` (who holds it), `leaseToken` (the request that last
 * took it), `activationId` (the live activation, once issued), `expiresAt` (epoch seconds;
 * the table's TTL attribute) and `updatedAt`.
 *
 * Semantics (README "Name lease"):
 * - A request takes the lease when the name has no item, its item has expired, or its
 *   holder is the same principal (a retry whose answer was lost, a re-imaged machine).
 * - The lease lasts until the activation expires plus {@link LEASE_GRACE_SECONDS}; the
 *   same principal renews it with every request. A node registers before its activation
 *   expires, so a node that SSM does not show yet is always covered by a live lease.
 * - Any other principal gets 409 while the lease lives, whatever the holder's ping status.
 * - A failed request that took a free name releases it again (conditional delete on its
 *   own `leaseToken`), so a throttled first attempt does not lock others out.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";

/** The table's hash key attribute (a string). */
export const LEASE_HASH_KEY = "name";
/** The table's TTL attribute: epoch seconds after which DynamoDB may delete the item. */
export const LEASE_TTL_ATTRIBUTE = "expiresAt";
/**
 * How long a lease outlives its activation. It also bounds how stale a cached view of the
 * registered nodes may be (see `registeredNames.ts`): a node missing from a view that is
 * younger than this registered recently, so its lease is still live.
 */
export const LEASE_GRACE_SECONDS = 15 * 60;

/** The store operations the handler needs; a DynamoDB client in Lambda and in tests. */
export type LeaseClient = Pick<DynamoDBClient, "send">;

/** What taking a lease found. */
export interface TakenLease {
  /** The token that proves this request holds the lease (conditional writes check it). */
  readonly leaseToken: string;
  /** True if the name had no live lease before (nobody held it, or it had expired). */
  readonly fresh: boolean;
  /** The activation recorded under the lease this request renewed (same principal). */
  readonly previousActivationId?: string;
}

/** Thrown when another principal holds a live lease on the name. */
export class LeaseHeldError extends Error {
  constructor(
    readonly holder: string,
    readonly expiresAt: number,
  ) {
    super(`the name is leased to ${holder} until ${new Date(expiresAt * 1000).toISOString()}`);
    this.name = "LeaseHeldError";
  }
}

/** Thrown when a newer request of the same principal took the lease over meanwhile. */
export class LeaseSupersededError extends Error {
  constructor() {
    super("a newer request for this name took the lease over");
    this.name = "LeaseSupersededError";
  }
}

const NAMES = {
  "#name": LEASE_HASH_KEY,
  "#principal": "principal",
  "#token": "leaseToken",
  "#expiresAt": LEASE_TTL_ATTRIBUTE,
  "#updatedAt": "updatedAt",
};

/**
 * Takes (or renews) the lease on `name` for `principal` until `expiresAt` (epoch seconds).
 * One conditional UpdateItem: it succeeds only if the name is free, expired or already
 * this principal's. Throws {@link LeaseHeldError} otherwise.
 */
export async function takeLease(
  client: LeaseClient,
  table: string,
  input: { name: string; principal: string; leaseToken: string; expiresAt: number; now: Date },
): Promise<TakenLease> {
  const nowSeconds = Math.floor(input.now.getTime() / 1000);
  try {
    const out = await client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { [LEASE_HASH_KEY]: { S: input.name } },
        UpdateExpression:
          "SET #principal = :principal, #token = :token, #expiresAt = :expiresAt, #updatedAt = :updatedAt",
        ConditionExpression:
          "attribute_not_exists(#name) OR #principal = :principal OR #expiresAt < :now",
        ExpressionAttributeNames: NAMES,
        ExpressionAttributeValues: {
          ":principal": { S: input.principal },
          ":token": { S: input.leaseToken },
          ":expiresAt": { N: String(input.expiresAt) },
          ":updatedAt": { S: input.now.toISOString() },
          ":now": { N: String(nowSeconds) },
        },
        ReturnValues: "ALL_OLD",
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    );
    const old = out.Attributes;
    const oldExpiry = Number(old?.[LEASE_TTL_ATTRIBUTE]?.N ?? 0);
    const live = old !== undefined && oldExpiry >= nowSeconds;
    const previous = live ? old?.activationId?.S : undefined;
    return {
      leaseToken: input.leaseToken,
      fresh: !live,
      ...(previous !== undefined ? { previousActivationId: previous } : {}),
    };
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException || isNamed(err, COND_FAILED)) {
      const item = (err as { Item?: Record<string, { S?: string; N?: string }> }).Item;
      throw new LeaseHeldError(
        item?.principal?.S ?? "another principal",
        Number(item?.[LEASE_TTL_ATTRIBUTE]?.N ?? 0),
      );
    }
    throw err;
  }
}

/**
 * Records the activation just issued under the lease, if this request still holds it.
 * Returns the activation it replaces (to be deleted), or undefined. Throws
 * {@link LeaseSupersededError} if a newer request of the same principal took over.
 */
export async function recordActivation(
  client: LeaseClient,
  table: string,
  input: { name: string; leaseToken: string; activationId: string },
): Promise<string | undefined> {
  try {
    const out = await client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { [LEASE_HASH_KEY]: { S: input.name } },
        UpdateExpression: "SET #activationId = :activationId",
        ConditionExpression: "#token = :token",
        ExpressionAttributeNames: { "#activationId": "activationId", "#token": "leaseToken" },
        ExpressionAttributeValues: {
          ":activationId": { S: input.activationId },
          ":token": { S: input.leaseToken },
        },
        ReturnValues: "UPDATED_OLD",
      }),
    );
    const previous = out.Attributes?.activationId?.S;
    return previous !== undefined && previous !== input.activationId ? previous : undefined;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException || isNamed(err, COND_FAILED)) {
      throw new LeaseSupersededError();
    }
    throw err;
  }
}

/** Releases a lease this request took, unless someone else has taken it since. */
export async function releaseLease(
  client: LeaseClient,
  table: string,
  input: { name: string; leaseToken: string },
): Promise<void> {
  try {
    await client.send(
      new DeleteItemCommand({
        TableName: table,
        Key: { [LEASE_HASH_KEY]: { S: input.name } },
        ConditionExpression: "#token = :token",
        ExpressionAttributeNames: { "#token": "leaseToken" },
        ExpressionAttributeValues: { ":token": { S: input.leaseToken } },
      }),
    );
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException || isNamed(err, COND_FAILED)) return;
    throw err;
  }
}

const COND_FAILED = "ConditionalCheckFailedException";

function isNamed(err: unknown, name: string): boolean {
  return (err as { name?: string })?.name === name;
}
