/**
 * `npm run config:docs`: rewrites the `config:` section of Pulumi.yaml and the config table
 * of README.md from `config/schema.ts`, the one source of the stack's keys. Tests fail when
 * either has drifted from the schema.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { CONFIG_SCHEMA } from "../config/schema";

const ROOT = path.join(__dirname, "..");

/** The `config:` block Pulumi.yaml declares for the schema. */
export function projectConfigBlock(): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(CONFIG_SCHEMA)) {
    config[key] = {
      type: v.type,
      ...(v.type === "array" ? { items: { type: "string" } } : {}),
      description: v.description,
      default: v.default,
    };
  }
  return config;
}

/** The README's config table rows. */
export function readmeConfigRows(): string {
  return Object.entries(CONFIG_SCHEMA)
    .map(
      ([k, v]) =>
        `| \`${k}\` | ${v.type} | \`${JSON.stringify(v.default)}\` | ${v.description.replace(/\|/g, "\\|")} |`,
    )
    .join("\n");
}

function main(): void {
  const projectFile = path.join(ROOT, "Pulumi.yaml");
  const doc = YAML.parseDocument(fs.readFileSync(projectFile, "utf8"));
  doc.set("config", projectConfigBlock());
  fs.writeFileSync(projectFile, doc.toString({ lineWidth: 0 }));

  const readmeFile = path.join(ROOT, "README.md");
  const readme = fs.readFileSync(readmeFile, "utf8");
  const header = "| key | type | default | meaning |\n| --- | --- | --- | --- |\n";
  const start = readme.indexOf(header);
  if (start < 0) throw new Error("README.md has no config table header");
  const bodyStart = start + header.length;
  let end = bodyStart;
  while (readme.startsWith("| `", end)) end = readme.indexOf("\n", end) + 1;
  fs.writeFileSync(
    readmeFile,
    readme.slice(0, bodyStart) + readmeConfigRows() + "\n" + readme.slice(end),
  );
  console.log(`updated Pulumi.yaml and README.md (${Object.keys(CONFIG_SCHEMA).length} keys)`);
}

if (require.main === module) main();
