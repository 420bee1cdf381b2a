/**
 * Lambda entry point of the activation API. Configuration and the SDK clients are set up
 * once per cold start; everything time-dependent is computed per request in the handler.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SSMClient } from "@aws-sdk/client-ssm";
import { verifyInstanceIdentity } from "../../identity/verify";
import { loadConfig } from "./config";
import { createActivationHandler } from "./handler";

// Files the environment names (the token grants) ship beside the bundle in the code package.
const config = loadConfig(process.env, (name) =>
  readFileSync(path.resolve(__dirname, path.basename(name)), "utf8"),
);
const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
if (!region) throw new Error("environment variable AWS_REGION is required");

// A hung connection must not eat API Gateway's 29 s budget.
const requestHandler = { connectionTimeout: 2_000, requestTimeout: 5_000 };

const ssm = new SSMClient({
  region,
  maxAttempts: config.ssmMaxAttempts,
  requestHandler,
  ...(config.ssmEndpoint ? { endpoint: config.ssmEndpoint } : {}),
});

const dynamodb = new DynamoDBClient({
  region,
  requestHandler,
  ...(config.dynamoDbEndpoint ? { endpoint: config.dynamoDbEndpoint } : {}),
});

/** The API Gateway (REST, proxy integration) handler. */
export const handler = createActivationHandler({
  ssm,
  config,
  region,
  verifyIdentity: verifyInstanceIdentity,
  leases: { client: dynamodb, table: config.leaseTableName },
});
