/**
 * A loopback HTTP server for the bootstrap script tests that records every request (method,
 * path, headers) and answers from a caller-supplied function, so a test can assert exactly what
 * the script sent (identity headers, token, no request at all) and shape hostile answers.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

/** One request the recorder received. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
}

/** A running recorder. */
export interface Recorder {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Every request, oldest first. */
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/** How to answer: status, headers, body (or a function that writes the response itself). */
export type Answer =
  | {
      readonly status: number;
      readonly headers?: Record<string, string>;
      readonly body: string | Buffer;
    }
  | ((req: http.IncomingMessage, res: http.ServerResponse) => void);

/** Starts a recorder on 127.0.0.1 answering every request with `answer(request)`. */
export async function startRecorder(answer: (req: RecordedRequest) => Answer): Promise<Recorder> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const recorded = { method: req.method ?? "", path: req.url ?? "", headers: req.headers };
    requests.push(recorded);
    const a = answer(recorded);
    if (typeof a === "function") return a(req, res);
    res.writeHead(a.status, { "Content-Type": "application/json", ...a.headers });
    res.end(a.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
