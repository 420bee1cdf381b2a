/**
 * One loopback HTTP server that answers the real `@aws-sdk/client-athena` (awsJson1_1:
 * `POST /`, `X-Amz-Target: AmazonAthena.<Op>`) and `@aws-sdk/client-s3` (path style, REST
 * XML): PutObject (`PUT /<bucket>/<key>`, `If-None-Match: *` refused with 412 when the key
 * exists), HeadObject, DeleteObject, ListObjectsV2 (`GET /<bucket>?list-type=2`) and
 * DeleteObjects (`POST /<bucket>?delete`), over one in-memory store, so the bundled function
 * can run end to end in a fresh process. Every query succeeds at once; each statement's
 * result comes from `results`, found by the `-- key` comment the test statements start with.
 * Wire formats: https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html,
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html,
 * https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html.
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
  /** `/<bucket>/<key>`. */
  readonly key: string;
  readonly body: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly lastModified: Date;
}

/** The running fake. */
export interface FakeAthenaS3 {
  readonly url: string;
  readonly calls: FakeCall[];
  /** Every PutObject that was stored, in order (refused conditional writes are not). */
  readonly objects: FakeObject[];
  /** What the bucket holds now, by `/<bucket>/<key>`. */
  readonly store: Map<string, FakeObject>;
  /** Puts an object in the store without a request (what an earlier run left). */
  seed(path: string, body: string, lastModified?: Date): void;
  close(): Promise<void>;
}

function xmlEscape(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

function xmlUnescape(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}

const XML_HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n';
const S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/";

/** S3's REST error body. */
function s3ErrorXml(code: string, message: string, resource: string): string {
  return `${XML_HEADER}<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message><Resource>${xmlEscape(resource)}</Resource><RequestId>fake</RequestId></Error>`;
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
  const store = new Map<string, FakeObject>();
  const keyOf = new Map<string, string>();
  let next = 0;

  const s3 = (req: http.IncomingMessage, res: http.ServerResponse, raw: string) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const path = decodeURIComponent(url.pathname);
    const xml = (status: number, body: string) =>
      res.writeHead(status, { "Content-Type": "application/xml" }).end(body);
    if (req.method === "PUT") {
      const encoded = String(req.headers["content-encoding"] ?? "");
      const body = encoded.includes("aws-chunked") ? unchunk(raw) : raw;
      const conditional = req.headers["if-none-match"] === "*";
      calls.push({ operation: "PutObject", input: { path, ifNoneMatch: conditional } });
      if (conditional && store.has(path)) {
        xml(
          412,
          s3ErrorXml(
            "PreconditionFailed",
            "At least one of the pre-conditions you specified did not hold",
            path,
          ),
        );
        return;
      }
      const object = { key: path, body, headers: req.headers, lastModified: new Date() };
      objects.push(object);
      store.set(path, object);
      res.writeHead(200, { ETag: '"etag"' }).end();
    } else if (req.method === "HEAD") {
      calls.push({ operation: "HeadObject", input: { path } });
      const found = store.get(path);
      if (!found) {
        res.writeHead(404).end();
        return;
      }
      res
        .writeHead(200, {
          "Content-Length": Buffer.byteLength(found.body),
          "Last-Modified": found.lastModified.toUTCString(),
          ETag: '"etag"',
        })
        .end();
    } else if (req.method === "DELETE") {
      calls.push({ operation: "DeleteObject", input: { path } });
      store.delete(path);
      res.writeHead(204).end();
    } else if (req.method === "GET" && url.searchParams.get("list-type") === "2") {
      const bucket = path.replace(/^\/|\/$/g, "");
      const prefix = url.searchParams.get("prefix") ?? "";
      const max = Number(url.searchParams.get("max-keys") ?? 1000);
      const token = url.searchParams.get("continuation-token");
      calls.push({ operation: "ListObjectsV2", input: { bucket, prefix, max, token } });
      const keys = [...store.keys()]
        .filter((k) => k.startsWith(`/${bucket}/`))
        .map((k) => k.slice(bucket.length + 2))
        .filter((k) => k.startsWith(prefix) && (token === null || k > token))
        .sort();
      const listed = keys.slice(0, max);
      const truncated = keys.length > max;
      const contents = listed
        .map((k) => {
          const o = store.get(`/${bucket}/${k}`)!;
          return `<Contents><Key>${xmlEscape(k)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>&quot;etag&quot;</ETag><Size>${Buffer.byteLength(o.body)}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
        })
        .join("");
      xml(
        200,
        `${XML_HEADER}<ListBucketResult xmlns="${S3_NS}"><Name>${bucket}</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyCount>${listed.length}</KeyCount><MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${contents}${truncated ? `<NextContinuationToken>${xmlEscape(listed[listed.length - 1])}</NextContinuationToken>` : ""}</ListBucketResult>`,
      );
    } else if (req.method === "POST" && url.searchParams.has("delete")) {
      const bucket = path.replace(/^\/|\/$/g, "");
      const encoded = String(req.headers["content-encoding"] ?? "");
      const body = encoded.includes("aws-chunked") ? unchunk(raw) : raw;
      const keys = [...body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => xmlUnescape(m[1]));
      const quiet = /<Quiet>true<\/Quiet>/.test(body);
      calls.push({ operation: "DeleteObjects", input: { bucket, keys, quiet } });
      for (const k of keys) store.delete(`/${bucket}/${k}`);
      const deleted = quiet
        ? ""
        : keys.map((k) => `<Deleted><Key>${xmlEscape(k)}</Key></Deleted>`).join("");
      xml(200, `${XML_HEADER}<DeleteResult xmlns="${S3_NS}">${deleted}</DeleteResult>`);
    } else {
      calls.push({ operation: `S3 ${req.method}`, input: { path: req.url } });
      xml(501, s3ErrorXml("NotImplemented", `the fake does not answer ${req.method}`, path));
    }
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const target = req.headers["x-amz-target"];
      if (target === undefined) {
        s3(req, res, raw);
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
    store,
    seed: (path, body, lastModified = new Date()) =>
      void store.set(path, { key: path, body, headers: {}, lastModified }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
