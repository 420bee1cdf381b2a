/**
 * `npm run token:new -- --id dc1-web --environment prod --name-pattern 'web-[0-9]+' [--days 90]`
 *
 * Makes a bootstrap token for on-premises machines. Prints the token ONCE (hand it to the
 * provisioning system as a secret) and the config line to add to the stack's
 * `bootstrapTokens`, which holds only the token's SHA-256.
 */
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
  const grant = {
    id: arg("id"),
    sha256: hashToken(token),
    namePattern: arg("name-pattern"),
    environment: arg("environment"),
    expiresAt: new Date(Date.now() + days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
  };
  parseTokenGrants([grant], "token");
  if (/\s/.test(grant.id) || /\s/.test(grant.environment))
    throw new Error("--id and --environment may not contain spaces");
  console.log(`token (shown once; store it as a secret): ${token}`);
  console.log("add to Pulumi.<stack>.yaml under ssm-hybrid-fleet:bootstrapTokens:");
  console.log(
    `    - "${grant.id} ${grant.sha256} ${grant.expiresAt} ${grant.environment} ${grant.namePattern}"`,
  );
} catch (err) {
  console.error((err as Error).message);
  process.exitCode = 2;
}
