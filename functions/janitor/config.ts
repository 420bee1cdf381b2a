/**
 * The janitor's configuration, read once per cold start from the environment variables the
 * Janitor component sets. A missing or malformed variable stops the function at init with a
 * message naming it and what it accepts.
 */
import { DEFAULT_MAX_ACTIONS, DEFAULT_STALE_DAYS } from "../../ops/prunePlan";
import { envInteger } from "../shared/env";

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
    staleDays: envInteger(
      env,
      "JANITOR_STALE_DAYS",
      { fallback: DEFAULT_STALE_DAYS, min: 1, max: 3650 },
      JanitorConfigurationError,
    ),
    maxActions: envInteger(
      env,
      "JANITOR_MAX_ACTIONS",
      { fallback: DEFAULT_MAX_ACTIONS, min: 0, max: 10_000 },
      JanitorConfigurationError,
    ),
    apply: apply === "true",
  };
}
