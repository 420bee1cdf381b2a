/**
 * One loopback HTTP server that answers the real `@aws-sdk/client-athena` (awsJson1_1:
 * `POST /`, `X-Amz-Target: AmazonAthena.<Op>`) and `@aws-sdk/client-s3` PutObject (path
 * style `PUT /<bucket>/<key>`), so the bundled function can run end to end in a fresh
 * process. Every query succeeds at once; each statement's result comes from `results`,
 * found by the `-- key` comment the test statements start with.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

/** A recorded request. */
export interface FakeCall {
  readonly operation: string;
  readonly input: Record<string, unknown>;
}

/** A stored S3 object. */
export interface FakeObject {
  readonly key: string;
  readonly body: string;
  readonly headers: http.IncomingHttpHeaders;
}

/** The running fake. */
export interface FakeAthenaS3 {
  readonly url: string;
  readonly calls: FakeCall[];
  readonly objects: FakeObject[];
  close(): Promise<void>;
}

/** Result of one statement: header and data rows (null = SQL NULL). */
export type FakeResult = { columns: readonly string[]; rows: (string | null)[][] };

/** Decodes an `aws-chunked` body (`<hex size>[;chunk-signature=…]\r\n<data>\r\n…0\r\n…`). */
function unchunk(raw: string): string {
  let out = "";
  let at = 0;
  for (;;) {
    const lineEnd = raw.indexOf("\r\n", at);
    if (lineEnd === -1) return out;
    const size = parseInt(raw.slice(at, lineEnd).split(";")[0], 16);
    if (!size) return out;
    out += raw.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}

/** Starts the fake on 127.0.0.1 (a free port). */
export async function startFakeAthenaS3(
  results: Record<string, FakeResult>,
): Promise<FakeAthenaS3> {
  const calls: FakeCall[] = [];
  const objects: FakeObject[] = [];
  const keyOf = new Map<string, string>();
  let next = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const target = req.headers["x-amz-target"];
      if (req.method === "PUT" && target === undefined) {
        const encoded = String(req.headers["content-encoding"] ?? "");
        const body = encoded.includes("aws-chunked") ? unchunk(raw) : raw;
        const key = decodeURIComponent(new URL(req.url ?? "/", "http://fake").pathname);
        objects.push({ key, body, headers: req.headers });
        calls.push({ operation: "PutObject", input: { path: req.url } });
        res.writeHead(200, { ETag: '"etag"' }).end();
        return;
      }
      const operation = String(target ?? "").replace("AmazonAthena.", "");
      const input = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      calls.push({ operation, input });
      const json = (body: unknown) =>
        res
          .writeHead(200, { "Content-Type": "application/x-amz-json-1.1" })
          .end(JSON.stringify(body));
      if (operation === "StartQueryExecution") {
        const key = /^-- (\w+)/.exec(String(input.QueryString))?.[1] ?? "unknown";
        const id = `qe-${next++}-${key}`;
        keyOf.set(id, key);
        json({ QueryExecutionId: id });
      } else if (operation === "GetQueryExecution") {
        json({
          QueryExecution: {
            QueryExecutionId: input.QueryExecutionId,
            Status: { State: "SUCCEEDED" },
            Statistics: { DataScannedInBytes: 2048 },
          },
        });
      } else if (operation === "GetQueryResults") {
        const result = results[keyOf.get(String(input.QueryExecutionId)) ?? ""];
        const row = (values: readonly (string | null)[]) => ({
          Data: values.map((v) => (v === null ? {} : { VarCharValue: v })),
        });
        json({
          ResultSet: { Rows: result ? [row(result.columns), ...result.rows.map(row)] : [] },
        });
      } else {
        res
          .writeHead(400, { "Content-Type": "application/x-amz-json-1.1" })
          .end(JSON.stringify({ __type: "UnknownOperationException", message: operation }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    objects,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
