/**
 * The activation API's redeploy trigger. An API Gateway deployment is a snapshot of the REST
 * API's resources, methods, validators and integrations: an in-place change to any of them
 * reaches callers only after a new deployment. Resource IDs do not change on in-place
 * updates, so the trigger hashes the settings themselves, taken from the very objects the
 * component passes to those resources.
 */
import * as crypto from "node:crypto";

/**
 * JSON with object keys sorted at every level and `undefined` members left out, so the same
 * settings always give the same text, whatever order they were written in.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The deployed parts of the API, each as the settings passed to its resource. */
export interface ApiDefinition {
  readonly [part: string]: Readonly<Record<string, unknown>>;
}

/** SHA-256 (hex) of the definition's canonical JSON: the Deployment's `triggers.redeployment`. */
export function redeploymentHash(definition: ApiDefinition): string {
  return crypto.createHash("sha256").update(canonicalJson(definition)).digest("hex");
}
