/**
 * Compile-time checks (tsc runs over tests): each argument schema knows exactly the keys of
 * its component's Args interface, so a new argument cannot be added to one and not the other.
 */
import * as assert from "node:assert/strict";
import type { z } from "zod";
import type { ActivationApiArgs } from "../../components/activation/activationApi";
import type { ActivationApiArgsSchema } from "../../components/activation/activationApi.schema";
import type {
  ComplianceControlsArgs,
  ComplianceControlsConfig,
} from "../../components/compliance/complianceControls";
import type {
  ComplianceControlsArgsSchema,
  ComplianceControlsConfigSchema,
} from "../../components/compliance/complianceControls.schema";
import type { ComplianceSyncArgs } from "../../components/sync/complianceSync";
import type { ComplianceSyncArgsSchema } from "../../components/sync/complianceSync.schema";
import type { FleetRiskArgs, HybridFleetArgs } from "../../components/hybridFleet";
import type { RiskViewArgs } from "../../components/risk/riskView";
import type {
  FleetRiskSettingsSchema,
  RiskViewArgsSchema,
} from "../../components/risk/riskView.schema";
import type { HybridFleetArgsSchema } from "../../components/hybridFleet.schema";

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type SameKeys<S extends z.ZodType, T> = Same<keyof z.input<S>, keyof T>;
type Controls = z.output<typeof ComplianceControlsConfigSchema>;

const checks: [
  SameKeys<typeof ActivationApiArgsSchema, ActivationApiArgs>,
  SameKeys<typeof ComplianceControlsArgsSchema, ComplianceControlsArgs>,
  SameKeys<typeof ComplianceSyncArgsSchema, ComplianceSyncArgs>,
  SameKeys<typeof HybridFleetArgsSchema, HybridFleetArgs>,
  SameKeys<typeof RiskViewArgsSchema, RiskViewArgs>,
  SameKeys<typeof FleetRiskSettingsSchema, FleetRiskArgs>,
  // The controls are plain data all the way down: the whole shape must agree.
  Same<Controls, ComplianceControlsConfig>,
  Same<
    keyof NonNullable<Controls["antivirus"]>,
    keyof NonNullable<ComplianceControlsConfig["antivirus"]>
  >,
  Same<keyof NonNullable<Controls["cis"]>, keyof NonNullable<ComplianceControlsConfig["cis"]>>,
] = [true, true, true, true, true, true, true, true, true];

describe("argument schemas and Args interfaces", () => {
  it("agree on every key (checked by tsc)", () => {
    assert.ok(checks.every(Boolean));
  });
});
