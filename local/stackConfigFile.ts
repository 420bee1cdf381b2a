/**
 * Reads a stack's `Pulumi.<stack>.yaml` into the flat key/value form Pulumi's runtime
 * uses (`project:key` → string, structured values as JSON), with the project's declared
 * defaults from `Pulumi.yaml` under it, as the Pulumi CLI would merge them.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";

/** Flat config for `installMocks` / `pulumi.runtime.setAllConfig`. */
export function readStackConfig(root: string, stack: string): Record<string, string> {
  const project = YAML.parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) throw new Error(`no stack config ${file}`);
  const stackConfig = (YAML.parse(fs.readFileSync(file, "utf8"))?.config ?? {}) as Record<
    string,
    unknown
  >;
  const flat: Record<string, string> = {};
  const put = (key: string, value: unknown): void => {
    flat[key] = typeof value === "string" ? value : JSON.stringify(value);
  };
  for (const [key, decl] of Object.entries(
    (project.config ?? {}) as Record<string, { default?: unknown }>,
  )) {
    if (decl.default !== undefined)
      put(key.includes(":") ? key : `${project.name}:${key}`, decl.default);
  }
  for (const [key, value] of Object.entries(stackConfig)) put(key, value);
  return flat;
}
