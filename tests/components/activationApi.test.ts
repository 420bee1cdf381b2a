import * as assert from "node:assert/strict";
import {
  ACCOUNT_ID,
  REGION,
  allResources,
  installMocks,
  resetRecorded,
  resourceNamed,
  resourcesOfType,
  unwrap,
} from "../support/pulumiMocks";

type Mod = typeof import("../../components/activation/activationApi");
let mod: Mod;

/** Waits until Pulumi has registered everything pending. */
async function settle(...outputs: unknown[]): Promise<void> {
  await Promise.all(outputs.map((o) => unwrap(o as never)));
  await new Promise((r) => setTimeout(r, 50));
}

const TOKEN_GRANT = {
  id: "dc1",
  sha256: "a".repeat(64),
  namePattern: "dc1-.*",
  environment: "prod",
  expiresAt: "2027-01-01T00:00:00Z",
};

describe("ActivationApi", () => {
  let api: InstanceType<Mod["ActivationApi"]>;

  before(async () => {
    installMocks();
    mod = await import("../../components/activation/activationApi");
    resetRecorded();
    api = new mod.ActivationApi("act", {
      fleetName: "acme-dev",
      environment: "dev",
      throttleRateLimit: 7,
      throttleBurstLimit: 14,
      logRetentionDays: 90,
      tokenAuth: true,
      bootstrapTokens: [TOKEN_GRANT],
      allowedTags: { Team: { values: ["web"] } },
    });
    await settle(api.apiUrl, api.activationUrl, api.managedInstanceRoleArn, api.functionName);
  });

  it("creates exactly the expected children, all parented to the component", () => {
    const children = allResources().filter(
      (r) => r.type !== "ssm-hybrid-fleet:activation:ActivationApi",
    );
    const names = children.map((r) => `${r.type}::${r.name}`).sort();
    assert.deepEqual(names, [
      "aws:apigateway/account:Account::act-apigateway-account",
      "aws:apigateway/deployment:Deployment::act-deployment",
      "aws:apigateway/integration:Integration::act-integration",
      "aws:apigateway/method:Method::act-get",
      "aws:apigateway/methodSettings:MethodSettings::act-throttling",
      "aws:apigateway/requestValidator:RequestValidator::act-validator",
      "aws:apigateway/resource:Resource::act-activate",
      "aws:apigateway/response:Response::act-throttled",
      "aws:apigateway/restApi:RestApi::act-api",
      "aws:apigateway/stage:Stage::act-stage",
      "aws:cloudwatch/logGroup:LogGroup::act-access-logs",
      "aws:cloudwatch/logGroup:LogGroup::act-function-logs",
      "aws:dynamodb/table:Table::act-name-leases",
      "aws:iam/role:Role::act-apigateway-logging",
      "aws:iam/role:Role::act-function",
      "aws:iam/role:Role::act-managed-instance",
      "aws:iam/rolePolicy:RolePolicy::act-function",
      "aws:iam/rolePolicy:RolePolicy::act-function-lease",
      "aws:iam/rolePolicy:RolePolicy::act-managed-instance-parameters",
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment::act-apigateway-logging",
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment::act-managed-instance-core",
      "aws:lambda/function:Function::act-function",
      "aws:lambda/permission:Permission::act-invoke",
    ]);
    for (const child of children) {
      assert.equal(
        child.parent,
        "urn:pulumi:dev::ssm-hybrid-fleet::ssm-hybrid-fleet:activation:ActivationApi::act",
        child.name,
      );
    }
  });

  it("gives the managed-instance role a trust policy limited to SSM in this account and region", () => {
    const role = resourceNamed("act-managed-instance", "aws:iam/role:Role");
    assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "SystemsManagerAssumesForHybridNodes",
          Effect: "Allow",
          Principal: { Service: "ssm.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: { "aws:SourceAccount": ACCOUNT_ID },
            ArnEquals: { "aws:SourceArn": `arn:aws:ssm:${REGION}:${ACCOUNT_ID}:*` },
          },
        },
      ],
    });
    const attachments = resourcesOfType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter(
      (a) => a.name.startsWith("act-managed-instance"),
    );
    assert.deepEqual(
      attachments.map((a) => a.inputs.policyArn),
      ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"],
    );
    assert.equal(attachments[0].inputs.role, "act-managed-instance");
  });

  it("grants the function exactly what it needs and nothing broad", () => {
    const policy = JSON.parse(
      resourceNamed("act-function", "aws:iam/rolePolicy:RolePolicy").inputs.policy,
    );
    const logArn = `arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:act-function-logs`;
    assert.deepEqual(policy, {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "CreateActivations",
          Effect: "Allow",
          Action: "ssm:CreateActivation",
          Resource: "*",
        },
        {
          Sid: "CheckNameConflicts",
          Effect: "Allow",
          Action: "ssm:DescribeInstanceInformation",
          Resource: "*",
        },
        {
          Sid: "PassManagedInstanceRoleToSsm",
          Effect: "Allow",
          Action: "iam:PassRole",
          Resource: `arn:aws:iam::${ACCOUNT_ID}:role/act-managed-instance`,
          Condition: { StringEquals: { "iam:PassedToService": "ssm.amazonaws.com" } },
        },
        {
          Sid: "WriteOwnLogs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: `${logArn}:*`,
        },
      ],
    });
    // The lease: item actions on its own table's ARN only; DeleteActivation has no
    // resource type in the Service Authorization Reference, so "*".
    const lease = resourceNamed("act-function-lease", "aws:iam/rolePolicy:RolePolicy");
    assert.equal(lease.inputs.role, "act-function-id");
    assert.deepEqual(JSON.parse(lease.inputs.policy), {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "LeaseNames",
          Effect: "Allow",
          Action: [
            "dynamodb:DeleteItem",
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
          ],
          Resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT_ID}:act-name-leases`,
        },
        {
          Sid: "DeleteReplacedActivations",
          Effect: "Allow",
          Action: "ssm:DeleteActivation",
          Resource: "*",
        },
      ],
    });
    const trust = JSON.parse(
      resourceNamed("act-function", "aws:iam/role:Role").inputs.assumeRolePolicy,
    );
    assert.deepEqual(trust.Statement[0].Principal, { Service: "lambda.amazonaws.com" });
    assert.deepEqual(trust.Statement[0].Condition, {
      StringEquals: { "aws:SourceAccount": ACCOUNT_ID },
    });
    // No managed policy on the function role at all, least of all *FullAccess.
    const fnAttachments = resourcesOfType(
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    ).filter((a) => a.inputs.role === "act-function");
    assert.deepEqual(fnAttachments, []);
    const everyPolicyArn = resourcesOfType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").map(
      (a) => a.inputs.policyArn as string,
    );
    assert.ok(
      everyPolicyArn.every((arn) => !/FullAccess/.test(arn)),
      everyPolicyArn.join(),
    );
  });

  it("runs the bundled handler on Node 22 arm64 with its own log group and the full environment", async () => {
    const fn = resourceNamed("act-function", "aws:lambda/function:Function");
    assert.equal(fn.inputs.runtime, "nodejs22.x");
    assert.deepEqual(fn.inputs.architectures, ["arm64"]);
    assert.equal(fn.inputs.handler, "index.handler");
    assert.equal(fn.inputs.role, `arn:aws:iam::${ACCOUNT_ID}:role/act-function`);
    assert.equal(fn.inputs.timeout, 15);
    assert.equal(fn.inputs.memorySize, 256);
    assert.deepEqual(fn.inputs.loggingConfig, { logFormat: "Text", logGroup: "act-function-logs" });
    assert.deepEqual(fn.inputs.environment.variables, {
      MANAGED_INSTANCE_ROLE_NAME: "act-managed-instance",
      FLEET_TAG_KEY: "HybridFleet",
      FLEET_NAME: "acme-dev",
      MODE_TAG_KEY: "ComplianceMode",
      DEFAULT_MODE: "report",
      ENVIRONMENT_TAG_KEY: "Environment",
      ENVIRONMENT: "dev",
      ACTIVATION_TTL_MINUTES: "60",
      EC2_AUTH: "enabled",
      ALLOWED_ACCOUNTS: ACCOUNT_ID,
      TOKEN_AUTH: "enabled",
      BOOTSTRAP_TOKENS_FILE: "bootstrap-tokens.json",
      LEASE_TABLE_NAME: "act-name-leases",
      EC2_MAX_IDENTITY_AGE_MINUTES: "0",
      ALLOWED_TAGS: JSON.stringify({ Team: { values: ["web"] } }),
      SSM_MAX_ATTEMPTS: "3",
      RETRY_AFTER_SECONDS: "2",
    });
    // The code is an esbuild bundle of functions/activation, not a serialized closure.
    const assets = await fn.inputs.code.assets;
    assert.deepEqual(Object.keys(assets).sort(), ["bootstrap-tokens.json", "index.js"]);
    assert.deepEqual(JSON.parse(await assets["bootstrap-tokens.json"].text), [TOKEN_GRANT]);
    const text: string = await assets["index.js"].text;
    assert.ok(text.length > 10_000);
    assert.ok(text.includes("CreateActivation"));
    assert.ok(!text.includes("@pulumi/pulumi"), "the handler bundle must not contain Pulumi");
    const logs = resourceNamed("act-function-logs");
    assert.equal(logs.inputs.retentionInDays, 90);
  });

  it("keeps name leases in an on-demand, encrypted table with TTL and point-in-time recovery", () => {
    const table = resourceNamed("act-name-leases", "aws:dynamodb/table:Table");
    assert.deepEqual(table.inputs, {
      billingMode: "PAY_PER_REQUEST",
      hashKey: "name",
      attributes: [{ name: "name", type: "S" }],
      ttl: { attributeName: "expiresAt", enabled: true },
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true },
      tags: {},
    });
  });

  it("serves GET /activate on stage latest through a Lambda proxy integration", () => {
    assert.equal(resourceNamed("act-api").inputs.endpointConfiguration.types, "REGIONAL");
    assert.equal(resourceNamed("act-activate").inputs.pathPart, "activate");
    assert.equal(resourceNamed("act-activate").inputs.parentId, "act-api-root");
    const method = resourceNamed("act-get");
    assert.equal(method.inputs.httpMethod, "GET");
    assert.equal(method.inputs.authorization, "NONE");
    assert.deepEqual(method.inputs.requestParameters, { "method.request.querystring.name": true });
    assert.equal(method.inputs.requestValidatorId, "act-validator-id");
    assert.equal(resourceNamed("act-validator").inputs.validateRequestParameters, true);
    const integration = resourceNamed("act-integration");
    assert.equal(integration.inputs.type, "AWS_PROXY");
    assert.equal(integration.inputs.integrationHttpMethod, "POST");
    const permission = resourceNamed("act-invoke");
    assert.equal(permission.inputs.principal, "apigateway.amazonaws.com");
    assert.equal(permission.inputs.action, "lambda:InvokeFunction");
    assert.equal(
      permission.inputs.sourceArn,
      `arn:aws:execute-api:${REGION}:${ACCOUNT_ID}:act-api-id/latest/GET/activate`,
    );
    const deployment = resourceNamed("act-deployment");
    assert.match(deployment.inputs.triggers.redeployment, /^[0-9a-f]{64}$/);
  });

  it("tells throttled callers when to come back: Retry-After 1 on the stage's 429", () => {
    const throttled = resourceNamed("act-throttled");
    assert.equal(throttled.inputs.restApiId, "act-api-id");
    assert.equal(throttled.inputs.responseType, "THROTTLED");
    assert.equal(throttled.inputs.statusCode, "429");
    assert.deepEqual(throttled.inputs.responseParameters, {
      "gatewayresponse.header.Retry-After": "'1'",
    });
  });

  it("throttles the stage and writes JSON access logs with the configured retention", async () => {
    const stage = resourceNamed("act-stage");
    assert.equal(stage.inputs.stageName, "latest");
    assert.equal(stage.inputs.deployment, "act-deployment-id");
    assert.equal(
      stage.inputs.accessLogSettings.destinationArn,
      `arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:act-access-logs`,
    );
    const format = JSON.parse(stage.inputs.accessLogSettings.format);
    assert.equal(format.requestId, "$context.requestId");
    assert.equal(format.status, "$context.status");
    const settings = resourceNamed("act-throttling");
    assert.equal(settings.inputs.methodPath, "*/*");
    assert.equal(settings.inputs.stageName, "latest");
    assert.deepEqual(settings.inputs.settings, {
      throttlingRateLimit: 7,
      throttlingBurstLimit: 14,
      metricsEnabled: true,
      loggingLevel: "OFF",
    });
    assert.equal(resourceNamed("act-access-logs").inputs.retentionInDays, 90);
    const loggingRole = JSON.parse(
      resourceNamed("act-apigateway-logging", "aws:iam/role:Role").inputs.assumeRolePolicy,
    );
    assert.deepEqual(loggingRole.Statement[0].Principal, { Service: "apigateway.amazonaws.com" });
    assert.equal(
      resourceNamed("act-apigateway-logging", "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        .inputs.policyArn,
      "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
    );
  });

  it("exposes the URLs and the managed-instance role", async () => {
    const url = await unwrap(api.apiUrl);
    assert.equal(url, `https://act-api-id.execute-api.${REGION}.amazonaws.com/latest`);
    assert.equal(await unwrap(api.activationUrl), `${url}/activate`);
    assert.equal(await unwrap(api.managedInstanceRoleName), "act-managed-instance");
    assert.equal(
      await unwrap(api.managedInstanceRoleArn),
      `arn:aws:iam::${ACCOUNT_ID}:role/act-managed-instance`,
    );
  });

  it("exports user data for both OSes with this API's URL filled in", async () => {
    const url = await unwrap(api.apiUrl);
    const linux = await unwrap(api.linuxUserData);
    const windows = await unwrap(api.windowsUserData);
    assert.ok(linux.startsWith("#!/bin/bash"), linux.slice(0, 40));
    assert.ok(windows.startsWith("<powershell>"), windows.slice(0, 40));
    // The URL may sit inside a compressed payload; the builders' own tests unpack it.
    const { buildLinuxUserData, buildWindowsUserData } =
      await import("../../components/activation/userData");
    assert.equal(linux, buildLinuxUserData(url));
    assert.equal(windows, buildWindowsUserData(url));
  });

  it("deploys 1,000 token grants: they ride in the code package, the environment stays under 4 KB", async () => {
    resetRecorded();
    const grants = Array.from({ length: 1000 }, (_, i) => ({
      ...TOKEN_GRANT,
      id: `site-${String(i).padStart(4, "0")}-web`,
      sha256: i.toString(16).padStart(64, "0"),
      namePattern: `site${i}-web-[0-9]{2}`,
    }));
    const big = new mod.ActivationApi("big", {
      fleetName: "acme-prod",
      environment: "prod",
      tokenAuth: true,
      bootstrapTokens: grants,
      allowedTags: { Team: { values: ["web", "db"] }, CostCentre: { pattern: "[0-9]{4}" } },
    });
    await settle(big.functionName);
    const fn = resourceNamed("big-function", "aws:lambda/function:Function");
    const variables: Record<string, string> = fn.inputs.environment.variables;
    // AWS counts every key and value; 4 KB in all (aws-facts.md).
    const size = Object.entries(variables).reduce(
      (n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v),
      0,
    );
    assert.ok(size < 4096, `environment is ${size} bytes`);
    assert.ok(size < 1024, `environment is ${size} bytes: it should not grow with the grants`);
    const file = await (await fn.inputs.code.assets)["bootstrap-tokens.json"].text;
    assert.equal(JSON.parse(file).length, 1000);
    assert.ok(file.length > 100_000, "the grants are in the file");
  });

  it("warns about grants whose pattern admits instance-ID-shaped names", () => {
    assert.deepEqual(
      mod.instanceIdPatternWarnings([
        TOKEN_GRANT,
        { ...TOKEN_GRANT, id: "broad", namePattern: "[a-z0-9-]+" },
        { ...TOKEN_GRANT, id: "opted", namePattern: "mi-.*", allowInstanceIdNames: true },
      ]),
      [
        "bootstrapTokens[1] (broad): namePattern [a-z0-9-]+ admits names shaped like instance IDs (i-0123456789abcdef0, i-01234567, mi-0123456789abcdef0); the API refuses such names to its machines unless the grant sets allowInstanceIdNames",
        "bootstrapTokens[2] (opted): namePattern mi-.* admits names shaped like instance IDs (mi-0123456789abcdef0); and allowInstanceIdNames lets its machines take them: an EC2 instance whose ID a token machine took cannot register",
      ],
    );
  });

  it("leaves the account-wide API Gateway setting alone when asked", async () => {
    resetRecorded();
    const other = new mod.ActivationApi("other", {
      fleetName: "f",
      environment: "e",
      manageApiGatewayAccount: false,
      allowedAccounts: ["111111111111", "000000000000"],
    });
    await settle(other.apiUrl);
    assert.equal(resourcesOfType("aws:apigateway/account:Account").length, 0);
    assert.equal(
      resourcesOfType("aws:iam/role:Role").filter((r) => r.name.includes("apigateway")).length,
      0,
    );
    const fn = resourceNamed("other-function", "aws:lambda/function:Function");
    assert.equal(fn.inputs.environment.variables.ALLOWED_ACCOUNTS, "000000000000,111111111111");
    assert.equal(fn.inputs.environment.variables.TOKEN_AUTH, "disabled");
  });

  it("registers nothing when its arguments are invalid", async () => {
    resetRecorded();
    assert.throws(
      () =>
        new mod.ActivationApi("bad", { fleetName: "f", environment: "e", activationTtlMinutes: 0 }),
      /activationTtlMinutes must be a whole number from 1 to 43200; got 0/,
    );
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(allResources(), []);
  });

  describe("argument validation", () => {
    const base = { fleetName: "f", environment: "e" };
    const cases: Array<[string, object, string]> = [
      [
        "ttl too long",
        { activationTtlMinutes: 43201 },
        "ActivationApi: activationTtlMinutes must be a whole number from 1 to 43200; got 43201",
      ],
      [
        "ttl fractional",
        { activationTtlMinutes: 1.5 },
        "ActivationApi: activationTtlMinutes must be a whole number from 1 to 43200; got 1.5",
      ],
      [
        "retention",
        { logRetentionDays: 2 },
        "ActivationApi: logRetentionDays must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653; got 2",
      ],
      [
        "mode",
        { defaultMode: "audit" },
        'ActivationApi: defaultMode must be one of report, enforce; got "audit"',
      ],
      [
        "no auth",
        { ec2Auth: false },
        "ActivationApi: ec2Auth and tokenAuth are both off: no machine could ever register",
      ],
      [
        "token auth without tokens",
        { tokenAuth: true },
        "ActivationApi: bootstrapTokens is empty but tokenAuth is on: add a grant (npm run token:new)",
      ],
      [
        "bad account",
        { allowedAccounts: ["12345"] },
        'ActivationApi: allowedAccounts must hold 12-digit account IDs; got "12345"',
      ],
      [
        "plain token",
        { bootstrapTokens: [{ ...TOKEN_GRANT, sha256: "hft_secret" }] },
        "ActivationApi: bootstrapTokens[0].sha256 must be the token's SHA-256 as 64 lower-case hex characters (never the token itself)",
      ],
      [
        "reserved tag",
        { allowedTags: { Environment: { values: ["x"] } } },
        'ActivationApi: allowedTags tag key "Environment" is set by the API itself and cannot be allowed to callers (reserved: Name, HybridFleet, ComplianceMode, Environment)',
      ],
      [
        "aws: tag key",
        { modeTagKey: "aws:mode" },
        'ActivationApi: modeTagKey must be 1-128 letters, digits, spaces or _ . : / = + - @, not starting with aws:; got "aws:mode"',
      ],
      [
        "an unbalanced name pattern that would escape its anchors",
        { bootstrapTokens: [{ ...TOKEN_GRANT, namePattern: "web-[0-9]{2})|(.*" }] },
        "ActivationApi: bootstrapTokens[0].namePattern is not a valid regular expression: web-[0-9]{2})|(.*",
      ],
      [
        "a nested-quantifier name pattern",
        { bootstrapTokens: [{ ...TOKEN_GRANT, namePattern: "(web-?[a-z]+)+" }] },
        "ActivationApi: bootstrapTokens[0].namePattern repeats a group that itself repeats ((web-?[a-z]+)+), which can take exponential time on a crafted value; rewrite it without nested quantifiers: (web-?[a-z]+)+",
      ],
      [
        "an unbalanced tag pattern",
        { allowedTags: { Team: { pattern: "a)|(b" } } },
        "ActivationApi: allowedTags.Team.pattern is not a valid regular expression: a)|(b",
      ],
      [
        "a nested-quantifier tag pattern",
        { allowedTags: { CostCentre: { pattern: "([0-9]+)*" } } },
        "ActivationApi: allowedTags.CostCentre.pattern repeats a group that itself repeats (([0-9]+)*), which can take exponential time on a crafted value; rewrite it without nested quantifiers: ([0-9]+)*",
      ],
      [
        "a replay window beyond a year",
        { ec2MaxIdentityAgeMinutes: 525601 },
        "ActivationApi: ec2MaxIdentityAgeMinutes must be a whole number from 0 to 525600; got 525601",
      ],
      [
        "bad fleet name",
        { fleetName: "a;b" },
        "ActivationApi: fleetName must be 1-256 letters, digits, spaces or _ . : / = + - @",
      ],
    ];
    for (const [title, extra, message] of cases) {
      it(`refuses ${title}`, () => {
        assert.throws(
          () => mod.validateActivationApiArgs({ ...base, ...extra } as never),
          (err: Error) => {
            assert.equal(err.name, "ArgumentError");
            assert.equal(err.message, message);
            return true;
          },
        );
      });
    }
  });
});
