import * as assert from "node:assert/strict";
import { BerError, octetStringValue, parseBer } from "../../identity/ber";

const hex = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ""), "hex");

describe("identity BER reader", () => {
  it("reads definite, long-form and indefinite lengths with exact offsets", () => {
    const definite = parseBer(hex("30 06 02 01 05 04 01 aa"));
    assert.deepEqual(
      definite.children.map((c) => [c.tagNumber, c.start, c.contentStart, c.end]),
      [
        [2, 2, 4, 5],
        [4, 5, 7, 8],
      ],
    );
    const long = parseBer(hex("04 81 03 01 02 03"));
    assert.equal(long.contentStart, 3);
    assert.equal(long.end, 6);
    const indefinite = parseBer(hex("30 80 02 01 01 00 00"));
    assert.equal(indefinite.indefinite, true);
    assert.equal(indefinite.contentStart, 2);
    assert.equal(indefinite.contentEnd, 5);
    assert.equal(indefinite.end, 7);
  });

  it("joins the segments of a constructed (BER) OCTET STRING", () => {
    const bytes = hex("24 80 04 02 61 62 24 80 04 01 63 00 00 00 00");
    assert.equal(octetStringValue(bytes, parseBer(bytes)).toString(), "abc");
  });

  it("reads high tag numbers", () => {
    const node = parseBer(hex("bf 81 00 00"));
    assert.equal(node.tagClass, 2);
    assert.equal(node.tagNumber, 128);
  });

  const bad: Array<[string, string, RegExp]> = [
    ["empty input", "", /input ends/],
    ["length past the end", "04 05 01 02", /claims 5 content byte/],
    ["long length past the end", "04 82 01", /length octets run past/],
    ["five length octets", "04 85 00 00 00 00 01 00", /unsupported length encoding/],
    ["reserved length 0xff", "04 ff", /unsupported length encoding/],
    ["primitive with indefinite length", "04 80 00 00", /primitive element with indefinite length/],
    ["indefinite without end-of-contents", "30 80 02 01 01", /input ends/],
    ["stray end-of-contents", "30 02 00 00", /unexpected end-of-contents/],
    ["trailing bytes", "05 00 00", /1 trailing byte/],
    ["endless high tag", "1f 81 81 81 81 00", /bad high tag/],
    ["nesting 41 deep", "30 80 ".repeat(41) + "00 00 ".repeat(41), /nesting deeper than 40/],
  ];
  for (const [name, input, message] of bad) {
    it(`rejects ${name}`, () => {
      assert.throws(
        () => parseBer(hex(input)),
        (err: unknown) => err instanceof BerError && message.test(err.message),
      );
    });
  }

  it("accepts nesting 40 deep", () => {
    assert.doesNotThrow(() => parseBer(hex("30 80 ".repeat(40) + "00 00 ".repeat(40))));
  });
});
