/**
 * The stack program: `pulumi up` runs this. It reads the stack's config, validates all
 * of it before creating anything, builds one HybridFleet and exports its outputs.
 * Stacks that want the components without this program import the package root instead.
 */
import * as pulumi from "@pulumi/pulumi";
import { HybridFleet } from "./components/hybridFleet";
import { PROJECT } from "./config/schema";
import { loadFleetArgs, readConfigValues } from "./config/stackConfig";

const config = new pulumi.Config(PROJECT);
const presentKeys = Object.keys(pulumi.runtime.allConfig())
  .filter((k) => k.startsWith(`${PROJECT}:`))
  .map((k) => k.slice(PROJECT.length + 1));
const { settings, ...args } = loadFleetArgs(readConfigValues(config, presentKeys), {
  project: pulumi.getProject(),
  stack: pulumi.getStack(),
  // Where a custom domain's certificate must be (the aws provider's Region).
  region: new pulumi.Config("aws").get("region"),
});

const fleet = new HybridFleet("fleet", args);

/** Base URL machines use (`.../latest`): the custom domain's when apiDomainName is set, else the stage's. */
export const apiUrl = fleet.activationApi.apiUrl;
/** The stage's own execute-api URL (`https://<id>.execute-api.<region>.amazonaws.com/latest`). */
export const apiStageUrl = fleet.activationApi.stageUrl;
/** Where a DNS record for apiDomainName must point when the zone is not in Route 53 (absent without a domain). */
export const apiDomainTarget = fleet.activationApi.apiDomainTarget;
/** ARN of the activation API's WAF web ACL (absent without apiWaf.enabled). */
export const apiWebAclArn = fleet.activationApi.webAclArn;
/** The activation endpoint machines call: `GET <activationUrl>?name=<id>`. */
export const activationUrl = fleet.activationApi.activationUrl;
/** Name of the IAM role registered machines run under. */
export const managedInstanceRoleName = fleet.activationApi.managedInstanceRoleName;
/** ARN of the IAM role registered machines run under. */
export const managedInstanceRoleArn = fleet.activationApi.managedInstanceRoleArn;
/** Name of the activation function (for its logs and metrics). */
export const activationFunctionName = fleet.activationApi.functionName;
/** Log group of the activation function. */
export const activationFunctionLogGroup = fleet.activationApi.functionLogGroupName;
/** Log group of the API's access logs. */
export const apiAccessLogGroup = fleet.activationApi.accessLogGroupName;
/** EC2 user data for Linux machines: registers them through the API at first boot. */
export const linuxUserData = fleet.activationApi.linuxUserData;
/** EC2 user data for Windows machines (a `<powershell>` block). */
export const windowsUserData = fleet.activationApi.windowsUserData;
/** The fleet tag every registered machine carries. */
export const fleetTag = { key: settings.fleetTagKey, value: settings.fleetName };

/** Bucket holding association command output. */
export const associationOutputBucket = fleet.complianceControls.outputBucketName;
/** Names of this fleet's SSM documents (agent install, anti-virus, CIS). */
export const documentNames = fleet.complianceControls.documentNames;
/** State Manager association IDs, keyed `<control>-<mode>` and `inventory`. */
export const associationIds = fleet.complianceControls.associationIds;

const sync = fleet.complianceSync;
/** Bucket the resource data syncs write compliance and inventory to. */
export const complianceBucketName = sync?.bucketName;
/** Bucket holding Athena query results. */
export const complianceResultsBucketName = sync?.resultsBucketName;
/** KMS key encrypting the compliance data, if any. */
export const complianceKmsKeyArn = sync?.kmsKeyArn;
/** With your own KMS key: the statement to add to its key policy before the sync runs. */
export const complianceKeyPolicyStatement = sync?.requiredKeyPolicyStatement;
/** Glue database of the compliance tables. */
export const complianceDatabaseName = sync?.databaseName;
/** Athena workgroup for the saved queries. */
export const athenaWorkgroupName = sync?.workgroupName;
/** Athena saved query IDs (queries and view definitions), by name. */
export const complianceNamedQueryIds = sync?.namedQueryIds;
/** Resource data sync names, by region. */
export const complianceSyncNames = sync?.syncNames;

const risk = fleet.riskView;
/** Where the latest risk report is written (`s3://<bucket>/risk-reports/latest.html`). */
export const riskReportUrl = risk?.reportUrl;
/** Name of the scheduled risk snapshot function. */
export const riskFunctionName = risk?.functionName;
/** Glue table of the risk history (one row set per snapshot, partitioned by day). */
export const riskHistoryTableName = risk?.historyTableName;
/** Console URL of the CloudWatch risk dashboard. */
export const riskDashboardUrl = fleet.riskDashboard?.dashboardUrl;
/** SNS topic the risk alarms notify (created, or the one given in risk.alerts.topicArn). */
export const riskAlertTopicArn = fleet.riskAlerts?.topicArn;

/** Name of the scheduled janitor function (absent with janitor.enabled false). */
export const janitorFunctionName = fleet.janitor?.functionName;
/** Log group of the janitor: one JSON line per action, and its EMF metrics. */
export const janitorLogGroupName = fleet.janitor?.logGroupName;
/** Whether the janitor acts (true) or only reports what it would do (false). */
export const janitorApply = fleet.janitor?.apply;
/** ARN of the hybrid node tier alarm (absent with activationTier advanced or no janitor). */
export const tierAlarmArn = fleet.janitor?.tierAlarmArn;
