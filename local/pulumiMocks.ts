/**
 * Pulumi mock runtime for component tests and for `npm run synth`.
 *
 * Call {@link installMocks} before `await import()`-ing the module under test: Pulumi reads
 * the mocks when a resource is registered, and modules that create resources at load time
 * (the stack program) must see them. Every registered resource is recorded so tests can
 * assert exact child types, names, parents and inputs.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- Pulumi's mock API passes inputs and
   state as untyped property bags; tests index into them freely. */
import * as pulumi from "@pulumi/pulumi";

/** One resource as Pulumi's engine would have been asked to create it. */
export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
  /** URN of the parent, or undefined for stack-level resources. */
  readonly parent?: string;
  readonly urn: string;
  readonly custom: boolean;
}

/** The account every mocked caller-identity lookup answers with. */
export const ACCOUNT_ID = "123456789012";
/** The region mocked lookups and ARNs use unless `installMocks` is given another. */
export let REGION = "ap-southeast-2";

const recorded: RecordedResource[] = [];
// The mock monitor does not pass the parent to `newResource`; capture it from the request.
const parentOf = new Map<string, string>();

/** Clears what has been recorded (between tests that build fresh components). */
export function resetRecorded(): void {
  recorded.length = 0;
}

/** Everything registered so far, components included. */
export function allResources(): RecordedResource[] {
  return [...recorded];
}

/** Registered resources of one type token, e.g. `aws:iam/role:Role`. */
export function resourcesOfType(type: string): RecordedResource[] {
  return recorded.filter((r) => r.type === type);
}

/** The one resource with this logical name; throws if missing or ambiguous. */
export function resourceNamed(name: string, type?: string): RecordedResource {
  const found = recorded.filter((r) => r.name === name && (type === undefined || r.type === type));
  if (found.length !== 1) {
    throw new Error(
      `expected exactly one resource named ${name}${type ? ` of type ${type}` : ""}, found ${found.length}: ` +
        recorded.map((r) => `${r.type}::${r.name}`).join(", "),
    );
  }
  return found[0];
}

/** Resolves an Output (or plain value) to its value under the mock runtime. */
export function unwrap<T>(value: pulumi.Input<T> | undefined): Promise<T> {
  return new Promise((resolve) =>
    pulumi.output(value as pulumi.Input<T>).apply((v) => resolve(v as T)),
  );
}

function fakeArn(type: string, name: string): string {
  const [pkg, mod] = type.split(":");
  const service = (mod ?? "").split("/")[0];
  if (pkg !== "aws") return "";
  switch (service) {
    case "iam":
      return `arn:aws:iam::${ACCOUNT_ID}:${type.endsWith(":Role") ? "role" : "policy"}/${name}`;
    case "s3":
      return `arn:aws:s3:::${name}`;
    case "lambda":
      return `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${name}`;
    case "cloudwatch":
      if (type === "aws:cloudwatch/eventRule:EventRule") {
        return `arn:aws:events:${REGION}:${ACCOUNT_ID}:rule/${name}`;
      }
      return `arn:aws:logs:${REGION}:${ACCOUNT_ID}:log-group:${name}`;
    case "apigateway":
      return `arn:aws:apigateway:${REGION}::/restapis/${name}`;
    case "kms":
      return `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/${name}`;
    case "sns":
      return `arn:aws:sns:${REGION}:${ACCOUNT_ID}:${name}`;
    default:
      return `arn:aws:${service}:${REGION}:${ACCOUNT_ID}:${name}`;
  }
}

/**
 * What a test adds to the mocks for resources and functions the components do not use (e.g.
 * a remote component's outputs, an SSM parameter lookup). Each returns undefined to fall
 * through to the defaults.
 */
export interface ExtraMocks {
  /** Extra state for a registered resource, merged over the default state. */
  readonly state?: (args: pulumi.runtime.MockResourceArgs) => Record<string, any> | undefined;
  /** The answer to a provider function call the defaults do not know. */
  readonly call?: (args: pulumi.runtime.MockCallArgs) => Record<string, any> | undefined;
}

/**
 * Installs Pulumi mocks (clearing what was recorded before) that record every resource and answer the few provider functions
 * the components call (caller identity, region, partition). Any other function call throws
 * unless `extra.call` answers it, so a component that starts depending on a new lookup fails
 * loudly in tests.
 */
export function installMocks(
  config: Record<string, string> = {},
  project = "ssm-hybrid-fleet",
  stack = "dev",
  extra: ExtraMocks = {},
): void {
  REGION = config["aws:region"] ?? "ap-southeast-2";
  // A fresh mock runtime starts a fresh recording: suites must not see each other's resources.
  resetRecorded();
  const prefixed: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) {
    prefixed[k.includes(":") ? k : `${project}:${k}`] = v;
  }
  pulumi.runtime.setAllConfig(prefixed);
  pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: any } {
        const urn = `urn:pulumi:${stack}::${project}::${args.type}::${args.name}`;
        recorded.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs,
          parent: parentOf.get(`${args.type}::${args.name}`) || undefined,
          urn,
          custom: args.custom ?? true,
        });
        const id = args.id || `${args.name}-id`;
        const state: Record<string, any> = { ...args.inputs };
        const arn = fakeArn(args.type, args.inputs.name ?? args.name);
        if (arn) state.arn = arn;
        if (args.type === "aws:s3/bucket:Bucket") {
          state.bucket = args.inputs.bucket ?? args.name;
          state.bucketRegion = REGION;
        }
        if (args.type === "aws:apigateway/restApi:RestApi") {
          state.rootResourceId = `${args.name}-root`;
          state.executionArn = `arn:aws:execute-api:${REGION}:${ACCOUNT_ID}:${id}`;
        }
        if (args.type === "aws:apigateway/stage:Stage") {
          state.invokeUrl = `https://${args.inputs.restApi}.execute-api.${REGION}.amazonaws.com/${args.inputs.stageName}`;
          state.arn = `arn:aws:apigateway:${REGION}::/restapis/${args.inputs.restApi}/stages/${args.inputs.stageName}`;
        }
        if (args.type === "aws:acm/certificate:Certificate") {
          // What ACM answers for a DNS-validated certificate: one CNAME per name.
          state.domainValidationOptions = [
            {
              domainName: args.inputs.domainName,
              resourceRecordName: `_0123456789abcdef.${args.inputs.domainName}.`,
              resourceRecordType: "CNAME",
              resourceRecordValue: "_fedcba9876543210.abcdefghij.acm-validations.aws.",
            },
          ];
          state.arn = `arn:aws:acm:${REGION}:${ACCOUNT_ID}:certificate/00000000-0000-4000-8000-000000000000`;
        }
        if (args.type === "aws:route53/record:Record") {
          state.fqdn = String(args.inputs.name).replace(/\.$/, "");
        }
        if (args.type === "aws:apigateway/domainName:DomainName") {
          state.regionalDomainName = `d-0123456789.execute-api.${REGION}.amazonaws.com`;
          state.regionalZoneId = "Z2RPCDW04V8134";
        }
        // Stand-in for provider autonaming (which does not run under mocks): the logical name.
        if (args.custom !== false && state.name === undefined) state.name = args.name;
        Object.assign(state, extra.state?.(args));
        return { id, state };
      },
      call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        switch (args.token) {
          case "aws:index/getCallerIdentity:getCallerIdentity":
            return {
              accountId: ACCOUNT_ID,
              arn: `arn:aws:iam::${ACCOUNT_ID}:user/test`,
              userId: "AIDATEST",
              id: ACCOUNT_ID,
            };
          case "aws:index/getRegion:getRegion":
            return {
              name: REGION,
              region: REGION,
              id: REGION,
              description: "Asia Pacific (Sydney)",
            };
          case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
          default: {
            const answer = extra.call?.(args);
            if (answer === undefined) throw new Error(`unmocked provider function ${args.token}`);
            return answer;
          }
        }
      },
    },
    project,
    stack,
    false,
  );
  const monitor = pulumi.runtime.getMonitor() as any;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: any) => {
    parentOf.set(`${req.getType()}::${req.getName()}`, req.getParent());
    return register(req, callback);
  };
}
