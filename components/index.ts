/**
 * The package root: every component and its arguments, for stacks that import
 * ssm-hybrid-fleet rather than deploy it as it is.
 */
export {
  ActivationApi,
  validateActivationApiArgs,
  LOG_RETENTION_DAYS,
  STAGE_NAME,
} from "./activation/activationApi";
export type { ActivationApiArgs } from "./activation/activationApi";
export type { FrontDoorArgs } from "./activation/frontDoor";
export { HybridFleet, validateHybridFleetArgs } from "./hybridFleet";
export type { HybridFleetArgs } from "./hybridFleet";
export { ArgumentError } from "./shared/errors";
export * as policies from "./shared/policies";
export type { BootstrapTokenGrant } from "../functions/activation/tokens";
export { hashToken, newToken } from "../functions/activation/tokens";
export type { AllowedTag } from "../functions/activation/config";
export {
  ComplianceSync,
  COMPLIANCE_SYNC_TYPE,
  resolveComplianceSyncArgs,
  complianceSyncWarnings,
  dataLifecycleRules,
} from "./sync/complianceSync";
export type { ComplianceSyncArgs } from "./sync/complianceSync";
export * as complianceSyncSql from "./sync/complianceSync.sql";
export * as complianceSyncPolicies from "./sync/complianceSync.policies";
export {
  ComplianceControls,
  COMPLIANCE_CONTROLS_TYPE,
  CONTROL_DEFAULTS,
  validateComplianceControlsArgs,
  checkSchedule,
  documentParameters,
  loadFleetDocuments,
  outputWritePolicy,
} from "./compliance/complianceControls";
export type {
  ComplianceControlsArgs,
  ComplianceControlsConfig,
  PatchControlSettings,
  AntivirusControlSettings,
  CisControlSettings,
  InventorySettings,
  AgentPlatformSettings,
  ScannerPlatformSettings,
} from "./compliance/complianceControls";
export * as ssmDocuments from "./compliance/ssmDocumentValidator";
// The argument schemas (zod) the components validate with, for stacks that read their own config.
export {
  ActivationApiArgsSchema,
  AllowedTagsSchema,
  BootstrapTokenGrantsSchema,
} from "./activation/activationApi.schema";
export {
  ComplianceControlsArgsSchema,
  ComplianceControlsConfigSchema,
} from "./compliance/complianceControls.schema";
export { ComplianceSyncArgsSchema, InventoryTypeSpecSchema } from "./sync/complianceSync.schema";
export { HybridFleetArgsSchema } from "./hybridFleet.schema";
export { formatPath, schemaProblems } from "./shared/argsSchema";
export type { SchemaProblem } from "./shared/argsSchema";
// The risk view.
export {
  RiskView,
  RISK_VIEW_TYPE,
  RISK_STATEMENTS_FILE,
  resolveRiskViewArgs,
} from "./risk/riskView";
export type { RiskViewArgs, ResolvedRiskViewSettings } from "./risk/riskView";
export { RiskDashboard } from "./risk/riskDashboard";
export type { RiskDashboardArgs } from "./risk/riskDashboard";
export { RiskAlerts } from "./risk/riskAlerts";
export type { RiskAlertsArgs } from "./risk/riskAlerts";
export { riskControls } from "./hybridFleet";
export type { FleetRiskArgs } from "./hybridFleet";
export {
  AcceptanceSchema,
  FleetRiskSettingsSchema,
  RiskAlertSettingsSchema,
  RiskConfigSchema,
  RiskViewArgsSchema,
} from "./risk/riskView.schema";
export { riskSnapshotPolicy } from "./risk/riskView.policies";
export { snapshotPeriodMinutes, snapshotScheduleProblem } from "./risk/riskSchedule";
export {
  validateAcceptances,
  acceptanceWarnings,
  findingPatternProblem,
  registerFiles,
} from "../risk/register";
export type { AcceptanceProblem, AcceptanceRules } from "../risk/register";
export type { Acceptance, RiskAlertSettings, RiskControl, SeverityWeights } from "../risk/model";
