import * as assert from "node:assert/strict";
import fc from "fast-check";
import {
  globToRegExp,
  isEmptySelector,
  matchesSelector,
  parseTagFilter,
  SelectorError,
} from "../../ops/selector";

describe("ops selector", () => {
  const parses: [string, { key: string; value: string }][] = [
    ["Wave=3", { key: "Wave", value: "3" }],
    ["Env=", { key: "Env", value: "" }],
    ["a=b=c", { key: "a", value: "b=c" }],
    ["Cost Centre=12 34", { key: "Cost Centre", value: "12 34" }],
    ["aws:cloudformation:stack-name=x", { key: "aws:cloudformation:stack-name", value: "x" }],
  ];
  for (const [text, expected] of parses) {
    it(`parses --tag ${text}`, () => assert.deepEqual(parseTagFilter(text), expected));
  }

  const rejects: [string, string][] = [
    ["Wave", '--tag must be KEY=VALUE (e.g. Wave=3), got "Wave"'],
    ["=3", '--tag must be KEY=VALUE (e.g. Wave=3), got "=3"'],
    ["W;ave=3", '--tag key must be 1-128 letters, digits, spaces or _.:/=+-@, got "W;ave"'],
    ["Wave=3;rm", '--tag value must be 0-256 letters, digits, spaces or _.:/=+-@, got "3;rm"'],
    [
      `${"k".repeat(129)}=v`,
      `--tag key must be 1-128 letters, digits, spaces or _.:/=+-@, got "${"k".repeat(129)}"`,
    ],
  ];
  for (const [text, message] of rejects) {
    it(`rejects --tag ${text.slice(0, 20)} naming the rule`, () =>
      assert.throws(
        () => parseTagFilter(text),
        (e: unknown) => e instanceof SelectorError && e.message === message,
      ));
  }

  it("any KEY=VALUE of SSM's tag characters round-trips; anything else fails with SelectorError only", () => {
    const tagChar = fc.constantFrom(..."abcXYZ019 _.:/+-@é");
    const key = fc.string({ unit: tagChar, minLength: 1, maxLength: 20 });
    const value = fc.string({ unit: fc.constantFrom(..."abc019 _.:/=+-@"), maxLength: 20 });
    fc.assert(
      fc.property(key, value, (k, v) => {
        assert.deepEqual(parseTagFilter(`${k}=${v}`), { key: k, value: v });
      }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        try {
          parseTagFilter(text);
        } catch (e) {
          assert.ok(e instanceof SelectorError, String(e));
        }
      }),
    );
  });

  const globs: [string, string, boolean][] = [
    ["web-*", "web-01", true],
    ["web-*", "WEB-01", true],
    ["web-*", "db-web-01", false],
    ["web-0?", "web-01", true],
    ["web-0?", "web-010", false],
    ["a.b", "axb", false],
    ["(x)+[y]", "(x)+[y]", true],
    ["*", "", true],
  ];
  for (const [glob, name, expected] of globs) {
    it(`glob ${glob} ${expected ? "matches" : "does not match"} "${name}"`, () =>
      assert.equal(globToRegExp(glob).test(name), expected));
  }

  it("a glob without wildcards matches exactly that name (any characters, case-insensitive)", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 30 }).filter((s) => !/[*?]/.test(s)),
        (name) => {
          assert.ok(globToRegExp(name).test(name));
          assert.ok(!globToRegExp(name).test(`${name}x`));
        },
      ),
    );
  });

  it("a selector matches only when the name and every tag match", () => {
    const m = { name: "web-01", tags: { Wave: "3", Env: "prod" } };
    assert.equal(matchesSelector({ tags: [] }, m), true);
    assert.equal(matchesSelector({ name: "web-*", tags: [{ key: "Wave", value: "3" }] }, m), true);
    assert.equal(
      matchesSelector(
        {
          tags: [
            { key: "Wave", value: "3" },
            { key: "Env", value: "dev" },
          ],
        },
        m,
      ),
      false,
    );
    assert.equal(matchesSelector({ name: "db-*", tags: [] }, m), false);
    assert.equal(isEmptySelector({ tags: [] }), true);
    assert.equal(isEmptySelector({ name: "x", tags: [] }), false);
  });
});
