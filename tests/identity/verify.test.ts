import * as assert from "node:assert/strict";
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import {
  IdentityVerificationError,
  verifyInstanceIdentity,
  type CertificateLookup,
  type IdentityVerificationReason,
  type VerifyInstanceIdentityInput,
} from "../../identity/verify";
import {
  CMS_CASES,
  decode,
  F01,
  F02,
  F03,
  fixtureBytes,
  fixtureText,
  flip,
  offsetOf,
  REAL_CASES,
  shippedCertificate,
} from "./fixtures";

/** Runs `fn`, asserts it throws an IdentityVerificationError with `reason`, returns the error. */
function rejects(
  fn: () => unknown,
  reason: IdentityVerificationReason,
  message?: RegExp,
): IdentityVerificationError {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  assert.ok(thrown instanceof IdentityVerificationError, `expected a rejection, got ${thrown}`);
  assert.equal(thrown.reason, reason, thrown.message);
  assert.equal(thrown.name, "IdentityVerificationError");
  if (message) assert.match(thrown.message, message);
  return thrown;
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");

const doc01 = fixtureText(F01, "document");
const sig01 = fixtureText(F01, "signature");
const rsa2048_01 = fixtureText(F01, "rsa2048");
const pkcs7_02 = fixtureText(F02, "pkcs7");
const pkcs7_03 = fixtureText(F03, "pkcs7");

describe("verifyInstanceIdentity: real AWS fixtures are accepted", () => {
  for (const c of REAL_CASES) {
    it(`accepts ${c.name} with its document`, () => {
      const doc = verifyInstanceIdentity({
        kind: c.kind,
        signature: c.signature,
        document: c.document,
      });
      assert.equal(doc.instanceId, c.instanceId);
      assert.equal(doc.accountId, c.accountId);
      assert.equal(doc.region, c.region);
      assert.deepEqual(doc, JSON.parse(c.document));
    });
  }

  for (const c of CMS_CASES) {
    it(`accepts ${c.name} without a document, returning the one inside`, () => {
      const doc = verifyInstanceIdentity({ kind: c.kind, signature: c.signature });
      assert.deepEqual(doc, JSON.parse(c.document));
    });

    it(`accepts ${c.name} as one unwrapped base64 line and with CRLF line breaks`, () => {
      const oneLine = c.signature.replace(/\s+/g, "");
      assert.equal(
        verifyInstanceIdentity({ kind: c.kind, signature: oneLine }).instanceId,
        c.instanceId,
      );
      const crlf = c.signature.replace(/\n/g, "\r\n") + "\r\n";
      assert.equal(
        verifyInstanceIdentity({ kind: c.kind, signature: crlf }).instanceId,
        c.instanceId,
      );
    });
  }

  it("accepts the document as bytes (what the handler decodes from base64)", () => {
    const doc = verifyInstanceIdentity({
      kind: "signature",
      signature: sig01,
      document: fixtureBytes(F01, "document"),
    });
    assert.equal(doc.instanceId, "i-0c5541936caf78c12");
  });

  it("accepts fixture 03's 2017 signature under its since-expired 2014-2024 global certificate", () => {
    // Pinned keys: validity dates are deliberately ignored (that cert expired 2024-06-05).
    const expired = fixtureText(F03, "aws-rsa-global-certificate-2014-2024.pem");
    const doc = verifyInstanceIdentity(
      {
        kind: "signature",
        signature: fixtureText(F03, "signature"),
        document: fixtureText(F03, "document"),
      },
      () => expired,
    );
    assert.equal(doc.instanceId, "i-02e3bec1f600f5e33");
  });

  it("accepts with certificateFor returning the shipped PEM of the right region", () => {
    const asked: string[] = [];
    const lookup: CertificateLookup = (kind, region) => {
      asked.push(`${kind}/${region}`);
      return shippedCertificate("rsa2048", region);
    };
    verifyInstanceIdentity({ kind: "rsa2048", signature: rsa2048_01 }, lookup);
    assert.deepEqual(asked, ["rsa2048/ap-southeast-2"]);
  });
});

describe("verifyInstanceIdentity: tampering is rejected", () => {
  it("rejects fixture 01's negative-invalid-signature over the real document", () => {
    rejects(
      () =>
        verifyInstanceIdentity({
          kind: "signature",
          signature: fixtureText(F01, "negative-invalid-signature"),
          document: doc01,
        }),
      "bad-signature",
      /ap-southeast-2/,
    );
  });

  it("rejects fixture 01's real signature over negative-invalid-document", () => {
    rejects(
      () =>
        verifyInstanceIdentity({
          kind: "signature",
          signature: sig01,
          document: fixtureText(F01, "negative-invalid-document"),
        }),
      "bad-signature",
    );
  });

  it("rejects the rsa2048 blob with negative-invalid-document beside it", () => {
    rejects(
      () =>
        verifyInstanceIdentity({
          kind: "rsa2048",
          signature: rsa2048_01,
          document: fixtureText(F01, "negative-invalid-document"),
        }),
      "document-mismatch",
    );
  });

  for (const c of CMS_CASES) {
    it(`rejects ${c.name} when the document beside it differs by one byte or a newline`, () => {
      const bytes = Buffer.from(c.document);
      for (const index of [0, 10, Math.floor(bytes.length / 2), bytes.length - 1]) {
        rejects(
          () =>
            verifyInstanceIdentity({
              kind: c.kind,
              signature: c.signature,
              document: flip(bytes, index),
            }),
          "document-mismatch",
        );
      }
      rejects(
        () =>
          verifyInstanceIdentity({
            kind: c.kind,
            signature: c.signature,
            document: c.document + "\n",
          }),
        "document-mismatch",
      );
    });
  }

  const signatureCases = REAL_CASES.filter((c) => c.kind === "signature");
  for (const c of signatureCases) {
    it(`rejects ${c.name} with one byte of the document changed`, () => {
      const bytes = Buffer.from(c.document);
      const ip = offsetOf(bytes, '"privateIp" : "') + '"privateIp" : "'.length;
      const account = offsetOf(bytes, '"accountId" : "') + '"accountId" : "'.length;
      const instance = offsetOf(bytes, '"instanceId" : "i-') + '"instanceId" : "i-'.length;
      for (const index of [ip, account, instance + 3]) {
        rejects(
          () =>
            verifyInstanceIdentity({
              kind: "signature",
              signature: c.signature,
              document: flip(bytes, index),
            }),
          "bad-signature",
        );
      }
      // Dropping the first brace leaves no JSON, so there is no region to pick a key with.
      rejects(
        () =>
          verifyInstanceIdentity({
            kind: "signature",
            signature: c.signature,
            document: bytes.subarray(1),
          }),
        "malformed-document",
      );
    });

    it(`rejects ${c.name} with one byte of the signature changed`, () => {
      const raw = decode(c.signature);
      for (const index of [0, 1, 64, raw.length - 1]) {
        rejects(
          () =>
            verifyInstanceIdentity({
              kind: "signature",
              signature: b64(flip(raw, index)),
              document: c.document,
            }),
          "bad-signature",
        );
      }
      rejects(
        () =>
          verifyInstanceIdentity({
            kind: "signature",
            signature: b64(raw.subarray(0, -1)),
            document: c.document,
          }),
        "bad-signature",
      );
    });
  }

  it("rejects the rsa2048 blob with one byte changed in its document, signed attributes, signer or signature", () => {
    const raw = decode(rsa2048_01);
    const content = offsetOf(raw, Buffer.from(doc01));
    const ip = offsetOf(raw, '"privateIp" : "', content) + '"privateIp" : "'.length;
    const signingTime = offsetOf(raw, "260216003828Z");
    const digest = offsetOf(raw, createHash("sha256").update(doc01).digest());
    const serial = offsetOf(raw, Buffer.from("00bd9b3a06fe76af6b", "hex"));
    // The blob ends with the 256-byte signature and three end-of-contents pairs.
    const lastSignatureByte = raw.length - 7;
    const expected: Array<[number, IdentityVerificationReason, RegExp]> = [
      [ip, "bad-signature", /messageDigest/],
      [content + 100, "bad-signature", /messageDigest/],
      [signingTime + 11, "bad-signature", /signed attributes/],
      [digest + 5, "bad-signature", /messageDigest/],
      [serial + 8, "signer-mismatch", /00bd9b3a06fe76af6a/],
      [lastSignatureByte, "bad-signature", /signed attributes/],
      [lastSignatureByte - 255, "bad-signature", /signed attributes/],
      [0, "malformed-signature", /SignedData/],
    ];
    for (const [index, reason, message] of expected) {
      rejects(
        () => verifyInstanceIdentity({ kind: "rsa2048", signature: b64(flip(raw, index)) }),
        reason,
        message,
      );
    }
  });

  for (const [name, blob, region] of [
    ["02", pkcs7_02, "us-east-1"],
    ["03", pkcs7_03, "us-west-1"],
  ] as const) {
    it(`rejects fixture ${name}'s pkcs7 with one byte changed in its document, signed attributes or signature`, () => {
      const raw = decode(blob);
      const ip = offsetOf(raw, '"privateIp" : "') + '"privateIp" : "'.length;
      const signingTime = offsetOf(raw, Buffer.from("170d", "hex"), offsetOf(raw, region)) + 2;
      const digestAttr = offsetOf(raw, Buffer.from("2a864886f70d010904", "hex")) + 9 + 4;
      // DSA signature: SEQUENCE { r, s } inside the last OCTET STRING, then three EOC pairs.
      const lastSignatureByte = raw.length - 7;
      for (const index of [
        ip,
        signingTime + 5,
        digestAttr + 2,
        lastSignatureByte,
        lastSignatureByte - 20,
      ]) {
        rejects(
          () => verifyInstanceIdentity({ kind: "pkcs7", signature: b64(flip(raw, index)) }),
          "bad-signature",
        );
      }
    });
  }

  it("rejects a pkcs7 whose document claims another region sharing the DSA key (digest no longer matches)", () => {
    const raw = decode(pkcs7_02);
    const at = offsetOf(raw, '"region" : "us-east-1"') + '"region" : "us-east-'.length;
    const moved = Buffer.from(raw);
    moved[at] = "2".charCodeAt(0);
    rejects(
      () => verifyInstanceIdentity({ kind: "pkcs7", signature: b64(moved) }),
      "bad-signature",
      /messageDigest/,
    );
  });

  it("rejects an rsa2048 blob whose document claims another region (that region's key did not sign)", () => {
    const raw = decode(rsa2048_01);
    const at = offsetOf(raw, '"region" : "ap-southeast-2"') + '"region" : "ap-southeast-'.length;
    const moved = Buffer.from(raw);
    moved[at] = "1".charCodeAt(0);
    rejects(
      () => verifyInstanceIdentity({ kind: "rsa2048", signature: b64(moved) }),
      "signer-mismatch",
      /ap-southeast-1/,
    );
  });

  it("rejects a document naming a region with no certificate", () => {
    const raw = decode(rsa2048_01);
    const at = offsetOf(raw, '"region" : "ap-') + '"region" : "'.length;
    const moved = Buffer.from(raw);
    moved.write("zz", at);
    rejects(
      () => verifyInstanceIdentity({ kind: "rsa2048", signature: b64(moved) }),
      "unknown-region",
      /zz-southeast-2/,
    );
    rejects(
      () =>
        verifyInstanceIdentity({
          kind: "signature",
          signature: sig01,
          document: doc01.replace('"region" : "ap-southeast-2"', '"region" : "xx-east-9"'),
        }),
      "unknown-region",
    );
    for (const region of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
      const doc = JSON.stringify({ region });
      rejects(
        () => verifyInstanceIdentity({ kind: "signature", signature: sig01, document: doc }),
        "unknown-region",
      );
    }
  });

  it("rejects an rsa2048 blob whose digest algorithm was swapped to SHA-384 in both places", () => {
    const raw = Buffer.from(decode(rsa2048_01));
    const sha256Oid = Buffer.from("608648016503040201", "hex");
    const first = offsetOf(raw, sha256Oid);
    const second = offsetOf(raw, sha256Oid, first + 1);
    raw[first + 8] = 0x02;
    raw[second + 8] = 0x02;
    rejects(
      () => verifyInstanceIdentity({ kind: "rsa2048", signature: b64(raw) }),
      "unsupported-algorithm",
      /sha256/,
    );
  });

  it("rejects an rsa2048 blob whose signature algorithm names SHA-1 while the digest is SHA-256", () => {
    const raw = Buffer.from(decode(rsa2048_01));
    const sha256WithRsa = Buffer.from("2a864886f70d01010b", "hex");
    const last = raw.lastIndexOf(sha256WithRsa);
    raw[last + 8] = 0x05;
    rejects(
      () => verifyInstanceIdentity({ kind: "rsa2048", signature: b64(raw) }),
      "unsupported-algorithm",
      /rsa key/,
    );
  });
});

describe("verifyInstanceIdentity: wrong-region certificates are rejected", () => {
  it("rejects /signature checked with af-south-1's key", () => {
    rejects(
      () =>
        verifyInstanceIdentity({ kind: "signature", signature: sig01, document: doc01 }, () =>
          shippedCertificate("rsa", "af-south-1"),
        ),
      "bad-signature",
    );
  });

  it("rejects /rsa2048 checked with us-east-1's certificate (signer issuer+serial differ)", () => {
    rejects(
      () =>
        verifyInstanceIdentity({ kind: "rsa2048", signature: rsa2048_01 }, () =>
          shippedCertificate("rsa2048", "us-east-1"),
        ),
      "signer-mismatch",
      /00bd9b3a06fe76af6b/,
    );
  });

  it("rejects /pkcs7 checked with af-south-1's DSA certificate", () => {
    rejects(
      () =>
        verifyInstanceIdentity({ kind: "pkcs7", signature: pkcs7_02 }, () =>
          shippedCertificate("dsa", "af-south-1"),
        ),
      "signer-mismatch",
    );
  });

  it("rejects /rsa2048 checked with a bare public key (it names no signer to match)", () => {
    const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
    rejects(
      () => verifyInstanceIdentity({ kind: "rsa2048", signature: rsa2048_01 }, () => pem),
      "signer-mismatch",
    );
  });

  it("rejects /signature when the lookup gives a DSA certificate", () => {
    rejects(
      () =>
        verifyInstanceIdentity({ kind: "signature", signature: sig01, document: doc01 }, () =>
          shippedCertificate("dsa", "ap-southeast-2"),
        ),
      "unsupported-algorithm",
      /dsa key/,
    );
  });

  it("maps lookup results: undefined -> unknown-region, junk or a throw -> bad-certificate", () => {
    const input: VerifyInstanceIdentityInput = {
      kind: "signature",
      signature: sig01,
      document: doc01,
    };
    rejects(
      () => verifyInstanceIdentity(input, () => undefined),
      "unknown-region",
      /ap-southeast-2/,
    );
    rejects(() => verifyInstanceIdentity(input, () => "not a certificate"), "bad-certificate");
    rejects(() => verifyInstanceIdentity(input, () => 42 as unknown as string), "bad-certificate");
    const err = rejects(
      () =>
        verifyInstanceIdentity(input, () => {
          throw new Error("lookup broke");
        }),
      "bad-certificate",
    );
    assert.equal((err.cause as Error).message, "lookup broke");
  });
});

describe("verifyInstanceIdentity: malformed input is rejected with IdentityVerificationError", () => {
  it("rejects a bad kind, naming the allowed values", () => {
    rejects(
      () => verifyInstanceIdentity({ kind: "rsa" as never, signature: sig01, document: doc01 }),
      "invalid-input",
      /kind must be one of signature, pkcs7, rsa2048 \(got "rsa"\)/,
    );
    rejects(
      () => verifyInstanceIdentity(null as never),
      "invalid-input",
      /input must be an object/,
    );
    rejects(
      () => verifyInstanceIdentity({ kind: "pkcs7", signature: 7 } as never),
      "invalid-input",
      /signature/,
    );
    rejects(
      () => verifyInstanceIdentity({ kind: "pkcs7", signature: pkcs7_02, document: 7 } as never),
      "invalid-input",
      /document/,
    );
  });

  it("requires the document for kind signature", () => {
    rejects(
      () => verifyInstanceIdentity({ kind: "signature", signature: sig01 }),
      "missing-document",
      /document is required/,
    );
  });

  it("rejects non-base64, unpadded, empty and PEM-armoured signatures as malformed", () => {
    for (const signature of [
      "",
      "   \n",
      "not base64!!",
      sig01.replace(/\s+/g, "").slice(0, -1),
      "QUJD\u00e9",
      fixtureText(F02, "pkcs7.pem"),
      "A".repeat(64 * 1024 + 1),
    ]) {
      rejects(() => verifyInstanceIdentity({ kind: "pkcs7", signature }), "malformed-signature");
    }
  });

  it("rejects garbage that is valid base64 but not SignedData", () => {
    for (const bytes of [
      Buffer.from("hello world, this is not ASN.1"),
      Buffer.from("3000", "hex"),
      Buffer.from("300306012a", "hex"),
      Buffer.from("3080", "hex"),
      Buffer.from("30800000", "hex"),
      Buffer.from("0400", "hex"),
      Buffer.alloc(300, 0x30),
      Buffer.from("30" + "80".repeat(2000), "hex"),
    ]) {
      rejects(
        () => verifyInstanceIdentity({ kind: "rsa2048", signature: b64(bytes) }),
        "malformed-signature",
      );
    }
  });

  it("rejects a /signature blob given as pkcs7 and a pkcs7 blob given as rsa2048", () => {
    rejects(
      () => verifyInstanceIdentity({ kind: "pkcs7", signature: sig01 }),
      "malformed-signature",
    );
    // The pkcs7 blob is well-formed CMS, but its signer is not us-east-1's RSA-2048 certificate.
    rejects(
      () => verifyInstanceIdentity({ kind: "rsa2048", signature: pkcs7_02 }),
      "signer-mismatch",
    );
  });

  for (const c of CMS_CASES) {
    it(`rejects every truncation of ${c.name}`, () => {
      const raw = decode(c.signature);
      for (let length = 0; length < raw.length; length++) {
        rejects(
          () => verifyInstanceIdentity({ kind: c.kind, signature: b64(raw.subarray(0, length)) }),
          "malformed-signature",
        );
      }
      rejects(
        () =>
          verifyInstanceIdentity({
            kind: c.kind,
            signature: b64(Buffer.concat([raw, Buffer.from([0])])),
          }),
        "malformed-signature",
        /trailing/,
      );
    });
  }

  it("rejects documents that are not a JSON object with a region", () => {
    for (const document of [
      "",
      "not json",
      "[]",
      "null",
      '"x"',
      '{"region": 5}',
      '{"region": ""}',
      "\ufeff" + doc01,
    ]) {
      rejects(
        () => verifyInstanceIdentity({ kind: "signature", signature: sig01, document }),
        "malformed-document",
      );
    }
    rejects(
      () =>
        verifyInstanceIdentity({
          kind: "signature",
          signature: sig01,
          document: Buffer.from([0x7b, 0xff, 0x7d]),
        }),
      "malformed-document",
      /UTF-8/,
    );
    rejects(
      () =>
        verifyInstanceIdentity({
          kind: "signature",
          signature: sig01,
          document: "x".repeat(16 * 1024 + 1),
        }),
      "malformed-document",
      /at most 16384/,
    );
  });
});

describe("verifyInstanceIdentity: document fields are checked after the signature", () => {
  // Real AWS documents always carry these fields, so a test key signs made-up ones.
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
  const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
  const base = JSON.parse(doc01) as Record<string, unknown>;
  const signed = (fields: Record<string, unknown>): VerifyInstanceIdentityInput => {
    const document = JSON.stringify(fields, null, 2);
    return {
      kind: "signature",
      signature: sign("sha256", Buffer.from(document), privateKey).toString("base64"),
      document,
    };
  };

  it("accepts a well-formed document signed by the supplied key", () => {
    const doc = verifyInstanceIdentity(signed({ ...base, privateIp: null }), () => pem);
    assert.equal(doc.instanceId, base.instanceId);
    assert.equal(doc.privateIp, null);
  });

  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ["accountId missing", { ...base, accountId: undefined }, /document\.accountId/],
    ["accountId of 11 digits", { ...base, accountId: "18929279136" }, /document\.accountId/],
    ["accountId as a number", { ...base, accountId: 189292791360 }, /document\.accountId/],
    [
      "instanceId upper-case",
      { ...base, instanceId: "i-0C5541936CAF78C12" },
      /document\.instanceId/,
    ],
    [
      "instanceId of 10 hex digits",
      { ...base, instanceId: "i-0c5541936c" },
      /document\.instanceId/,
    ],
    [
      "instanceId a managed instance",
      { ...base, instanceId: "mi-0c5541936caf78c12" },
      /document\.instanceId/,
    ],
    ["pendingTime missing", { ...base, pendingTime: undefined }, /document\.pendingTime/],
    ["imageId empty", { ...base, imageId: "" }, /document\.imageId/],
    ["privateIp a number", { ...base, privateIp: 10 }, /document\.privateIp/],
  ];
  for (const [name, fields, message] of bad) {
    it(`rejects a correctly signed document with ${name}`, () => {
      rejects(
        () => verifyInstanceIdentity(signed(fields), () => pem),
        "malformed-document",
        message,
      );
    });
  }

  it("rejects the made-up document under the real pinned ap-southeast-2 key", () => {
    rejects(() => verifyInstanceIdentity(signed(base)), "bad-signature");
  });
});
