/**
 * `npm run config:docs`: rewrites, from `config/schema.ts` (the one source of the stack's keys),
 * - the `config:` section of Pulumi.yaml (every key Pulumi can type),
 * - the config reference of README.md (every key, then every field of the structured ones),
 * - `schema/stack-config.schema.json` (the JSON Schema of a whole stack file).
 * Tests fail when any of them has drifted from the schema.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { JSON_SCHEMA_PATH, stackFileJsonSchema } from "../config/jsonSchema";
import {
  STACK_CONFIG_KEYS,
  keyJsonSchema,
  pulumiDeclaration,
  type ConfigKeyName,
} from "../config/schema";

const ROOT = path.join(__dirname, "..");
const KEYS = Object.keys(STACK_CONFIG_KEYS) as ConfigKeyName[];

/** The `config:` block Pulumi.yaml declares: scalars and lists of strings, typed and defaulted. */
export function projectConfigBlock(): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const key of KEYS) {
    const declaration = pulumiDeclaration(key);
    if (!declaration) continue;
    const schema = keyJsonSchema(key);
    config[key] = { ...declaration, description: schema.description, default: schema.default };
  }
  return config;
}

type Json = Record<string, unknown>;

/** A JSON Schema node's type as the README shows it. */
function typeName(schema: Json): string {
  if (schema.type === "array") {
    const items = schema.items as Json;
    return items.type === "object" ? "list of objects" : `list of ${typeName(items)}s`;
  }
  if (schema.type === "object" && schema.additionalProperties && !schema.properties) {
    return "map";
  }
  if (Array.isArray(schema.enum)) return schema.enum.join(" | ");
  return String(schema.type ?? "any");
}

const cell = (text: unknown) => String(text ?? "").replace(/\|/g, "\\|");

/** The README's config table rows: one per key. */
export function readmeConfigRows(): string {
  return KEYS.map((key) => {
    const s = keyJsonSchema(key);
    const declared = pulumiDeclaration(key);
    const type = declared ? (declared.type === "array" ? "array" : declared.type) : typeName(s);
    return `| \`${key}\` | ${cell(type)} | \`${JSON.stringify(s.default)}\` | ${cell(s.description)} |`;
  }).join("\n");
}

/** Every field under a structured value, depth first: `[path, schema]`. */
function fields(prefix: string, schema: Json): [string, Json][] {
  if (schema.type === "array") return fields(`${prefix}[]`, schema.items as Json);
  if (schema.type !== "object") return [];
  const out: [string, Json][] = [];
  if (schema.properties) {
    for (const [k, v] of Object.entries(schema.properties as Record<string, Json>)) {
      out.push([`${prefix}.${k}`, v], ...fields(`${prefix}.${k}`, v));
    }
  } else if (typeof schema.additionalProperties === "object") {
    const v = schema.additionalProperties as Json;
    out.push(...fields(`${prefix}.<key>`, v));
  }
  return out;
}

/** The README's rows for the fields of the structured keys (objects and lists of objects). */
export function readmeStructuredRows(): string {
  return KEYS.filter((key) => !pulumiDeclaration(key))
    .flatMap((key) => fields(key, keyJsonSchema(key)))
    .map(([p, s]) => `| \`${p}\` | ${cell(typeName(s))} | ${cell(s.description)} |`)
    .join("\n");
}

/** `text` with the table under `header` replaced by `rows`. */
export function replaceTable(text: string, header: string, rows: string): string {
  const start = text.indexOf(header);
  if (start < 0) throw new Error(`README.md has no table headed ${header.split("\n")[0]}`);
  const bodyStart = start + header.length;
  let end = bodyStart;
  while (text.startsWith("| `", end)) end = text.indexOf("\n", end) + 1;
  return text.slice(0, bodyStart) + rows + "\n" + text.slice(end);
}

/** Header of the README's table of keys. */
export const KEYS_HEADER = "| key | type | default | meaning |\n| --- | --- | --- | --- |\n";
/** Header of the README's table of structured fields. */
export const FIELDS_HEADER = "| field | type | meaning |\n| --- | --- | --- |\n";

/** The JSON Schema file's text, as written. */
export function jsonSchemaText(): string {
  return JSON.stringify(stackFileJsonSchema(), null, 2) + "\n";
}

function main(): void {
  const projectFile = path.join(ROOT, "Pulumi.yaml");
  const doc = YAML.parseDocument(fs.readFileSync(projectFile, "utf8"));
  doc.set("config", projectConfigBlock());
  fs.writeFileSync(projectFile, doc.toString({ lineWidth: 0 }));

  const readmeFile = path.join(ROOT, "README.md");
  let readme = fs.readFileSync(readmeFile, "utf8");
  readme = replaceTable(readme, KEYS_HEADER, readmeConfigRows());
  readme = replaceTable(readme, FIELDS_HEADER, readmeStructuredRows());
  fs.writeFileSync(readmeFile, readme);

  const schemaFile = path.join(ROOT, JSON_SCHEMA_PATH);
  fs.mkdirSync(path.dirname(schemaFile), { recursive: true });
  fs.writeFileSync(schemaFile, jsonSchemaText());
  console.log(`updated Pulumi.yaml, README.md and ${JSON_SCHEMA_PATH} (${KEYS.length} keys)`);
}

if (require.main === module) main();
