import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import {
  addressAllowed,
  cidrListProblem,
  parseAddress,
  parseCidr,
  parseCidrs,
} from "../../components/activation/cidr";

describe("cidr", () => {
  describe("parseCidr", () => {
    const good: [string, 4 | 6, bigint, bigint][] = [
      ["203.0.113.0/24", 4, 0xcb007100n, 0xcb0071ffn],
      ["0.0.0.0/0", 4, 0n, 0xffffffffn],
      ["192.0.2.7/32", 4, 0xc0000207n, 0xc0000207n],
      ["2001:db8::/32", 6, 0x20010db8n << 96n, ((0x20010db8n + 1n) << 96n) - 1n],
      ["::1/128", 6, 1n, 1n],
      ["::/0", 6, 0n, (1n << 128n) - 1n],
      ["::ffff:192.0.2.0/120", 6, (0xffffn << 32n) | 0xc0000200n, (0xffffn << 32n) | 0xc00002ffn],
    ];
    for (const [text, version, first, last] of good) {
      it(`parses ${text}`, () => {
        assert.deepEqual(parseCidr(text), { text, version, first, last });
      });
    }
    const bad: [string, string][] = [
      [
        "203.0.113.0",
        '"203.0.113.0" is not a CIDR range (address/prefix, e.g. 203.0.113.0/24 or 2001:db8::/32)',
      ],
      ["203.0.113.0/33", '"203.0.113.0/33" has prefix /33; IPv4 prefixes are 0-32'],
      ["2001:db8::/129", '"2001:db8::/129" has prefix /129; IPv6 prefixes are 0-128'],
      ["203.0.113.0/024", '"203.0.113.0/024" has prefix /024; IPv4 prefixes are 0-32'],
      ["256.0.0.0/8", '"256.0.0.0/8" does not start with an IPv4 or IPv6 address'],
      ["10.0.0.1/8", '"10.0.0.1/8" has host bits set; the range is 10.0.0.0/8'],
      [
        "2001:db8::1/32",
        '"2001:db8::1/32" has host bits set; the range is 2001:db8:0:0:0:0:0:0/32',
      ],
      [
        "fe80::%eth0/64",
        '"fe80::%eth0/64" is not a CIDR range (address/prefix, e.g. 203.0.113.0/24 or 2001:db8::/32)',
      ],
      ["example.com/24", '"example.com/24" does not start with an IPv4 or IPv6 address'],
      [
        " 10.0.0.0/8",
        '" 10.0.0.0/8" is not a CIDR range (address/prefix, e.g. 203.0.113.0/24 or 2001:db8::/32)',
      ],
    ];
    for (const [text, problem] of bad) {
      it(`refuses ${JSON.stringify(text)}`, () => assert.equal(parseCidr(text), problem));
    }
  });

  describe("cidrListProblem", () => {
    it("accepts disjoint IPv4 and IPv6 ranges", () => {
      assert.equal(
        cidrListProblem(["10.0.0.0/8", "192.168.0.0/16", "2001:db8::/32", "::1/128"]),
        undefined,
      );
    });
    it("names the first malformed entry", () => {
      assert.deepEqual(cidrListProblem(["10.0.0.0/8", "10.0.0.0/40"]), {
        index: 1,
        problem: 'must be a CIDR range: "10.0.0.0/40" has prefix /40; IPv4 prefixes are 0-32',
      });
    });
    it("refuses a nested range", () => {
      assert.deepEqual(cidrListProblem(["10.0.0.0/8", "10.1.0.0/16"]), {
        index: 1,
        problem: "10.1.0.0/16 overlaps 10.0.0.0/8; list each network once",
      });
    });
    it("refuses a duplicate IPv6 range written differently", () => {
      assert.deepEqual(cidrListProblem(["2001:db8::/32", "2001:0db8:0::/32"]), {
        index: 1,
        problem: "2001:0db8:0::/32 overlaps 2001:db8::/32; list each network once",
      });
    });
    it("does not compare IPv4 with IPv6 numbers", () => {
      // ::/96 holds the numbers 0..2^32-1, the same integers as 0.0.0.0/0, but another family.
      assert.equal(cidrListProblem(["0.0.0.0/0", "::/96"]), undefined);
    });
  });

  describe("addressAllowed", () => {
    const cidrs = parseCidrs(["10.0.0.0/8", "2001:db8::/32"]);
    const cases: [string, boolean][] = [
      ["10.255.255.255", true],
      ["11.0.0.0", false],
      ["::ffff:10.1.2.3", true],
      ["::ffff:127.0.0.1", false],
      ["2001:db8:ffff::1", true],
      ["2001:db9::1", false],
      ["not-an-address", false],
      ["fe80::1%eth0", false],
    ];
    for (const [address, allowed] of cases) {
      it(`${address} → ${allowed}`, () => assert.equal(addressAllowed(address, cidrs), allowed));
    }
  });

  describe("properties", () => {
    const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));
    it("every IPv4 range contains exactly its first..last addresses", () => {
      fc.assert(
        fc.property(ipv4, fc.integer({ min: 0, max: 32 }), ipv4, (net, prefix, probe) => {
          const value = net.reduce((acc, o) => (acc << 8n) | BigInt(o), 0n);
          const host = BigInt(32 - prefix);
          const first = (value >> host) << host;
          const text = `${[24n, 16n, 8n, 0n].map((s) => String((first >> s) & 0xffn)).join(".")}/${prefix}`;
          const cidr = parseCidr(text);
          assert.ok(typeof cidr !== "string", String(cidr));
          const probeText = probe.join(".");
          const p = parseAddress(probeText)!.value;
          assert.equal(addressAllowed(probeText, [cidr]), p >= cidr.first && p <= cidr.last);
          assert.equal(cidr.last - cidr.first + 1n, 1n << host);
        }),
      );
    });
    it("never throws on arbitrary text and answers a string or a range", () => {
      fc.assert(
        fc.property(fc.string(), (text) => {
          const r = parseCidr(text);
          assert.ok(typeof r === "string" || r.text === text);
        }),
      );
    });
    it("IPv6 text forms of the same address parse to the same number", () => {
      fc.assert(
        fc.property(fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }), (hextets) => {
          const full = hextets.map((h) => h.toString(16).padStart(4, "0")).join(":");
          const short = hextets.map((h) => h.toString(16)).join(":");
          assert.equal(parseAddress(full)!.value, parseAddress(short)!.value);
        }),
      );
    });
  });
});
