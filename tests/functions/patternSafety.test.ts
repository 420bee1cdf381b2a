import * as assert from "node:assert/strict";
import { checkPattern } from "../../functions/activation/config";
import { nestedQuantifier } from "../../functions/activation/patternSafety";
import { isBase64 } from "../../functions/activation/request";

describe("operator pattern safety", () => {
  const nested: Array<[string, string]> = [
    ["(a+)+", "(a+)+"],
    ["(a*)*b", "(a*)*"],
    ["web-(\\w+\\d?)+", "(\\w+\\d?)+"],
    ["((ab)*c)*", "((ab)*c)*"],
    ["(?:x+y){2,}", "(?:x+y){2,}"],
    ["(a?){1,5}", "(a?){1,5}"],
    ["(?<host>[a-z]+-?)*", "(?<host>[a-z]+-?)*"],
    ["(([0-9]+))+", "(([0-9]+))+"],
  ];
  for (const [pattern, part] of nested) {
    it(`refuses ${pattern}`, () => assert.equal(nestedQuantifier(pattern), part));
  }
  const safe = [
    "web-[0-9]{2}",
    "dc1-.*",
    "([0-9]{2})+",
    "(web|db)-[0-9]+",
    "(a+){2}",
    "[(+)]+",
    "\\(a+\\)+",
    "\\p{L}+(-\\p{L}+)?",
    "i-[0-9a-f]{17}",
    ".+",
  ];
  for (const pattern of safe) {
    it(`accepts ${pattern}`, () => assert.equal(nestedQuantifier(pattern), undefined));
  }

  it("compiles the pattern as written, so an unbalanced one cannot escape its anchors", () => {
    // Wrapped as ^(?:web-[0-9]{2})|(.*)$ this compiles and matches every name.
    assert.throws(
      () => checkPattern("p", "web-[0-9]{2})|(.*"),
      /p is not a valid regular expression/,
    );
    assert.throws(() => checkPattern("p", "a".repeat(513)), /p must be at most 512 characters/);
    assert.equal(checkPattern("p", "web-[0-9]{2}"), "web-[0-9]{2}");
  });
});

describe("isBase64 (linear, length first)", () => {
  const cases: Array<[string, number, boolean]> = [
    ["e30=", 10, true],
    ["ZW1wdHk=\n", 10, true],
    ["YQ==", 10, true],
    ["YQ===", 10, false],
    ["YQ=a", 10, false],
    ["%%%", 10, false],
    ["", 10, true],
    ["QUJD", 3, false],
    [" \t\r\n", 10, true],
  ];
  for (const [text, max, expected] of cases) {
    it(`${JSON.stringify(text)} (max ${max}) → ${expected}`, () =>
      assert.equal(isBase64(text, max), expected));
  }

  it("refuses a 100 KB header by its length before reading it", () => {
    // The old check was a backtracking regular expression, quadratic on whitespace runs:
    // 20 s for this input. Now a length compare: reading no character proves it.
    let reads = 0;
    const huge = new Proxy(Object.assign(new String(" ".repeat(100_000))), {
      get(target, prop) {
        if (prop === "charCodeAt") reads++;
        const v = Reflect.get(target, prop);
        return typeof v === "function" ? v.bind(target) : v;
      },
    }) as unknown as string;
    assert.equal(isBase64(huge, 8192), false);
    assert.equal(reads, 0);
  });
});
