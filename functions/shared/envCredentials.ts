/**
 * Stand-in for `@aws-sdk/credential-provider-node` inside Lambda bundles.
 *
 * Lambda hands a function its role's credentials in environment variables, the first
 * source the SDK's default chain looks at. The rest of that chain (SSO, INI files, web
 * identity, IMDS, process) and the STS/SSO clients it pulls in can never serve in Lambda,
 * yet they add ~90 KB to the bundle and to cold-start parsing. The bundler swaps this
 * module in for the default chain; the exported name and shape match what the SSM
 * client's runtime config imports.
 */

/** Credentials as the SDK expects them. */
export interface EnvCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** Reads credentials from the Lambda environment; throws if they are missing. */
export function defaultProvider(): () => Promise<EnvCredentials> {
  return async () => {
    const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey) {
      throw Object.assign(
        new Error("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set (Lambda sets them)"),
        { name: "CredentialsProviderError", tryNextLink: false },
      );
    }
    const sessionToken = process.env.AWS_SESSION_TOKEN;
    const expiry = process.env.AWS_CREDENTIAL_EXPIRATION;
    return {
      accessKeyId,
      secretAccessKey,
      ...(sessionToken ? { sessionToken } : {}),
      ...(expiry ? { expiration: new Date(expiry) } : {}),
    };
  };
}
