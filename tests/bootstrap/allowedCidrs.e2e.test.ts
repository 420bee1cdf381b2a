/**
 * End to end: `apiAllowedCidrs` as the local API enforces it (the deployed resource policy's
 * DenyOtherSourceAddresses, answered with API Gateway's own 403 body), with the real
 * register.sh and the real handler behind it. The script runs on 127.0.0.1.
 */
import { strict as assert } from "node:assert";
import {
  GOOD_TOKEN,
  CLOSED_URL,
  REGISTER_SH,
  newMachine,
  runScript,
  startLocalStack,
} from "./support/harness";

describe("register.sh against an API with allowed source ranges", function () {
  this.timeout(60_000);

  async function register(allowedCidrs: string[], name: string) {
    const stack = await startLocalStack({ allowedCidrs });
    try {
      const m = newMachine();
      const r = await runScript(REGISTER_SH, ["--name", name], {
        ...m.env,
        HF_API_URL: stack.url,
        HF_IMDS_URL: CLOSED_URL,
        HF_TOKEN: GOOD_TOKEN,
      });
      return {
        r,
        agentCalls: m.agentCalls().length,
        apiCalls: stack.calls.length,
        activations: stack.ssm.activations.length,
      };
    } finally {
      await stack.close();
    }
  }

  it("127.0.0.1 outside the allowed ranges: refused by the gateway, exit 5, the reason printed, nothing spent", async () => {
    const { r, agentCalls, apiCalls, activations } = await register(
      ["10.0.0.0/8", "2001:db8::/32"],
      "web-outsider",
    );
    assert.equal(r.code, 5, r.stderr);
    assert.match(
      r.stderr,
      /activation API denied the request \(HTTP 403 \): User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:[a-z0-9-]+:\d{12}:[0-9a-f]+\/latest\/GET\/activate with an explicit deny \(the API's resource policy refused this network: its source address or VPC endpoint is not allowed\)/,
    );
    // Refused in front of the function: it never ran, no activation was created.
    assert.equal(apiCalls, 0);
    assert.equal(activations, 0);
    assert.equal(agentCalls, 0);
  });

  it("127.0.0.1 inside the allowed ranges: registers", async () => {
    const { r, agentCalls, apiCalls, activations } = await register(
      ["10.0.0.0/8", "127.0.0.0/8"],
      "web-insider",
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(apiCalls, 1);
    assert.equal(activations, 1);
    assert.equal(agentCalls, 1);
  });
});
