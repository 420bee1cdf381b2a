/**
 * The sample fleet: the exact sync layout, deterministic per seed, machine i independent of
 * the fleet size, the promised mix (modes, environments, silent machines, missing controls,
 * another fleet, key casings), M items per machine, and older states with more findings.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  OTHER_FLEET_NAME,
  SAMPLE_ACCOUNT_ID,
  SAMPLE_FLEET_NAME,
  sampleRiskConfig,
  writeSampleFleet,
} from "../../risk/local/sampleFleet";

const NOW = new Date("2026-11-30T10:00:00Z");
const DAY = 86_400_000;
const LAYOUT =
  /^AWS:(InstanceInformation|Tag|ComplianceItem|ComplianceSummary)\/accountid=111122223333\/region=(ap-southeast-2|us-east-1)\/resourcetype=ManagedInstanceInventory\/(mi-[0-9a-f]{17}|i-[0-9a-f]{17})\.json$/;

/** Every file under root: relative path → content. */
function readTree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else
        out.set(path.relative(root, full).split(path.sep).join("/"), fs.readFileSync(full, "utf8"));
    }
  };
  walk(root);
  return out;
}

type Line = Record<string, string | number>;

/** A key's value whatever its casing (the SerDe lower-cases keys). */
function get(l: Line, key: string): string | number | undefined {
  const k = Object.keys(l).find((x) => x.toLowerCase() === key.toLowerCase());
  return k === undefined ? undefined : l[k];
}

function linesOf(tree: Map<string, string>, type: string): Line[] {
  return [...tree]
    .filter(([f]) => f.startsWith(`${type}/`))
    .flatMap(([, body]) => body.trimEnd().split("\n"))
    .map((l) => JSON.parse(l) as Line);
}

describe("sample fleet generator", () => {
  const dirs: string[] = [];
  const fresh = (): string => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), "risk-sample-"));
    dirs.push(d);
    return d;
  };
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  let tree: Map<string, string>;
  before(() => {
    const root = fresh();
    const w = writeSampleFleet(root, { machines: 400, itemsPerMachine: 12, now: NOW });
    tree = readTree(root);
    assert.equal(w.files, tree.size);
    assert.deepEqual(w.accountIds, [SAMPLE_ACCOUNT_ID]);
    assert.deepEqual(w.regions, ["ap-southeast-2", "us-east-1"]);
    for (const type of Object.keys(w.bytesByType)) {
      const bytes = [...tree]
        .filter(([f]) => f.startsWith(`${type}/`))
        .reduce((n, [, b]) => n + Buffer.byteLength(b), 0);
      assert.equal(w.bytesByType[type], bytes, type);
    }
  });

  it("writes only the sync layout, newline-delimited JSON objects ending in a newline", () => {
    for (const [file, body] of tree) {
      assert.match(file, LAYOUT);
      assert.ok(body.endsWith("\n"), file);
      for (const l of body.trimEnd().split("\n")) {
        const v = JSON.parse(l) as unknown;
        assert.ok(typeof v === "object" && v !== null && !Array.isArray(v), file);
      }
    }
  });

  it("is deterministic per seed, and machine i does not depend on the fleet size", () => {
    const again = fresh();
    writeSampleFleet(again, { machines: 400, itemsPerMachine: 12, now: NOW });
    assert.deepEqual(readTree(again), tree);
    const fewer = readTree(
      (() => {
        const d = fresh();
        writeSampleFleet(d, { machines: 50, itemsPerMachine: 12, now: NOW });
        return d;
      })(),
    );
    assert.ok(fewer.size > 0 && fewer.size < tree.size);
    for (const [file, body] of fewer) assert.equal(tree.get(file), body, file);
    const other = fresh();
    writeSampleFleet(other, { machines: 50, itemsPerMachine: 12, now: NOW, seed: 2 });
    assert.equal([...readTree(other).keys()].filter((f) => fewer.has(f)).length, 0);
  });

  it("has one InstanceInformation line and Name, Environment, HybridFleet tags per machine", () => {
    const info = linesOf(tree, "AWS:InstanceInformation");
    assert.equal(info.length, 400);
    const tags = linesOf(tree, "AWS:Tag");
    for (const key of ["Name", "Environment", "HybridFleet"]) {
      assert.equal(tags.filter((t) => get(t, "key") === key).length, 400, key);
    }
  });

  it("mixes modes, environments, fleets, statuses and key casings", () => {
    const tags = linesOf(tree, "AWS:Tag");
    const values = (key: string) =>
      tags.filter((t) => get(t, "key") === key).map((t) => String(get(t, "value")));
    const count = (xs: string[]) =>
      xs.reduce<Record<string, number>>((o, x) => ({ ...o, [x]: (o[x] ?? 0) + 1 }), {});
    const modes = count(values("ComplianceMode"));
    assert.ok(modes.report > 150 && modes.enforce > 100, JSON.stringify(modes));
    assert.ok(400 - modes.report - modes.enforce > 0, "some machines have no mode tag");
    const envs = count(values("Environment"));
    assert.ok(envs.prod > 150 && envs.dev > 100, JSON.stringify(envs));
    const fleets = count(values("HybridFleet"));
    assert.ok(fleets[SAMPLE_FLEET_NAME] > 350 && fleets[OTHER_FLEET_NAME] > 0);
    const statuses = count(
      linesOf(tree, "AWS:InstanceInformation").map((l) => String(get(l, "InstanceStatus"))),
    );
    assert.ok(statuses.Active > 350 && statuses.Terminated > 0 && statuses.ConnectionLost > 0);
    const idKeys = new Set(tags.map((t) => Object.keys(t).find((k) => /^resourceid$/i.test(k))));
    assert.deepEqual([...idKeys].sort(), ["ResourceId", "resourceId", "resourceid"]);
    const counts = linesOf(tree, "AWS:ComplianceSummary").map(
      (l) => typeof get(l, "NonCompliantHighCount"),
    );
    assert.ok(counts.includes("number") && counts.includes("string"));
  });

  it("has machines not seen for over a week, and machines with no data for a control", () => {
    const seen = new Map<string, number>();
    for (const l of linesOf(tree, "AWS:InstanceInformation")) {
      seen.set(String(get(l, "resourceid")), Date.parse(String(get(l, "capturetime"))));
    }
    const silent = [...seen.values()].filter((t) => NOW.getTime() - t > 7 * DAY).length;
    assert.ok(silent >= 5 && silent < 40, `${silent} silent`);
    const types = new Map<string, Set<string>>();
    for (const l of linesOf(tree, "AWS:ComplianceSummary")) {
      const id = String(get(l, "resourceid"));
      types.set(id, (types.get(id) ?? new Set()).add(String(get(l, "compliancetype"))));
    }
    const lacking = (t: string) => [...seen.keys()].filter((id) => !types.get(id)?.has(t));
    assert.ok(lacking("Custom:CIS").length > 0 && lacking("Custom:Antivirus").length > 0);
    assert.equal(lacking("Patch").length, 0);
  });

  it("writes M items per machine, minus a control it has no data for", () => {
    const perMachine = new Map<string, number>();
    for (const l of linesOf(tree, "AWS:ComplianceItem")) {
      const id = String(get(l, "resourceid"));
      perMachine.set(id, (perMachine.get(id) ?? 0) + 1);
    }
    const sizes = new Set(perMachine.values());
    // 12 items: 1 anti-virus, 1 association, 5 patch, 5 CIS.
    assert.deepEqual([...sizes].sort(), [11, 12, 7]);
  });

  it("summaries agree with the items (status and per-severity counts)", () => {
    const items = linesOf(tree, "AWS:ComplianceItem");
    const nc = items.filter((l) => get(l, "status") === "NON_COMPLIANT");
    assert.ok(nc.length > 100);
    const byType = new Map<string, Line[]>();
    for (const l of items) {
      const key = `${get(l, "resourceid")} ${get(l, "compliancetype")}`;
      byType.set(key, [...(byType.get(key) ?? []), l]);
    }
    for (const s of linesOf(tree, "AWS:ComplianceSummary")) {
      const mine = byType.get(`${get(s, "resourceid")} ${get(s, "compliancetype")}`) ?? [];
      assert.ok(mine.length > 0);
      const high = mine.filter(
        (l) => get(l, "status") === "NON_COMPLIANT" && get(l, "severity") === "HIGH",
      ).length;
      assert.equal(Number(get(s, "NonCompliantHighCount")), high);
      const anyNc = mine.some((l) => get(l, "status") === "NON_COMPLIANT");
      assert.equal(get(s, "status"), anyNc ? "NON_COMPLIANT" : "COMPLIANT");
    }
  });

  it("older states have every finding of today's and more (a fleet being patched)", () => {
    const findings = (daysAgo: number): Set<string> => {
      const d = fresh();
      writeSampleFleet(d, { machines: 200, itemsPerMachine: 12, now: NOW, daysAgo });
      return new Set(
        linesOf(readTree(d), "AWS:ComplianceItem")
          .filter((l) => get(l, "status") === "NON_COMPLIANT")
          .map((l) => `${get(l, "resourceid")} ${get(l, "compliancetype")} ${get(l, "id")}`),
      );
    };
    const today = findings(0);
    const earlier = findings(3);
    assert.ok(earlier.size > today.size);
    for (const f of today) assert.ok(earlier.has(f), f);
  });

  it("refuses sizes it cannot honour, naming the option", () => {
    assert.throws(
      () => writeSampleFleet(fresh(), { machines: 0, now: NOW }),
      /^Error: machines must be a whole number ≥ 1, got 0$/,
    );
    assert.throws(
      () => writeSampleFleet(fresh(), { machines: 1, itemsPerMachine: 3, now: NOW }),
      /^Error: itemsPerMachine must be a whole number ≥ 4, got 3$/,
    );
  });

  it("its risk config has a mandated control and active, expiring and expired acceptances", () => {
    const config = sampleRiskConfig(NOW);
    assert.deepEqual(
      config.controls.map((c) => [c.name, c.severity, c.mandatory]),
      [
        ["patch", "HIGH", false],
        ["antivirus", "HIGH", true],
        ["cis", "MEDIUM", false],
      ],
    );
    const days = config.acceptances.map((a) => (Date.parse(a.expiresAt) - NOW.getTime()) / DAY);
    assert.deepEqual(days, [200, 20, -10]);
    for (const a of config.acceptances) {
      assert.ok(!config.controls.find((c) => c.name === a.control)?.mandatory, a.id);
    }
  });
});
