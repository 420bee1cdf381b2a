/**
 * Runs the deployed SQL (views and saved queries, byte for byte) in DuckDB over a sync folder
 * generated for the fleet in tests/fixtures/sync/fleet.ts, and compares with rows worked out
 * by hand from that fleet's table.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import {
  BUILTIN_INVENTORY_TYPES,
  ComplianceQuery,
  SqlContext,
  complianceViews,
  glueTableSpec,
  savedQueries,
  sqlString,
} from "../../components/sync/complianceSync.sql";
import { isoDaysAgo, machineFiles, writeSyncFolder } from "../fixtures/sync/generate";
import { ACCOUNT_A, ACCOUNT_B, EXAMPLE_FLEET, PREFIX } from "../fixtures/sync/fleet";
import { Row, SyncDuckdb, projectedLocations } from "../../risk/local/duckdb";

const BUCKET = "fleet-data";
const DB = "fleet_compliance";
const ACME: SqlContext = {
  database: DB,
  modeTagKey: "ComplianceMode",
  environmentTagKey: "Environment",
  fleetTagKey: "HybridFleet",
  fleetName: "acme",
};
const ALL: SqlContext = { ...ACME, fleetName: undefined };

const M1 = "mi-0a1b2c3d4e5f60001";
const M2 = "i-0123456789abcdef0";
const M3 = "mi-0a1b2c3d4e5f60003";
const M4 = "mi-0a1b2c3d4e5f60004";
const M5 = "mi-0a1b2c3d4e5f60005";
const M6 = "mi-0a1b2c3d4e5f60006";
const M7 = "mi-0a1b2c3d4e5f60007";
const APSE2 = "ap-southeast-2";
const USE1 = "us-east-1";

function query(queries: ComplianceQuery[], key: string): ComplianceQuery {
  const q = queries.find((x) => x.key === key);
  if (!q) throw new Error(`no query ${key}`);
  return q;
}

describe("ComplianceSync SQL over a generated sync folder (DuckDB)", () => {
  let root: string;
  let now: Date;
  let db: SyncDuckdb;
  const specs = BUILTIN_INVENTORY_TYPES.map((t) =>
    glueTableSpec(t, {
      bucketName: BUCKET,
      prefix: PREFIX,
      accountIds: [ACCOUNT_A, ACCOUNT_B],
      regions: [APSE2, USE1],
    }),
  );

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "compliance-sync-"));
    now = new Date();
    writeSyncFolder(root, EXAMPLE_FLEET, now);
    db = await SyncDuckdb.open(root, BUCKET, DB, specs);
  });

  after(() => {
    db?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const at = (days: number) => isoDaysAgo(now, days);

  describe("the generated folder", () => {
    it("has the documented key layout, one file per machine per type, and the probes", () => {
      const keys = writeSyncFolder(
        fs.mkdtempSync(path.join(os.tmpdir(), "compliance-sync-keys-")),
        { prefix: PREFIX, machines: [EXAMPLE_FLEET.machines[1]] },
        now,
      );
      const dir = `accountid=${ACCOUNT_A}/region=${APSE2}/resourcetype=ManagedInstanceInventory`;
      assert.deepEqual(keys, [
        `ssm-sync/AWS:ComplianceItem/${dir}/${M2}.json`,
        `ssm-sync/AWS:ComplianceSummary/${dir}/${M2}.json`,
        `ssm-sync/AWS:InstanceInformation/${dir}/${M2}.json`,
        `ssm-sync/AWS:InstanceInformation/accountid=${ACCOUNT_A}/test.json`,
        `ssm-sync/AWS:Tag/${dir}/${M2}.json`,
      ]);
    });

    it("writes newline-delimited JSON, one line per item, with mixed key casing", () => {
      const read = (type: string, m: string, acct = ACCOUNT_A, region = APSE2) =>
        fs
          .readFileSync(
            path.join(
              root,
              PREFIX,
              type,
              `accountid=${acct}`,
              `region=${region}`,
              "resourcetype=ManagedInstanceInventory",
              `${m}.json`,
            ),
            "utf8",
          )
          .split("\n");
      const m1Items = read("AWS:ComplianceItem", M1);
      assert.equal(m1Items.length, 6, "5 items and the final newline");
      assert.equal(m1Items[5], "");
      assert.ok(m1Items.slice(0, 5).every((l) => !l.includes("\n") && JSON.parse(l)));
      assert.ok("resourceId" in JSON.parse(m1Items[0]), "camelCase metadata");
      assert.ok("ResourceId" in JSON.parse(read("AWS:Tag", M2)[0]), "PascalCase metadata");
      const lower = JSON.parse(read("AWS:Tag", M3, ACCOUNT_A, USE1)[0]);
      assert.deepEqual(Object.keys(lower).sort(), [
        "capturetime",
        "key",
        "resourceid",
        "schemaversion",
        "value",
      ]);
      const info = JSON.parse(read("AWS:InstanceInformation", M1)[0]);
      assert.equal(
        info.ResourceType,
        "ManagedInstance",
        "the attribute that collides with the partition",
      );
      const m1Summary = JSON.parse(read("AWS:ComplianceSummary", M1)[0]);
      assert.equal(m1Summary.NonCompliantCriticalCount, 1, "a JSON number");
      const m2Summary = JSON.parse(read("AWS:ComplianceSummary", M2)[0]);
      assert.equal(m2Summary.CompliantCriticalCount, "1", "a JSON string");
    });

    it("summarises each compliance type from its items", () => {
      const files = machineFiles(EXAMPLE_FLEET.machines[3], now);
      const summary = JSON.parse(files.get("AWS:ComplianceSummary")![0]);
      assert.deepEqual(
        [
          summary.Status,
          summary.OverallSeverity,
          summary.NonCompliantHighCount,
          summary.NonCompliantMediumCount,
        ],
        ["NON_COMPLIANT", "HIGH", 2, 1],
      );
    });
  });

  describe("the stand-in tables (projection, SerDe)", () => {
    it("read only the projected folders: every machine once, never the test.json probe", async () => {
      const rows = await db.rows(
        `SELECT resourceid, accountid, region, resourcetype FROM ${DB}.aws_instanceinformation ORDER BY resourceid`,
      );
      assert.deepEqual(
        rows.map((r) => [r.resourceid, r.accountid, r.region, r.resourcetype]),
        [
          [M2, ACCOUNT_A, APSE2, "ManagedInstanceInventory"],
          [M1, ACCOUNT_A, APSE2, "ManagedInstanceInventory"],
          [M3, ACCOUNT_A, USE1, "ManagedInstanceInventory"],
          [M4, ACCOUNT_A, APSE2, "ManagedInstanceInventory"],
          [M5, ACCOUNT_A, USE1, "ManagedInstanceInventory"],
          [M6, ACCOUNT_B, APSE2, "ManagedInstanceInventory"],
          [M7, ACCOUNT_A, APSE2, "ManagedInstanceInventory"],
          ["mi-0a1b2c3d4e5f60008", ACCOUNT_A, APSE2, "ManagedInstanceInventory"],
        ],
      );
    });

    it("(negative control) a crawler-style recursive read does pick up the probe", async () => {
      const glob = path.join(root, PREFIX, "AWS:InstanceInformation", "**", "*.json");
      const rows = await db.rows(
        `SELECT count(*) AS n FROM read_json_objects('${glob}', format = 'newline_delimited') WHERE json LIKE '%test.json-probe%'`,
      );
      assert.deepEqual(rows, [{ n: 2 }], "one probe per account");
    });

    it("expand the projection template into accounts × regions folders", () => {
      assert.deepEqual(projectedLocations(specs[3]), [
        `s3://${BUCKET}/${PREFIX}/AWS:Tag/accountid=${ACCOUNT_A}/region=${APSE2}/resourcetype=ManagedInstanceInventory`,
        `s3://${BUCKET}/${PREFIX}/AWS:Tag/accountid=${ACCOUNT_A}/region=${USE1}/resourcetype=ManagedInstanceInventory`,
        `s3://${BUCKET}/${PREFIX}/AWS:Tag/accountid=${ACCOUNT_B}/region=${APSE2}/resourcetype=ManagedInstanceInventory`,
        `s3://${BUCKET}/${PREFIX}/AWS:Tag/accountid=${ACCOUNT_B}/region=${USE1}/resourcetype=ManagedInstanceInventory`,
      ]);
    });

    it("match keys case-insensitively and read numbers into string columns", async () => {
      const rows = await db.rows(
        `SELECT resourceid, compliancetype, noncompliantcriticalcount, compliantcriticalcount, capturetime
         FROM ${DB}.aws_compliancesummary WHERE compliancetype = 'Patch' AND resourceid IN ('${M1}', '${M2}', '${M3}')
         ORDER BY resourceid`,
      );
      assert.deepEqual(rows, [
        // PascalCase keys, counts as strings
        {
          resourceid: M2,
          compliancetype: "Patch",
          noncompliantcriticalcount: "0",
          compliantcriticalcount: "1",
          capturetime: at(0.2),
        },
        // camelCase metadata, counts as numbers
        {
          resourceid: M1,
          compliancetype: "Patch",
          noncompliantcriticalcount: "1",
          compliantcriticalcount: "0",
          capturetime: at(0.1),
        },
        // all keys lower case
        {
          resourceid: M3,
          compliancetype: "Patch",
          noncompliantcriticalcount: "0",
          compliantcriticalcount: "1",
          capturetime: at(1.5),
        },
      ]);
    });
  });

  describe("saved query: fleet compliance by control × mode × environment", () => {
    // acme's live machines: #1 #2 #3 #4 #6 #8 (#5 is Terminated, #7 is in fleet "other").
    const expected: Row[] = [
      ["Custom:Antivirus", "(untagged)", "dev", 1, 1, 0, 100, 0, 0], // #6
      ["Custom:Antivirus", "enforce", "prod", 1, 1, 0, 100, 0, 0], // #2
      ["Custom:Antivirus", "report", "dev", 1, 0, 1, 0, 0, 0], // #3 (MEDIUM)
      ["Custom:Antivirus", "report", "prod", 2, 2, 0, 100, 0, 0], // #1 #8
      ["Custom:CIS", "enforce", "prod", 1, 1, 0, 100, 0, 0], // #2
      ["Custom:CIS", "report", "prod", 2, 1, 1, 50, 0, 1], // #1 NC (1 HIGH), #8
      ["Patch", "(untagged)", "dev", 1, 1, 0, 100, 0, 0], // #6
      ["Patch", "enforce", "prod", 1, 1, 0, 100, 0, 0], // #2
      ["Patch", "report", "dev", 1, 1, 0, 100, 0, 0], // #3
      ["Patch", "report", "prod", 3, 1, 2, 33.3, 1, 2], // #1 NC (1 CRITICAL), #4 NC (2 HIGH), #8
    ].map(
      ([
        control,
        compliance_mode,
        environment,
        machines,
        compliant,
        non_compliant,
        compliant_pct,
        critical_items,
        high_items,
      ]) => ({
        control,
        compliance_mode,
        environment,
        machines,
        compliant,
        non_compliant,
        compliant_pct,
        critical_items,
        high_items,
      }),
    ) as Row[];

    it("returns the hand-worked rows for fleet acme", async () => {
      assert.deepEqual(await db.rows(query(savedQueries(ACME), "fleet-compliance").sql), expected);
    });

    it("the view's DDL creates a view with the same rows", async () => {
      await db.exec(query(complianceViews(ACME), "fleet_compliance_by_control").sql);
      assert.deepEqual(
        await db.rows(
          `SELECT * FROM ${DB}.fleet_compliance_by_control ORDER BY control, compliance_mode, environment`,
        ),
        expected,
      );
    });

    it("without a fleet filter, fleet other's machine #7 counts too (its odd counts as 0)", async () => {
      const rows = await db.rows(query(savedQueries(ALL), "fleet-compliance").sql);
      assert.deepEqual(rows[rows.length - 1], {
        control: "Patch",
        compliance_mode: "report",
        environment: "prod",
        machines: 4,
        compliant: 1,
        non_compliant: 3,
        compliant_pct: 25,
        // #7 says "1e2" critical and " 1 " high: Athena's cast reads neither, so neither counts.
        critical_items: 1,
        high_items: 2,
      });
    });

    it("honours the configured tag keys", async () => {
      const rows = await db.rows(
        query(savedQueries({ ...ACME, modeTagKey: "Mode" }), "fleet-compliance").sql,
      );
      assert.deepEqual([...new Set(rows.map((r) => r.compliance_mode))], ["(untagged)"]);
    });
  });

  describe("saved query: non-compliant machines with their findings", () => {
    it("returns every NON_COMPLIANT item of acme's live machines, worst first", async () => {
      const base = { accountid: ACCOUNT_A, region: APSE2 };
      const web01 = {
        ...base,
        resourceid: M1,
        computername: "web-01",
        environment: "prod",
        compliance_mode: "report",
      };
      const legacy = {
        ...base,
        resourceid: M4,
        computername: "legacy-01",
        environment: "prod",
        compliance_mode: "report",
      };
      const db01 = {
        accountid: ACCOUNT_A,
        region: USE1,
        resourceid: M3,
        computername: "db-dev-01",
        environment: "dev",
        compliance_mode: "report",
      };
      assert.deepEqual(await db.rows(query(savedQueries(ACME), "noncompliant-machines").sql), [
        {
          ...web01,
          control: "Patch",
          finding_id: "openssl",
          title: "openssl 3.0.8-1.amzn2023 (ALAS2023-2026-101)",
          severity: "CRITICAL",
          severity_rank: 1,
          executiontime: at(0.1),
        },
        {
          ...web01,
          control: "Custom:CIS",
          finding_id: "1.1.1",
          title: "Ensure mounting of cramfs is disabled",
          severity: "HIGH",
          severity_rank: 2,
          executiontime: at(0.1),
        },
        {
          ...legacy,
          control: "Patch",
          finding_id: "curl",
          title: "curl 8.5.0-1",
          severity: "HIGH",
          severity_rank: 2,
          executiontime: at(40.3),
        },
        {
          ...legacy,
          control: "Patch",
          finding_id: "glibc",
          title: "glibc 2.34-100",
          severity: "HIGH",
          severity_rank: 2,
          executiontime: at(40.3),
        },
        {
          ...db01,
          control: "Custom:Antivirus",
          finding_id: "Defender",
          title: "Defender signatures older than 7 days",
          severity: "MEDIUM",
          severity_rank: 3,
          executiontime: at(1.5),
        },
        {
          ...legacy,
          control: "Patch",
          finding_id: "vim",
          title: "vim 9.0.2153",
          severity: "MEDIUM",
          severity_rank: 3,
          executiontime: at(40.3),
        },
      ]);
    });

    it("the view's DDL creates a view with the same findings", async () => {
      await db.exec(query(complianceViews(ACME), "noncompliant_findings").sql);
      const rows = await db.rows(
        `SELECT resourceid, control, finding_id FROM ${DB}.noncompliant_findings ORDER BY severity_rank, resourceid, control, finding_id`,
      );
      assert.deepEqual(
        rows.map((r) => `${r.resourceid} ${r.control} ${r.finding_id}`),
        [
          `${M1} Patch openssl`,
          `${M1} Custom:CIS 1.1.1`,
          `${M4} Patch curl`,
          `${M4} Patch glibc`,
          `${M3} Custom:Antivirus Defender`,
          `${M4} Patch vim`,
        ],
      );
    });
  });

  describe("saved query: one machine's full picture", () => {
    const picture = (id: string, ctx = ACME) =>
      db.rows(query(savedQueries(ctx), "machine-picture").sql, [id]);
    const row = (
      section: string,
      item: string,
      detail: string | null,
      status: string | null = null,
      severity: string | null = null,
    ): Row => ({
      section,
      item,
      detail,
      status,
      severity,
    });

    it("returns identity, tags, summaries, every item and the patch summary of web-01", async () => {
      assert.deepEqual(await picture(M1), [
        row("instance", "ComputerName", "web-01"),
        row("instance", "MachineType", "ManagedInstance"),
        row("instance", "AccountId", ACCOUNT_A),
        row("instance", "Region", APSE2),
        row("instance", "PlatformType", "Linux"),
        row("instance", "PlatformName", "Amazon Linux"),
        row("instance", "PlatformVersion", "2023"),
        row("instance", "IpAddress", "10.0.1.11"),
        row("instance", "AgentVersion", "3.3.987.0"),
        row("instance", "InstanceStatus", "Active"),
        row("instance", "Environment", "prod"),
        row("instance", "ComplianceMode", "report"),
        row("instance", "CaptureTime", at(0.1)),
        row("tag", "ComplianceMode", "report"),
        row("tag", "Environment", "prod"),
        row("tag", "HybridFleet", "acme"),
        row("tag", "Name", "web-01"),
        row("compliance", "Custom:Antivirus", at(0.1), "COMPLIANT", "UNSPECIFIED"),
        row("compliance", "Custom:CIS", at(0.1), "NON_COMPLIANT", "HIGH"),
        row("compliance", "Patch", at(0.1), "NON_COMPLIANT", "CRITICAL"),
        row(
          "finding",
          "Custom:Antivirus ClamAV",
          "ClamAV running, signatures current",
          "COMPLIANT",
          "HIGH",
        ),
        row(
          "finding",
          "Custom:CIS 1.1.1",
          "Ensure mounting of cramfs is disabled",
          "NON_COMPLIANT",
          "HIGH",
        ),
        row(
          "finding",
          "Custom:CIS 5.2.1",
          "Ensure permissions on sshd_config",
          "COMPLIANT",
          "MEDIUM",
        ),
        row("finding", "Patch bash", "bash 5.2.15-1.amzn2023", "COMPLIANT", "HIGH"),
        row(
          "finding",
          "Patch openssl",
          "openssl 3.0.8-1.amzn2023 (ALAS2023-2026-101)",
          "NON_COMPLIANT",
          "CRITICAL",
        ),
        row("patch", "MissingCount", "1"),
        row("patch", "FailedCount", "0"),
        row("patch", "InstalledCount", "120"),
        row("patch", "InstalledPendingRebootCount", "0"),
        row("patch", "CriticalNonCompliantCount", "1"),
        row("patch", "OperationType", "Scan"),
        row("patch", "OperationEndTime", at(0.1)),
        row("patch", "BaselineId", "pb-0123456789abcdef0"),
      ]);
    });

    it("knows an EC2 instance by its ID, and shows no patch section without a patch summary", async () => {
      const rows = await picture(M2);
      assert.deepEqual(rows[1], row("instance", "MachineType", "EC2Instance"));
      assert.deepEqual(
        [...new Set(rows.map((r) => r.section))],
        ["instance", "tag", "compliance", "finding"],
      );
      assert.equal(rows.length, 13 + 3 + 3 + 3);
    });

    it("shows nothing for a machine outside the fleet or an unknown ID", async () => {
      assert.deepEqual(await picture(M7), []);
      assert.deepEqual(await picture("mi-00000000000000000"), []);
      assert.equal((await picture(M7, ALL)).length, 13 + 3 + 1 + 1, "3 tags, 1 summary, 1 item");
    });
  });

  describe("saved query: machines not seen for N days", () => {
    const notSeen = (days: number) => db.rows(query(savedQueries(ACME), "not-seen").sql, [days]);

    it("N = 7: old-dev-01 (100 d), legacy-01 (40 d), kiosk-01 (10 d), oldest first", async () => {
      assert.deepEqual(await notSeen(7), [
        {
          accountid: ACCOUNT_A,
          region: USE1,
          resourceid: M5,
          computername: "old-dev-01",
          environment: "dev",
          compliance_mode: "enforce",
          instancestatus: "Terminated",
          last_seen: at(100.4),
          days_since_seen: 100,
        },
        {
          accountid: ACCOUNT_A,
          region: APSE2,
          resourceid: M4,
          computername: "legacy-01",
          environment: "prod",
          compliance_mode: "report",
          instancestatus: "ConnectionLost",
          last_seen: at(40.3),
          days_since_seen: 40,
        },
        {
          accountid: ACCOUNT_B,
          region: APSE2,
          resourceid: M6,
          computername: "kiosk-01",
          environment: "dev",
          compliance_mode: "(untagged)",
          instancestatus: "Active",
          // The compliance capture, 0.5 s after the inventory one, though "….500Z" < "…Z".
          last_seen: at(10.2).replace(/Z$/, ".500Z"),
          days_since_seen: 10,
        },
      ]);
    });

    it("uses the newest capture: app-01's inventory is 20 days old but its compliance is fresh", async () => {
      const ids = (await notSeen(1)).map((r) => r.resourceid);
      assert.deepEqual(ids, [M5, M4, M6, M3]);
      assert.ok(!ids.includes(M2));
    });

    it("N = 30 and N = 200", async () => {
      assert.deepEqual(
        (await notSeen(30)).map((r) => r.resourceid),
        [M5, M4],
      );
      assert.deepEqual(await notSeen(200), []);
    });
  });

  describe("literals", () => {
    it("sqlString round-trips any string through the SQL engine (quotes doubled)", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.string({ unit: "grapheme", maxLength: 40 }).filter((x) => !x.includes("\0")),
          async (x) => {
            assert.deepEqual(await db.rows(`SELECT ${sqlString(x)} AS v`), [{ v: x }]);
          },
        ),
        { numRuns: 200, examples: [["'"], ["a''b"], ["x' OR '1'='1"]] },
      );
    });
  });

  describe("every view's DDL runs", () => {
    it("creates all views; instance_context has one row per acme machine", async () => {
      for (const v of complianceViews(ACME)) await db.exec(v.sql);
      const rows = await db.rows(
        `SELECT resourceid, machine_type, environment, compliance_mode, fleet FROM ${DB}.instance_context ORDER BY resourceid`,
      );
      assert.deepEqual(
        rows.map((r) => [r.resourceid, r.machine_type, r.environment, r.compliance_mode, r.fleet]),
        [
          [M2, "EC2Instance", "prod", "enforce", "acme"],
          [M1, "ManagedInstance", "prod", "report", "acme"],
          [M3, "ManagedInstance", "dev", "report", "acme"],
          [M4, "ManagedInstance", "prod", "report", "acme"],
          [M5, "ManagedInstance", "dev", "enforce", "acme"],
          [M6, "ManagedInstance", "dev", "(untagged)", "acme"],
          ["mi-0a1b2c3d4e5f60008", "ManagedInstance", "prod", "report", "acme"],
        ],
      );
    });
  });
});
