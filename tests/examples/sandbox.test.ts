/* eslint-disable @typescript-eslint/no-explicit-any -- mock inputs are untyped property bags */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  allResources,
  installMocks,
  resourceNamed,
  resourcesOfType,
  unwrap,
  type RecordedResource,
} from "../support/pulumiMocks";
import { importExample } from "../support/exampleModules";
import { readStackConfig } from "../../local/stackConfigFile";
import { buildLinuxUserData, buildWindowsUserData } from "../../components/activation/userData";

const EXAMPLE = path.join(__dirname, "..", "..", "examples", "sandbox");
const PROJECT = "ssm-hybrid-fleet-sandbox";
const STACK = "sandbox";
const STACK_PREFIX = `urn:pulumi:${STACK}::${PROJECT}::`;

const AMI_IDS: Record<string, string> = {
  "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64": "ami-0al2023",
  "/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base": "ami-0win2022",
};

/**
 * awsx.ec2.Vpc is a remote component: in a real run the awsx provider plugin builds its
 * children (subnets, route tables, internet gateway) and returns its outputs. Under mocks the
 * plugin never runs; newResource sees one `awsx:ec2:Vpc` registration and nothing below it,
 * so the mock answers the outputs the example reads: the VPC ID and the public subnet IDs.
 */
function awsxVpcOutputs(args: pulumi.runtime.MockResourceArgs): Record<string, any> | undefined {
  if (args.type !== "awsx:ec2:Vpc") return undefined;
  return {
    vpcId: `${args.name}-vpc-id`,
    publicSubnetIds: [`${args.name}-public-1`],
    privateSubnetIds: [],
    isolatedSubnetIds: [],
  };
}

/** The AMI public parameters the example reads (aws.ssm.getParameter). */
function amiParameter(args: pulumi.runtime.MockCallArgs): Record<string, any> | undefined {
  if (args.token !== "aws:ssm/getParameter:getParameter") return undefined;
  const value = AMI_IDS[args.inputs.name];
  if (value === undefined) throw new Error(`unexpected parameter ${args.inputs.name}`);
  return { id: args.inputs.name, name: args.inputs.name, type: "String", value };
}

/** Resources whose parent is not a component of this stack: what the program itself declares. */
function topLevel(): RecordedResource[] {
  return allResources().filter((r) => r.parent === undefined || !r.parent.startsWith(STACK_PREFIX));
}

describe("examples/sandbox/package.json", () => {
  it("depends on this package by path and on the same Pulumi ranges as the package", () => {
    const read = (dir: string) =>
      JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
    const root = read(path.join(EXAMPLE, "..", ".."));
    const example = read(EXAMPLE);
    assert.deepEqual(example.dependencies, {
      "@pulumi/aws": root.peerDependencies["@pulumi/aws"],
      "@pulumi/awsx": root.devDependencies["@pulumi/awsx"],
      "@pulumi/pulumi": root.peerDependencies["@pulumi/pulumi"],
      [root.name]: "file:../..",
    });
  });
});

describe("examples/sandbox under Pulumi mocks", () => {
  let program: typeof import("../../examples/sandbox/index");

  before(async () => {
    installMocks(readStackConfig(EXAMPLE, STACK), PROJECT, STACK, {
      state: awsxVpcOutputs,
      call: amiParameter,
    });
    program = await importExample("sandbox");
    await unwrap(program.linuxInstanceId);
    await unwrap(program.windowsInstanceId);
  });

  it("declares exactly a HybridFleet, an awsx VPC, one security group and two instances", () => {
    assert.deepEqual(
      topLevel()
        .map((r) => `${r.type}::${r.name}`)
        .sort(),
      [
        "aws:ec2/instance:Instance::sandbox-linux",
        "aws:ec2/instance:Instance::sandbox-windows",
        "aws:ec2/securityGroup:SecurityGroup::sandbox-instances",
        "awsx:ec2:Vpc::sandbox",
        "ssm-hybrid-fleet:index:HybridFleet::sandbox",
      ],
    );
    // The fleet is the package's whole fleet, not a stand-in: its parts are its children.
    const fleetUrn = `${STACK_PREFIX}ssm-hybrid-fleet:index:HybridFleet::sandbox`;
    for (const type of [
      "ssm-hybrid-fleet:activation:ActivationApi",
      "ssm-hybrid-fleet:compliance:ComplianceControls",
      "ssm-hybrid-fleet:compliance:ComplianceSync",
      "ssm-hybrid-fleet:risk:RiskView",
      "ssm-hybrid-fleet:risk:RiskDashboard",
    ]) {
      assert.deepEqual(
        resourcesOfType(type).map((r) => r.parent),
        [fleetUrn],
        type,
      );
    }
  });

  it("passes the stack config to the fleet", () => {
    const fn = resourceNamed("sandbox-activation-function", "aws:lambda/function:Function");
    assert.equal(fn.inputs.environment.variables.FLEET_NAME, "sandbox");
    assert.equal(fn.inputs.environment.variables.ENVIRONMENT, "sandbox");
    assert.equal(resourcesOfType("aws:apigateway/account:Account").length, 1);
    const av = resourceNamed(
      "sandbox-compliance-antivirus-report",
      "aws:ssm/association:Association",
    );
    assert.equal(av.inputs.parameters.LinuxServiceName, "clamav-freshclam");
    assert.equal(av.inputs.parameters.WindowsServiceName, "WinDefend");
  });

  it("builds a one-AZ VPC with public subnets only and no NAT gateway", () => {
    const vpc = resourceNamed("sandbox", "awsx:ec2:Vpc");
    assert.equal(vpc.custom, false);
    assert.equal(vpc.inputs.numberOfAvailabilityZones, 1);
    assert.equal(vpc.inputs.subnetStrategy, "Auto");
    assert.deepEqual(vpc.inputs.subnetSpecs, [{ type: "Public" }]);
    assert.deepEqual(vpc.inputs.natGateways, { strategy: "None" });
    assert.equal(resourcesOfType("aws:ec2/natGateway:NatGateway").length, 0);
  });

  it("wires each instance's user data to the fleet's, Linux to linuxUserData and Windows to windowsUserData", async () => {
    const activationUrl = await unwrap(program.activationUrl);
    assert.equal(
      activationUrl,
      "https://sandbox-activation-api-id.execute-api.us-east-1.amazonaws.com/latest/activate",
    );
    // What ActivationApi computes from its stage URL (components/activation/activationApi.ts).
    const apiUrl = activationUrl.replace(/\/activate$/, "");
    const linux = resourceNamed("sandbox-linux", "aws:ec2/instance:Instance");
    const windows = resourceNamed("sandbox-windows", "aws:ec2/instance:Instance");
    assert.equal(linux.inputs.userData, buildLinuxUserData(apiUrl));
    assert.equal(windows.inputs.userData, buildWindowsUserData(apiUrl));
    assert.match(windows.inputs.userData, /^<powershell>/);
    assert.equal(linux.inputs.userDataReplaceOnChange, true);
    assert.equal(windows.inputs.userDataReplaceOnChange, true);
  });

  it("boots Amazon Linux 2023 and Windows Server 2022 from AWS's public AMI parameters", () => {
    const linux = resourceNamed("sandbox-linux", "aws:ec2/instance:Instance");
    const windows = resourceNamed("sandbox-windows", "aws:ec2/instance:Instance");
    assert.equal(linux.inputs.ami, "ami-0al2023");
    assert.equal(windows.inputs.ami, "ami-0win2022");
    assert.equal(linux.inputs.instanceType, "t3.micro");
    assert.equal(windows.inputs.instanceType, "t3.small");
  });

  it("requires IMDSv2 on both instances and puts them in the VPC's public subnet behind the group", () => {
    for (const name of ["sandbox-linux", "sandbox-windows"]) {
      const instance = resourceNamed(name, "aws:ec2/instance:Instance");
      assert.deepEqual(
        instance.inputs.metadataOptions,
        { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
        name,
      );
      assert.equal(instance.inputs.subnetId, "sandbox-public-1", name);
      assert.deepEqual(instance.inputs.vpcSecurityGroupIds, ["sandbox-instances-id"], name);
      assert.equal(instance.inputs.keyName, undefined, `${name}: no key pair`);
      assert.equal(instance.inputs.iamInstanceProfile, undefined, `${name}: registers as hybrid`);
    }
  });

  it("admits nothing inbound: no ingress rule anywhere, no SSH or RDP", () => {
    const groups = resourcesOfType("aws:ec2/securityGroup:SecurityGroup");
    assert.deepEqual(
      groups.map((g) => g.name),
      ["sandbox-instances"],
    );
    assert.equal(groups[0].inputs.vpcId, "sandbox-vpc-id");
    assert.deepEqual(groups[0].inputs.ingress, []);
    for (const type of [
      "aws:ec2/securityGroupRule:SecurityGroupRule",
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    ]) {
      assert.deepEqual(
        resourcesOfType(type).map((r) => r.name),
        [],
        type,
      );
    }
    const egressPorts = groups[0].inputs.egress.map((e: any) => [e.protocol, e.fromPort, e.toPort]);
    assert.deepEqual(egressPorts, [
      ["tcp", 443, 443],
      ["tcp", 80, 80],
    ]);
    for (const rule of groups[0].inputs.egress) {
      assert.ok(![22, 3389].includes(rule.fromPort), "no SSH/RDP port anywhere");
    }
  });

  it("exports the instances, the activation URL, the dashboard URL and the report location", async () => {
    assert.equal(await unwrap(program.linuxInstanceId), "sandbox-linux-id");
    assert.equal(await unwrap(program.windowsInstanceId), "sandbox-windows-id");
    assert.equal(program.fleetName, "sandbox");
    assert.match(
      String(await unwrap(program.dashboardUrl)),
      /^https:\/\/us-east-1\.console\.aws\.amazon\.com\/cloudwatch\/home\?region=us-east-1#dashboards/,
    );
    assert.equal(
      await unwrap(program.reportUrl),
      "s3://sandbox-sync-data/risk-reports/latest.html",
    );
    assert.equal(await unwrap(program.riskFunctionName), "sandbox-risk-snapshot");
    assert.equal(await unwrap(program.vpcId), "sandbox-vpc-id");
  });
});
