/**
 * register.ps1 now runs: `scenarios.test.ts` puts every bootstrap scenario through both scripts
 * under pwsh and bash. What the table cannot reach is held here, statically: the help tables
 * (options with their environment variables, endpoint overrides, exit codes), the exit-code
 * constants, the retry policy, the messages of every failure and log line (including those no
 * scenario triggers, such as a missing tool), the variables and options the code really
 * reads, and PowerShell habits that would reopen a fixed divergence on a path no row takes.
 * Lines that only make sense on one OS carry the marker `# (Linux only)` / `# (Windows only)`.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "./support/harness";

const SH = fs.readFileSync(path.join(ROOT, "documents", "bootstrap", "register.sh"), "utf8");
const PS = fs.readFileSync(path.join(ROOT, "documents", "bootstrap", "register.ps1"), "utf8");

/** The help text between `cat <<'EOF'` / `@'` and its terminator. */
export function helpText(script: string): string {
  const m =
    /cat <<'EOF'\n([\s\S]*?)\nEOF\n/.exec(script) ?? /Write\(@'\n([\s\S]*?)\n'@\)/.exec(script);
  assert.ok(m, "help text not found");
  return m[1].replace(/register\.(sh|ps1)/g, "register.*").trimEnd();
}

/** The script without its help text (so that only code is searched for names). */
function codeOnly(script: string): string {
  return script
    .replace(/cat <<'EOF'\n[\s\S]*?\nEOF\n/, "")
    .replace(/Write\(@'\n[\s\S]*?\n'@\)/, "");
}

function section(help: string, title: string): string[] {
  const start = help.indexOf(`\n${title}\n`);
  assert.ok(start >= 0, `section ${title} missing`);
  const rest = help.slice(start + title.length + 2);
  const end = rest.indexOf("\n\n");
  return (end >= 0 ? rest.slice(0, end) : rest).split("\n").filter((l) => l.trim() !== "");
}

/** `--api-url` → `ApiUrl`; `--no-ec2` → `NoEc2`. */
export function pascalOf(longOption: string): string {
  return longOption
    .replace(/^--/, "")
    .split("-")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("");
}

interface OptionRow {
  readonly option: string;
  readonly value: string;
  readonly env: string;
  readonly description: string;
}

function optionRows(help: string, toCommon: (o: string) => string): OptionRow[] {
  return section(help, "Options:").map((line) => {
    const m = /^ {2}(-{1,2}[A-Za-z0-9-]+)(?: ([A-Z=]+))?\s{2,}(HF_[A-Z0-9_]+|-)\s{2,}(.+)$/.exec(
      line,
    );
    assert.ok(m, `malformed option row: ${line}`);
    return { option: toCommon(m[1]), value: m[2] ?? "", env: m[3], description: m[4] };
  });
}

/** Replaces `$(…)` (balanced), `${…}` and `$name` / `$env:NAME` with `{}`. */
export function normaliseMessage(message: string): string {
  let out = "";
  for (let i = 0; i < message.length; i++) {
    const c = message[i];
    const next = message[i + 1];
    if (c === "$" && (next === "(" || next === "{")) {
      const open = next;
      const close = open === "(" ? ")" : "}";
      let depth = 0;
      let j = i + 1;
      for (; j < message.length; j++) {
        if (message[j] === open) depth++;
        else if (message[j] === close && --depth === 0) break;
      }
      out += "{}";
      i = j;
    } else if (c === "$" && next !== undefined && /[A-Za-z0-9_]/.test(next)) {
      const m = /^\$(?:env:|script:)?(?:[0-9]|[A-Za-z_][A-Za-z0-9_]*)/.exec(message.slice(i));
      out += "{}";
      i += (m?.[0].length ?? 1) - 1;
    } else out += c;
  }
  // Flags differ only in spelling: --token-file (bash) is -TokenFile (PowerShell).
  return out.replace(/--([a-z0-9-]+)/g, (_, o: string) => `-${pascalOf(`--${o}`)}`);
}

interface Call {
  readonly kind: string;
  readonly message: string;
  readonly only?: "Linux" | "Windows";
}

/** Every `fail CODE "message"` / `log "message"` call, one per line, normalised. */
export function calls(script: string, ps: boolean): Call[] {
  const out: Call[] = [];
  const failRe = ps ? /\bFail \$(E_[A-Z_]+) "/ : /\bfail "\$(E_[A-Z_]+)" "/;
  const logRe = ps ? /\bWrite-Log "/ : /\blog "/;
  for (const line of codeOnly(script).split("\n")) {
    if (/^\s*(function |#)/.test(line) || /^\s*(log|fail)\(\)/.test(line)) continue;
    const only = /# \((Linux|Windows) only\)\s*$/.exec(line)?.[1] as Call["only"];
    const body = line.replace(/\s*# \((Linux|Windows) only\)\s*$/, "");
    const f = failRe.exec(body) ?? logRe.exec(body);
    if (!f) continue;
    const start = f.index + f[0].length;
    const end = body.lastIndexOf('"');
    assert.ok(end >= start, `unterminated message: ${line}`);
    out.push({ kind: f[1] ?? "log", message: normaliseMessage(body.slice(start, end)), only });
  }
  return out;
}

function key(c: Call): string {
  return `${c.kind}: ${c.message}`;
}

describe("register.ps1 ⇔ register.sh drift", () => {
  const shHelp = helpText(SH);
  const psHelp = helpText(PS);

  it("declare the same options, each with the same environment variable and description", () => {
    const sh = optionRows(shHelp, (o) => (o === "--help" ? "Help" : pascalOf(o)));
    const ps = optionRows(psHelp, (o) => o.replace(/^-/, ""));
    assert.deepEqual(ps, sh);
    assert.ok(sh.length >= 10);
  });

  it("declare identical endpoint overrides and exit code tables", () => {
    for (const title of ["Endpoints and overrides (environment only):", "Exit codes:"]) {
      assert.deepEqual(section(psHelp, title), section(shHelp, title), title);
    }
    assert.deepEqual(psHelp.split("\n").slice(0, 3), shHelp.split("\n").slice(0, 3));
  });

  it("define the exit code constants the table lists, with the same numbers", () => {
    const shCodes = [...SH.matchAll(/^readonly (E_[A-Z_]+)=(\d+)$/gm)].map(
      (m) => `${m[1]}=${m[2]}`,
    );
    const psCodes = [...PS.matchAll(/^\$(E_[A-Z_]+) = (\d+)$/gm)].map((m) => `${m[1]}=${m[2]}`);
    assert.deepEqual(psCodes, shCodes);
    const table = section(shHelp, "Exit codes:").map((l) => Number(/^\s+(\d+)\s/.exec(l)?.[1]));
    assert.deepEqual(
      table,
      shCodes.map((c) => Number(c.split("=")[1])),
    );
  });

  it("share the retry policy", () => {
    const sh = [...SH.matchAll(/^readonly (DEFAULT_[A-Z_]+)=(\d+)$/gm)].map(
      (m) => `${m[1]}=${m[2]}`,
    );
    const ps = [...PS.matchAll(/^\$(DEFAULT_[A-Z_]+) = (\d+)$/gm)].map((m) => `${m[1]}=${m[2]}`);
    assert.deepEqual(ps, sh);
    assert.equal(sh.length, 4);
    // The backoff comment and formula are the same words in both.
    const comment = (s: string): string =>
      (/# Full jitter:[\s\S]*?same instant\./.exec(s)?.[0] ?? "").replace(/^\s*# ?/gm, "");
    assert.ok(comment(SH).length > 50);
    assert.equal(comment(PS), comment(SH));
  });

  it("fail with the same exit code and message in every shared case, and log the same lines", () => {
    const sh = calls(SH, false);
    const ps = calls(PS, true);
    assert.ok(sh.length >= 30, `only ${sh.length} calls found in register.sh`);
    const shShared = sh
      .filter((c) => c.only !== "Linux")
      .map(key)
      .sort();
    const psShared = ps
      .filter((c) => c.only !== "Windows")
      .map(key)
      .sort();
    assert.deepEqual([...new Set(psShared)], [...new Set(shShared)]);
  });

  it("read exactly the environment variables their help declares", () => {
    const declared = new Set(
      [
        ...optionRows(shHelp, (o) => o).map((r) => r.env),
        ...section(shHelp, "Endpoints and overrides (environment only):").map(
          (l) => l.trim().split(/\s+/)[0],
        ),
      ].filter((e) => e !== "-"),
    );
    const linuxOnly = new Set(
      section(shHelp, "Endpoints and overrides (environment only):")
        .filter((l) => l.includes("(Linux only"))
        .map((l) => l.trim().split(/\s+/)[0]),
    );
    const used = (s: string): Set<string> =>
      new Set([...codeOnly(s).matchAll(/HF_[A-Z0-9_]+/g)].map((m) => m[0]));
    assert.deepEqual([...used(SH)].sort(), [...declared].sort());
    assert.deepEqual([...used(PS)].sort(), [...declared].filter((e) => !linuxOnly.has(e)).sort());
  });

  it("parse exactly the options their help declares", () => {
    const declared = optionRows(shHelp, (o) => o).map((r) => r.option);
    const shParsed = [...SH.matchAll(/^\s+(--[a-z0-9-]+)(?: \| -h)?\)/gm)].map((m) => m[1]);
    assert.deepEqual(shParsed.sort(), [...declared].sort());
    const list = (name: string): string[] => {
      const body = new RegExp(`^\\$${name} = @\\(([^)]*)\\)$`, "m").exec(PS)?.[1] ?? "";
      return [...body.matchAll(/'(\w+)'/g)].map((m) => m[1]);
    };
    const psParams = [...list("ValueOptions"), ...list("Switches")];
    assert.deepEqual(
      psParams.sort(),
      declared.map((o) => (o === "--help" ? "Help" : pascalOf(o))).sort(),
    );
  });

  it("register.ps1 keeps the habits that closed issue 8's divergences, also on paths no scenario takes", () => {
    const code = codeOnly(PS);
    // PowerShell's binder exits 1 on a bad option and binds positional words: options are parsed by hand.
    assert.doesNotMatch(code, /^\s*param\s*\(/im);
    assert.doesNotMatch(code, /\[CmdletBinding/i);
    // -match ignores case and `$` matches before a final newline: -cmatch and \z only.
    assert.deepEqual(code.match(/-(?:i)?(?:not)?match\b/g) ?? [], []);
    assert.deepEqual(code.match(/\$'(?=\s*\)?\s*[{)]?)/g) ?? [], []);
    // One HTTP client, which never follows redirects.
    assert.equal(code.match(/HttpWebRequest\]::Create/g)?.length, 1);
    assert.match(code, /\.AllowAutoRedirect = \$false/);
    // The work folder goes in one finally block, whatever the exit.
    assert.match(
      code,
      /\n\} finally \{\n[\s\S]*\n\s+try \{ \[IO\.Directory\]::Delete\(\$Work, \$true\) \}[\s\S]*\n\}\n?$/,
    );
  });

  it("the normaliser maps both spellings of a message to one form", () => {
    assert.equal(
      normaliseMessage('unknown option $(one_line "$opt") (see --help)'),
      normaliseMessage("unknown option $(OneLine $Rest[0]) (see -Help)"),
    );
    assert.equal(
      normaliseMessage("after ${elapsed}s (last HTTP $status)"),
      "after {}s (last HTTP {})",
    );
    assert.notEqual(normaliseMessage("give --name"), normaliseMessage("give -Token"));
  });
});
