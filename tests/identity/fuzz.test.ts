import * as assert from "node:assert/strict";
import fc from "fast-check";
import {
  IdentityVerificationError,
  SIGNATURE_KINDS,
  verifyInstanceIdentity,
  type VerifyInstanceIdentityInput,
} from "../../identity/verify";
import { decode, flip, REAL_CASES } from "./fixtures";

/**
 * Runs the verifier and returns the rejection reason, or "accepted". Anything thrown that is
 * not an IdentityVerificationError, or the catch-all "internal-error", fails the test: every
 * input must be refused for a named reason.
 */
function outcome(input: VerifyInstanceIdentityInput): string {
  try {
    verifyInstanceIdentity(input);
    return "accepted";
  } catch (err) {
    if (!(err instanceof IdentityVerificationError)) {
      assert.fail(`threw ${String(err)} instead of an IdentityVerificationError`);
    }
    assert.notEqual(err.reason, "internal-error", `internal-error: ${String(err.cause)}`);
    return err.reason;
  }
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");

describe("verifyInstanceIdentity under mutation and fuzzing", () => {
  for (const c of REAL_CASES) {
    it(`accepts no single-byte change anywhere in ${c.name} (every byte, 3 masks)`, () => {
      const raw = decode(c.signature);
      const document = c.kind === "signature" ? c.document : undefined;
      const reasons = new Map<string, number>();
      for (let index = 0; index < raw.length; index++) {
        for (const mask of [0x01, 0x80, 0xff]) {
          const reason = outcome({
            kind: c.kind,
            signature: b64(flip(raw, index, mask)),
            document,
          });
          assert.notEqual(
            reason,
            "accepted",
            `byte ${index} ^ 0x${mask.toString(16)} was accepted`,
          );
          reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        }
      }
      // Every change to the signature bytes is a failed proof or a malformed blob.
      const allowed = [
        "bad-signature",
        "malformed-signature",
        "signer-mismatch",
        "unsupported-algorithm",
      ];
      for (const reason of reasons.keys()) {
        if (!allowed.includes(reason)) {
          // Changes inside the embedded document may also make it unreadable or move its region.
          assert.ok(
            c.kind !== "signature" && ["malformed-document", "unknown-region"].includes(reason),
            `unexpected reason ${reason}`,
          );
        }
      }
      assert.ok((reasons.get("bad-signature") ?? 0) > 0, "no mutation reached signature checking");
    });

    it(`accepts no single-byte change anywhere in the document of ${c.name}`, () => {
      const document = Buffer.from(c.document);
      for (let index = 0; index < document.length; index++) {
        const changed = flip(document, index, 0x01);
        const reason = outcome({ kind: c.kind, signature: c.signature, document: changed });
        assert.ok(
          ["bad-signature", "malformed-document", "unknown-region", "document-mismatch"].includes(
            reason,
          ),
          `byte ${index}: ${reason}`,
        );
        if (c.kind !== "signature") assert.equal(reason, "document-mismatch");
      }
    });
  }

  it("rejects random edits to the real blobs (fast-check, 3,000 runs)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...REAL_CASES),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (c, edits) => {
          const raw = Buffer.from(decode(c.signature));
          for (const [position, delta] of edits) {
            const index = position % raw.length;
            raw[index] = (raw[index] + delta) & 0xff;
          }
          fc.pre(!raw.equals(decode(c.signature)));
          const document = c.kind === "signature" ? c.document : undefined;
          assert.notEqual(outcome({ kind: c.kind, signature: b64(raw), document }), "accepted");
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("rejects splices, cuts and insertions in the real blobs (fast-check, 2,000 runs)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...REAL_CASES),
        fc.nat(),
        fc.nat({ max: 64 }),
        fc.uint8Array({ maxLength: 64 }),
        (c, at, cut, insert) => {
          const raw = decode(c.signature);
          const start = at % (raw.length + 1);
          const spliced = Buffer.concat([
            raw.subarray(0, start),
            insert,
            raw.subarray(Math.min(raw.length, start + cut)),
          ]);
          fc.pre(!spliced.equals(raw));
          const document = c.kind === "signature" ? c.document : undefined;
          assert.notEqual(outcome({ kind: c.kind, signature: b64(spliced), document }), "accepted");
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("only ever throws IdentityVerificationError for arbitrary strings and bytes (fast-check, 4,000 runs)", () => {
    const kind = fc.oneof(fc.constantFrom(...SIGNATURE_KINDS), fc.string());
    const signature = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.uint8Array({ maxLength: 600 }).map(b64),
      // BER-looking prefixes reach deeper into the parser than uniform noise does.
      fc
        .tuple(
          fc.constantFrom("3080", "30820100", "a080", "2480", "0482"),
          fc.uint8Array({ maxLength: 300 }),
        )
        .map(([prefix, tail]) => b64(Buffer.concat([Buffer.from(prefix, "hex"), tail]))),
    );
    const document = fc.option(
      fc.oneof(
        fc.string({ maxLength: 300 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.json(),
        fc
          .record({
            region: fc.oneof(
              fc.constantFrom("us-east-1", "ap-southeast-2", "__proto__"),
              fc.string(),
            ),
          })
          .map((r) => JSON.stringify(r)),
      ),
      { nil: undefined },
    );
    fc.assert(
      fc.property(kind, signature, document, (k, s, d) => {
        const reason = outcome({ kind: k as never, signature: s, document: d });
        assert.notEqual(reason, "accepted");
      }),
      { numRuns: 4000 },
    );
  });

  it("only ever throws IdentityVerificationError for inputs of the wrong shape", () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        assert.notEqual(outcome(value as never), "accepted");
        assert.notEqual(outcome({ kind: "pkcs7", signature: value } as never), "accepted");
      }),
      { numRuns: 2000 },
    );
  });
});
