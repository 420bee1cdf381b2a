/** The local API Gateway adapter's `allowedCidrs`: the deployed resource policy's refusal, locally. */
import * as assert from "node:assert/strict";
import { resourcePolicyDenyBody, startApiAdapter, type ProxyHandler } from "../../local/apiAdapter";

describe("apiAdapter allowedCidrs", () => {
  let calls = 0;
  const handler: ProxyHandler = async () => {
    calls++;
    return { statusCode: 200, body: '{"ok":true}' };
  };

  it("answers a caller outside the ranges with API Gateway's resource-policy 403, before the function", async () => {
    calls = 0;
    const api = await startApiAdapter({
      handler,
      allowedCidrs: ["10.0.0.0/8", "::1/128"],
      region: "eu-west-1",
      accountId: "111122223333",
    });
    try {
      const res = await fetch(`${api.url}/activate?name=web-1`);
      assert.equal(res.status, 403);
      assert.equal(res.headers.get("x-amzn-errortype"), "AccessDeniedException");
      assert.equal(res.headers.get("content-type"), "application/json");
      const body = await res.text();
      const arn = /on resource: (\S+) with an explicit deny/.exec(body)?.[1] ?? "";
      assert.match(
        arn,
        /^arn:aws:execute-api:eu-west-1:111122223333:[0-9a-f]{10}\/latest\/GET\/activate$/,
      );
      assert.equal(body, resourcePolicyDenyBody(arn));
      assert.deepEqual(JSON.parse(body), {
        Message: `User: anonymous is not authorized to perform: execute-api:Invoke on resource: ${arn} with an explicit deny`,
      });
      assert.equal(calls, 0);
    } finally {
      await api.close();
    }
  });

  it("serves a caller inside the ranges", async () => {
    calls = 0;
    const api = await startApiAdapter({ handler, allowedCidrs: ["127.0.0.0/8"] });
    try {
      const res = await fetch(`${api.url}/activate?name=web-1`);
      assert.equal(res.status, 200);
      assert.equal(calls, 1);
    } finally {
      await api.close();
    }
  });

  it("refuses a malformed or overlapping list at start", async () => {
    await assert.rejects(
      startApiAdapter({ handler, allowedCidrs: ["10.0.0.0/8", "10.1.0.0/16"] }),
      {
        message: "allowedCidrs[1] 10.1.0.0/16 overlaps 10.0.0.0/8; list each network once",
      },
    );
  });
});
