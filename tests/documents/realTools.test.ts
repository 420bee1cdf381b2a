/**
 * Real-tools tier: the documents' Linux steps against Debian's real `oscap` with SCAP Security
 * Guide content, ClamAV, dpkg/apt and the AWS CLI (aimed at a local recorder). `.ci/run`
 * installs the tools; under CI=true a missing tool fails the tier, elsewhere it is skipped with
 * a loud reason. Each run prints the figures the README quotes.
 */
import { strict as assert } from "assert";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ComplianceItem, ComplianceRequest, Sandbox } from "./sandbox";
import {
  AWS_CLI,
  RealRig,
  Recorder,
  checkRequest,
  httpsServer,
  requireTools,
  run,
} from "./realTools";

const SSG = "/usr/share/xml/scap/ssg/content";
const DEBIAN11 = `${SSG}/ssg-debian11-ds.xml`;
const STANDARD = "xccdf_org.ssgproject.content_profile_standard";

const byId = (req: ComplianceRequest): Record<string, ComplianceItem> =>
  Object.fromEntries(req.Items.map((i) => [i.Id, i]));

/** Per-result counts and the rule ids that passed or failed, from oscap's own --results XML. */
function oscapCounts(xml: string) {
  const counts: Record<string, number> = {};
  const rules: string[] = [];
  for (const m of xml.matchAll(
    /<rule-result[^>]*idref="([^"]+)"[^>]*>[\s\S]*?<result>([a-z]+)<\/result>/g,
  )) {
    counts[m[2]] = (counts[m[2]] ?? 0) + 1;
    if (m[2] === "pass" || m[2] === "fail")
      rules.push(m[1].replace(/^xccdf_org\.ssgproject\.content_rule_/, ""));
  }
  return { counts, rules: rules.sort() };
}

describe("documents: real tools (OpenSCAP + SSG, ClamAV, dpkg/apt, AWS CLI)", function () {
  this.timeout(240_000);
  const recorder = new Recorder();
  let rig: RealRig;
  before(async () => recorder.start());
  after(async () => recorder.stop());
  beforeEach(() => (rig = new RealRig(recorder)));
  afterEach(() => rig.dispose());

  describe("CIS step with real oscap", () => {
    beforeEach(function () {
      requireTools(this, ["/usr/bin/oscap", DEBIAN11, AWS_CLI, "/usr/bin/unshare"]);
    });

    it("Debian 11 (a private mount namespace presents its release files): the step's counts equal oscap's own", async () => {
      fs.writeFileSync(path.join(rig.root, "debian_version"), "11.9\n");
      fs.writeFileSync(
        path.join(rig.root, "os-release"),
        'PRETTY_NAME="Debian GNU/Linux 11 (bullseye)"\nNAME="Debian GNU/Linux"\nVERSION_ID="11"\nID=debian\n',
      );
      const step = rig.step("cis.yaml", { CisProfile: STANDARD, InstallScanner: "false" });
      const results = path.join(rig.root, "oscap-results.xml");
      const started = Date.now();

      const r = await rig.inNamespace(
        [
          `mount --bind '${rig.root}/debian_version' /etc/debian_version`,
          `mount --bind '${rig.root}/os-release' /etc/os-release`,
          `sh '${step}'; echo $? > '${rig.root}/step.rc'`,
          `oscap xccdf eval --profile ${STANDARD} --results '${results}' '${DEBIAN11}' >/dev/null 2>&1`,
          `echo $? > '${rig.root}/oscap.rc'`,
        ].join("\n"),
        rig.env(),
      );
      const seconds = (Date.now() - started) / 1000;

      assert.equal(
        fs.readFileSync(path.join(rig.root, "step.rc"), "utf8").trim(),
        "0",
        r.stdout + r.stderr,
      );
      assert.equal(
        fs.readFileSync(path.join(rig.root, "oscap.rc"), "utf8").trim(),
        "2",
        "oscap: some rule failed",
      );
      assert.equal(
        fs.readFileSync("/etc/debian_version", "utf8").startsWith("11."),
        false,
        "machine unchanged",
      );
      const req = recorder.requests[recorder.requests.length - 1];
      const oscap = oscapCounts(fs.readFileSync(results, "utf8"));
      const control = byId(req).CONTROL;
      console.log(
        `      oscap: pass ${oscap.counts.pass ?? 0}, fail ${oscap.counts.fail ?? 0}, notapplicable ${oscap.counts.notapplicable ?? 0}` +
          ` | step: passed ${control.Details.passed}, failed ${control.Details.failed}, notApplicable ${control.Details.notApplicable}` +
          ` | step + oscap ${seconds.toFixed(1)} s`,
      );
      assert.equal(control.Details.passed, String(oscap.counts.pass ?? 0));
      assert.equal(control.Details.failed, String(oscap.counts.fail ?? 0));
      assert.equal(control.Details.notApplicable, String(oscap.counts.notapplicable ?? 0));
      assert.ok((oscap.counts.pass ?? 0) + (oscap.counts.fail ?? 0) > 0, "rules were evaluated");
      assert.deepEqual(
        req.Items.filter((i) => i.Id !== "CONTROL")
          .map((i) => i.Id)
          .sort(),
        oscap.rules,
      );
      for (const item of req.Items.filter((i) => i.Id !== "CONTROL")) {
        assert.equal(item.Status, item.Details.result === "pass" ? "COMPLIANT" : "NON_COMPLIANT");
      }
      assert.deepEqual(recorder.rejected, []);
    });

    it("Debian 11 content on this Debian 12: no rule applies, 'no applicable rules', exit 2", async () => {
      const step = rig.step("cis.yaml", {
        CisProfile: STANDARD,
        ScapContent: DEBIAN11,
        InstallScanner: "false",
      });
      const r = await run(["sh", step], rig.env({ HF_OS_RELEASE: path.join(rig.root, "none") }));

      assert.equal(r.code, 2, r.stdout + r.stderr);
      const items = recorder.requests[recorder.requests.length - 1].Items;
      assert.equal(items.length, 1);
      assert.match(
        items[0].Title,
        /^CIS scan could not run: no applicable rules \(\d+ not applicable\)/,
      );
    });

    it("profile=auto on Debian content: real `oscap info` finds no CIS profile, one clear item, exit 2", async () => {
      fs.writeFileSync(path.join(rig.root, "os-release"), 'ID=debian\nVERSION_ID="11"\n');
      const step = rig.step("cis.yaml", { InstallScanner: "false" });
      const r = await run(
        ["sh", step],
        rig.env({ HF_OS_RELEASE: path.join(rig.root, "os-release") }),
      );

      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.equal(
        recorder.requests[recorder.requests.length - 1].Items[0].Title,
        `CIS scan could not run: no CIS profile for this OS: set cis profile/scapContent or use scanner=command (${DEBIAN11} offers: anssi_np_nt28_average anssi_np_nt28_high anssi_np_nt28_minimal anssi_np_nt28_restrictive standard)`,
      );
    });
  });

  describe("anti-virus step with real ClamAV definitions", () => {
    beforeEach(function () {
      requireTools(this, ["/usr/bin/clamscan", "/usr/bin/sigtool", AWS_CLI]);
    });

    it("ages real definition files with touch -d; freshclam.dat does not make them fresh", async () => {
      // A real, loadable database: an MD5 signature of a sample file, built by sigtool into
      // ClamAV's unsigned container (.cud; .cvd needs Talos' signing key).
      const defs = path.join(rig.root, "clamav");
      const build = path.join(rig.root, "build");
      fs.mkdirSync(defs);
      fs.mkdirSync(build);
      const sample = path.join(rig.root, "sample.txt");
      fs.writeFileSync(sample, "ssm-hybrid-fleet real-tools sample\n");
      const md5 = await run(["sigtool", "--md5", sample], rig.env());
      fs.writeFileSync(path.join(build, "daily.hdb"), md5.stdout);
      fs.writeFileSync(path.join(build, "COPYING"), "test database\n");
      const built = await run(
        ["sh", "-c", "printf '1\\nhf\\n' | sigtool --unsigned --build=daily.cvd --max-bad-sigs=0"],
        rig.env(),
        build,
      );
      assert.ok(fs.existsSync(path.join(build, "daily.cvd")), built.stdout + built.stderr);
      fs.copyFileSync(path.join(build, "daily.cvd"), path.join(defs, "daily.cud"));
      fs.copyFileSync(path.join(build, "daily.cvd"), path.join(defs, "main.cud"));
      const scan = await run(["clamscan", "--no-summary", "-d", defs, sample], rig.env());
      assert.equal(
        scan.code,
        1,
        `clamscan must load the definitions and flag the sample: ${scan.stdout}${scan.stderr}`,
      );
      await run(["touch", "-d", "300 hours ago", path.join(defs, "main.cud")], rig.env());
      await run(["touch", "-d", "60 hours ago", path.join(defs, "daily.cud")], rig.env());
      fs.writeFileSync(path.join(defs, "freshclam.dat"), "rewritten by a failed update");
      const params = {
        LinuxAgentPath: "/usr/bin/clamscan",
        LinuxDefinitionsPath: defs,
        LinuxDefinitionsGlob: "daily.c[lv]d main.c[lv]d daily.cud main.cud",
        MaxDefinitionsAgeHours: "48",
      };

      const stale = await run(["sh", rig.step("antivirus.yaml", params)], rig.env());
      await run(["touch", "-d", "2 hours ago", path.join(defs, "daily.cud")], rig.env());
      const fresh = await run(["sh", rig.step("antivirus.yaml", params)], rig.env());

      assert.equal(stale.code, 0, stale.stderr);
      assert.equal(fresh.code, 0, fresh.stderr);
      const [a, b] = recorder.requests.slice(-2).map((q) => byId(q));
      assert.equal(a["AV-Installed"].Status, "COMPLIANT");
      assert.deepEqual(
        [
          a["AV-DefinitionsFresh"].Status,
          a["AV-DefinitionsFresh"].Details.ageHours,
          a.CONTROL.Status,
        ],
        ["NON_COMPLIANT", "60", "NON_COMPLIANT"],
      );
      assert.deepEqual(
        [
          b["AV-DefinitionsFresh"].Status,
          b["AV-DefinitionsFresh"].Details.ageHours,
          b.CONTROL.Status,
        ],
        ["COMPLIANT", "2", "COMPLIANT"],
      );
    });
  });

  describe("agent-install step with a real .deb over HTTPS from 127.0.0.1", () => {
    beforeEach(function () {
      requireTools(this, [
        "/usr/bin/dpkg-deb",
        "/usr/bin/apt-get",
        "/usr/bin/openssl",
        "/usr/bin/curl",
        "/usr/bin/unshare",
      ]);
    });

    it("installs it (presigned-style URL) into a throwaway dpkg database; a wrong SHA-256 installs nothing", async () => {
      const pkg = path.join(rig.root, "pkg");
      fs.mkdirSync(path.join(pkg, "DEBIAN"), { recursive: true });
      fs.mkdirSync(path.join(pkg, "opt/hf-demo-agent/bin"), { recursive: true });
      fs.writeFileSync(
        path.join(pkg, "DEBIAN/control"),
        "Package: hf-demo-agent\nVersion: 1.0\nArchitecture: all\nMaintainer: ssm-hybrid-fleet tests <tests@example.com>\nDescription: real-tools tier test package\n",
      );
      fs.writeFileSync(path.join(pkg, "opt/hf-demo-agent/bin/agent"), "#!/bin/sh\necho agent\n", {
        mode: 0o755,
      });
      const deb = path.join(rig.root, "hf-demo-agent.deb");
      const built = await run(["dpkg-deb", "--build", "--root-owner-group", pkg, deb], rig.env());
      assert.equal(built.code, 0, built.stderr);
      const body = fs.readFileSync(deb);
      const server = await httpsServer(rig.root, { "hf-demo-agent.deb": body });
      const source = `${server.url}/dl/hf-demo-agent.deb?X-Amz-Signature=abc%2F123&X-Amz-Expires=300`;
      const sha = createHash("sha256").update(body).digest("hex");
      // Overlays on dpkg's and apt's state and on /opt, inside the namespace only.
      const overlays = ["/var/lib/dpkg", "/var/lib/apt", "/var/cache/apt", "/var/log", "/opt"]
        .map(
          (d) =>
            `mkdir -p '${rig.root}/ov/u${d}' '${rig.root}/ov/w${d}' && mount -t overlay overlay -o 'lowerdir=${d},upperdir=${rig.root}/ov/u${d},workdir=${rig.root}/ov/w${d}' '${d}'`,
        )
        .join("\n");
      const attempt = async (want: string, tag: string) => {
        const step = rig.step(
          "agent-install.yaml",
          {
            LinuxInstallerSource: source,
            LinuxInstallerSha256: want,
            LinuxAgentPath: "/opt/hf-demo-agent/bin/agent",
          },
          `${tag}.sh`,
        );
        fs.rmSync(path.join(rig.root, "ov"), { recursive: true, force: true });
        fs.mkdirSync(path.join(rig.root, "ov"));
        return rig.inNamespace(
          [
            `mount -t tmpfs tmpfs '${rig.root}/ov'`,
            overlays,
            `sh '${step}'; echo $? > '${rig.root}/${tag}.rc'`,
            `dpkg-query -W -f='\${Status}' hf-demo-agent > '${rig.root}/${tag}.status' 2>/dev/null`,
            `[ -x /opt/hf-demo-agent/bin/agent ] && echo present > '${rig.root}/${tag}.file'`,
            "true",
          ].join("\n"),
          rig.env({ CURL_CA_BUNDLE: server.ca }),
        );
      };
      try {
        const wrong = await attempt("0".repeat(64), "wrong");
        const right = await attempt(sha, "right");

        const read = (f: string) =>
          fs.existsSync(path.join(rig.root, f))
            ? fs.readFileSync(path.join(rig.root, f), "utf8").trim()
            : "";
        assert.equal(read("wrong.rc"), "1", wrong.stdout + wrong.stderr);
        assert.match(wrong.stderr, /installer SHA-256 mismatch .*nothing was run/);
        assert.equal(read("wrong.status"), "");
        assert.equal(read("wrong.file"), "");
        assert.equal(read("right.rc"), "0", right.stdout + right.stderr);
        assert.match(right.stdout, /installer is a \.deb package/);
        assert.equal(read("right.status"), "install ok installed");
        assert.equal(read("right.file"), "present");
      } finally {
        await server.close();
      }
      // The machine itself never saw the package.
      assert.equal(fs.existsSync("/opt/hf-demo-agent"), false);
      const query = await run(["dpkg-query", "-W", "hf-demo-agent"], rig.env());
      assert.notEqual(query.code, 0);
    });
  });

  describe("the real AWS CLI accepts every request the steps build", () => {
    beforeEach(function () {
      requireTools(this, [AWS_CLI]);
    });

    it("replays sandbox requests with long, repeated and UTF-8 Ids and titles through the CLI", async () => {
      const sb = new Sandbox();
      try {
        const stem = "vendor.benchmark.section-5.access-authentication-authorization.".repeat(2);
        const scanner = sb.file("scan", `#!/bin/sh\ncp '${sb.root}/p.tsv' '${sb.root}/r.tsv'\n`);
        fs.chmodSync(scanner, 0o755);
        fs.writeFileSync(
          path.join(sb.root, "p.tsv"),
          [
            [`${stem}a`, "fail", "high", "Contrôle d’accès ✓ 安全"],
            [`${stem}b`, "pass", "low", "é".repeat(300)],
            ["R1", "pass", "medium", 'quote " and \\ backslash'],
            ["R1", "notchecked", "low", "skipped"],
            ["R1", "error", "info", "x\u0001y"],
          ]
            .map((r) => r.join("\t") + "\n")
            .join(""),
        );
        sb.run("cis.yaml", {
          Scanner: "command",
          ResultFormat: "tsv",
          LinuxScannerCommand: scanner,
          LinuxResultFile: path.join(sb.root, "r.tsv"),
        });
        const files = fs.readdirSync(sb.out).map((f) => path.join(sb.out, f));
        assert.equal(files.length, 1);
        for (const file of files) {
          const r = await run(
            [
              rig.awsWrapper,
              "ssm",
              "put-compliance-items",
              "--region",
              "ap-southeast-2",
              "--cli-input-json",
              `file://${file}`,
            ],
            rig.env(),
          );
          assert.equal(r.code, 0, r.stderr);
          const sent = JSON.parse(fs.readFileSync(file, "utf8")) as ComplianceRequest;
          const got = recorder.requests[recorder.requests.length - 1];
          // The CLI sends timestamps as epoch seconds (AWS JSON 1.1).
          assert.equal(
            Number(got.ExecutionSummary.ExecutionTime),
            Date.parse(sent.ExecutionSummary.ExecutionTime) / 1000,
          );
          assert.deepEqual(
            { ...got, ExecutionSummary: { ...got.ExecutionSummary, ExecutionTime: "" } },
            { ...sent, ExecutionSummary: { ...sent.ExecutionSummary, ExecutionTime: "" } },
          );
          assert.deepEqual(checkRequest(sent), []);
        }
      } finally {
        sb.dispose();
      }
      assert.deepEqual(recorder.rejected, []);
    });

    it("the recorder does reject what SSM would (the check can fail)", async () => {
      const bad = path.join(rig.root, "bad.json");
      fs.writeFileSync(
        bad,
        JSON.stringify({
          ResourceId: "mi-0123456789abcdef0",
          ResourceType: "ManagedInstance",
          ComplianceType: "Custom:AV-Agent",
          ExecutionSummary: { ExecutionTime: "2026-11-30T00:00:00Z" },
          Items: [
            { Id: "A", Severity: "HIGH", Status: "COMPLIANT" },
            { Id: "A", Severity: "HIGH", Status: "COMPLIANT" },
          ],
        }),
      );
      const r = await run(
        [
          rig.awsWrapper,
          "ssm",
          "put-compliance-items",
          "--region",
          "ap-southeast-2",
          "--cli-input-json",
          `file://${bad}`,
        ],
        rig.env(),
      );
      assert.notEqual(r.code, 0);
      assert.match(
        recorder.rejected[recorder.rejected.length - 1],
        /ComplianceType Custom:AV-Agent; .*duplicate Id A/,
      );
      recorder.rejected.pop();
    });
  });
});
