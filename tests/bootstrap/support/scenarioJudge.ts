/**
 * Holds one run of a bootstrap scenario to its row: what was observed, in the shape of the
 * row's expectation (so that a failed `deepEqual` shows a readable diff), and the script's
 * stderr with what may legitimately differ between register.sh and register.ps1 blanked.
 */
import { REGION } from "./harness";
import type { Expectation, Shell } from "./scenario";
import { SERVICE_NAME, pascalOf, patternFor, type Observation } from "./scenarioRunner";

/** Projects `actual` on the fields `expected` states, so that deepEqual shows a useful diff. */
function pick<T extends object>(actual: T, expected: object): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(expected) as Array<keyof T>) out[k] = actual[k];
  return out;
}

/** What `obs` shows, in the shape of `expect`, for `assert.deepEqual(observed, expected)`. */
export function observed(expect: Expectation, obs: Observation): Record<string, unknown> {
  const shell = obs.shell;
  const last = obs.issued[obs.issued.length - 1];
  const registerCall = last && [
    "-register",
    "-code",
    last.activationCode,
    "-id",
    last.activationId,
    "-region",
    REGION,
    "-y",
  ];
  const agent =
    obs.agentCalls.length === 0
      ? "none"
      : obs.agentCalls.length === 1 &&
          JSON.stringify(obs.agentCalls[0]) === JSON.stringify(registerCall)
        ? "registered"
        : `unexpected agent calls ${JSON.stringify(obs.agentCalls)}`;
  const service = obs.serviceCalls.map((c) =>
    c.endsWith(` ${SERVICE_NAME[shell]}`) ? c.slice(0, -SERVICE_NAME[shell].length - 1) : c,
  );
  const out: Record<string, unknown> = {
    code: obs.code,
    api: obs.api.map((a, i) => pick(a, expect.api[i] ?? a)),
    agent,
    service,
    stdout: expect.stdout
      ? patternFor(expect.stdout, shell).test(obs.stdout)
        ? String(expect.stdout)
        : `stdout not matching ${String(expect.stdout)}: ${obs.stdout}`
      : obs.stdout,
    leftovers: obs.leftovers,
    leaks: obs.leaks,
  };
  if (expect.stderr) {
    out.stderr = expect.stderr.map((p) =>
      patternFor(p, shell).test(obs.stderr) ? String(p) : `NOT MATCHED ${String(p)}`,
    );
  }
  if (expect.imds) out.imds = obs.imds;
  if (expect.download) out.download = obs.downloads;
  if (expect.installer) out.installer = obs.installerCalls;
  if (expect.proxied) out.proxied = obs.proxied;
  if (expect.withinSeconds !== undefined) {
    out.withinSeconds =
      obs.seconds <= expect.withinSeconds
        ? expect.withinSeconds
        : `took ${obs.seconds.toFixed(1)}s, more than ${expect.withinSeconds}s`;
  }
  return out;
}

/** The row's expectation for `shell`, in the shape {@link observed} returns. */
export function expected(expect: Expectation, shell: Shell): Record<string, unknown> {
  const out: Record<string, unknown> = {
    code: expect.code,
    api: expect.api,
    agent: expect.agent,
    service: expect.service,
    stdout: expect.stdout ? String(expect.stdout) : "",
    leftovers: [],
    leaks: [],
  };
  if (expect.stderr) out.stderr = expect.stderr.map(String);
  if (expect.imds) out.imds = expect.imds;
  if (expect.download) out.download = expect.download[shell] ? [expect.download[shell]] : [];
  if (expect.installer) out.installer = expect.installer.length ? [expect.installer] : [];
  if (expect.proxied) out.proxied = expect.proxied;
  if (expect.withinSeconds !== undefined) out.withinSeconds = expect.withinSeconds;
  return out;
}

/**
 * stderr with what may differ between the scripts blanked: the script's name, flag spelling,
 * the service's name, the agent package path, delays, timings and run-specific values.
 */
export function comparableLines(obs: Observation): string[] {
  let text = obs.stderr;
  for (const [value, placeholder] of obs.volatile) text = text.split(value).join(placeholder);
  return (
    text
      .replace(/register\.(sh|ps1)/g, "register")
      .replace(/--([a-z0-9-]+)/g, (_, o: string) => `-${pascalOf(o)}`)
      .replace(/-Help\b/g, "-Help")
      .replace(new RegExp(`(?<![\\w/.-])${SERVICE_NAME[obs.shell]}(?![\\w.-])`, "g"), "<service>")
      .replace(/\/latest\/[a-z0-9_]+\/[A-Za-z.-]+/g, "/latest/<package>")
      .replace(/retrying in \d+ms/g, "retrying in <n>ms")
      .replace(/ in \d+s /g, " in <n>s ")
      .replace(/mi-[0-9a-f]{17}/g, "<mi>")
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<activation>")
      .split("\n")
      // How the agent package is verified is the OS's own (gpg; Authenticode): rows state it.
      // bash's own diagnostics ("register: line 368: …: No such file") have no PowerShell twin.
      .filter(
        (l) =>
          l !== "" && !/signature verified|^fake Get-AuthenticodeSignature|: line \d+: /.test(l),
      )
  );
}
