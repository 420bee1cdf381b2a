/**
 * What the activation API answers when its stage throttles. API Gateway's own 429 carries no
 * `Retry-After`, so callers fall back to exponential backoff, and with a 20 s backoff cap the
 * last machines of a boot storm sit idle while the stage has capacity (measured: a burst of
 * 500 at 10/s took 1.23 × N/R). A THROTTLED gateway response can add static headers
 * (https://docs.aws.amazon.com/apigateway/latest/api/API_GatewayResponse.html, values in
 * single quotes), and the bootstrap scripts wait S to 2S after `Retry-After: S`, so a 1 s hint
 * keeps the stage busy to the end (1.02 × N/R in `npm run bench`). Throttled requests never
 * reach the function or SSM. Kept free of Pulumi imports: `npm run api:local` uses it too.
 */

/** `Retry-After` seconds on the stage's 429: the scripts then wait 1–2 s before trying again. */
export const THROTTLED_RETRY_AFTER_SECONDS = 1;

/** `responseParameters` of the THROTTLED gateway response (static values are single-quoted). */
export function throttledResponseParameters(
  retryAfterSeconds: number = THROTTLED_RETRY_AFTER_SECONDS,
): Record<string, string> {
  return { "gatewayresponse.header.Retry-After": `'${retryAfterSeconds}'` };
}
