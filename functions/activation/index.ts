/**
 * Lambda entry point of the activation API. Configuration and the SSM client are set up
 * once per cold start; everything time-dependent is computed per request in the handler.
 */
import { SSMClient } from "@aws-sdk/client-ssm";
import { verifyInstanceIdentity } from "../../identity/verify";
import { loadConfig } from "./config";
import { createActivationHandler } from "./handler";

const config = loadConfig(process.env);
const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
if (!region) throw new Error("environment variable AWS_REGION is required");

const ssm = new SSMClient({
  region,
  maxAttempts: config.ssmMaxAttempts,
  // A hung connection must not eat API Gateway's 29 s budget.
  requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000 },
  ...(config.ssmEndpoint ? { endpoint: config.ssmEndpoint } : {}),
});

/** The API Gateway (REST, proxy integration) handler. */
export const handler = createActivationHandler({
  ssm,
  config,
  region,
  verifyIdentity: verifyInstanceIdentity,
});
