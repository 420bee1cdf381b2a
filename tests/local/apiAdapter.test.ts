import { strict as assert } from "node:assert";
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from "aws-lambda";
import {
  collectHeaders,
  formatRequestTime,
  parseQuery,
  startApiAdapter,
  type ApiAdapter,
  type ApiAdapterOptions,
  type ProxyHandler,
} from "../../local/apiAdapter";
import { request } from "./support";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A handler that records what it was given and answers `result`. */
function recorder(result: APIGatewayProxyResult = { statusCode: 200, body: "{}" }): {
  handler: ProxyHandler;
  calls: Array<{ event: APIGatewayProxyEvent; context: Context; remaining: number }>;
} {
  const calls: Array<{ event: APIGatewayProxyEvent; context: Context; remaining: number }> = [];
  return {
    calls,
    handler: async (event, context) => {
      calls.push({ event, context, remaining: context.getRemainingTimeInMillis() });
      return result;
    },
  };
}

describe("apiAdapter", () => {
  let api: ApiAdapter | undefined;
  const start = async (options: ApiAdapterOptions): Promise<ApiAdapter> =>
    (api = await startApiAdapter(options));

  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  describe("the proxy event", () => {
    it("is the REST v1 proxy event API Gateway would send", async () => {
      const rec = recorder();
      const { url, port } = await start({ handler: rec.handler });
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/latest$/);

      await request(`${url}/activate?name=web-01&tag.Team=ops&tag.Team=dev&note=a+b%2Bc%20d`, {
        headers: {
          "X-Instance-Identity-Signature-Kind": "rsa2048",
          Authorization: "Bearer hft_x",
          "X-Dup": ["one", "two"],
          "User-Agent": "bootstrap.sh/1",
        },
      });

      assert.equal(rec.calls.length, 1);
      const { event } = rec.calls[0];
      assert.equal(event.resource, "/activate");
      assert.equal(event.path, "/activate");
      assert.equal(event.httpMethod, "GET");
      assert.deepEqual(event.queryStringParameters, {
        name: "web-01",
        "tag.Team": "dev",
        note: "a b+c d",
      });
      assert.deepEqual(event.multiValueQueryStringParameters, {
        name: ["web-01"],
        "tag.Team": ["ops", "dev"],
        note: ["a b+c d"],
      });
      assert.equal(
        event.headers["X-Instance-Identity-Signature-Kind"],
        "rsa2048",
        "header spelling is kept",
      );
      assert.equal(event.headers.Authorization, "Bearer hft_x");
      assert.equal(event.headers["X-Dup"], "two");
      assert.deepEqual(event.multiValueHeaders["X-Dup"], ["one", "two"]);
      assert.equal(event.headers.Host, `127.0.0.1:${port}`);
      assert.equal(event.headers["X-Forwarded-For"], "127.0.0.1");
      assert.match(event.headers["X-Amzn-Trace-Id"] ?? "", /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
      assert.deepEqual(event.multiValueHeaders.Authorization, ["Bearer hft_x"]);
      assert.equal(event.pathParameters, null);
      assert.equal(event.stageVariables, null);
      assert.equal(event.body, null);
      assert.equal(event.isBase64Encoded, false);

      const rc = event.requestContext;
      assert.equal(rc.stage, "latest");
      assert.equal(rc.path, "/latest/activate");
      assert.equal(rc.resourcePath, "/activate");
      assert.equal(rc.httpMethod, "GET");
      assert.equal(rc.protocol, "HTTP/1.1");
      assert.match(rc.requestId, UUID);
      assert.equal(rc.identity.sourceIp, "127.0.0.1");
      assert.equal(rc.identity.userAgent, "bootstrap.sh/1");
      assert.equal(rc.accountId, "123456789012");
      assert.equal(typeof rc.requestTimeEpoch, "number");
      assert.equal(rc.requestTime, formatRequestTime(rc.requestTimeEpoch));
    });

    it("has null query maps when there is no query, as API Gateway sends", async () => {
      const rec = recorder();
      const { url } = await start({ handler: rec.handler });
      await request(`${url}/activate`);
      await request(`${url}/activate?`);
      for (const { event } of rec.calls) {
        assert.equal(event.queryStringParameters, null);
        assert.equal(event.multiValueQueryStringParameters, null);
      }
      assert.equal(rec.calls.length, 2);
    });

    it("gives each invocation a fresh request ID and a Lambda-like context", async () => {
      const rec = recorder();
      const { url } = await start({
        handler: rec.handler,
        functionName: "activation-test",
        stage: "v1",
      });
      await request(`${url}/activate?name=a`);
      await request(`${url}/activate?name=b`);

      const [a, b] = rec.calls;
      assert.match(a.context.awsRequestId, UUID);
      assert.notEqual(a.context.awsRequestId, b.context.awsRequestId);
      assert.notEqual(a.event.requestContext.requestId, b.event.requestContext.requestId);
      assert.equal(a.context.functionName, "activation-test");
      assert.equal(
        a.context.invokedFunctionArn,
        "arn:aws:lambda:ap-southeast-2:123456789012:function:activation-test",
      );
      assert.ok(a.remaining > 0 && a.remaining <= 29_000, `remaining ${a.remaining}`);
      assert.equal(a.event.requestContext.stage, "v1");
      assert.equal(a.event.requestContext.path, "/v1/activate");
    });
  });

  describe("results", () => {
    it("writes status, headers and body back, with the gateway's request ID", async () => {
      const rec = recorder({
        statusCode: 503,
        headers: { "Retry-After": 2, "Content-Type": "application/json; charset=utf-8" },
        multiValueHeaders: { "X-Multi": ["a", "b"] },
        body: JSON.stringify({
          error: "ServiceUnavailable",
          message: "SSM is throttling",
          requestId: "r-1",
        }),
      });
      const { url } = await start({ handler: rec.handler });

      const res = await request(`${url}/activate?name=x`);

      assert.equal(res.status, 503);
      assert.equal(res.headers["retry-after"], "2");
      assert.equal(res.headers["content-type"], "application/json; charset=utf-8");
      assert.equal(res.headers["x-multi"], "a, b");
      assert.equal(res.headers["x-amzn-requestid"], rec.calls[0].event.requestContext.requestId);
      assert.deepEqual(JSON.parse(res.body), {
        error: "ServiceUnavailable",
        message: "SSM is throttling",
        requestId: "r-1",
      });
    });

    it("defaults Content-Type to application/json and decodes base64 bodies", async () => {
      const { url } = await start({
        handler: async () => ({
          statusCode: 200,
          body: Buffer.from("#!/bin/sh\n").toString("base64"),
          isBase64Encoded: true,
        }),
      });
      const res = await request(`${url}/activate`);
      assert.equal(res.status, 200);
      assert.equal(res.headers["content-type"], "application/json");
      assert.equal(res.body, "#!/bin/sh\n");
    });

    it("answers 502 Internal server error when the handler throws, leaking nothing", async () => {
      const { url } = await start({
        handler: async () => {
          throw new Error("secret activation code ABC");
        },
      });
      const res = await request(`${url}/activate?name=x`);
      assert.equal(res.status, 502);
      assert.deepEqual(JSON.parse(res.body), { message: "Internal server error" });
      assert.equal(res.headers["x-amzn-errortype"], "InternalServerErrorException");
    });

    it("answers 502 for a malformed proxy result", async () => {
      const { url } = await start({
        handler: (async () => ({ body: "no status" })) as unknown as ProxyHandler,
      });
      const res = await request(`${url}/activate`);
      assert.equal(res.status, 502);
      assert.deepEqual(JSON.parse(res.body), { message: "Internal server error" });
    });

    it("answers 504 when the integration times out", async () => {
      const { url } = await start({
        timeoutMs: 20,
        handler: () =>
          new Promise<APIGatewayProxyResult>((resolve) =>
            setTimeout(() => resolve({ statusCode: 200, body: "" }), 2_000).unref(),
          ),
      });
      const res = await request(`${url}/activate`);
      assert.equal(res.status, 504);
      assert.deepEqual(JSON.parse(res.body), { message: "Endpoint request timed out" });
    });
  });

  describe("routing", () => {
    const misses: Array<[string, string, string]> = [
      ["an unknown path", "GET", "/latest/register"],
      ["the stage root", "GET", "/latest"],
      ["another stage", "GET", "/prod/activate"],
      ["no stage", "GET", "/activate"],
      ["a trailing segment", "GET", "/latest/activate/x"],
      ["POST", "POST", "/latest/activate"],
      ["PUT", "PUT", "/latest/activate"],
      ["DELETE", "DELETE", "/latest/activate?name=x"],
    ];
    for (const [what, method, path] of misses) {
      it(`answers ${what} with 403 Missing Authentication Token and never calls the handler`, async () => {
        const rec = recorder();
        const { port } = await start({ handler: rec.handler });
        const res = await request(`http://127.0.0.1:${port}${path}`, { method });
        assert.equal(res.status, 403);
        assert.deepEqual(JSON.parse(res.body), { message: "Missing Authentication Token" });
        assert.equal(res.headers["x-amzn-errortype"], "MissingAuthenticationTokenException");
        assert.equal(rec.calls.length, 0);
      });
    }
  });

  describe("stage throttling", () => {
    it("answers 429 Too Many Requests beyond the burst and refills at the rate", async () => {
      let clock = 5_000_000;
      const rec = recorder();
      const { url } = await start({
        handler: rec.handler,
        throttle: { rateLimit: 1, burstLimit: 2 },
        now: () => clock,
      });
      const statuses = async (n: number): Promise<number[]> => {
        const out: number[] = [];
        for (let i = 0; i < n; i++) out.push((await request(`${url}/activate?name=x`)).status);
        return out;
      };

      const burst = await statuses(3);
      clock += 1_000;
      const afterOneSecond = await statuses(2);

      assert.deepEqual(burst, [200, 200, 429]);
      assert.deepEqual(afterOneSecond, [200, 429]);
      assert.equal(rec.calls.length, 3);
      const limited = await request(`${url}/activate?name=x`);
      assert.deepEqual(JSON.parse(limited.body), { message: "Too Many Requests" });
      assert.equal(limited.headers["x-amzn-errortype"], "TooManyRequestsException");
      assert.equal(limited.headers["retry-after"], undefined, "API Gateway's bare 429 has none");
    });

    it("adds Retry-After to its 429 as the THROTTLED gateway response does", async () => {
      const clock = 5_000_000;
      const { url } = await start({
        handler: recorder().handler,
        throttle: { rateLimit: 1, burstLimit: 1, retryAfterSeconds: 1 },
        now: () => clock,
      });
      assert.equal((await request(`${url}/activate?name=x`)).status, 200);
      const limited = await request(`${url}/activate?name=x`);
      assert.equal(limited.status, 429);
      assert.equal(limited.headers["retry-after"], "1");
    });

    it("rejects negative limits, naming the fields", async () => {
      await assert.rejects(
        startApiAdapter({
          handler: recorder().handler,
          throttle: { rateLimit: -1, burstLimit: 1 },
        }),
        /throttle\.rateLimit and throttle\.burstLimit must be numbers >= 0/,
      );
    });
  });

  describe("pure helpers", () => {
    it("parseQuery decodes like API Gateway and keeps repeats in order", () => {
      assert.deepEqual(parseQuery(""), { single: null, multi: null });
      assert.deepEqual(parseQuery("a=1&a=2&b=%E2%9C%93&c"), {
        single: { a: "2", b: "✓", c: "" },
        multi: { a: ["1", "2"], b: ["✓"], c: [""] },
      });
    });

    it("collectHeaders keeps the first spelling of a repeated header", () => {
      assert.deepEqual(collectHeaders(["X-A", "1", "x-a", "2", "Host", "h"]), {
        single: { "X-A": "2", Host: "h" },
        multi: { "X-A": ["1", "2"], Host: ["h"] },
      });
    });

    it("formatRequestTime uses API Gateway's CLF-style time", () => {
      assert.equal(
        formatRequestTime(Date.UTC(2026, 10, 28, 4, 5, 6)),
        "28/Nov/2026:04:05:06 +0000",
      );
    });
  });
});
