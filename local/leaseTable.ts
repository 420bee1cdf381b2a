/**
 * A real DynamoDB implementation for the name lease, offline: dynalite (in memory) on
 * 127.0.0.1, with the table created exactly as the ActivationApi component declares it
 * (hash key `name`, on-demand). Conditional writes behave as in DynamoDB, which a mock
 * would only imitate; the concurrency test relies on that.
 */
import type { AddressInfo } from "node:net";
import {
  CreateTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { LEASE_HASH_KEY, LEASE_TTL_ATTRIBUTE } from "../functions/activation/lease";

/** A running local lease table. */
export interface LocalLeaseTable {
  /** `http://127.0.0.1:<port>`: the handler's DYNAMODB_ENDPOINT. */
  readonly endpoint: string;
  /** The table's name: the handler's LEASE_TABLE_NAME. */
  readonly tableName: string;
  /** A client for assertions and setup (dummy credentials; dynalite does not check them). */
  readonly client: DynamoDBClient;
  close(): Promise<void>;
}

/** Starts dynalite on 127.0.0.1 (ephemeral port) and creates the lease table. */
export async function startLocalLeaseTable(
  tableName = "hybrid-fleet-name-leases",
): Promise<LocalLeaseTable> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    region: "ap-southeast-2",
    endpoint,
    credentials: { accessKeyId: "AKIALOCALFAKE000000", secretAccessKey: "local-fake-secret" },
  });
  const close = async (): Promise<void> => {
    client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: LEASE_HASH_KEY, AttributeType: "S" }],
        KeySchema: [{ AttributeName: LEASE_HASH_KEY, KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
    await client
      .send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: LEASE_TTL_ATTRIBUTE, Enabled: true },
        }),
      )
      // dynalite does not implement TTL; the handler never relies on deletion by TTL anyway
      // (an expired item is treated as free by the conditional write).
      .catch(() => undefined);
  } catch (err) {
    await close();
    throw err;
  }
  return { endpoint, tableName, client, close };
}
