/**
 * Property-based: thousands of generated requests (names, headers, tokens, real and
 * tampered AWS-signed identity documents) against the real handler with the real
 * identity verifier. Client errors never become 5xx, nothing invalid or unproven ever
 * reaches CreateActivation, and no log line carries a token or an activation code.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  CreateActivationCommand,
  DescribeInstanceInformationCommand,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { loadConfig } from "../../functions/activation/config";
import { createActivationHandler } from "../../functions/activation/handler";
import { hashToken, isInstanceIdName } from "../../functions/activation/tokens";
import { verifyInstanceIdentity } from "../../identity/verify";
import { startLocalLeaseTable, type LocalLeaseTable } from "../../local/leaseTable";
import { event } from "./activationTestKit";

const FIX = path.join(__dirname, "..", "fixtures", "identity");
const read = (dir: string, file: string) => fs.readFileSync(path.join(FIX, dir, file));

interface Fixture {
  readonly doc: Buffer;
  readonly instanceId: string;
  readonly accountId: string;
  readonly blobs: Partial<Record<"signature" | "pkcs7" | "rsa2048", string>>;
}

const FIXTURES: Fixture[] = [
  ["01-iid-2026-ap-southeast-2-signature-rsa2048", ["signature", "rsa2048"]],
  ["02-iid-2016-us-east-1-pkcs7-dsa", ["pkcs7"]],
  ["03-iid-2017-us-west-1-document-signature-pkcs7", ["signature", "pkcs7"]],
].map(([dir, kinds]) => {
  const doc = read(dir as string, "document");
  const parsed = JSON.parse(doc.toString("utf8"));
  const blobs: Fixture["blobs"] = {};
  for (const k of kinds as Array<"signature" | "pkcs7" | "rsa2048">) {
    blobs[k] = read(dir as string, k)
      .toString("utf8")
      .replace(/\s+/g, "");
  }
  return { doc, instanceId: parsed.instanceId, accountId: parsed.accountId, blobs };
});

// 01 and 02 are in allowed accounts; 03's account is not, so its valid proofs must get 403.
const ALLOWED = [FIXTURES[0].accountId, FIXTURES[1].accountId];
const GOOD_TOKEN = `hft_${"Q".repeat(20)}${"z".repeat(23)}`;
/** Granted a broad pattern that admits EC2- and mi-shaped names, without the opt-in. */
const BROAD_TOKEN = `hft_${"R".repeat(20)}${"y".repeat(23)}`;
const CODE = "ACTIVATIONcode0123456789";

const config = loadConfig({
  MANAGED_INSTANCE_ROLE_NAME: "role",
  LEASE_TABLE_NAME: "leases",
  FLEET_NAME: "fleet",
  ENVIRONMENT: "dev",
  ALLOWED_ACCOUNTS: ALLOWED.join(","),
  TOKEN_AUTH: "enabled",
  BOOTSTRAP_TOKENS: JSON.stringify([
    {
      id: "t1",
      sha256: hashToken(GOOD_TOKEN),
      namePattern: "web-[0-9]+",
      environment: "dev",
      expiresAt: "2099-01-01T00:00:00Z",
    },
    {
      id: "t2",
      sha256: hashToken(BROAD_TOKEN),
      namePattern: "[a-z0-9-]+",
      environment: "dev",
      expiresAt: "2099-01-01T00:00:00Z",
    },
  ]),
  ALLOWED_TAGS: JSON.stringify({
    Team: { values: ["web", "db"] },
    CostCentre: { pattern: "[0-9]{4}" },
  }),
});

/** A generated request and whether it deserves an activation. */
interface Case {
  readonly query: Record<string, string | string[]>;
  readonly headers: Record<string, string>;
  /** true: must be 200; false: must not be; undefined: either, but only for a correct name. */
  readonly valid: boolean | undefined;
  readonly secrets: string[];
  /** Who would hold the name's lease if this request succeeded. */
  readonly principal?: string;
}

const flipByte = (buf: Buffer, at: number, xor: number): Buffer => {
  const out = Buffer.from(buf);
  out[at % out.length] ^= xor;
  return out;
};

const okName = fc.stringMatching(/^web-[0-9]{1,6}$/);
const anyName = fc.oneof(
  fc.string({ maxLength: 300, unit: "grapheme" }),
  fc.string({ maxLength: 20 }),
  fc.constantFrom("", " ", "a;b", "$(id)", "web-1\n", "i-0c5541936caf78c12 ", "a".repeat(257)),
  // Shaped like EC2 and managed instance IDs: refused to token machines without the opt-in.
  fc.constantFrom("i-0123456789abcdef0", "i-01234567", "mi-0123456789abcdef0", "mi-x"),
  okName,
  fc.constantFrom(...FIXTURES.map((f) => f.instanceId)),
);
const extraParams = fc.oneof(
  { weight: 4, arbitrary: fc.constant({} as Record<string, string>) },
  { weight: 1, arbitrary: fc.constantFrom({ "tag.Team": "web" }, { "tag.Team": "db" }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      { "tag.CostCentre": "1234" },
      // Over-long and pattern-hostile values: refused cheaply (length cap, after the proof).
      { "tag.CostCentre": "1".repeat(300) },
      { "tag.CostCentre": "1".repeat(30) + "!" },
    ),
  },
  {
    weight: 1,
    // Never `name`: the request's own name overrides it, so it would be no extra at all.
    arbitrary: fc.dictionary(
      fc.string({ maxLength: 12 }).filter((k) => k !== "name"),
      fc.string({ maxLength: 12 }),
      { maxKeys: 3 },
    ),
  },
);
const casing = (h: string, upper: boolean) => (upper ? h.toUpperCase() : h);
/** True if the extra parameters are all allowed tags with allowed values. */
const extrasOk = (extra: Record<string, string>): boolean =>
  Object.entries(extra).every(
    ([k, v]) =>
      (k === "tag.Team" && ["web", "db"].includes(v)) ||
      (k === "tag.CostCentre" && /^[0-9]{4}$/.test(v)),
  );

const ec2Case: fc.Arbitrary<Case> = fc
  .record({
    f: fc.integer({ min: 0, max: FIXTURES.length - 1 }),
    kindPick: fc.nat(),
    nameKind: fc.constantFrom("own", "other"),
    otherName: anyName,
    tamper: fc.constantFrom("none", "document", "signature", "blob"),
    at: fc.nat(),
    xor: fc.integer({ min: 1, max: 255 }),
    sendDoc: fc.boolean(),
    upper: fc.boolean(),
    extra: extraParams,
  })
  .map(({ f, kindPick, nameKind, otherName, tamper, at, xor, sendDoc, upper, extra }) => {
    const fx = FIXTURES[f];
    const kinds = Object.keys(fx.blobs) as Array<keyof Fixture["blobs"]>;
    const kind = kinds[kindPick % kinds.length];
    let doc = fx.doc;
    let blob = fx.blobs[kind] as string;
    let certainlyInvalid = false;
    let unknown = false;
    const needDoc = kind === "signature" || sendDoc || tamper === "document";
    if (tamper === "document") {
      doc = flipByte(doc, at, xor);
      certainlyInvalid = true;
    } else if (tamper === "signature" && kind === "signature") {
      blob = flipByte(Buffer.from(blob, "base64"), at, xor).toString("base64");
      certainlyInvalid = true;
    } else if (tamper !== "none") {
      // A flipped byte inside a CMS blob may land in an unsigned field: no certain verdict.
      blob = flipByte(Buffer.from(blob, "base64"), at, xor).toString("base64");
      unknown = true;
    }
    const name = nameKind === "own" ? fx.instanceId : otherName;
    const extraOk = extrasOk(extra);
    const proper = name === fx.instanceId && ALLOWED.includes(fx.accountId) && extraOk;
    const headers: Record<string, string> = {
      [casing("X-Instance-Identity-Signature", upper)]: blob,
      [casing("X-Instance-Identity-Signature-Kind", upper)]: kind,
      ...(needDoc
        ? { [casing("X-Instance-Identity-Document", upper)]: doc.toString("base64") }
        : {}),
    };
    const valid = certainlyInvalid || !proper ? false : unknown ? undefined : true;
    return { query: { ...extra, name }, headers, valid, secrets: [], principal: fx.instanceId };
  });

const tokenCase: fc.Arbitrary<Case> = fc
  .record({
    token: fc.oneof(
      fc.constant(GOOD_TOKEN),
      fc.constant(BROAD_TOKEN),
      fc.stringMatching(/^hft_[A-Za-z0-9_-]{43}$/),
      fc.string({ maxLength: 60 }),
      fc.constant(GOOD_TOKEN.slice(0, -1) + "y"),
    ),
    name: fc.oneof(okName, anyName),
    scheme: fc.constantFrom("Bearer ", "bearer ", "Basic ", "", "Bearer  "),
    extra: extraParams,
  })
  .map(({ token, name, scheme, extra }) => {
    const extraOk = extrasOk(extra);
    const bearer = /^bearer +$/i.test(scheme);
    const nameOk =
      (token === GOOD_TOKEN && /^web-[0-9]+$/.test(name)) ||
      (token === BROAD_TOKEN && /^[a-z0-9-]{1,256}$/.test(name) && !isInstanceIdName(name));
    const valid = bearer && nameOk && extraOk;
    return {
      query: { ...extra, name },
      headers: { Authorization: `${scheme}${token}` },
      valid,
      secrets: [token],
      principal: token,
    };
  });

const junkCase: fc.Arbitrary<Case> = fc
  .record({
    name: anyName,
    headers: fc.dictionary(
      fc.oneof(
        fc.constantFrom(
          "X-Instance-Identity-Document",
          "X-Instance-Identity-Signature",
          "X-Instance-Identity-Signature-Kind",
          "Authorization",
        ),
        fc.string({ maxLength: 20 }),
      ),
      fc.oneof(fc.string({ maxLength: 200 }), fc.base64String({ maxLength: 400 })),
      { maxKeys: 4 },
    ),
    extra: extraParams,
  })
  .map(({ name, headers, extra }) => ({
    query: { ...extra, name },
    headers,
    valid: false,
    secrets: Object.values(headers).filter((v) => v.length >= 8),
  }));

describe("activation handler, property-based (real identity verifier, real signed documents)", () => {
  let ssmMock: ReturnType<typeof mockClient>;
  let leases: LocalLeaseTable;
  before(async () => {
    leases = await startLocalLeaseTable("leases");
    ssmMock = mockClient(SSMClient);
    ssmMock.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [] });
    ssmMock.on(CreateActivationCommand).resolves({ ActivationId: "a1", ActivationCode: CODE });
  });
  after(async () => {
    ssmMock.restore();
    await leases.close();
  });

  it("10,000 generated requests: no 5xx, CreateActivation only for valid proven requests, no secret logged", async () => {
    const lines: string[] = [];
    const handler = createActivationHandler({
      ssm: new SSMClient({ region: "ap-southeast-2" }),
      config,
      region: "ap-southeast-2",
      verifyIdentity: verifyInstanceIdentity,
      leases: { client: leases.client, table: leases.tableName },
      log: (l) => lines.push(l),
    });
    const seen = { ok: 0, refused: 0 };
    // A model of the name leases: a name once issued stays with its principal in this run.
    const holders = new Map<string, string>();
    await fc.assert(
      fc.asyncProperty(fc.oneof(ec2Case, tokenCase, junkCase), async (c) => {
        const before = ssmMock.commandCalls(CreateActivationCommand).length;
        lines.length = 0;
        const res = await handler(event(c.query, c.headers));
        const name = String(c.query.name);
        const heldByOther = holders.has(name) && holders.get(name) !== c.principal;
        const created = ssmMock.commandCalls(CreateActivationCommand).length - before;
        assert.ok(res.statusCode < 500, `${res.statusCode} ${res.body}`);
        assert.equal(created, res.statusCode === 200 ? 1 : 0);
        if (c.valid === true && !heldByOther) {
          assert.equal(res.statusCode, 200, `${JSON.stringify(c)} ${res.body}`);
        }
        if (c.valid === true && heldByOther) assert.equal(res.statusCode, 409, res.body);
        if (c.valid === false) assert.notEqual(res.statusCode, 200, JSON.stringify(c));
        if (res.statusCode === 200) {
          const input = ssmMock.commandCalls(CreateActivationCommand).at(-1)!.args[0].input;
          assert.equal(input.DefaultInstanceName, c.query.name);
          assert.equal(input.RegistrationLimit, 1);
          assert.ok(!heldByOther, `a leased name was issued to another principal: ${name}`);
          holders.set(name, c.principal ?? "");
          seen.ok++;
        } else {
          seen.refused++;
        }
        for (const line of lines) {
          assert.ok(!line.includes(CODE), "activation code logged");
          for (const s of [GOOD_TOKEN, ...c.secrets]) {
            if (s.startsWith("hft_")) assert.ok(!line.includes(s), `token logged: ${line}`);
          }
        }
      }),
      { numRuns: 10_000 },
    );
    // The generators must exercise both outcomes, or the property proves little.
    assert.ok(seen.ok > 300, `only ${seen.ok} accepted`);
    assert.ok(seen.refused > 3000, `only ${seen.refused} refused`);
  });
});
