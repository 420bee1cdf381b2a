/**
 * The API deployment must be redone whenever what it snapshots changes: a changed validator
 * or integration setting with unchanged resource IDs used to leave stage `latest` serving the
 * old API.
 */
import * as assert from "node:assert/strict";
import {
  canonicalJson,
  redeploymentHash,
  type ApiDefinition,
} from "../../components/activation/redeployTrigger";
import { installMocks, resourceNamed, unwrap, type RecordedResource } from "../support/pulumiMocks";

/** The parts a deployment snapshots, as the mocks recorded their inputs. */
const PARTS: Readonly<Record<string, string>> = {
  resource: "aws:apigateway/resource:Resource",
  validator: "aws:apigateway/requestValidator:RequestValidator",
  method: "aws:apigateway/method:Method",
  integration: "aws:apigateway/integration:Integration",
  throttled: "aws:apigateway/response:Response",
};
const LOGICAL: Readonly<Record<string, string>> = {
  resource: "activate",
  validator: "validator",
  method: "get",
  integration: "integration",
  throttled: "throttled",
};

interface Built {
  readonly trigger: string;
  readonly definition: ApiDefinition;
}

async function build(name: string, extra: Record<string, unknown> = {}): Promise<Built> {
  installMocks();
  const { ActivationApi } = await import("../../components/activation/activationApi");
  const api = new ActivationApi(name, { fleetName: "acme", environment: "dev", ...extra });
  await unwrap(api.apiUrl);
  await new Promise((r) => setTimeout(r, 50));
  const part = (key: string): RecordedResource =>
    resourceNamed(`${name}-${LOGICAL[key]}`, PARTS[key]);
  const definition = Object.fromEntries(Object.keys(PARTS).map((k) => [k, part(k).inputs]));
  return {
    trigger: resourceNamed(`${name}-deployment`, "aws:apigateway/deployment:Deployment").inputs
      .triggers.redeployment,
    definition,
  };
}

describe("API redeploy trigger", () => {
  let base: Built;

  before(async () => {
    base = await build("rt");
  });

  it("hashes exactly the settings the resource, validator, method, integration and THROTTLED response were given", () => {
    assert.equal(base.trigger, redeploymentHash(base.definition));
  });

  // Each relevant setting, changed in place (same resource IDs): the trigger must move.
  const changes: [string, string, string, unknown][] = [
    ["validator stops checking parameters", "validator", "validateRequestParameters", false],
    ["validator starts checking bodies", "validator", "validateRequestBody", true],
    ["method needs authorization", "method", "authorization", "AWS_IAM"],
    [
      "method requires another parameter",
      "method",
      "requestParameters",
      { "method.request.querystring.name": true, "method.request.header.X-Token": true },
    ],
    [
      "method makes name optional",
      "method",
      "requestParameters",
      { "method.request.querystring.name": false },
    ],
    ["method uses another validator", "method", "requestValidatorId", "other-validator"],
    ["method gets an API key requirement", "method", "apiKeyRequired", true],
    ["integration type", "integration", "type", "AWS"],
    ["integration target", "integration", "uri", "arn:aws:apigateway:other"],
    ["integration timeout", "integration", "timeoutMilliseconds", 5000],
    ["integration HTTP method", "integration", "integrationHttpMethod", "GET"],
    ["resource path", "resource", "pathPart", "register"],
    [
      "THROTTLED response's Retry-After",
      "throttled",
      "responseParameters",
      { "gatewayresponse.header.Retry-After": "'5'" },
    ],
  ];
  for (const [title, part, key, value] of changes) {
    it(`changes when the ${title}`, () => {
      const changed = { ...base.definition, [part]: { ...base.definition[part], [key]: value } };
      assert.notEqual(redeploymentHash(changed), base.trigger);
    });
  }

  it("does not change with key order or unset settings", () => {
    const reordered = Object.fromEntries(
      Object.entries(base.definition)
        .reverse()
        .map(([k, v]) => [
          k,
          { unset: undefined, ...Object.fromEntries(Object.entries(v).reverse()) },
        ]),
    );
    assert.equal(redeploymentHash(reordered), base.trigger);
  });

  it("does not change with stage settings, log retention, memory or tags", async () => {
    const other = await build("rt", {
      throttleRateLimit: 3,
      throttleBurstLimit: 5,
      logRetentionDays: 365,
      memorySize: 512,
      tags: { Team: "ops" },
    });
    assert.equal(other.trigger, base.trigger);
  });

  it("writes canonical JSON", () => {
    assert.equal(
      canonicalJson({ b: [2, { d: 1, c: undefined }], a: null }),
      '{"a":null,"b":[2,{"d":1}]}',
    );
  });
});
