/**
 * Default physical names for resources whose names are unique per account and region.
 *
 * Stacks of different fleets often share an account and region, and every stack program
 * builds its components under the same logical names, so defaults derive from the fleet
 * name. Each service allows a different alphabet and length; a name that had to be changed
 * to fit (characters replaced, case lowered, or cut short) gets a short hash of the original,
 * so two different fleet names never map to the same physical name.
 */
import * as crypto from "node:crypto";

/** What a service accepts in a name. */
export interface NameRule {
  /** Longest name the service accepts, in characters. */
  readonly maxLength: number;
  /** Every character the service does not accept (a global regex). */
  readonly invalid: RegExp;
  /** What replaces a character the service does not accept; also joins the hash suffix. */
  readonly separator: string;
  /** Whether the service needs lower case. */
  readonly lowercase: boolean;
}

/**
 * Resource Data Sync names: 1-64 characters (CreateResourceDataSync `SyncName`,
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CreateResourceDataSync.html).
 * The API documents no alphabet; keeping to letters, digits and `_ . -` keeps the name usable
 * in the ARNs and CLI filters that quote it.
 */
export const SYNC_NAME_RULE: NameRule = {
  maxLength: 64,
  invalid: /[^A-Za-z0-9_.-]/g,
  separator: "-",
  lowercase: false,
};

/**
 * Glue databases that Athena queries: lower case, and Athena accepts no special character but
 * `_` (https://docs.aws.amazon.com/athena/latest/ug/tables-databases-columns-names.html);
 * Glue allows 1-255 characters.
 */
export const GLUE_DATABASE_RULE: NameRule = {
  maxLength: 255,
  invalid: /[^a-z0-9_]/g,
  separator: "_",
  lowercase: true,
};

/**
 * Athena workgroups: `[a-zA-Z0-9._-]{1,128}` (CreateWorkGroup `Name`,
 * https://docs.aws.amazon.com/athena/latest/APIReference/API_CreateWorkGroup.html).
 */
export const WORKGROUP_RULE: NameRule = {
  maxLength: 128,
  invalid: /[^A-Za-z0-9._-]/g,
  separator: "-",
  lowercase: false,
};

const HASH_CHARS = 8;

/**
 * Fits `base` to `rule`. Returned unchanged when it already fits; otherwise the fitted name
 * ends in `<separator><first 8 hex of sha256(base)>`, so distinct bases stay distinct.
 *
 * @example physicalName("hybrid_fleet_Acme-Prod", GLUE_DATABASE_RULE) // "hybrid_fleet_acme_prod_<hash>"
 */
export function physicalName(base: string, rule: NameRule): string {
  const fitted = (rule.lowercase ? base.toLowerCase() : base).replace(rule.invalid, rule.separator);
  if (fitted === base && base.length >= 1 && base.length <= rule.maxLength) return base;
  const hash = crypto.createHash("sha256").update(base).digest("hex").slice(0, HASH_CHARS);
  const suffix = `${rule.separator}${hash}`;
  return `${fitted.slice(0, rule.maxLength - suffix.length)}${suffix}`;
}

/** The default names of a fleet's compliance sync, Glue database and Athena workgroup. */
export interface FleetPhysicalNames {
  readonly syncName: string;
  readonly databaseName: string;
  readonly workgroupName: string;
}

/** Default physical names derived from `fleetName` (the fleet tag value). */
export function fleetPhysicalNames(fleetName: string): FleetPhysicalNames {
  return {
    syncName: physicalName(`HybridFleet-${fleetName}`, SYNC_NAME_RULE),
    databaseName: physicalName(`hybrid_fleet_${fleetName}`, GLUE_DATABASE_RULE),
    workgroupName: physicalName(`HybridFleet-${fleetName}`, WORKGROUP_RULE),
  };
}
