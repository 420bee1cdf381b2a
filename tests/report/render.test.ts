/**
 * The HTML report as a pure function: escaping, self-containment, the numbers it shows, empty
 * and history-less fleets, every section, determinism. The Chromium test (chromium.test.ts)
 * proves the same file in a real browser.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fc from "fast-check";
import * as path from "path";
import { escapeHtml } from "../../report/escape";
import { daysBetween, formatNumber, formatPercent, formatTime } from "../../report/format";
import { environmentModeCells, renderReport } from "../../report/render";
import { RiskSnapshot } from "../../risk/model";
import {
  HOSTILE_MARKER,
  ShownMetric,
  emptySnapshot,
  expectedMetrics,
  loadSnapshot,
  shownNumber,
  sortMetrics,
} from "./support";

const unescape = (s: string): string =>
  s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#96;/g, "`")
    .replace(/&amp;/g, "&");

/** The numbers a rendered report shows, read from its `data-metric` elements. */
function shownMetrics(html: string): ShownMetric[] {
  const out: ShownMetric[] = [];
  for (const m of html.matchAll(/<(\w+) ([^>]*data-metric="[^"]*"[^>]*)>([^<]*)/g)) {
    const attr = (name: string): string | null => {
      const a = new RegExp(` ?${name}="([^"]*)"`).exec(m[2]);
      return a ? unescape(a[1]) : null;
    };
    out.push([attr("data-metric")!, attr("data-key"), shownNumber(attr("data-value") ?? m[3])]);
  }
  return sortMetrics(out);
}

/**
 * The document's structure: every tag with its attribute names, in order. Values cannot
 * change it unless one escapes its text or attribute.
 */
function structure(html: string): string[] {
  return [...html.matchAll(/<[^>]*>/g)].map((t) => {
    const name = /^<\/?[^\s/>]*/.exec(t[0])![0];
    const attrs = [...t[0].matchAll(/\s([^\s="]+)(?:="[^"]*")?/g)].map((a) => a[1]);
    return [name, ...attrs].join(" ");
  });
}

/** Only the tags of a document (where an escaping bug would show), text left out. */
const tags = (html: string): string => [...html.matchAll(/<[^>]*>/g)].map((t) => t[0]).join("\n");

/** The snapshot with every value that comes from machines or config passed through `f`. */
function mapText(s: RiskSnapshot, f: (v: string) => string): RiskSnapshot {
  return {
    ...s,
    fleet: f(s.fleet),
    controls: s.controls.map((c) => ({
      ...c,
      control: f(c.control),
      complianceType: f(c.complianceType),
    })),
    breakdown: s.breakdown.map((b) => ({
      ...b,
      environment: f(b.environment),
      mode: f(b.mode),
      control: f(b.control),
    })),
    topMachines: s.topMachines.map((m) => ({
      ...m,
      resourceId: f(m.resourceId),
      name: f(m.name),
      environment: f(m.environment),
      mode: f(m.mode),
      findings: m.findings.map((x) => ({
        ...x,
        control: f(x.control),
        complianceType: f(x.complianceType),
        findingId: f(x.findingId),
        title: f(x.title),
        ...(x.acceptanceId === undefined ? {} : { acceptanceId: f(x.acceptanceId) }),
      })),
    })),
    acceptances: s.acceptances.map((a) => ({
      ...a,
      id: f(a.id),
      control: f(a.control),
      reason: f(a.reason),
      approver: f(a.approver),
    })),
    notSeen: s.notSeen.map((n) => ({
      ...n,
      resourceId: f(n.resourceId),
      name: f(n.name),
      environment: f(n.environment),
      mode: f(n.mode),
    })),
    unreadableFiles: s.unreadableFiles.map((u) => ({ file: f(u.file), problem: f(u.problem) })),
    history: s.history.map((h) => ({
      ...h,
      capturedAt: Number.isNaN(Date.parse(h.capturedAt)) ? f(h.capturedAt) : h.capturedAt,
    })),
  };
}

const SECTIONS = [
  "summary",
  "coverage",
  "breakdown",
  "machines",
  "accepted",
  "expiring",
  "notseen",
  "unreadable",
  "captured",
];
const sectionIds = (html: string): string[] =>
  [...html.matchAll(/<section id="([^"]+)"/g)].map((m) => m[1]);

describe("report: renderReport", () => {
  const sample = loadSnapshot("snapshot");
  const hostile = loadSnapshot("snapshot-hostile");

  describe("escaping", () => {
    it("escapes the five HTML specials and the backtick", () => {
      const table: [string, string][] = [
        ["plain", "plain"],
        ["<script>", "&lt;script&gt;"],
        ['"onload="x', "&quot;onload=&quot;x"],
        ["' onmouseover='y", "&#39; onmouseover=&#39;y"],
        ["a & b", "a &amp; b"],
        ["&amp;", "&amp;amp;"],
        ["`${x}`", "&#96;${x}&#96;"],
      ];
      for (const [input, want] of table) assert.equal(escapeHtml(input), want, input);
    });

    it("hostile values in every user-supplied field leave the document's tags and attributes unchanged", () => {
      // The same snapshot with every user value replaced by its (injective, harmless) hex.
      const hex = (v: string): string => `x${Buffer.from(v).toString("hex")}`;
      const html = renderReport(hostile);
      assert.deepEqual(structure(html), structure(renderReport(mapText(hostile, hex))));
      for (const tag of structure(html)) {
        const [name, ...attrs] = tag.split(" ");
        assert.doesNotMatch(name, /^<(script|img|iframe|object|embed|link)$/i, tag);
        for (const a of attrs) assert.doesNotMatch(a, /^on/i, tag);
      }
      assert.ok(html.includes(escapeHtml("<script>window.__pwned='script'</script>")));
      assert.ok(html.includes(escapeHtml("Tom &amp; Jerry &lt;b&gt; &#60;i&#62;")));
      assert.ok(html.split(HOSTILE_MARKER).length > 20, "the hostile values are all shown");
    });

    it("property: any text in any user-supplied field leaves the structure unchanged and is shown escaped", () => {
      const want = structure(renderReport(sample));
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string({ unit: "binary" }),
            fc.constantFrom('"><script>x</script>', "' x='", "</style>", "&lt;", "<!--", "]]>"),
          ),
          (text) => {
            const html = renderReport(mapText(sample, (v) => `${text}|${v}`));
            assert.deepEqual(structure(html), want);
            assert.ok(html.includes(escapeHtml(`${text}|${sample.topMachines[0].name}`)));
          },
        ),
        { numRuns: 60 },
      );
    });
  });

  describe("contents", () => {
    it("has every section, in order, and the capture times", () => {
      const html = renderReport(sample);
      assert.deepEqual(sectionIds(html), SECTIONS);
      assert.match(html, /<time datetime="2026-11-30T10:00:00Z">2026-11-30 10:00 UTC<\/time>/);
      assert.ok(html.includes("2026-11-21 03:00 UTC to 2026-11-30 09:30 UTC"));
      assert.ok(html.includes("<title>Risk report · acme-prod</title>"));
    });

    it("leaves out the unreadable-files section when every file was read", () => {
      const html = renderReport({ ...sample, unreadableFiles: [] });
      assert.deepEqual(
        sectionIds(html),
        SECTIONS.filter((s) => s !== "unreadable"),
      );
    });

    it("shows exactly the snapshot's numbers (data-metric)", () => {
      assert.deepEqual(shownMetrics(renderReport(sample)), expectedMetrics(sample));
      assert.deepEqual(shownMetrics(renderReport(hostile)), expectedMetrics(hostile));
    });

    it("lists every finding of every top machine in its drill-down, closed until clicked", () => {
      const html = renderReport(sample);
      const drill = [...html.matchAll(/<details class="machine"[^>]*>([\s\S]*?)<\/details>/g)];
      assert.equal(drill.length, sample.topMachines.length);
      sample.topMachines.forEach((m, i) => {
        const rows = [...drill[i][1].matchAll(/<tr class="finding" data-state="([^"]+)">/g)];
        assert.deepEqual(
          rows.map((r) => r[1]),
          m.findings.map((f) => f.state),
          m.name,
        );
        for (const f of m.findings) assert.ok(drill[i][1].includes(escapeHtml(f.findingId)));
      });
      assert.doesNotMatch(html, /<details[^>]* open/);
    });

    it("marks mandated controls and lists expired and expiring acceptances with approver and reason", () => {
      const html = renderReport(sample);
      assert.match(html, /patch <tspan class="mandated">MANDATED<\/tspan>/);
      const expiring = /<section id="expiring"[\s\S]*?<\/section>/.exec(html)![0];
      assert.deepEqual(
        [...expiring.matchAll(/data-acceptance-id="([^"]+)"/g)].map((m) => m[1]),
        ["ACC-2026-003", "ACC-2026-021"],
      );
      assert.ok(expiring.includes("expired 29 days ago"));
      assert.ok(expiring.includes("in 14 days"));
      assert.ok(expiring.includes("a.smith@example.com"));
      assert.ok(expiring.includes("Temporary exception for the migration window"));
    });

    it("is self-contained: no script, no external reference, a CSP that forbids both", () => {
      const html = renderReport(hostile);
      assert.doesNotMatch(tags(html), /<script|<link|<iframe|<object|<embed|@import|url\(/i);
      assert.doesNotMatch(tags(html), /\s(src|href|action|formaction|srcset|xlink:href)=/i);
      const urls = [...html.matchAll(/https?:\/\/[^\s"'<>]+/g)].map((m) => m[0]);
      assert.deepEqual([...new Set(urls)], ["http://www.w3.org/2000/svg"]);
      assert.match(
        html,
        /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">/,
      );
    });
  });

  describe("edge cases", () => {
    it("an empty fleet renders every section with zeros and notes, never NaN or undefined", () => {
      const s = emptySnapshot();
      const html = renderReport(s);
      assert.deepEqual(
        sectionIds(html),
        SECTIONS.filter((x) => x !== "unreadable"),
      );
      assert.doesNotMatch(html, /NaN|undefined|null|Infinity/);
      for (const empty of [
        "history",
        "controls",
        "breakdown",
        "machines",
        "acceptances",
        "notSeen",
      ])
        assert.ok(html.includes(`data-empty="${empty}"`), empty);
      assert.ok(html.includes("no compliance data"));
      assert.deepEqual(shownMetrics(html), expectedMetrics(s));
    });

    it("no history: a note instead of the trend chart; one point: a dot and no line", () => {
      const none = renderReport({ ...sample, history: [] });
      assert.ok(none.includes('data-empty="history"'));
      assert.doesNotMatch(none, /class="chart trend"/);
      const one = renderReport({ ...sample, history: sample.history.slice(-1) });
      assert.equal(one.match(/class="trend-dot"/g)?.length, 1);
      assert.doesNotMatch(one, /class="trend-(line|area)"/);
    });

    it("an unparseable history time falls back to even spacing instead of breaking the chart", () => {
      const html = renderReport(hostile);
      assert.equal(html.match(/class="trend-dot"/g)?.length, hostile.history.length);
      assert.doesNotMatch(html, /NaN/);
    });
  });

  describe("determinism", () => {
    it("renders the same bytes twice", () => {
      assert.equal(renderReport(sample), renderReport(loadSnapshot("snapshot")));
    });

    it("renders the same bytes in another time zone and locale", function () {
      this.timeout(60_000);
      const script = [
        "const fs = require('fs');",
        `const { renderReport } = require(${JSON.stringify(path.join(__dirname, "../../report/render"))});`,
        `const s = JSON.parse(fs.readFileSync(${JSON.stringify(path.join(__dirname, "../fixtures/risk/snapshot.json"))}, 'utf8'));`,
        "process.stdout.write(renderReport(s));",
      ].join("\n");
      const run = spawnSync(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", "-e", script],
        {
          env: {
            ...process.env,
            TZ: "Pacific/Chatham",
            LANG: "de_DE.UTF-8",
            LC_ALL: "de_DE.UTF-8",
          },
          encoding: "utf8",
          cwd: path.join(__dirname, "../.."),
        },
      );
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stdout, renderReport(sample));
    });
  });

  describe("helpers", () => {
    it("formats numbers, percentages and times without locale or zone", () => {
      const table: [number, string][] = [
        [0, "0"],
        [7, "7"],
        [1234, "1,234"],
        [1234567.5, "1,234,567.5"],
        [0.25, "0.25"],
        [-1500, "-1,500"],
        [NaN, "–"],
      ];
      for (const [n, want] of table) assert.equal(formatNumber(n), want, String(n));
      assert.equal(formatPercent(37.5), "37.5");
      assert.equal(formatPercent(100), "100.0");
      assert.equal(formatTime("2026-11-30T23:59:59.999+13:45"), "2026-11-30 10:14 UTC");
      assert.equal(formatTime(null), "never");
      assert.equal(formatTime("yesterday"), "yesterday");
      assert.equal(daysBetween("2026-11-30T10:00:00Z", "2026-11-01T00:00:00Z"), -29);
      assert.equal(daysBetween("x", "2026-11-01T00:00:00Z"), null);
    });

    it("folds breakdown rows into environment × mode cells, worst first", () => {
      const cells = environmentModeCells(sample.breakdown);
      assert.deepEqual(
        cells.map((c) => [c.environment, c.mode, c.score, c.open, c.bySeverity.CRITICAL ?? 0]),
        [
          ["prod", "report", 27, 5, 1],
          ["dev", "enforce", 17, 3, 1],
          ["prod", "enforce", 16, 3, 1],
          ["dev", "report", 3, 2, 0],
        ],
      );
    });
  });
});
