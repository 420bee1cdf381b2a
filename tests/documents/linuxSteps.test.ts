import { strict as assert } from "assert";
import { createHash } from "crypto";
import * as fc from "fast-check";
import * as fs from "fs";
import * as path from "path";
import { ComplianceItem, ComplianceRequest, Sandbox } from "./sandbox";

const INSTANCE = "mi-0123456789abcdef0";
const FIXTURES = path.join(__dirname, "..", "fixtures", "documents");

/** Items of the single request sent, keyed by Id, without the noise of Details order. */
function itemsById(req: ComplianceRequest): Record<string, ComplianceItem> {
  return Object.fromEntries(req.Items.map((i) => [i.Id, i]));
}

function onlyRequest(sb: Sandbox): ComplianceRequest {
  const reqs = sb.requests();
  assert.equal(reqs.length, 1, `expected one PutComplianceItems call, got ${reqs.length}`);
  return reqs[0];
}

describe("documents: anti-virus Linux step in a sandbox", () => {
  let sb: Sandbox;
  let agent: string;
  let defs: string;
  beforeEach(() => {
    sb = new Sandbox();
    agent = path.join(sb.root, "opt/av/bin/avagent");
    defs = path.join(sb.root, "var/lib/av/defs");
  });
  afterEach(() => sb.dispose());

  const params = (extra: Record<string, string> = {}) => ({
    LinuxServiceName: "avagent",
    LinuxAgentPath: agent,
    LinuxDefinitionsPath: defs,
    MaxDefinitionsAgeHours: "48",
    ...extra,
  });

  it("reports a compliant machine: agent installed, service running, fresh definitions", () => {
    sb.file("opt/av/bin/avagent");
    sb.file("var/lib/av/defs/main.cvd", "defs", 2);
    sb.service("avagent", "active");

    const r = sb.run("antivirus.yaml", params());

    assert.equal(r.code, 0, r.stderr);
    const req = onlyRequest(sb);
    assert.equal(req.ResourceId, INSTANCE);
    assert.equal(req.ResourceType, "ManagedInstance");
    assert.equal(req.ComplianceType, "Custom:Antivirus");
    assert.equal(req.UploadType, "COMPLETE");
    assert.match(req.ExecutionSummary.ExecutionTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(
      req.Items.map((i) => [i.Id, i.Status, i.Severity]),
      [
        ["AV-Installed", "COMPLIANT", "HIGH"],
        ["AV-ServiceRunning", "COMPLIANT", "HIGH"],
        ["AV-DefinitionsFresh", "COMPLIANT", "HIGH"],
        ["CONTROL", "COMPLIANT", "HIGH"],
      ],
    );
    const items = itemsById(req);
    assert.equal(items["AV-Installed"].Title, `Anti-virus agent installed (${agent})`);
    assert.equal(items["AV-ServiceRunning"].Title, "Anti-virus service avagent running");
    assert.equal(items["AV-DefinitionsFresh"].Title, "Anti-virus definitions at most 48 h old");
    assert.deepEqual(items["AV-DefinitionsFresh"].Details, {
      mode: "report",
      ageHours: "2",
      path: defs,
      glob: "daily.c[lv]d main.c[lv]d",
    });
    assert.deepEqual(items.CONTROL.Details, { mode: "report", action: "none" });
    assert.deepEqual(
      sb.calls().filter((c) => c.startsWith("aws ")),
      [
        sb
          .calls()
          .find((c) =>
            /^aws ssm put-compliance-items --region ap-southeast-2 --cli-input-json file:\/\/\S+\/put-compliance-items\.json$/.test(
              c,
            ),
          ),
      ],
    );
  });

  it("reports a missing agent and changes nothing in report mode", () => {
    fs.writeFileSync(path.join(sb.http, "avagent.sh"), "touch should-not-run\n");

    const r = sb.run(
      "antivirus.yaml",
      params({
        Severity: "CRITICAL",
        LinuxInstallerSource: "https://vendor.example.com/avagent.sh",
        LinuxInstallerSha256: "0".repeat(64),
      }),
    );

    assert.equal(r.code, 0);
    const items = itemsById(onlyRequest(sb));
    assert.equal(items["AV-Installed"].Status, "NON_COMPLIANT");
    assert.equal(items["AV-Installed"].Severity, "CRITICAL");
    assert.deepEqual(items["AV-ServiceRunning"].Details, {
      mode: "report",
      state: "not-installed",
    });
    assert.equal(items["AV-DefinitionsFresh"].Details.ageHours, "missing");
    assert.equal(items.CONTROL.Status, "NON_COMPLIANT");
    assert.equal(sb.calls().filter((c) => c.startsWith("curl")).length, 0);
  });

  it("exits 0 on a non-compliant machine once the findings are reported (State Manager's maxErrors must not stop a report run)", () => {
    sb.file("var/lib/av/defs/main.cvd", "defs", 200);

    const r = sb.run("antivirus.yaml", params());

    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Custom:Antivirus: NON_COMPLIANT \(reported; exit 0\)/);
    assert.equal(itemsById(onlyRequest(sb)).CONTROL.Status, "NON_COMPLIANT");
  });

  it("reports a stopped service without starting it in report mode", () => {
    sb.file("opt/av/bin/avagent");
    sb.file("var/lib/av/defs/main.cvd", "defs", 1);
    sb.service("avagent", "inactive");

    const r = sb.run("antivirus.yaml", params());

    assert.equal(r.code, 0);
    const items = itemsById(onlyRequest(sb));
    assert.equal(items["AV-Installed"].Status, "COMPLIANT");
    assert.equal(items["AV-ServiceRunning"].Status, "NON_COMPLIANT");
    assert.equal(items["AV-ServiceRunning"].Details.state, "stopped");
    assert.equal(items.CONTROL.Status, "NON_COMPLIANT");
    assert.equal(sb.serviceState("avagent"), "inactive");
    assert.ok(!sb.calls().some((c) => c.startsWith("systemctl start")));
  });

  it("reports stale definitions against the age threshold", () => {
    sb.file("opt/av/bin/avagent");
    sb.file("var/lib/av/defs/main.cvd", "defs", 72);
    sb.file("var/lib/av/defs/daily.cvd", "defs", 50);
    sb.service("avagent", "active");

    const r = sb.run("antivirus.yaml", params());

    assert.equal(r.code, 0);
    const items = itemsById(onlyRequest(sb));
    assert.equal(items["AV-DefinitionsFresh"].Status, "NON_COMPLIANT");
    assert.equal(items["AV-DefinitionsFresh"].Details.ageHours, "50");
    assert.equal(items["AV-Installed"].Status, "COMPLIANT");
    assert.equal(items["AV-ServiceRunning"].Status, "COMPLIANT");

    const relaxed = sb.run("antivirus.yaml", params({ MaxDefinitionsAgeHours: "72" }));
    assert.equal(relaxed.code, 0);
  });

  describe("definitions age: signature files only", () => {
    it("ignores freshclam.dat (rewritten by every failed update) and counts daily/main.c[lv]d by default", () => {
      sb.file("opt/av/bin/avagent");
      sb.service("avagent", "active");
      sb.file("var/lib/av/defs/main.cvd", "defs", 900);
      sb.file("var/lib/av/defs/daily.cld", "defs", 60);
      sb.file("var/lib/av/defs/freshclam.dat", "state", 0);
      sb.file("var/lib/av/defs/tmp.12ab/clamav-1.tmp", "partial", 0);

      const r = sb.run("antivirus.yaml", params());

      assert.equal(r.code, 0, r.stderr);
      const fresh = itemsById(onlyRequest(sb))["AV-DefinitionsFresh"];
      assert.equal(fresh.Status, "NON_COMPLIANT");
      assert.deepEqual(fresh.Details, {
        mode: "report",
        ageHours: "60",
        path: defs,
        glob: "daily.c[lv]d main.c[lv]d",
      });
    });

    it("follows a symlinked definitions folder", () => {
      sb.file("opt/av/bin/avagent");
      sb.service("avagent", "active");
      sb.file("real-defs/daily.cvd", "defs", 3);
      fs.mkdirSync(path.dirname(defs), { recursive: true });
      fs.symlinkSync(path.join(sb.root, "real-defs"), defs);

      const r = sb.run("antivirus.yaml", params());

      assert.equal(r.code, 0, r.stderr);
      const fresh = itemsById(onlyRequest(sb))["AV-DefinitionsFresh"];
      assert.equal(fresh.Status, "COMPLIANT");
      assert.equal(fresh.Details.ageHours, "3");
    });

    it("takes a configured glob (LinuxDefinitionsGlob), and a definitions file as it is", () => {
      sb.file("opt/av/bin/avagent");
      sb.service("avagent", "active");
      sb.file("var/lib/av/defs/sigs-2026.dat", "defs", 5);
      sb.file("var/lib/av/defs/daily.cvd", "defs", 100);

      sb.run("antivirus.yaml", params({ LinuxDefinitionsGlob: "sigs-*.dat" }));
      const file = sb.file("var/lib/av/one.db", "defs", 7);
      sb.run("antivirus.yaml", params({ LinuxDefinitionsPath: file }));

      const [byGlob, byFile] = sb.requests().map((q) => itemsById(q)["AV-DefinitionsFresh"]);
      assert.equal(byGlob.Details.ageHours, "5");
      assert.equal(byGlob.Details.glob, "sigs-*.dat");
      assert.equal(byFile.Details.ageHours, "7");
    });
  });

  describe("enforce mode", () => {
    const installer = (sb: Sandbox) =>
      [
        "#!/bin/sh",
        `printf '%s\\n' "$@" > '${sb.root}/installer-args'`,
        `mkdir -p '${sb.root}/opt/av/bin' && touch '${sb.root}/opt/av/bin/avagent'`,
        `echo inactive > '${sb.systemd}/avagent'`,
        "",
      ].join("\n");
    const sha = (s: string) => createHash("sha256").update(s).digest("hex");

    it("downloads, verifies, installs with the arguments, starts, and is idempotent", () => {
      const body = installer(sb);
      fs.writeFileSync(path.join(sb.http, "avagent-7.1.sh"), body);
      const p = params({
        Mode: "enforce",
        LinuxInstallerSource: "https://vendor.example.com/dl/avagent-7.1.sh?sig=a&b=c",
        LinuxInstallerSha256: sha(body).toUpperCase(),
        LinuxInstallArgs: "--cid=ABC-123 --tags=fleet,prod",
      });
      sb.file("var/lib/av/defs/main.cvd", "defs", 1);

      const r = sb.run("antivirus.yaml", p);

      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.deepEqual(fs.readFileSync(path.join(sb.root, "installer-args"), "utf8").split("\n"), [
        "--cid=ABC-123",
        "--tags=fleet,prod",
        "",
      ]);
      assert.equal(sb.serviceState("avagent"), "active");
      const items = itemsById(onlyRequest(sb));
      assert.deepEqual(items.CONTROL.Details, { mode: "enforce", action: "installed+started" });
      assert.equal(items.CONTROL.Status, "COMPLIANT");
      assert.equal(
        fs.readFileSync(path.join(sb.state, "agents", "avagent.sha256"), "utf8"),
        sha(body),
      );

      const again = sb.run("antivirus.yaml", p);
      assert.equal(again.code, 0);
      assert.equal(sb.calls().filter((c) => c.startsWith("curl")).length, 1);
      assert.deepEqual(itemsById(sb.requests()[1]).CONTROL.Details, {
        mode: "enforce",
        action: "none",
      });
    });

    it("runs nothing when the installer's SHA-256 does not match", () => {
      const body = installer(sb);
      fs.writeFileSync(path.join(sb.http, "avagent.sh"), body);

      const r = sb.run(
        "antivirus.yaml",
        params({
          Mode: "enforce",
          LinuxInstallerSource: "https://vendor.example.com/avagent.sh",
          LinuxInstallerSha256: sha(body + "tampered"),
        }),
      );

      // Enforce mode could not act: exit 1, so maxErrors stops a broken rollout.
      assert.equal(r.code, 1);
      assert.match(
        r.stdout,
        /NON_COMPLIANT \(reported; exit 1: enforce mode could not install the agent\)/,
      );
      assert.match(r.stderr, /installer SHA-256 mismatch .*nothing was run/);
      assert.ok(!fs.existsSync(path.join(sb.root, "installer-args")));
      const items = itemsById(onlyRequest(sb));
      assert.equal(items["AV-Installed"].Status, "NON_COMPLIANT");
      assert.equal(items.CONTROL.Details.action, "install-failed");
    });

    it("fetches an s3:// installer with the AWS CLI", () => {
      const body = installer(sb);
      sb.file("s3/vendor-bucket/agents/avagent.sh", body);
      sb.file("var/lib/av/defs/main.cvd", "defs", 1);

      const r = sb.run(
        "antivirus.yaml",
        params({
          Mode: "enforce",
          LinuxInstallerSource: "s3://vendor-bucket/agents/avagent.sh",
          LinuxInstallerSha256: sha(body),
        }),
      );

      assert.equal(r.code, 0, r.stderr);
      assert.ok(
        sb
          .calls()
          .some((c) =>
            c.startsWith(
              "aws s3 cp --only-show-errors --region ap-southeast-2 s3://vendor-bucket/agents/avagent.sh ",
            ),
          ),
      );
    });

    it("starts a stopped service", () => {
      sb.file("opt/av/bin/avagent");
      sb.file("var/lib/av/defs/main.cvd", "defs", 1);
      sb.service("avagent", "inactive");

      const r = sb.run("antivirus.yaml", params({ Mode: "enforce" }));

      assert.equal(r.code, 0);
      assert.equal(sb.serviceState("avagent"), "active");
      assert.ok(sb.calls().includes("systemctl enable avagent.service"));
      assert.equal(itemsById(onlyRequest(sb)).CONTROL.Details.action, "started");
    });
  });

  describe("without a running systemd (containers, WSL, chroots): systemctl exists, /run/systemd/system does not", () => {
    beforeEach(() => {
      fs.rmSync(sb.systemdRun, { recursive: true });
      sb.file("etc/init.d/avagent", "#!/bin/sh\n");
      fs.chmodSync(path.join(sb.root, "etc/init.d/avagent"), 0o755);
    });

    it("reads the service through its init script instead of calling it not installed", () => {
      sb.service("avagent", "active");
      sb.file("var/lib/av/defs/main.cvd", "defs", 1);

      const r = sb.run("antivirus.yaml", params({ LinuxAgentPath: "" }));

      assert.equal(r.code, 0, r.stderr);
      const items = itemsById(onlyRequest(sb));
      assert.equal(items["AV-Installed"].Status, "COMPLIANT");
      assert.equal(items["AV-ServiceRunning"].Status, "COMPLIANT");
      assert.ok(sb.calls().includes("service avagent status"));
      assert.ok(!sb.calls().some((c) => c.startsWith("systemctl")), sb.calls().join("\n"));
    });

    it("enforce mode starts it with service, and does not reinstall", () => {
      sb.service("avagent", "inactive");
      sb.file("var/lib/av/defs/main.cvd", "defs", 1);
      fs.writeFileSync(path.join(sb.http, "avagent.sh"), "touch reinstalled\n");

      const r = sb.run(
        "antivirus.yaml",
        params({
          Mode: "enforce",
          LinuxAgentPath: "",
          LinuxInstallerSource: "https://vendor.example.com/avagent.sh",
          LinuxInstallerSha256: createHash("sha256").update("touch reinstalled\n").digest("hex"),
        }),
      );

      assert.equal(r.code, 0, r.stderr);
      assert.equal(sb.serviceState("avagent"), "active");
      assert.ok(sb.calls().includes("service avagent start"));
      assert.ok(!sb.calls().some((c) => c.startsWith("curl")), "no reinstall");
      assert.equal(itemsById(onlyRequest(sb)).CONTROL.Details.action, "started");
    });
  });

  it("installs the AWS CLI from the distribution when it is missing", () => {
    sb.dispose();
    sb = new Sandbox({ aws: false });
    agent = path.join(sb.root, "opt/av/bin/avagent");
    sb.env.FAKE_PKGS = "awscli";
    sb.file("opt/av/bin/avagent");
    sb.service("avagent", "active");

    const r = sb.run("antivirus.yaml", params({ LinuxDefinitionsPath: "" }));

    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(sb.calls().includes("apt-get install -y -q awscli"), sb.calls().join("\n"));
    assert.equal(onlyRequest(sb).Items.length, 3);
  });

  it("looks for the AWS CLI only where HF_AWS_CLI / HF_AWS_PATHS say, beyond PATH", () => {
    sb.dispose();
    sb = new Sandbox({ aws: false });
    agent = path.join(sb.root, "opt/av/bin/avagent");
    sb.file("opt/av/bin/avagent");
    sb.service("avagent", "active");
    const alt = sb.file("alt/bin/aws", fs.readFileSync(path.join(sb.bin, ".aws"), "utf8"));
    fs.chmodSync(alt, 0o755);

    const viaPaths = sb.run("antivirus.yaml", params({ LinuxDefinitionsPath: "" }), {
      HF_AWS_PATHS: `${sb.root}/nowhere/aws ${alt}`,
    });
    assert.equal(viaPaths.code, 0, viaPaths.stderr);
    const viaCli = sb.run("antivirus.yaml", params({ LinuxDefinitionsPath: "" }), {
      HF_AWS_CLI: alt,
    });
    assert.equal(viaCli.code, 0, viaCli.stderr);
    assert.equal(sb.requests().length, 2);

    const none = sb.run("antivirus.yaml", params({ LinuxDefinitionsPath: "" }));
    assert.equal(none.code, 2);
    assert.match(none.stderr, /the AWS CLI is missing and could not be installed/);
  });

  it("sees only fake tools and basic utilities, never the machine's aws, oscap or package managers", () => {
    const r = sb.exec([
      "sh",
      "-c",
      'for t in aws oscap apt-get dnf yum zypper rpm dpkg systemctl service curl wget clamscan; do command -v $t || echo "$t: none"; done',
    ]);
    assert.deepEqual(r.stdout.trim().split("\n"), [
      `${sb.bin}/aws`,
      `${sb.bin}/oscap`,
      `${sb.bin}/apt-get`,
      "dnf: none",
      "yum: none",
      "zypper: none",
      "rpm: none",
      "dpkg: none",
      `${sb.bin}/systemctl`,
      `${sb.bin}/service`,
      `${sb.bin}/curl`,
      "wget: none",
      "clamscan: none",
    ]);
  });

  it("fails the association (exit 2) when the results cannot be reported", () => {
    sb.file("opt/av/bin/avagent");
    sb.service("avagent", "active");

    const r = sb.run("antivirus.yaml", params({ LinuxDefinitionsPath: "" }), {
      FAKE_AWS_RC: "255",
    });

    assert.equal(r.code, 2);
    assert.match(r.stderr, /PutComplianceItems failed for Custom:Antivirus/);
  });

  it("reports an unconfigured control as non-compliant", () => {
    const r = sb.run("antivirus.yaml", {});

    assert.equal(r.code, 0);
    assert.deepEqual(onlyRequest(sb).Items, [
      {
        Id: "CONTROL",
        Status: "NON_COMPLIANT",
        Severity: "HIGH",
        Title: "Anti-virus control not configured for Linux",
        Details: {
          mode: "report",
          reason: "LinuxServiceName and LinuxAgentPath are both empty",
        },
      },
    ]);
  });
});

describe("documents: CIS Linux step in a sandbox", () => {
  let sb: Sandbox;
  let content: string;
  beforeEach(() => {
    sb = new Sandbox();
    sb.env.HF_OS_RELEASE = sb.file(
      "etc/os-release",
      'NAME="Red Hat"\nID="rhel"\nVERSION_ID="9.4"\n',
    );
    sb.env.FAKE_OSCAP_RESULTS = path.join(FIXTURES, "oscap-results-rhel9-cis.xml");
    content = sb.file("ssg/ssg-rhel9-ds.xml", "<ds/>");
  });
  afterEach(() => sb.dispose());

  it("reports each evaluated rule with its severity and title, and fails on failed rules", () => {
    const r = sb.run("cis.yaml", { ScapContent: content });

    assert.equal(r.code, 0, r.stderr);
    const req = onlyRequest(sb);
    assert.equal(req.ComplianceType, "Custom:CIS");
    assert.deepEqual(
      req.Items.map((i) => [i.Id, i.Status, i.Severity, i.Title]),
      [
        ["partition_for_tmp", "COMPLIANT", "LOW", "Ensure /tmp Located On Separate Partition"],
        ["package_aide_installed", "NON_COMPLIANT", "MEDIUM", "Install AIDE"],
        ["sshd_disable_root_login", "COMPLIANT", "MEDIUM", "Disable SSH Root Login"],
        [
          "accounts_password_pam_minlen",
          "NON_COMPLIANT",
          "MEDIUM",
          "Ensure PAM Enforces Password Requirements - Minimum Length & <Complexity>",
        ],
        [
          "no_empty_passwords",
          "COMPLIANT",
          "HIGH",
          "Prevent Login to Accounts With Empty Password",
        ],
        ["CONTROL", "NON_COMPLIANT", "MEDIUM", "CIS benchmark (report mode)"],
      ],
    );
    assert.deepEqual(itemsById(req).CONTROL.Details, {
      mode: "report",
      scanner: "openscap",
      profile: "xccdf_org.ssgproject.content_profile_cis_server_l1",
      passed: "3",
      failed: "2",
      skipped: "0",
      notApplicable: "1",
    });
    assert.deepEqual(itemsById(req).package_aide_installed.Details, {
      result: "fail",
      rule: "xccdf_org.ssgproject.content_rule_package_aide_installed",
    });
    const oscap = sb.calls().find((c) => c.startsWith("oscap xccdf"))!;
    assert.match(
      oscap,
      /^oscap xccdf eval --profile xccdf_org\.ssgproject\.content_profile_cis_server_l1 --results \S+\/results\.xml \S+\/ssg-rhel9-ds\.xml$/,
    );
  });

  it("remediates in enforce mode and passes when every rule passes", () => {
    const passing = sb.file(
      "all-pass.xml",
      fs
        .readFileSync(sb.env.FAKE_OSCAP_RESULTS, "utf8")
        .replace(/<result>fail<\/result>/g, "<result>fixed</result>"),
    );

    const r = sb.run(
      "cis.yaml",
      {
        Mode: "enforce",
        ScapContent: content,
        CisProfile: "xccdf_org.ssgproject.content_profile_cis",
      },
      { FAKE_OSCAP_RESULTS: passing, FAKE_OSCAP_RC: "0" },
    );

    assert.equal(r.code, 0, r.stderr);
    assert.match(
      sb.calls().find((c) => c.startsWith("oscap xccdf"))!,
      / --profile xccdf_org\.ssgproject\.content_profile_cis .* --remediate \S+ssg-rhel9-ds\.xml$/,
    );
    const items = itemsById(onlyRequest(sb));
    assert.equal(items.package_aide_installed.Status, "COMPLIANT");
    assert.equal(items.package_aide_installed.Details.result, "fixed");
    assert.equal(items.CONTROL.Status, "COMPLIANT");
    assert.equal(items.CONTROL.Title, "CIS benchmark (enforce mode)");
  });

  it("calls a scan where no rule applied 'no applicable rules' and exits 2, not non-compliant", () => {
    const none = sb.file(
      "none-apply.xml",
      fs
        .readFileSync(sb.env.FAKE_OSCAP_RESULTS, "utf8")
        .replace(/<result>(pass|fail)<\/result>/g, "<result>notapplicable</result>"),
    );

    // oscap itself exits 0 here: nothing failed because nothing was evaluated.
    const r = sb.run(
      "cis.yaml",
      { ScapContent: content },
      { FAKE_OSCAP_RESULTS: none, FAKE_OSCAP_RC: "0" },
    );

    assert.equal(r.code, 2, r.stderr);
    const items = onlyRequest(sb).Items;
    assert.equal(items.length, 1);
    assert.equal(items[0].Id, "CONTROL");
    assert.equal(items[0].Status, "NON_COMPLIANT");
    assert.equal(
      items[0].Title,
      "CIS scan could not run: no applicable rules (6 not applicable): is the content for this OS release?",
    );
    assert.match(r.stderr, /no applicable rules/);
  });

  it("fails with a clear control item when the distribution's content is missing", () => {
    const r = sb.run("cis.yaml", {}, { HF_SCAP_CONTENT_DIR: "/nonexistent" });

    assert.equal(r.code, 2);
    assert.deepEqual(onlyRequest(sb).Items, [
      {
        Id: "CONTROL",
        Status: "NON_COMPLIANT",
        Severity: "MEDIUM",
        Title:
          "CIS scan could not run: no CIS profile for this OS: set cis profile/scapContent or use scanner=command (no SCAP content /nonexistent/ssg-rhel9-ds.xml)",
        Details: { mode: "report", scanner: "openscap" },
      },
    ]);
  });

  describe("content and profile per distribution", () => {
    const contentDir = () => path.join(sb.root, "ssg-content");
    const run = (release: string, extra: Record<string, string> = {}, params = {}) => {
      sb.env.HF_OS_RELEASE = sb.file("etc/os-release", release);
      sb.env.HF_SCAP_CONTENT_DIR = contentDir();
      sb.env.FAKE_PKGS = "ssg-debian ssg-debderived scap-security-guide";
      return sb.run("cis.yaml", params, extra);
    };
    const noProfile =
      "no CIS profile for this OS: set cis profile/scapContent or use scanner=command";

    it("Debian 12: installs ssg-debian (not Ubuntu's ssg-debderived) and reports one clear item, exit 2", () => {
      const r = run('ID=debian\nVERSION_ID="12"\n');

      assert.equal(r.code, 2, r.stderr);
      const installs = sb.calls().filter((c) => c.startsWith("apt-get install"));
      assert.deepEqual(installs, ["apt-get install -y -q ssg-debian"]);
      assert.deepEqual(onlyRequest(sb).Items, [
        {
          Id: "CONTROL",
          Status: "NON_COMPLIANT",
          Severity: "MEDIUM",
          Title: `CIS scan could not run: ${noProfile} (no SCAP content ${contentDir()}/ssg-debian12-ds.xml)`,
          Details: { mode: "report", scanner: "openscap" },
        },
      ]);
      assert.ok(!sb.calls().some((c) => c.startsWith("oscap xccdf")));
    });

    it("Debian 11: the content exists but offers no CIS profile: checked with oscap info, nothing scanned, exit 2", () => {
      sb.file("ssg-content/ssg-debian11-ds.xml", "<ds/>");
      const r = run('ID=debian\nVERSION_ID="11"\n', {
        FAKE_OSCAP_PROFILES: [
          "xccdf_org.ssgproject.content_profile_anssi_np_nt28_average:ANSSI average",
          "xccdf_org.ssgproject.content_profile_standard:Standard System Security Profile for Debian 11",
        ].join("\n"),
      });

      assert.equal(r.code, 2, r.stderr);
      assert.equal(
        onlyRequest(sb).Items[0].Title,
        `CIS scan could not run: ${noProfile} (${contentDir()}/ssg-debian11-ds.xml offers: anssi_np_nt28_average standard)`,
      );
      assert.ok(sb.calls().includes(`oscap info --profiles ${contentDir()}/ssg-debian11-ds.xml`));
      assert.ok(!sb.calls().some((c) => c.startsWith("oscap xccdf")));
      assert.ok(!sb.calls().some((c) => c.startsWith("apt-get")), "content present: no install");
    });

    it("Ubuntu 22.04: installs ssg-debderived and picks cis_level1_server from what the content offers", () => {
      const ds = sb.file("ssg-content/ssg-ubuntu2204-ds.xml", "<ds/>");
      fs.rmSync(ds);
      sb.env.FAKE_OSCAP_RESULTS = path.join(FIXTURES, "oscap-results-rhel9-cis.xml");
      // The fake package manager "installs" the content.
      const r = run('ID=ubuntu\nVERSION_ID="22.04"\n', {
        FAKE_PKGS: "ssg-debderived",
        FAKE_PKG_FILES: `ssg-debderived=${ds}`,
        FAKE_OSCAP_PROFILES: [
          "xccdf_org.ssgproject.content_profile_cis_level1_server:CIS Ubuntu 22.04 Level 1 Server Benchmark",
          "xccdf_org.ssgproject.content_profile_cis_level2_server:CIS Ubuntu 22.04 Level 2 Server Benchmark",
        ].join("\n"),
      });

      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(
        sb.calls().filter((c) => c.startsWith("apt-get install")),
        ["apt-get install -y -q ssg-debderived"],
      );
      assert.match(
        sb.calls().find((c) => c.startsWith("oscap xccdf"))!,
        / --profile xccdf_org\.ssgproject\.content_profile_cis_level1_server /,
      );
    });

    it("an explicit profile the content does not offer: named with what it offers, exit 2", () => {
      const ds = sb.file("ssg-content/ssg-rhel9-ds.xml", "<ds/>");
      const r = run(
        'ID="rhel"\nVERSION_ID="9.4"\n',
        {},
        {
          CisProfile: "xccdf_org.ssgproject.content_profile_cis_level1_server",
        },
      );

      assert.equal(r.code, 2, r.stderr);
      assert.equal(
        onlyRequest(sb).Items[0].Title,
        `CIS scan could not run: profile xccdf_org.ssgproject.content_profile_cis_level1_server is not in ${ds} (it offers: cis cis_server_l1 cis_workstation_l1 standard)`,
      );
    });
  });

  it("installs OpenSCAP when missing unless told not to", () => {
    sb.dispose();
    sb = new Sandbox({ oscap: false });
    sb.env.HF_OS_RELEASE = sb.file("etc/os-release", 'ID=ubuntu\nVERSION_ID="22.04"\n');
    sb.env.FAKE_OSCAP_RESULTS = path.join(FIXTURES, "oscap-results-rhel9-cis.xml");
    const ds = sb.file("ssg/ds.xml", "<ds/>");

    const refused = sb.run("cis.yaml", { ScapContent: ds, InstallScanner: "false" });
    assert.equal(refused.code, 2);
    assert.equal(
      sb.requests()[0].Items[0].Title,
      "CIS scan could not run: OpenSCAP (oscap) is not installed",
    );
    assert.ok(!sb.calls().some((c) => c.startsWith("apt-get")));

    sb.env.FAKE_PKGS = "openscap-scanner";
    sb.env.FAKE_OSCAP_PROFILES = "xccdf_org.ssgproject.content_profile_cis_level1_server:CIS L1";
    const r = sb.run("cis.yaml", { ScapContent: ds });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(sb.calls().includes("apt-get install -y -q openscap-scanner"));
    assert.match(
      sb.calls().find((c) => c.startsWith("oscap xccdf"))!,
      / --profile xccdf_org\.ssgproject\.content_profile_cis_level1_server /,
    );
  });

  it("runs a vendor scanner and parses its single-line, prefixed XCCDF", () => {
    const scanner = sb.file(
      "opt/vendor/bin/scan",
      [
        "#!/bin/sh",
        `printf '%s\\n' "$@" > '${sb.root}/scanner-args'`,
        `cp '${path.join(FIXTURES, "vendor-results-single-line.xml")}' '${sb.root}/out/../vendor.xml'`,
        "",
      ].join("\n"),
    );
    fs.chmodSync(scanner, 0o755);

    const r = sb.run("cis.yaml", {
      Scanner: "command",
      LinuxScannerCommand: scanner,
      LinuxScannerArgs: "-b cis.xml --report-format=xccdf",
      LinuxRemediateArgs: "--fix",
      LinuxResultFile: path.join(sb.root, "vendor.xml"),
    });

    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fs.readFileSync(path.join(sb.root, "scanner-args"), "utf8").split("\n"), [
      "-b",
      "cis.xml",
      "--report-format=xccdf",
      "",
    ]);
    assert.deepEqual(
      onlyRequest(sb).Items.map((i) => [i.Id, i.Status, i.Severity, i.Title]),
      [
        [
          "v.1.1.1",
          "NON_COMPLIANT",
          "HIGH",
          'Ensure "Enforce password history" is set to 24 or more',
        ],
        ["v.2.3.1", "COMPLIANT", "LOW", "Ensure guest account is disabled"],
        ["CONTROL", "NON_COMPLIANT", "MEDIUM", "CIS benchmark (report mode)"],
      ],
    );
  });

  it("reads a vendor scanner's TSV results", () => {
    const scanner = sb.file(
      "opt/vendor/bin/scan",
      `#!/bin/sh\nprintf 'R1\\tpass\\thigh\\tFirst rule\\nR2\\tnotchecked\\tlow\\tSkipped\\n' > '${sb.root}/r.tsv'\n`,
    );
    fs.chmodSync(scanner, 0o755);

    const r = sb.run("cis.yaml", {
      Scanner: "command",
      ResultFormat: "tsv",
      LinuxScannerCommand: scanner,
      LinuxResultFile: path.join(sb.root, "r.tsv"),
    });

    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      onlyRequest(sb).Items.map((i) => [i.Id, i.Status, i.Severity]),
      [
        ["R1", "COMPLIANT", "HIGH"],
        ["CONTROL", "COMPLIANT", "MEDIUM"],
      ],
    );
  });

  describe("item Ids, text and skipped results", () => {
    const runTsv = (rows: string[][]) => {
      const scanner = sb.file(
        "opt/vendor/bin/scan",
        `#!/bin/sh\ncp '${sb.root}/prepared.tsv' '${sb.root}/r.tsv'\n`,
      );
      fs.chmodSync(scanner, 0o755);
      fs.writeFileSync(
        path.join(sb.root, "prepared.tsv"),
        rows.map((r) => r.join("\t") + "\n").join(""),
      );
      return sb.run("cis.yaml", {
        Scanner: "command",
        ResultFormat: "tsv",
        LinuxScannerCommand: scanner,
        LinuxResultFile: path.join(sb.root, "r.tsv"),
      });
    };

    it("keeps Ids unique: long vendor Ids get a hash suffix, repeated Ids a counter", () => {
      const stem = "vendor.benchmark.section-5.access-authentication-authorization.".repeat(2);
      const rows = [
        [`${stem}ssh.permit-root-login`, "fail", "high", "A"],
        [`${stem}ssh.permit-empty-passwords`, "pass", "high", "B"],
        ["R1", "pass", "low", "C"],
        ["R1", "fail", "low", "D"],
      ];

      const r = runTsv(rows);

      assert.equal(r.code, 0, r.stderr);
      const ids = onlyRequest(sb).Items.map((i) => i.Id);
      assert.equal(new Set(ids).size, ids.length, ids.join("\n"));
      assert.ok(ids.every((id) => id.length <= 100));
      assert.match(ids[0], /^vendor\.benchmark\..{70,}~[0-9a-f]{8}$/);
      assert.equal(ids[0].length, 100);
      assert.deepEqual(ids.slice(2), ["R1", "R1#2", "CONTROL"]);
      assert.equal(onlyRequest(sb).Items[1].Details.rule, rows[1][0]);
    });

    it("keeps UTF-8 text intact and cuts titles on a character boundary", () => {
      const title = "Contrôle d’accès: Sécurité ✓ 安全";
      const long = "é".repeat(300);

      const r = runTsv([
        ["règle-1", "pass", "low", title],
        ["R2", "pass", "low", long],
      ]);

      assert.equal(r.code, 0, r.stderr);
      const [a, b] = onlyRequest(sb).Items;
      assert.equal(a.Id, "règle-1");
      assert.equal(a.Title, title);
      assert.equal(b.Title, "é".repeat(250), "500 bytes = 250 two-byte characters");
    });

    it("counts what it skipped on the CONTROL item (notchecked, informational; not applicable apart)", () => {
      const r = runTsv([
        ["R1", "pass", "low", "a"],
        ["R2", "notchecked", "low", "b"],
        ["R3", "informational", "low", "c"],
        ["R4", "notapplicable", "low", "d"],
        ["R5", "notselected", "low", "e"],
        ["R6", "fail", "low", "f"],
      ]);

      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(itemsById(onlyRequest(sb)).CONTROL.Details, {
        mode: "report",
        scanner: "command",
        profile: "vendor",
        passed: "1",
        failed: "1",
        skipped: "2",
        notApplicable: "1",
      });
    });
  });

  it("turns any scanner text into valid compliance JSON (property)", function () {
    this.timeout(300_000);
    const text = (max: number) =>
      fc.string({
        unit: fc.oneof(
          fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
          fc.constantFrom("\\", '"', "%s", "\u0001", "\u007f", "}", "{"),
        ),
        minLength: 1,
        maxLength: max,
      });
    const finding = fc.record({
      id: text(20).filter((t) => !/^[ ]|[ ]$/.test(t)),
      result: fc.constantFrom("pass", "fail", "fixed", "error", "notchecked"),
      severity: fc.constantFrom("high", "medium", "low", "info", "unknown", ""),
      title: fc.oneof(text(40), fc.constant("T".repeat(600))),
    });
    const scanner = sb.file(
      "opt/vendor/bin/scan",
      `#!/bin/sh\ncp '${sb.root}/prepared.tsv' '${sb.root}/r.tsv'\n`,
    );
    fs.chmodSync(scanner, 0o755);
    fc.assert(
      fc.property(fc.array(finding, { minLength: 1, maxLength: 6 }), (findings) => {
        fs.rmSync(sb.out, { recursive: true, force: true });
        fs.mkdirSync(sb.out);
        fs.writeFileSync(
          path.join(sb.root, "prepared.tsv"),
          findings.map((f) => [f.id, f.result, f.severity, f.title].join("\t") + "\n").join(""),
        );
        const r = sb.run("cis.yaml", {
          Scanner: "command",
          ResultFormat: "tsv",
          LinuxScannerCommand: scanner,
          LinuxResultFile: path.join(sb.root, "r.tsv"),
        });
        const reported = findings.filter((f) => f.result !== "notchecked");
        const clean = (t: string, n: number) => t.replace(/[^ -~]/g, " ").slice(0, n);
        const req = onlyRequest(sb);
        if (reported.length === 0) {
          // Nothing measured: one CONTROL item, exit 2.
          assert.equal(r.code, 2, r.stderr);
          assert.deepEqual(
            req.Items.map((i) => i.Id),
            ["CONTROL"],
          );
          return;
        }
        const seen = new Map<string, number>();
        const unique = (id: string) => {
          const n = (seen.get(id) ?? 0) + 1;
          seen.set(id, n);
          return n === 1 ? id : `${id}#${n}`;
        };
        assert.deepEqual(
          req.Items.slice(0, -1).map((i) => [i.Id, i.Title, i.Details.rule]),
          reported.map((f) => [unique(clean(f.id, 100)), clean(f.title, 500), clean(f.id, 500)]),
        );
        const failed = reported.some((f) => f.result === "fail" || f.result === "error");
        // Measured and reported: the verdict is in compliance, the exit code stays 0.
        assert.equal(r.code, 0, r.stderr);
        assert.equal(
          req.Items[req.Items.length - 1].Status,
          failed ? "NON_COMPLIANT" : "COMPLIANT",
        );
      }),
      { numRuns: 25 },
    );
  });

  it("picks the SCAP Security Guide content file and packages per distribution", () => {
    const scripts = path.join(__dirname, "..", "..", "documents", "scripts");
    const table: [string, string, string, string][] = [
      [
        'ID="rhel"\nVERSION_ID="9.4"',
        "ssg-rhel9-ds.xml",
        "openscap-scanner",
        "scap-security-guide",
      ],
      [
        'ID="rocky"\nVERSION_ID="8.9"',
        "ssg-rhel8-ds.xml",
        "openscap-scanner",
        "scap-security-guide",
      ],
      [
        'ID="almalinux"\nVERSION_ID="9.3"',
        "ssg-almalinux9-ds.xml",
        "openscap-scanner",
        "scap-security-guide",
      ],
      [
        'ID=ubuntu\nVERSION_ID="22.04"',
        "ssg-ubuntu2204-ds.xml",
        "openscap-scanner libopenscap8",
        "ssg-debderived",
      ],
      [
        'ID="amzn"\nVERSION_ID="2023"',
        "ssg-al2023-ds.xml",
        "openscap-scanner",
        "scap-security-guide",
      ],
      ['ID="amzn"\nVERSION_ID="2"', "ssg-amzn2-ds.xml", "openscap-scanner", "scap-security-guide"],
      ['ID="sles"\nVERSION_ID="15.5"', "ssg-sle15-ds.xml", "openscap-utils", "scap-security-guide"],
      [
        'ID=debian\nVERSION_ID="12"',
        "ssg-debian12-ds.xml",
        "openscap-scanner libopenscap8",
        "ssg-debian",
      ],
    ];
    for (const [release, ds, scanner, content] of table) {
      const file = sb.file("os-release", release + "\n");
      const r = sb.exec(
        [
          "sh",
          "-c",
          `. '${scripts}/common.sh'; . '${scripts}/cis.sh'; cis_default_content; echo; cis_scanner_packages; echo; cis_content_packages`,
        ],
        // The real default folder, not the sandbox's.
        { HF_OS_RELEASE: file, HF_SCAP_CONTENT_DIR: "" },
      );
      assert.equal(
        r.stdout,
        `/usr/share/xml/scap/ssg/content/${ds}\n${scanner}\n${content}`,
        release,
      );
    }
  });
});

describe("documents: agent-install Linux step in a sandbox", () => {
  let sb: Sandbox;
  beforeEach(() => (sb = new Sandbox()));
  afterEach(() => sb.dispose());

  it("installs, starts the service, and does nothing the second time", () => {
    const body = `#!/bin/sh\ntouch '${sb.root}/agent-bin'\necho inactive > '${sb.systemd}/edr'\n`;
    fs.writeFileSync(path.join(sb.http, "edr.sh"), body);
    const p = {
      LinuxInstallerSource: "https://vendor.example.com/edr.sh",
      LinuxInstallerSha256: createHash("sha256").update(body).digest("hex"),
      LinuxServiceName: "edr",
      LinuxAgentPath: path.join(sb.root, "agent-bin"),
    };

    const r = sb.run("agent-install.yaml", p);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(sb.serviceState("edr"), "active");

    const again = sb.run("agent-install.yaml", p);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /agent already installed: nothing to do/);
    assert.equal(sb.calls().filter((c) => c.startsWith("curl")).length, 1);
  });

  describe("installer type from the file's magic bytes, else the URL path without ?query/#fragment", () => {
    const deb = "!<arch>\ndebian-binary   1700000000  0     0     100644  4         `\n2.0\n";
    const cases: [string, string, string][] = [
      [
        "a presigned .deb URL",
        "https://bucket.example.com/edr.deb?X-Amz-Signature=ab%2Fc&x=1",
        deb,
      ],
      [
        "a .deb behind a URL without extension",
        "https://vendor.example.com/download?id=7#latest",
        deb,
      ],
      ["a .deb misnamed .sh", "https://vendor.example.com/edr.sh", deb],
    ];
    for (const [what, url, body] of cases) {
      it(`${what} is installed with apt-get, never run with sh`, () => {
        const name = url.replace(/[?#].*$/, "").replace(/^.*\//, "");
        fs.writeFileSync(path.join(sb.http, name), body);
        const agentBin = path.join(sb.root, "agent-bin");

        const r = sb.run(
          "agent-install.yaml",
          {
            LinuxInstallerSource: url,
            LinuxInstallerSha256: createHash("sha256").update(body).digest("hex"),
            LinuxAgentPath: agentBin,
          },
          { FAKE_DEB_CREATES: agentBin },
        );

        assert.equal(r.code, 0, r.stdout + r.stderr);
        const apt = sb.calls().filter((c) => c.startsWith("apt-get install"));
        assert.equal(apt.length, 1, sb.calls().join("\n"));
        assert.match(apt[0], /^apt-get install -y \S+\/installer\.deb$/);
        assert.match(r.stdout, /installer is a \.deb package/);
      });
    }

    it("a shell installer whose URL has a query string still runs with sh", () => {
      const body = `#!/bin/sh\ntouch '${sb.root}/agent-bin'\n`;
      fs.writeFileSync(path.join(sb.http, "edr-setup"), body);

      const r = sb.run("agent-install.yaml", {
        LinuxInstallerSource: "https://vendor.example.com/edr-setup?token=abc",
        LinuxInstallerSha256: createHash("sha256").update(body).digest("hex"),
        LinuxAgentPath: path.join(sb.root, "agent-bin"),
      });

      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.ok(!sb.calls().some((c) => c.startsWith("apt-get")));
      assert.match(r.stdout, /installer is a shell script/);
    });
  });

  it("refuses to run without a configured installer", () => {
    const r = sb.run("agent-install.yaml", { LinuxServiceName: "edr" });

    assert.equal(r.code, 1);
    assert.match(r.stderr, /no installer configured for Linux/);
  });
});

describe("documents: the Linux steps under bash (RHEL's /bin/sh) behave the same", () => {
  let sb: Sandbox;
  beforeEach(() => (sb = new Sandbox()));
  afterEach(() => sb.dispose());

  it("anti-virus: compliant and stale-definitions results match dash's", () => {
    sb.file("opt/av/bin/avagent");
    sb.file("var/lib/av/defs/main.cvd", "defs", 60);
    sb.service("avagent", "active");
    const p = {
      LinuxServiceName: "avagent",
      LinuxAgentPath: path.join(sb.root, "opt/av/bin/avagent"),
      LinuxDefinitionsPath: path.join(sb.root, "var/lib/av/defs"),
    };

    const dash = sb.run("antivirus.yaml", p);
    const bash = sb.run("antivirus.yaml", p, {}, "bash");

    assert.equal(dash.code, 0);
    assert.equal(bash.code, 0, bash.stderr);
    const [a, b] = sb.requests().map((r) => r.Items);
    assert.deepEqual(b, a);
  });

  it("CIS: the same findings from the same XCCDF", () => {
    sb.env.HF_OS_RELEASE = sb.file("etc/os-release", 'ID="rhel"\nVERSION_ID="9.4"\n');
    sb.env.FAKE_OSCAP_RESULTS = path.join(FIXTURES, "oscap-results-rhel9-cis.xml");
    const p = { ScapContent: sb.file("ds.xml", "<ds/>") };

    assert.equal(sb.run("cis.yaml", p).code, 0);
    assert.equal(sb.run("cis.yaml", p, {}, "bash").code, 0);
    const [a, b] = sb.requests().map((r) => r.Items);
    assert.equal(a.length, 6);
    assert.deepEqual(b, a);
  });
});
