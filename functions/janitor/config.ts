/**
 * The janitor's configuration, read once per cold start from the environment variables the
 * Janitor component sets. A missing or malformed variable stops the function at init with a
 * message naming it and what it accepts.
 */
import { DEFAULT_MAX_ACTIONS, DEFAULT_STALE_DAYS } from "../../ops/prunePlan";

/** Everything a janitor run needs besides its clients. */
export interface JanitorConfig {
  /** The fleet tag's value: only machines and activations carrying it are touched. */
  readonly fleetName: string;
  /** The fleet tag's key. @default "HybridFleet" */
  readonly fleetTagKey: string;
  /** ConnectionLost for more than this many days is stale. @default 30 */
  readonly staleDays: number;
  /** Most actions per run. @default 50 */
  readonly maxActions: number;
  /** Act (true) or only report what it would do (false). @default false */
  readonly apply: boolean;
}

/** The environment variables read, for the component that sets them. */
export const JANITOR_ENVIRONMENT = [
  "FLEET_NAME",
  "FLEET_TAG_KEY",
  "JANITOR_STALE_DAYS",
  "JANITOR_MAX_ACTIONS",
  "JANITOR_APPLY",
] as const;

/** A configuration problem found at cold start. */
export class JanitorConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "JanitorConfigurationError";
  }
}

function integer(
  env: NodeJS.ProcessEnv,
  key: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[key];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
    throw new JanitorConfigurationError(
      `${key} must be a whole number from ${min} to ${max}, got "${raw}"`,
    );
  }
  return value;
}

/** Reads and validates the configuration from an environment. */
export function loadJanitorConfig(env: NodeJS.ProcessEnv): JanitorConfig {
  const fleetName = env.FLEET_NAME?.trim();
  if (!fleetName) {
    throw new JanitorConfigurationError("environment variable FLEET_NAME is required");
  }
  const apply = (env.JANITOR_APPLY ?? "false").trim();
  if (apply !== "true" && apply !== "false") {
    // Anything but an exact "true" must not act: a typo would otherwise deregister machines.
    throw new JanitorConfigurationError(
      `JANITOR_APPLY must be "true" or "false", got "${env.JANITOR_APPLY}"`,
    );
  }
  return {
    fleetName,
    fleetTagKey: env.FLEET_TAG_KEY?.trim() || "HybridFleet",
    staleDays: integer(env, "JANITOR_STALE_DAYS", DEFAULT_STALE_DAYS, 1, 3650),
    maxActions: integer(env, "JANITOR_MAX_ACTIONS", DEFAULT_MAX_ACTIONS, 0, 10_000),
    apply: apply === "true",
  };
}
