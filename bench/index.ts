/**
 * `npm run bench`: runs every `bench/*.bench.ts` (or those named on the command line) in
 * turn and prints their figures. Targets are printed beside the figures, never asserted:
 * timing belongs here, not in the test suite. Figures that compare speeds are ratios
 * measured in the same run, because absolute times on shared machines are noise.
 */
import * as fs from "node:fs";
import * as path from "node:path";

interface BenchModule {
  /** One line saying what the benchmark measures. */
  readonly title: string;
  run(): Promise<void>;
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith(".bench.ts"))
    .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
    .sort();
  if (files.length === 0) throw new Error(`no benchmark matches ${only.join(", ")}`);
  for (const file of files) {
    const mod = (await import(path.join(__dirname, file))) as BenchModule;
    console.log(`\n== ${file}: ${mod.title}`);
    await mod.run();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
