/**
 * The names of the SSM documents a fleet's {@link ComplianceControls} creates. Kept apart from
 * the component (no Pulumi import) so the `hybrid-fleet` CLI can name the same documents when it
 * runs them with Run Command.
 */

/** What each fleet document is for, as it appears in the document's name. */
export const FLEET_DOCUMENT_KINDS = ["AgentInstall", "Antivirus", "CIS"] as const;

/** One of {@link FLEET_DOCUMENT_KINDS}. */
export type FleetDocumentKind = (typeof FLEET_DOCUMENT_KINDS)[number];

/**
 * `HybridFleet-<fleet>-<kind>`: the name of one of the fleet's documents.
 *
 * @example fleetDocumentName("acme-prod", "Antivirus") // "HybridFleet-acme-prod-Antivirus"
 */
export function fleetDocumentName(fleetName: string, kind: FleetDocumentKind): string {
  return `HybridFleet-${fleetName}-${kind}`;
}
