/**
 * The sandbox stack: a HybridFleet, a throwaway VPC and two instances (Amazon Linux 2023 and
 * Windows Server 2022) whose user data is the fleet's, so both register through the fleet's
 * activation API at first boot and show up in Fleet Manager as hybrid nodes named after
 * their instance IDs. Nothing reaches the instances from outside: no inbound rule, no key
 * pair; you look at them through Systems Manager. `pulumi destroy` when done (README.md).
 */
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import { HybridFleet } from "ssm-hybrid-fleet";

/**
 * AWS's public SSM parameters holding the latest AMI IDs
 * (https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-public-parameters-ami.html,
 * https://aws.amazon.com/blogs/mt/query-for-the-latest-windows-ami-using-systems-manager-parameter-store/).
 */
export const AMI_PARAMETERS = {
  linux: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
  windows: "/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base",
} as const;

const config = new pulumi.Config();
/** The fleet's name (`hybrid-fleet --fleet <name>`, the value of its fleet tag). */
export const fleetName = config.get("fleetName") || `sandbox-${pulumi.getStack()}`;
const tags = { Project: "ssm-hybrid-fleet-sandbox", Stack: pulumi.getStack() };

const fleet = new HybridFleet("sandbox", {
  fleetName,
  environment: "sandbox",
  manageApiGatewayAccount: config.getBoolean("manageApiGatewayAccount") ?? true,
  // Windows Server 2022 ships Microsoft Defender. Amazon Linux 2023 ships no anti-virus, and
  // no installer is configured here, so the Linux machine shows an open anti-virus finding:
  // something to see in the report, and to accept or fix.
  compliance: {
    controls: {
      antivirus: {
        linux: { serviceName: "clamav-freshclam", definitionsPath: "/var/lib/clamav" },
        windows: { serviceName: "WinDefend" },
      },
    },
  },
  tags,
});

// One AZ, public subnets only, no NAT gateway: the cheapest layout that still lets the
// machines reach SSM, the activation API and their package repositories (each instance gets
// a public IPv4 address, $0.005/h, instead of a NAT gateway's $0.045/h plus $0.045/GB; see
// README.md). Public subnets expose nothing here: the security group below admits nothing.
const vpc = new awsx.ec2.Vpc("sandbox", {
  cidrBlock: "10.42.0.0/24",
  numberOfAvailabilityZones: 1,
  subnetStrategy: awsx.ec2.SubnetAllocationStrategy.Auto,
  subnetSpecs: [{ type: awsx.ec2.SubnetType.Public }],
  natGateways: { strategy: awsx.ec2.NatGatewayStrategy.None },
  tags,
});

// No ingress at all (no SSH, no RDP): the point of the fleet is that you reach the machines
// through Systems Manager. Egress is HTTPS (SSM, the activation API, agent and package
// downloads) and HTTP (Windows Update and some Linux mirrors still use port 80).
const securityGroup = new aws.ec2.SecurityGroup("sandbox-instances", {
  vpcId: vpc.vpcId,
  description: "Sandbox instances: no inbound rules (reached through SSM only)",
  ingress: [],
  egress: [443, 80].map((port) => ({
    protocol: "tcp",
    fromPort: port,
    toPort: port,
    cidrBlocks: ["0.0.0.0/0"],
    description: port === 443 ? "HTTPS: SSM, the activation API, downloads" : "HTTP: updates",
  })),
  tags,
});

const subnetId = vpc.publicSubnetIds.apply((ids) => ids[0]);

/** One sandbox machine running `userData` at first boot. */
function sandboxInstance(
  name: string,
  amiParameter: string,
  instanceType: string,
  userData: pulumi.Input<string>,
): aws.ec2.Instance {
  const ami = aws.ssm.getParameterOutput({ name: amiParameter }).value;
  return new aws.ec2.Instance(
    name,
    {
      ami,
      instanceType,
      subnetId,
      vpcSecurityGroupIds: [securityGroup.id],
      associatePublicIpAddress: true,
      userData,
      // User data runs at first boot only: a new activation URL needs a new machine.
      userDataReplaceOnChange: true,
      // IMDSv2 only; register.sh and register.ps1 fetch a session token before reading the
      // identity document, and one hop is enough on the host itself.
      metadataOptions: {
        httpEndpoint: "enabled",
        httpTokens: "required",
        httpPutResponseHopLimit: 1,
      },
      rootBlockDevice: { volumeType: "gp3", encrypted: true, deleteOnTermination: true },
      tags: { ...tags, Name: name },
    },
    // A newer AMI in the public parameter must not replace a running sandbox machine.
    { ignoreChanges: ["ami"] },
  );
}

const linux = sandboxInstance(
  "sandbox-linux",
  AMI_PARAMETERS.linux,
  config.get("linuxInstanceType") ?? "t3.micro",
  fleet.activationApi.linuxUserData,
);
const windows = sandboxInstance(
  "sandbox-windows",
  AMI_PARAMETERS.windows,
  config.get("windowsInstanceType") ?? "t3.small",
  fleet.activationApi.windowsUserData,
);

/** The Linux instance; its hybrid node is named after this ID. */
export const linuxInstanceId = linux.id;
/** The Windows instance; its hybrid node is named after this ID. */
export const windowsInstanceId = windows.id;
/** The activation endpoint the user data calls (`GET <activationUrl>?name=<id>`). */
export const activationUrl = fleet.activationApi.activationUrl;
/** Console URL of the CloudWatch risk dashboard. */
export const dashboardUrl = fleet.riskDashboard?.dashboardUrl;
/** Where the hourly risk snapshot writes the HTML report (`s3://…/risk-reports/latest.html`). */
export const reportUrl = fleet.riskView?.reportUrl;
/** The scheduled risk snapshot function: invoke it to get a report without waiting the hour. */
export const riskFunctionName = fleet.riskView?.functionName;
/** Bucket of association command output: empty it before `pulumi destroy`. */
export const associationOutputBucket = fleet.complianceControls.outputBucketName;
/** Bucket of the synced compliance data (kept on destroy; delete it yourself). */
export const complianceBucketName = fleet.complianceSync?.bucketName;
/** The throwaway VPC. */
export const vpcId = vpc.vpcId;
