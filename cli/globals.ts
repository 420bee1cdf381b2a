/**
 * The options every `hybrid-fleet` command shares, declared once on the root program and
 * read back, resolved against the environment, with {@link globalOptions}.
 */
import { Command, Option } from "commander";
import { UsageError } from "./errors";

/** Environment variable holding the fleet name when `--fleet` is not given. */
export const FLEET_ENV = "HYBRID_FLEET_NAME";

/** Tag keys as DESIGN.md's contracts name them (each configurable per stack). */
export const DEFAULT_TAG_KEYS = {
  fleet: "HybridFleet",
  mode: "ComplianceMode",
  environment: "Environment",
} as const;

/** Global options after defaults. */
export interface GlobalOptions {
  /** AWS region; unset = the SDK's chain (AWS_REGION, profile). */
  readonly region?: string;
  /** Shared-config profile; unset = the SDK's default chain (AWS_PROFILE, default). */
  readonly profile?: string;
  /** Print one JSON document instead of tables. */
  readonly json: boolean;
  /** The fleet tag's value (`--fleet`, else env HYBRID_FLEET_NAME); unset when neither. */
  readonly fleet?: string;
  /** @default "HybridFleet" */
  readonly fleetTagKey: string;
  /** @default "ComplianceMode" */
  readonly modeTagKey: string;
  /** @default "Environment" */
  readonly environmentTagKey: string;
}

/** Declares the global options on the root program. */
export function addGlobalOptions(program: Command): Command {
  return program
    .addOption(new Option("--region <region>", "AWS region (default: the SDK's chain)"))
    .addOption(new Option("--profile <name>", "AWS shared-config profile"))
    .addOption(new Option("--json", "print one JSON document instead of tables"))
    .addOption(
      new Option(
        "--fleet <name>",
        `fleet tag value: only machines with it are touched (default: env ${FLEET_ENV})`,
      ).env(FLEET_ENV),
    )
    .addOption(
      new Option("--fleet-tag-key <key>", "tag key marking the fleet").default(
        DEFAULT_TAG_KEYS.fleet,
      ),
    )
    .addOption(
      new Option("--mode-tag-key <key>", "tag key holding report/enforce").default(
        DEFAULT_TAG_KEYS.mode,
      ),
    )
    .addOption(
      new Option("--environment-tag-key <key>", "tag key holding the environment").default(
        DEFAULT_TAG_KEYS.environment,
      ),
    );
}

const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;

function tagKey(option: string, value: unknown): string {
  const s = String(value);
  if (!TAG_KEY.test(s)) {
    throw new UsageError(
      `${option} must be a tag key of 1-128 letters, digits, spaces or _.:/=+-@, got "${s}"`,
    );
  }
  return s;
}

/**
 * The resolved global options of the command being run (commander's `optsWithGlobals`, so
 * they may be given before or after the command name), `--fleet` defaulting to `env`'s
 * HYBRID_FLEET_NAME.
 */
export function globalOptions(
  command: Command,
  env: Readonly<Record<string, string | undefined>>,
): GlobalOptions {
  const o = command.optsWithGlobals<Record<string, unknown>>();
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  return {
    region: str(o.region),
    profile: str(o.profile),
    json: o.json === true,
    // Read here, not with commander's Option.env(), so the environment is the one injected.
    fleet: str(o.fleet) ?? str(env[FLEET_ENV]),
    fleetTagKey: tagKey("--fleet-tag-key", o.fleetTagKey),
    modeTagKey: tagKey("--mode-tag-key", o.modeTagKey),
    environmentTagKey: tagKey("--environment-tag-key", o.environmentTagKey),
  };
}

/** The fleet name, for commands that only touch fleet machines: a usage error when unset. */
export function requireFleet(options: GlobalOptions): string {
  if (!options.fleet) {
    throw new UsageError(
      `--fleet is required (the value of the ${options.fleetTagKey} tag on the fleet's machines), or set ${FLEET_ENV}`,
    );
  }
  return options.fleet;
}
