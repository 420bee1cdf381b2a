/**
 * Throwaway OpenPGP signing keys for the agent-signature tests: gpg generates them in a private
 * GNUPGHOME (fast ed25519, no passphrase), exports the public key as the script's
 * `HF_AGENT_KEY_FILE`, and signs fake packages with detached signatures (`<pkg>.sig`), the way
 * AWS publishes them beside each agent package. gpg is a CI requirement (.ci/run installs
 * gnupg): a missing gpg fails these tests rather than skipping them.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** A generated key. */
export interface TestKey {
  /** Its private GNUPGHOME. */
  readonly home: string;
  /** Primary key fingerprint, 40 upper-case hex digits. */
  readonly fingerprint: string;
  /** ASCII-armoured public key file. */
  readonly publicKeyFile: string;
  /** `--faked-system-time` used to sign (for keys that must already have expired). */
  readonly fakedTime?: string;
}

function gpg(home: string, args: string[], input?: Buffer): Buffer {
  const r = spawnSync("gpg", ["--homedir", home, "--batch", "--quiet", ...args], { input });
  if (r.error) throw new Error(`gpg is not installed (apt-get install gnupg): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`gpg ${args.join(" ")} failed: ${r.stderr.toString()}`);
  return r.stdout;
}

/**
 * Generates a signing key. `expired: true` creates it in 2020 with a one-day lifetime (and signs
 * as of that time), so that gpg reports its good signatures as EXPKEYSIG today.
 */
export function makeTestKey(userId: string, options: { expired?: boolean } = {}): TestKey {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "hf-gpg-"));
  fs.chmodSync(home, 0o700);
  const fakedTime = options.expired ? "20200101T000000" : undefined;
  const faked = fakedTime ? ["--faked-system-time", fakedTime] : [];
  gpg(home, [
    ...faked,
    "--pinentry-mode",
    "loopback",
    "--passphrase",
    "",
    "--quick-gen-key",
    userId,
    "ed25519",
    "sign",
    options.expired ? "1d" : "1y",
  ]);
  const colons = gpg(home, ["--with-colons", "--list-keys"]).toString();
  const fingerprint = /^fpr:{9}([0-9A-F]{40}):/m.exec(colons)?.[1];
  if (!fingerprint) throw new Error(`no fingerprint in gpg output: ${colons}`);
  const publicKeyFile = path.join(home, "public.asc");
  fs.writeFileSync(publicKeyFile, gpg(home, ["--armor", "--export", fingerprint]));
  return { home, fingerprint, publicKeyFile, fakedTime };
}

/** A detached binary signature of `data` by `key`. */
export function signDetached(key: TestKey, data: Buffer): Buffer {
  const faked = key.fakedTime ? ["--faked-system-time", "20200101T120000"] : [];
  return gpg(
    key.home,
    [...faked, "--local-user", key.fingerprint, "--detach-sign", "--output", "-"],
    data,
  );
}
