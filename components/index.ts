/**
 * The package root: every component and its arguments, for stacks that import
 * ssm-hybrid-fleet rather than deploy it as it is.
 */
export {
  ActivationApi,
  validateActivationApiArgs,
  LOG_RETENTION_DAYS,
  STAGE_NAME,
} from "./activationApi";
export type { ActivationApiArgs } from "./activationApi";
export { HybridFleet, validateHybridFleetArgs } from "./hybridFleet";
export type { HybridFleetArgs } from "./hybridFleet";
export { ArgumentError } from "./errors";
export * as policies from "./policies";
export type { BootstrapTokenGrant } from "../functions/activation/tokens";
export { hashToken, newToken } from "../functions/activation/tokens";
export type { AllowedTag } from "../functions/activation/config";
export {
  ComplianceSync,
  COMPLIANCE_SYNC_TYPE,
  resolveComplianceSyncArgs,
  complianceSyncWarnings,
  dataLifecycleRules,
} from "./complianceSync";
export type { ComplianceSyncArgs } from "./complianceSync";
export * as complianceSyncSql from "./complianceSync.sql";
export * as complianceSyncPolicies from "./complianceSync.policies";
export {
  ComplianceControls,
  COMPLIANCE_CONTROLS_TYPE,
  CONTROL_DEFAULTS,
  validateComplianceControlsArgs,
  checkSchedule,
  documentParameters,
  loadFleetDocuments,
  outputWritePolicy,
} from "./complianceControls";
export type {
  ComplianceControlsArgs,
  ComplianceControlsConfig,
  PatchControlSettings,
  AntivirusControlSettings,
  CisControlSettings,
  InventorySettings,
  AgentPlatformSettings,
  ScannerPlatformSettings,
} from "./complianceControls";
export * as ssmDocuments from "./ssmDocumentValidator";
// The argument schemas (zod) the components validate with, for stacks that read their own config.
export {
  ActivationApiArgsSchema,
  AllowedTagsSchema,
  BootstrapTokenGrantsSchema,
} from "./activationApi.schema";
export {
  ComplianceControlsArgsSchema,
  ComplianceControlsConfigSchema,
} from "./complianceControls.schema";
export { ComplianceSyncArgsSchema, InventoryTypeSpecSchema } from "./complianceSync.schema";
export { HybridFleetArgsSchema } from "./hybridFleet.schema";
export { formatPath, schemaProblems } from "./argsSchema";
export type { SchemaProblem } from "./argsSchema";
