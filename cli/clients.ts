/**
 * AWS clients for the CLI, built by one factory that commands receive in their context
 * (tests pass clients mocked with aws-sdk-client-mock, or real ones pointed at local/fakeSsm.ts).
 *
 * - Credentials: the SDK's default chain. `--profile` sets the client's `profile`, which the
 *   chain's shared-config providers use (same as `fromIni({ profile })`, and the region in that
 *   profile applies too).
 * - Endpoint: never set here. The SDK reads the standard `AWS_ENDPOINT_URL_SSM` /
 *   `AWS_ENDPOINT_URL_EC2` (or `AWS_ENDPOINT_URL`) variables itself; that is how tests point
 *   the real binary at a local fake. https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
 * - Retries: `adaptive` mode, which retries throttling with backoff and also slows the
 *   client down when throttled, for the per-node fan-outs (ListTagsForResource per machine).
 *   https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
 */
import { EC2Client } from "@aws-sdk/client-ec2";
import { SSMClient } from "@aws-sdk/client-ssm";

/** Attempts per request (first try included) before the SDK gives up and the CLI exits 3. */
export const CLI_MAX_ATTEMPTS = 6;
/** See the file header. */
export const CLI_RETRY_MODE = "adaptive";

/** What a client is built from: the global `--region` / `--profile`. */
export interface AwsSettings {
  readonly region?: string;
  readonly profile?: string;
}

/** Builds the AWS clients commands use; one instance of each per run. */
export interface ClientFactory {
  ssm(settings: AwsSettings): SSMClient;
  ec2(settings: AwsSettings): EC2Client;
}

/** The client configuration for `settings` (exported so tests can assert it). */
export function clientConfig(settings: AwsSettings) {
  return {
    ...(settings.region ? { region: settings.region } : {}),
    ...(settings.profile ? { profile: settings.profile } : {}),
    maxAttempts: CLI_MAX_ATTEMPTS,
    retryMode: CLI_RETRY_MODE,
  };
}

/** The real factory: the SDK's default chain, memoised so a run shares one client per service. */
export function defaultClientFactory(): ClientFactory {
  let ssm: SSMClient | undefined;
  let ec2: EC2Client | undefined;
  return {
    ssm: (s) => (ssm ??= new SSMClient(clientConfig(s))),
    ec2: (s) => (ec2 ??= new EC2Client(clientConfig(s))),
  };
}
