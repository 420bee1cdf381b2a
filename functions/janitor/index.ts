/**
 * Lambda entry point of the janitor. Configuration and the SDK clients are set up once per
 * cold start; the clock is read per run in the handler.
 */
import { EC2Client } from "@aws-sdk/client-ec2";
import { SSMClient } from "@aws-sdk/client-ssm";
import { loadJanitorConfig } from "./config";
import { createJanitorHandler } from "./handler";

const config = loadJanitorConfig(process.env);
const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
if (!region) throw new Error("environment variable AWS_REGION is required");

// Standard retry mode with more attempts: a scheduled run can wait out SSM throttling.
const ssm = new SSMClient({ region, maxAttempts: 8 });
const ec2 = new EC2Client({ region, maxAttempts: 8 });

/** The EventBridge-scheduled handler. */
export const handler = createJanitorHandler({ ssm, ec2, config });
