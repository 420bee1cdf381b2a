/**
 * `npm run synth [-- <stack>]`: runs the stack program for `Pulumi.<stack>.yaml` under
 * Pulumi's mock runtime (offline, no Pulumi CLI, no AWS) and prints every resource it
 * would create: type, name, parent and key inputs. The same, with all inputs, is written
 * to `synth-out/<stack>.json`. This is how a reviewer sees what `pulumi up` will do.
 * Provider lookups answer with a placeholder account (123456789012).
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { allResources, installMocks, unwrap, type RecordedResource } from "../local/pulumiMocks";
import { readStackConfig } from "../local/stackConfigFile";

const ROOT = path.join(__dirname, "..");

/** Inputs worth a glance per resource type; others show their first few scalars. */
const KEY_INPUTS: Record<string, string[]> = {
  "aws:lambda/function:Function": ["runtime", "architectures", "memorySize", "timeout"],
  "aws:apigateway/stage:Stage": ["stageName"],
  "aws:apigateway/methodSettings:MethodSettings": ["methodPath", "settings"],
  "aws:apigateway/method:Method": ["httpMethod", "authorization"],
  "aws:apigateway/integration:Integration": ["type"],
  "aws:apigateway/resource:Resource": ["pathPart"],
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ["policyArn"],
  "aws:cloudwatch/logGroup:LogGroup": ["retentionInDays"],
  "aws:lambda/permission:Permission": ["principal", "sourceArn"],
};

async function plain(value: unknown, depth = 0): Promise<unknown> {
  if (depth > 8) return "…";
  if (pulumi.asset.Archive.isInstance(value) && (value as pulumi.asset.AssetArchive).assets) {
    const assets = await (value as pulumi.asset.AssetArchive).assets;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(assets)) out[k] = await plain(v, depth + 1);
    return { archive: out };
  }
  if (pulumi.asset.Asset.isInstance(value) && (value as pulumi.asset.StringAsset).text) {
    const text = await (value as pulumi.asset.StringAsset).text;
    const sha = crypto.createHash("sha256").update(text).digest("hex").slice(0, 16);
    return `<${text.length} bytes, sha256 ${sha}…>`;
  }
  if (Array.isArray(value)) return Promise.all(value.map((v) => plain(v, depth + 1)));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort())
      out[k] = await plain((value as Record<string, unknown>)[k], depth + 1);
    return out;
  }
  return value;
}

function tryJson(v: unknown): unknown {
  if (typeof v !== "string" || !/^[[{]/.test(v)) return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

function summary(r: RecordedResource): string {
  const keys =
    KEY_INPUTS[r.type] ??
    Object.keys(r.inputs)
      .filter(
        (k) => ["string", "number", "boolean"].includes(typeof r.inputs[k]) && k !== "description",
      )
      .slice(0, 3);
  return keys
    .filter((k) => r.inputs[k] !== undefined && !/\n/.test(String(r.inputs[k])))
    .map(
      (k) => `${k}=${typeof r.inputs[k] === "string" ? r.inputs[k] : JSON.stringify(r.inputs[k])}`,
    )
    .join(" ")
    .slice(0, 140);
}

async function main(): Promise<void> {
  const stack = process.argv[2] ?? "dev";
  const config = readStackConfig(ROOT, stack);
  installMocks(config, "ssm-hybrid-fleet", stack);
  const program = await import("../index");
  const outputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(program)) {
    outputs[k] = await unwrap<unknown>(v as never);
  }
  await new Promise((r) => setTimeout(r, 100));
  const parentName = (r: RecordedResource) => (r.parent ? (r.parent.split("::").pop() ?? "") : "");
  const resources = await Promise.all(
    allResources().map(async (r) => ({
      type: r.type,
      name: r.name,
      parent: parentName(r) || null,
      inputs: Object.fromEntries(
        await Promise.all(
          Object.entries(r.inputs).map(async ([k, v]) => [k, tryJson(await plain(v))]),
        ),
      ),
    })),
  );
  const width = Math.max(...resources.map((r) => r.type.length));
  const nameWidth = Math.max(...resources.map((r) => r.name.length));
  console.log(
    `stack ${stack}: ${resources.length} resources (mock runtime, account 123456789012)\n`,
  );
  for (const [r, rec] of resources.map((x, i) => [x, allResources()[i]] as const)) {
    console.log(
      `${r.type.padEnd(width)}  ${r.name.padEnd(nameWidth)}  parent=${r.parent ?? "-"}  ${summary(rec)}`,
    );
  }
  console.log("\noutputs:");
  for (const [k, v] of Object.entries(outputs)) console.log(`  ${k}: ${JSON.stringify(v)}`);
  const outDir = path.join(ROOT, "synth-out");
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${stack}.json`);
  fs.writeFileSync(file, JSON.stringify({ stack, resources, outputs }, null, 2) + "\n");
  console.log(`\nwritten: ${path.relative(ROOT, file)}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
