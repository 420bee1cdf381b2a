/**
 * Cost of the local harness itself, so other benchmarks built on it (burst, activation) know
 * what share of their figures is the harness: SDK calls per second against the fake SSM,
 * and requests per second through the API Gateway adapter compared with calling the same
 * trivial handler directly. Figures are ratios from one run; absolute numbers are context.
 *
 * Environment: BENCH_HARNESS_N (requests per measurement, default 2000),
 * BENCH_HARNESS_CONCURRENCY (default 20).
 */
import { DescribeInstanceInformationCommand, SSMClient } from "@aws-sdk/client-ssm";
import type { APIGatewayProxyEvent, Context } from "aws-lambda";
import { startApiAdapter, type ProxyHandler } from "../local/apiAdapter";
import { startFakeSsm } from "../local/fakeSsm";

/** One line for `npm run bench`. */
export const title =
  "local harness overhead: fake SSM calls/s and API adapter requests/s vs a direct handler call";

async function timed(
  n: number,
  concurrency: number,
  one: (i: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await one(next++);
    }),
  );
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Runs the measurements and prints them. */
export async function run(): Promise<void> {
  const n = Number(process.env.BENCH_HARNESS_N ?? 2000);
  const concurrency = Number(process.env.BENCH_HARNESS_CONCURRENCY ?? 20);
  const handler: ProxyHandler = async (event) => ({
    statusCode: 200,
    body: JSON.stringify({ name: event.queryStringParameters?.name ?? null }),
  });

  const ssm = await startFakeSsm({
    instances: Array.from({ length: 200 }, (_, i) => ({
      InstanceId: `mi-${i.toString(16).padStart(17, "0")}`,
      PingStatus: "Online" as const,
      Tags: [{ Key: "Name", Value: `host-${i}` }],
    })),
  });
  const client = new SSMClient({
    endpoint: ssm.url,
    region: ssm.region,
    credentials: { accessKeyId: "AKIALOCALBENCH", secretAccessKey: "bench" },
  });
  const api = await startApiAdapter({ handler });
  try {
    const ssmMs = await timed(n, concurrency, async (i) => {
      await client.send(
        new DescribeInstanceInformationCommand({
          Filters: [{ Key: "tag:Name", Values: [`host-${i % 200}`] }],
        }),
      );
    });
    const adapterMs = await timed(n, concurrency, async (i) => {
      const res = await fetch(`${api.url}/activate?name=host-${i}`);
      await res.arrayBuffer();
    });
    const event = { queryStringParameters: { name: "x" } } as unknown as APIGatewayProxyEvent;
    const directMs = await timed(n, concurrency, async () => {
      await handler(event, {} as Context);
    });
    const perSecond = (ms: number): string => ((n / ms) * 1000).toFixed(0);
    console.log(`requests per measurement: ${n}, concurrency ${concurrency}`);
    console.log(
      `fake SSM via SDK (DescribeInstanceInformation, tag filter, 200 nodes): ${perSecond(ssmMs)} calls/s`,
    );
    console.log(`API adapter, trivial handler: ${perSecond(adapterMs)} req/s`);
    console.log(`direct handler call: ${perSecond(directMs)} calls/s`);
    console.log(`adapter time / direct time: ${(adapterMs / directMs).toFixed(1)}x`);
    console.log(`fake SSM call time / adapter request time: ${(ssmMs / adapterMs).toFixed(2)}x`);
  } finally {
    client.destroy();
    await api.close();
    await ssm.close();
  }
}
