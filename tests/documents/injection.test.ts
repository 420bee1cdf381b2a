import { strict as assert } from "assert";
import * as fc from "fast-check";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { DOCUMENT_SPECS, PATTERNS } from "../../documents/build";
import { loadDocument, stepScript, substitute } from "./sandbox";

/** Characters that could end a single-quoted string in sh or PowerShell, or start a reference. */
const BREAKOUT = ["'", "\u2018", "\u2019", "\u201a", "\u201b", "\n", "\r", "{", "}"];
/** Shell metacharacters: harmless inside single quotes, still kept out of every pattern. */
const META = ["$", "`", ";", "|", "<", ">", '"'];

const HOSTILE = [
  "x'; touch /tmp/hf-pwned; echo '",
  "$(touch /tmp/hf-pwned)",
  "`touch /tmp/hf-pwned`",
  "a\ntouch /tmp/hf-pwned",
  "report' || touch /tmp/hf-pwned #",
  "C:\\x\u2019; Remove-Item C:\\ -Recurse; \u2018",
  "{{ Mode }}",
  "https://x.example.com/a'b",
  "/opt/x;reboot",
];

const docs = DOCUMENT_SPECS.map((s) => ({ spec: s, doc: loadDocument(`${s.file}.yaml`) }));

describe("documents: no command injection through parameters", () => {
  for (const { spec, doc } of docs) {
    describe(`${spec.file}.yaml`, () => {
      it("constrains every parameter with allowedPattern or allowedValues", () => {
        for (const [name, p] of Object.entries(doc.parameters)) {
          assert.ok(p.allowedPattern || p.allowedValues, `${name} is unconstrained`);
          assert.equal(p.type, "String");
        }
      });

      it("uses every parameter only as a single-quoted assignment", () => {
        for (const platform of ["Linux", "Windows"] as const) {
          const lines = stepScript(doc, platform).split("\n");
          for (const line of lines.filter((l) => l.includes("{{"))) {
            const shape =
              platform === "Linux"
                ? /^[A-Z0-9_]+='\{\{ [A-Za-z0-9]+ \}\}'$/
                : /^\$[A-Za-z0-9]+ = '\{\{ [A-Za-z0-9]+ \}\}'$/;
            assert.match(line, shape, `${platform}: ${line}`);
          }
        }
      });

      it("rejects hostile values before anything runs", () => {
        for (const [name, p] of Object.entries(doc.parameters)) {
          for (const value of HOSTILE) {
            assert.throws(
              () => substitute(doc, stepScript(doc, "Linux"), { [name]: value }),
              /fails allowedPattern|is not in allowedValues/,
              `${name} accepted ${JSON.stringify(value)} (${p.allowedPattern ?? p.allowedValues})`,
            );
          }
        }
      });

      it("assigns any accepted value verbatim (property, run under sh)", function () {
        this.timeout(120_000);
        const linuxVars = spec.linux.vars;
        const arbs = Object.fromEntries(
          Object.entries(doc.parameters).map(([name, p]) => [
            name,
            p.allowedValues
              ? fc.constantFrom(...p.allowedValues)
              : fc.stringMatching(new RegExp(p.allowedPattern!)),
          ]),
        );
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hfinj-"));
        try {
          fc.assert(
            fc.property(fc.record(arbs), (values: Record<string, string>) => {
              const full = substitute(doc, stepScript(doc, "Linux"), values);
              // Only the assignments: stop where the embedded scripts begin.
              const preamble = full.slice(0, full.indexOf("# ssm-hybrid-fleet: functions shared"));
              const show = Object.keys(linuxVars)
                .map((v) => `printf '%s\\0' "$${v}"`)
                .join("\n");
              fs.writeFileSync(path.join(dir, "p.sh"), `${preamble}\n${show}\n`);
              const r = spawnSync("sh", [path.join(dir, "p.sh")], { encoding: "utf8", cwd: dir });
              assert.equal(r.status, 0, r.stderr);
              const got = r.stdout.split("\0").slice(0, -1);
              assert.deepEqual(
                got,
                Object.values(linuxVars).map((param) => values[param]),
              );
              assert.deepEqual(fs.readdirSync(dir), ["p.sh"]);
            }),
            { numRuns: 40 },
          );
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      });
    });
  }

  for (const [key, pattern] of Object.entries(PATTERNS)) {
    it(`pattern ${key} admits no quote, line break, brace or shell metacharacter (property)`, () => {
      const re = new RegExp(pattern);
      const unit = fc.constantFrom(
        ...BREAKOUT,
        ...META,
        "a",
        "Z",
        "0",
        "/",
        ":",
        "-",
        " ",
        ".",
        "\\",
      );
      fc.assert(
        fc.property(fc.string({ unit, maxLength: 12 }), (s) => {
          if (!re.test(s)) return;
          for (const c of [...BREAKOUT, ...META]) {
            assert.ok(!s.includes(c), `${key} accepted ${JSON.stringify(s)}`);
          }
        }),
        { numRuns: 2000 },
      );
      for (const c of [...BREAKOUT, ...META]) {
        assert.ok(
          !re.test(`C:\\a${c}b`) &&
            !re.test(`/a${c}b`) &&
            !re.test(`https://a${c}b`) &&
            !re.test(`a${c}b`),
          `${key} admits ${JSON.stringify(c)}`,
        );
      }
    });
  }
});
