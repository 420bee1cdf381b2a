/**
 * The demo stack's State Manager associations, exactly as `pulumi up` would declare them: the
 * real ComplianceControls component is built under Pulumi's mock runtime (offline, as
 * `npm run synth` does) and its `aws:ssm/association:Association` children are read back. So
 * the targets (`tag:<modeTagKey>` and `tag:<fleetTagKey>`), documents and parameters that the
 * simulated State Manager acts on are the component's own, not a copy.
 */
import type { AssociationSpec } from "../local/stateManager";
import type { DemoStack } from "./stackConfig";

const ASSOCIATION_TYPE = "aws:ssm/association:Association";

/** The associations ComplianceControls declares for `stack`, in declaration order. */
export async function demoAssociations(stack: DemoStack): Promise<AssociationSpec[]> {
  // Mocks first: Pulumi reads them when a resource registers.
  const mocks = await import("../local/pulumiMocks");
  mocks.installMocks({ "aws:region": stack.region }, "ssm-hybrid-fleet", "demo");
  const { ComplianceControls } = await import("../components/compliance/complianceControls");
  // Only what the stack sets: the tag keys stay the component's own defaults (see activationApi.ts).
  const controls = new ComplianceControls("demo", {
    fleetName: stack.fleetName,
    managedInstanceRoleName: "hybrid-fleet-dev-managed-instance",
    controls: stack.controls,
  });
  await Promise.all(Object.values(controls.associationIds).map((id) => mocks.unwrap(id)));
  return mocks.resourcesOfType(ASSOCIATION_TYPE).map((r) => {
    const i = r.inputs as {
      name: string;
      associationName: string;
      targets: { key: string; values: string[] }[];
      parameters?: Record<string, string>;
      complianceSeverity?: string;
    };
    return {
      name: i.associationName,
      documentName: i.name,
      targets: i.targets,
      parameters: i.parameters ?? {},
      complianceSeverity: i.complianceSeverity,
    };
  });
}
