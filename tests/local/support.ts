/** Helpers shared by the local-harness tests. */
import { strict as assert } from "node:assert";
import * as http from "node:http";
import { SSMClient } from "@aws-sdk/client-ssm";
import type { FakeInstance } from "../../local/fakeSsm";

/** Credentials for the fake SSM: the real client signs with them, the fake reads the signature. */
export const LOCAL_CREDENTIALS = { accessKeyId: "AKIALOCALTEST", secretAccessKey: "local-test" };

/** The n-th online managed instance of a fake fleet: `mi-` and n in hex, named `host-n`. */
export function managedInstance(n: number): FakeInstance {
  return {
    InstanceId: `mi-${n.toString(16).padStart(17, "0")}`,
    PingStatus: "Online",
    ResourceType: "ManagedInstance",
    Name: `host-${n}`,
    ComputerName: `host-${n}.corp.example`,
  };
}

/**
 * aws-sdk-client-mock's `mockClient(SSMClient)` replaces `SSMClient.prototype.send` for the
 * whole mocha process; these tests need the genuine client, so say so plainly if it is stubbed.
 */
export function assertRealSsmClient(): void {
  const send = SSMClient.prototype.send as unknown as Record<string, unknown>;
  assert.ok(
    typeof send.restore !== "function",
    "SSMClient.prototype.send is stubbed: a test file calls mockClient(SSMClient) without restore(); " +
      "create the mock in before() and call .restore() in after()",
  );
}

/** What an SDK service exception carries besides `name` and `message`. */
export interface SdkError extends Error {
  readonly $fault?: string;
  readonly $metadata: { httpStatusCode?: number; attempts?: number; totalRetryDelay?: number };
}

/** Awaits `promise`, which must reject, and returns the error. */
export async function rejection(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (err) {
    return err as SdkError;
  }
  assert.fail("expected the call to fail");
}

/** A response as raw as Node gives it. */
export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** Header names exactly as sent, paired with values. */
  readonly rawHeaders: string[];
  readonly body: string;
}

/**
 * An HTTP request with full control of header spelling and repetition (an array value sends
 * the header once per element), which `fetch` does not give.
 */
export function request(
  url: string,
  options: { method?: string; headers?: http.OutgoingHttpHeaders; body?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: options.method ?? "GET", headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}
