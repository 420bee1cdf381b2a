/**
 * Reads the fleet's SSM documents (`documents/*.yaml`) and prepares a step the way SSM Agent
 * does: parameters resolved from defaults, checked against allowedValues/allowedPattern, then
 * substituted into `{{ }}` textually. Shared by the document tests (tests/documents/sandbox.ts)
 * and `npm start`'s simulated State Manager (local/stateManager.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";

const DOCS = path.join(__dirname, "..", "documents");

/** A parameter of one of our documents. */
export interface DocParam {
  type: string;
  default?: string;
  allowedValues?: string[];
  allowedPattern?: string;
}

/** The parts of our documents the tests and the demo read. */
export interface SsmDoc {
  parameters: Record<string, DocParam>;
  mainSteps: {
    action: string;
    name: string;
    precondition?: { StringEquals: string[] };
    inputs: { runCommand: string[]; timeoutSeconds?: string };
  }[];
}

/** The parsed YAML of one of our documents (`file` relative to `documents/`). */
export function loadDocument(file: string): SsmDoc {
  return YAML.parse(fs.readFileSync(path.join(DOCS, file), "utf8")) as SsmDoc;
}

/** The runCommand text of the step for a platform. */
export function stepScript(doc: SsmDoc, platform: "Linux" | "Windows"): string {
  const step = doc.mainSteps.find((s) => s.precondition?.StringEquals?.[1] === platform);
  if (!step) throw new Error(`the document has no ${platform} step`);
  return step.inputs.runCommand.join("\n");
}

/** Resolves parameters as SSM does: defaults, then validation, then textual substitution. */
export function substitute(doc: SsmDoc, script: string, values: Record<string, string>): string {
  const resolved: Record<string, string> = {};
  for (const [name, p] of Object.entries(doc.parameters)) {
    const v = values[name] ?? p.default;
    if (v === undefined) throw new Error(`parameter ${name} has no value`);
    if (p.allowedValues && !p.allowedValues.includes(v)) {
      throw new Error(`parameter ${name}: ${JSON.stringify(v)} is not in allowedValues`);
    }
    if (p.allowedPattern && !new RegExp(p.allowedPattern).test(v)) {
      throw new Error(`parameter ${name}: ${JSON.stringify(v)} fails allowedPattern`);
    }
    resolved[name] = v;
  }
  for (const name of Object.keys(values)) {
    if (!(name in resolved)) throw new Error(`unknown parameter ${name}`);
  }
  return script.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (_m, n: string) => resolved[n]);
}
