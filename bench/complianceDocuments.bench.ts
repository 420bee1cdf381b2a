/**
 * How the CIS document's Linux step scales with the number of rules a scan reports: the step
 * turns each XCCDF rule-result into a compliance item in POSIX sh/awk, so its cost should grow
 * linearly. Runs the real step (dash) in the test sandbox with a fake oscap.
 */
import { performance } from "node:perf_hooks";
import { Sandbox } from "../tests/documents/sandbox";

export const title = "CIS Linux step: time per reported rule, 60 vs 600 rules (ratio ~10 = linear)";

function xccdf(rules: number): string {
  const ids = Array.from({ length: rules }, (_, i) => `xccdf_org.ssgproject.content_rule_r${i}`);
  return [
    '<Benchmark xmlns="http://checklists.nist.gov/xccdf/1.2" id="b">',
    ...ids.map(
      (id, i) =>
        `  <Rule id="${id}" severity="medium">\n    <title>Rule ${i} &amp; more</title>\n  </Rule>`,
    ),
    '  <TestResult id="t">',
    ...ids.map(
      (id, i) =>
        `    <rule-result idref="${id}" role="full" severity="medium">\n      <result>${i % 3 ? "pass" : "fail"}</result>\n    </rule-result>`,
    ),
    "  </TestResult>",
    "</Benchmark>",
  ].join("\n");
}

function timeScan(rules: number): number {
  const sb = new Sandbox();
  try {
    sb.env.HF_OS_RELEASE = sb.file("os-release", "ID=rhel\nVERSION_ID=9\n");
    sb.env.FAKE_OSCAP_RESULTS = sb.file("results.xml", xccdf(rules));
    const ds = sb.file("ds.xml", "<ds/>");
    const start = performance.now();
    const r = sb.run("cis.yaml", { ScapContent: ds });
    const ms = performance.now() - start;
    const items = sb.requests()[0]?.Items.length;
    if (r.code !== 1 || items !== rules + 1)
      throw new Error(`unexpected run: exit ${r.code}, ${items} items`);
    return ms;
  } finally {
    sb.dispose();
  }
}

export async function run(): Promise<void> {
  timeScan(10); // warm the page cache
  const small = timeScan(60);
  const large = timeScan(600);
  console.log(
    `60 rules: ${small.toFixed(0)} ms; 600 rules: ${large.toFixed(0)} ms (this machine, informational)`,
  );
  console.log(
    `ratio 600/60: ${(large / small).toFixed(1)} (target <= 10, i.e. no worse than linear)`,
  );
  console.log(`per rule at 600: ${(large / 600).toFixed(1)} ms`);
}
