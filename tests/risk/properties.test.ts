/**
 * Properties of the risk model, checked on the deployed SQL in a real DuckDB over generated
 * sync folders (fast-check): accepting never raises risk, adding a finding never lowers it,
 * an expired acceptance scores as none, a mandated control is never accepted, the result
 * does not depend on line order, file order or key casing, and the statements over the
 * snapshot's work table (risk/stage.ts) answer exactly as over the sync tables.
 *
 * One snapshot query takes ~0.3 s in DuckDB whatever the data size (planning dominates on a
 * busy 2-core machine), so each fast-check run writes a batch of independent cases into one
 * sync folder and evaluates them in one DuckDB: case i's machines carry fleet tag `c<i>`, its
 * names are prefixed `c<i>-`, and each of its acceptances also requires the tag
 * HybridFleet=c<i>, which keeps every acceptance inside its case without changing what it
 * matches there. Scores per case are the sums of its machines' scores (the model's fleet
 * score). 2 runs × 25 cases = 50 cases per property.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { BUILTIN_INVENTORY_TYPES, glueTableSpec } from "../../components/sync/complianceSync.sql";
import { Row, SyncDuckdb } from "../../risk/local/duckdb";
import {
  Acceptance,
  DEFAULT_SEVERITY_WEIGHTS,
  RiskControlName,
  type SnapshotStatements,
} from "../../risk/model";
import { registerFiles } from "../../risk/register";
import {
  RISK_TABLE_NAMES,
  RiskSqlContext,
  riskGlueTableSpecs,
  riskStatements,
} from "../../risk/sql";

const NOW = "2026-11-30T12:00:00Z";
const FRESH = "2026-11-30T10:00:00Z";
const STALE = "2026-11-01T10:00:00Z";
const BUCKET = "b";
const ACCOUNT = "111122223333";
const REGION = "ap-southeast-2";
const PREFIX = "ssm-sync";

const CTX: RiskSqlContext = {
  database: "db",
  modeTagKey: "ComplianceMode",
  environmentTagKey: "Environment",
  fleetTagKey: "HybridFleet",
  controls: [
    { name: "patch", complianceType: "Patch", severity: "HIGH", mandatory: false },
    {
      name: "antivirus",
      complianceType: "Custom:Antivirus",
      severity: "CRITICAL",
      mandatory: true,
    },
    { name: "cis", complianceType: "Custom:CIS", severity: "MEDIUM", mandatory: false },
  ],
  weights: DEFAULT_SEVERITY_WEIGHTS,
  staleDays: 7,
  topMachines: 1000,
  acceptancesTable: RISK_TABLE_NAMES.acceptances,
  scopesTable: RISK_TABLE_NAMES.scopes,
  historyTable: RISK_TABLE_NAMES.history,
};
const STATEMENTS = riskStatements(CTX);
const SPECS = [
  ...BUILTIN_INVENTORY_TYPES.map((t) =>
    glueTableSpec(t, {
      bucketName: BUCKET,
      prefix: PREFIX,
      accountIds: [ACCOUNT],
      regions: [REGION],
    }),
  ),
  ...riskGlueTableSpecs({ bucketName: BUCKET }),
];

interface Item {
  readonly id: string;
  readonly status: "COMPLIANT" | "NON_COMPLIANT";
  readonly severity: string;
}
interface TypeData {
  readonly type: string;
  readonly fresh: boolean;
  readonly items: readonly Item[];
  /** Whether the type's summary line is written (a type with items may lack one). */
  readonly summary?: boolean;
}
interface Machine {
  readonly nameTag: boolean;
  readonly environment: string;
  readonly mode: string;
  readonly seen: boolean;
  readonly terminated: boolean;
  readonly types: readonly TypeData[];
}
interface Case {
  readonly machines: readonly Machine[];
  readonly acceptances: readonly Acceptance[];
}

const ITEM_IDS = ["KB1", "KB10", "KB2", "1.1.1", "5.2"];
const SEVERITY = fc.constantFrom(
  "CRITICAL",
  "HIGH",
  "MEDIUM",
  "LOW",
  "INFORMATIONAL",
  "UNSPECIFIED",
  "Important",
);
const TYPES = ["Patch", "Custom:Antivirus", "Custom:CIS", "Association"];

const typeData = (type: string) =>
  fc
    .record({
      type: fc.constant(type),
      fresh: fc.boolean(),
      items: fc.uniqueArray(
        fc.record({
          id: fc.constantFrom(...ITEM_IDS),
          status: fc.constantFrom("COMPLIANT" as const, "NON_COMPLIANT" as const),
          severity: SEVERITY,
        }),
        { selector: (i) => i.id, maxLength: 3 },
      ),
      summary: fc.boolean(),
    })
    // Without items or summary the type would not be reported at all.
    .map((t) => (t.items.length === 0 ? { ...t, summary: true } : t));

const machineArb = () =>
  fc.record({
    nameTag: fc.boolean(),
    environment: fc.constantFrom("prod", "dev"),
    mode: fc.constantFrom("report", "enforce"),
    seen: fc.boolean(),
    terminated: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
    types: fc.subarray(TYPES).chain((ts) => fc.tuple(...ts.map(typeData))),
  });

/** Names an acceptance may list: Name tags, computer names, and `id-<n>` = machine n's ID. */
const NAMES = ["m0", "m1", "m2", "host-0", "host-1", "id-1"];
const expiry = fc.constantFrom("2026-11-01T00:00:00Z", "2027-01-01T00:00:00Z");

function acceptanceArb(id: string, expiresAt: fc.Arbitrary<string> = expiry) {
  return fc.record(
    {
      id: fc.constant(id),
      control: fc.constantFrom<RiskControlName>("patch", "antivirus", "cis"),
      findingPattern: fc.constantFrom("KB.*", "KB1", "no-data", "1\\..*", ".*"),
      names: fc.subarray(NAMES, { minLength: 1 }),
      tags: fc.constantFrom<Record<string, string>>(
        { Environment: "prod" },
        { Environment: "dev", ComplianceMode: "report" },
        { ComplianceMode: "enforce" },
      ),
      reason: fc.constant("r"),
      approver: fc.constant("a"),
      expiresAt,
    },
    { requiredKeys: ["id", "control", "reason", "approver", "expiresAt"] },
  ) as fc.Arbitrary<Acceptance>;
}

const caseArb: fc.Arbitrary<Case> = fc
  .integer({ min: 1, max: 4 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, () => machineArb())))
  .chain((machines) =>
    fc.record({
      machines: fc.constant(machines as Machine[]),
      acceptances: fc
        .integer({ min: 0, max: 3 })
        .chain((k) => fc.tuple(...Array.from({ length: k }, (_, i) => acceptanceArb(`acc-${i}`)))),
    }),
  );

type Casing = "pascal" | "camel" | "lower";
function cased(key: string, casing: Casing): string {
  if (casing === "lower") return key.toLowerCase();
  if (casing === "camel") return key[0].toLowerCase() + key.slice(1);
  return key;
}

/** How a case is written: line order, machine (file) order, and key casing per line. */
interface Layout {
  readonly casing: (line: number) => Casing;
  readonly shuffle: <T>(list: readonly T[]) => T[];
}
const PLAIN: Layout = { casing: () => "pascal", shuffle: (l) => [...l] };

function machineId(caseIndex: number, n: number): string {
  return `mi-${(caseIndex * 16 + n).toString(16).padStart(17, "0")}`;
}

/** An acceptance of case i as the batch writes it (see the header). */
function inCase(a: Acceptance, i: number): Acceptance {
  const name = (n: string) =>
    n.startsWith("id-") ? machineId(i, Number(n.slice(3))) : `c${i}-${n}`;
  return {
    ...a,
    id: `c${i}-${a.id}`,
    ...(a.names ? { names: a.names.map(name) } : {}),
    tags: { ...a.tags, HybridFleet: `c${i}` },
  };
}

function writeCases(root: string, cases: readonly Case[], layout: Layout): void {
  let n = 0;
  const line = (attrs: Record<string, string>, id: string, time: string): string => {
    const casing = layout.casing(n++);
    const o: Record<string, string> = {};
    for (const [k, v] of Object.entries({
      ...attrs,
      ResourceId: id,
      CaptureTime: time,
      SchemaVersion: "1.0",
    })) {
      o[cased(k, casing)] = v;
    }
    return JSON.stringify(o);
  };
  const write = (type: string, id: string, lines: string[]) => {
    const dir = path.join(
      root,
      PREFIX,
      type,
      `accountid=${ACCOUNT}`,
      `region=${REGION}`,
      "resourcetype=ManagedInstanceInventory",
    );
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, `${id}.json`),
      layout
        .shuffle(lines)
        .map((l) => `${l}\n`)
        .join(""),
    );
  };
  const machines = cases.flatMap((c, ci) => c.machines.map((m, mi) => ({ ci, mi, m })));
  for (const { ci, mi, m } of layout.shuffle(machines)) {
    const id = machineId(ci, mi);
    const time = m.seen ? FRESH : STALE;
    write("AWS:InstanceInformation", id, [
      line(
        {
          ComputerName: `c${ci}-host-${mi}`,
          InstanceStatus: m.terminated ? "Terminated" : "Active",
        },
        id,
        time,
      ),
    ]);
    const tags: Record<string, string> = {
      Environment: m.environment,
      ComplianceMode: m.mode,
      HybridFleet: `c${ci}`,
    };
    if (m.nameTag) tags.Name = `c${ci}-m${mi}`;
    write(
      "AWS:Tag",
      id,
      Object.entries(tags).map(([Key, Value]) => line({ Key, Value }, id, time)),
    );
    const items: string[] = [];
    const summaries: string[] = [];
    for (const t of m.types) {
      const ttime = t.fresh ? FRESH : STALE;
      for (const it of t.items) {
        items.push(
          line(
            {
              ComplianceType: t.type,
              Id: it.id,
              Title: `t ${it.id}`,
              Status: it.status,
              Severity: it.severity,
            },
            id,
            ttime,
          ),
        );
      }
      if (t.summary !== false) {
        summaries.push(line({ ComplianceType: t.type, Status: "COMPLIANT" }, id, ttime));
      }
    }
    if (items.length) write("AWS:ComplianceItem", id, items);
    if (summaries.length) write("AWS:ComplianceSummary", id, summaries);
  }
  const register = cases.flatMap((c, ci) => c.acceptances.map((a) => inCase(a, ci)));
  for (const [key, body] of Object.entries(registerFiles(register))) {
    const file = path.join(root, "risk-register", key);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const lines = body.split("\n").filter((l) => l !== "");
    fs.writeFileSync(
      file,
      layout
        .shuffle(lines)
        .map((l) => `${l}\n`)
        .join(""),
    );
  }
}

/** What one case scores. */
interface Result {
  /** Sum of its machines' scores and open counts. */
  readonly score: number;
  readonly open: number;
  /** Per machine (by machine index), its top_machines row. */
  readonly machines: Record<number, Row>;
  /** Every finding of its machines, sorted. */
  readonly findings: Row[];
}

async function evaluate(cases: readonly Case[], layout: Layout = PLAIN): Promise<Result[]> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "risk-prop-"));
  try {
    writeCases(root, cases, layout);
    const db = await SyncDuckdb.open(root, BUCKET, CTX.database, SPECS);
    try {
      await db.insertInto(STATEMENTS.prepare);
      const results = cases.map(() => ({
        score: 0,
        open: 0,
        machines: {} as Record<number, Row>,
        findings: [] as Row[],
      }));
      const where = (id: string) => {
        const n = parseInt(id.slice(3), 16);
        return { ci: Math.floor(n / 16), mi: n % 16 };
      };
      for (const r of await db.rows(STATEMENTS.selects.top_machines, [NOW])) {
        const { ci, mi } = where(r.resource_id as string);
        results[ci].machines[mi] = r;
        results[ci].score += r.score as number;
        results[ci].open += r.open as number;
      }
      for (const r of await db.rows(STATEMENTS.selects.top_machine_findings, [NOW])) {
        results[where(r.resource_id as string).ci].findings.push(r);
      }
      for (const x of results) {
        x.findings.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
      }
      return results;
    } finally {
      db.close();
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/**
 * Every SELECT's rows and the history rows of one batch, by `statements` (after their
 * `prepare`, which the statements over the sync tables do not need but run harmlessly).
 */
async function allRows(
  cases: readonly Case[],
  statements: SnapshotStatements,
): Promise<Record<string, Row[]>> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "risk-prop-"));
  try {
    writeCases(root, cases, PLAIN);
    const db = await SyncDuckdb.open(root, BUCKET, CTX.database, SPECS);
    try {
      await db.insertInto(statements.prepare);
      await db.insertInto(statements.score, [NOW]);
      await db.insertInto(statements.appendHistory, [NOW]);
      const out: Record<string, Row[]> = {};
      for (const [key, sql] of Object.entries(statements.selects)) {
        out[key] = await db.rows(sql, [NOW]);
      }
      return out;
    } finally {
      db.close();
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

const score = (r: Row) => r.score as number;
const CASES = 25;
// No shrinking: one evaluation takes seconds, and the failing case is named by its index.
const RUNS = { numRuns: 2, endOnFailure: true };
const batch = <T>(arb: fc.Arbitrary<T>) => fc.array(arb, { minLength: CASES, maxLength: CASES });
const FUTURE = "2027-01-01T00:00:00Z";

describe("risk model properties (fast-check, DuckDB, 2 runs x 25 cases each)", function () {
  this.timeout(300_000);

  it("accepting never raises risk (fleet and every machine)", async () => {
    await fc.assert(
      fc.asyncProperty(
        batch(fc.tuple(caseArb, acceptanceArb("zz-new", fc.constant(FUTURE)))),
        async (pairs) => {
          const before = await evaluate(pairs.map(([c]) => c));
          const after = await evaluate(
            pairs.map(([c, a]) => ({ ...c, acceptances: [...c.acceptances, a] })),
          );
          before.forEach((b, i) => {
            assert.ok(after[i].score <= b.score, `case ${i}`);
            for (const [mi, m] of Object.entries(b.machines)) {
              assert.ok(
                score(after[i].machines[Number(mi)]) <= score(m),
                `case ${i} machine ${mi}`,
              );
            }
          });
        },
      ),
      RUNS,
    );
  });

  it("adding a finding never lowers risk", async () => {
    const withTarget = caseArb.chain((c) =>
      fc.record({
        c: fc.constant(c),
        machine: fc.nat({ max: c.machines.length - 1 }),
        severity: SEVERITY,
        type: fc.nat(),
      }),
    );
    await fc.assert(
      fc.asyncProperty(batch(withTarget), async (targets) => {
        const grown = targets.map(({ c, machine, severity, type }) => {
          const m = c.machines[machine];
          // Into a type the machine already reports (same capture time), or a new
          // non-control type when it reports none.
          const types: TypeData[] = m.types.length
            ? [...m.types]
            : [{ type: "Custom:Other", fresh: true, items: [] }];
          const k = type % types.length;
          types[k] = {
            ...types[k],
            items: [...types[k].items, { id: "new-finding", status: "NON_COMPLIANT", severity }],
          };
          return {
            ...c,
            machines: c.machines.map((x, i) => (i === machine ? { ...m, types } : x)),
          };
        });
        const before = await evaluate(targets.map((t) => t.c));
        const after = await evaluate(grown);
        before.forEach((b, i) => {
          assert.ok(after[i].score >= b.score, `case ${i}`);
          const mi = targets[i].machine;
          if (b.machines[mi]) assert.ok(score(after[i].machines[mi]) >= score(b.machines[mi]));
        });
      }),
      RUNS,
    );
  });

  it("an expired acceptance scores exactly as no acceptance", async () => {
    await fc.assert(
      fc.asyncProperty(
        batch(fc.tuple(caseArb, acceptanceArb("zz-old", fc.constant("2026-11-30T11:59:59Z")))),
        async (pairs) => {
          const before = await evaluate(pairs.map(([c]) => c));
          const after = await evaluate(
            pairs.map(([c, a]) => ({ ...c, acceptances: [...c.acceptances, a] })),
          );
          before.forEach((b, i) => {
            assert.equal(after[i].score, b.score, `case ${i}`);
            assert.equal(after[i].open, b.open, `case ${i}`);
            for (const [mi, m] of Object.entries(b.machines)) {
              assert.equal(
                score(after[i].machines[Number(mi)]),
                score(m),
                `case ${i} machine ${mi}`,
              );
            }
          });
        },
      ),
      RUNS,
    );
  });

  it("a finding of a mandated control is never accepted, whatever the register says", async () => {
    const avAcceptances = fc
      .tuple(acceptanceArb("av-1", fc.constant(FUTURE)), acceptanceArb("av-2"))
      .map((as) => as.map((a) => ({ ...a, control: "antivirus" as const })));
    await fc.assert(
      fc.asyncProperty(batch(fc.tuple(caseArb, avAcceptances)), async (pairs) => {
        const withAv = await evaluate(
          pairs.map(([c, av]) => ({ ...c, acceptances: [...c.acceptances, ...av] })),
        );
        const without = await evaluate(pairs.map(([c]) => ({ ...c, acceptances: [] })));
        const antivirus = (r: Result) => r.findings.filter((f) => f.control === "antivirus");
        withAv.forEach((w, i) => {
          assert.deepEqual(
            antivirus(w).filter((f) => f.state !== "open"),
            [],
            `case ${i}`,
          );
          assert.deepEqual(antivirus(w), antivirus(without[i]), `case ${i}`);
        });
      }),
      RUNS,
    );
  });

  it("results do not depend on line order, file order or key casing", async () => {
    const casings: Casing[] = ["pascal", "camel", "lower"];
    await fc.assert(
      fc.asyncProperty(
        batch(caseArb),
        fc.array(fc.nat(), { minLength: 1, maxLength: 50 }),
        fc.array(fc.constantFrom(...casings), { minLength: 1, maxLength: 7 }),
        async (cases, seeds, casingList) => {
          let s = 0;
          // A shuffle driven by generated numbers, so a failure replays from fast-check's seed.
          const shuffle = <T>(list: readonly T[]): T[] => {
            const out = [...list];
            for (let i = out.length - 1; i > 0; i--) {
              const j = seeds[s++ % seeds.length] % (i + 1);
              [out[i], out[j]] = [out[j], out[i]];
            }
            return out;
          };
          const plain = await evaluate(cases);
          const shuffled = await evaluate(cases, {
            shuffle,
            casing: (n) => casingList[n % casingList.length],
          });
          assert.deepEqual(shuffled, plain);
        },
      ),
      RUNS,
    );
  });
  it("the statements over the work table answer as they do over the sync tables", async () => {
    await fc.assert(
      fc.asyncProperty(batch(caseArb), async (cases) => {
        const direct = riskStatements(CTX, { readSyncTables: true });
        assert.deepEqual(await allRows(cases, STATEMENTS), await allRows(cases, direct));
      }),
      RUNS,
    );
  });
});
