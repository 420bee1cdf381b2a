/**
 * `npm run token:new -- --id dc1-web --environment prod --name-pattern 'web-[0-9]+' [--days 90]`
 *
 * Makes a bootstrap token for on-premises machines. Prints the token ONCE (hand it to the
 * provisioning system as a secret) and the entry to add to the stack's `bootstrapTokens`
 * list, which holds only the token's SHA-256. The entry is checked with the same schema and
 * validator the stack program uses.
 */
import * as YAML from "yaml";
import { formatPath, schemaProblems } from "../components/shared/argsSchema";
import { BootstrapTokenGrantSchema } from "../components/activation/activationApi.schema";
import { parseTokenGrants } from "../functions/activation/config";
import { hashToken, newToken } from "../functions/activation/tokens";

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? process.argv[i + 1] : fallback;
  if (value === undefined || value.startsWith("--")) {
    throw new Error(
      `--${name} is required (usage: --id ID --environment ENV --name-pattern REGEX [--days N])`,
    );
  }
  return value;
}

try {
  const days = Number(arg("days", "90"));
  if (!Number.isInteger(days) || days < 1 || days > 3650) throw new Error("--days must be 1-3650");
  const token = newToken();
  // In the order of the schema (and the README), so entries read alike.
  const grant = {
    id: arg("id"),
    sha256: hashToken(token),
    expiresAt: new Date(Date.now() + days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
    environment: arg("environment"),
    namePattern: arg("name-pattern"),
  };
  const [problem] = schemaProblems(BootstrapTokenGrantSchema, grant);
  if (problem) throw new Error(`${formatPath(problem.path)} ${problem.problem}`);
  parseTokenGrants([grant], "token");
  console.log(`token (shown once; store it as a secret): ${token}`);
  console.log("add to the list in Pulumi.<stack>.yaml (under config:):");
  const entry = new YAML.Document({ "ssm-hybrid-fleet:bootstrapTokens": [grant] });
  // Quoted, so no YAML 1.1 reader takes it for a timestamp instead of a string.
  (entry.getIn(["ssm-hybrid-fleet:bootstrapTokens", 0, "expiresAt"], true) as YAML.Scalar).type =
    "QUOTE_DOUBLE";
  console.log(entry.toString({ lineWidth: 0 }).trimEnd());
} catch (err) {
  console.error((err as Error).message);
  process.exitCode = 2;
}
