/**
 * A local EC2 instance metadata service (IMDSv2 only) for the bootstrap script tests and `npm start`. It
 * follows the token flow the real one enforces: `PUT /latest/api/token` with
 * `X-aws-ec2-metadata-token-ttl-seconds` (1-21600) issues a token, and every GET must carry
 * it in `X-aws-ec2-metadata-token` or gets 401. It serves real signed identity documents
 * byte for byte, because the API verifies the signature over exactly those bytes.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";

/** What the fake serves under `/latest/dynamic/instance-identity/`. */
export interface FakeImdsOptions {
  /** Document bytes, exactly as IMDS serves them. */
  readonly document: Buffer;
  /** `/rsa2048` body; omitted = 404, as on an IMDS without it. */
  readonly rsa2048?: string;
  /** `/signature` body; omitted = 404. */
  readonly signature?: string;
}

/** One request the fake received. */
export interface FakeImdsRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

/** A running fake IMDS. */
export interface FakeImds {
  /** Base URL, `http://127.0.0.1:<port>`: the script's `HF_IMDS_URL`. */
  readonly url: string;
  /** Every request, oldest first. */
  readonly requests: readonly FakeImdsRequest[];
  /** Stop listening. */
  close(): Promise<void>;
}

// The real signed document of an EC2 instance (tests/fixtures/bootstrap/SOURCE.txt).
const FIXTURES = path.join(__dirname, "..", "tests", "fixtures", "bootstrap");

/** The real signed document, rsa2048 and signature from `tests/fixtures/bootstrap/`. */
export function realIdentity(): Required<FakeImdsOptions> {
  return {
    document: fs.readFileSync(path.join(FIXTURES, "document")),
    rsa2048: fs.readFileSync(path.join(FIXTURES, "rsa2048"), "utf8"),
    signature: fs.readFileSync(path.join(FIXTURES, "signature"), "utf8"),
  };
}

/** Starts a fake IMDS on 127.0.0.1 (ephemeral port). */
export async function startFakeImds(options: FakeImdsOptions): Promise<FakeImds> {
  const tokens = new Set<string>();
  const requests: FakeImdsRequest[] = [];
  const base = "/latest/dynamic/instance-identity/";
  const bodies: Record<string, Buffer | string | undefined> = {
    [`${base}document`]: options.document,
    [`${base}rsa2048`]: options.rsa2048,
    [`${base}signature`]: options.signature,
  };
  const server = http.createServer((req, res) => {
    const reply = (status: number, body: Buffer | string): void => {
      requests.push({ method: req.method ?? "", path: req.url ?? "", status });
      res.writeHead(status, { "Content-Type": "text/plain" });
      res.end(body);
    };
    if (req.url === "/latest/api/token") {
      if (req.method !== "PUT") return reply(405, "");
      const ttl = Number(req.headers["x-aws-ec2-metadata-token-ttl-seconds"]);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21600) return reply(400, "");
      const token = randomBytes(32).toString("base64");
      tokens.add(token);
      return reply(200, token);
    }
    if (req.method !== "GET") return reply(405, "");
    const token = req.headers["x-aws-ec2-metadata-token"];
    if (typeof token !== "string" || !tokens.has(token)) return reply(401, "");
    const body = bodies[req.url ?? ""];
    return body === undefined ? reply(404, "") : reply(200, body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
