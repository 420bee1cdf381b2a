/**
 * Refuses, at config time, the operator patterns that make a backtracking regular
 * expression engine take exponential time: a repetition that varies and may repeat more than
 * once (`*`, `+`, `{n,}`, `{n,m}` with m > 1) of a group that itself holds a varying
 * repetition (`*`, `+`, `?`, `{n,m}`), like `(a+)+`, `(\w*)*` or `(x+y?)+`. One unauthenticated 31-character value held the Lambda for 15 s with such a
 * pattern. Values are also capped at 256 characters and only matched after the proof, so the
 * polynomial cases that remain (`.*.*`) stay in the millisecond range.
 *
 * A small scanner rather than a library: it runs at config validation and at cold start,
 * must work offline with no native code, and the one shape it looks for is easy to state and
 * to test. It does not look for overlapping alternatives under a repetition (`(a|a)+`); the
 * README says so.
 */

/** Where a pattern nests a variable repetition inside another, or undefined if it does not. */
export function nestedQuantifier(pattern: string): string | undefined {
  interface Frame {
    start: number;
    variable: boolean;
  }
  const stack: Frame[] = [{ start: 0, variable: false }];
  // The last atom: a group (with whether it holds a variable repetition) or anything else.
  let last: { group: boolean; variable: boolean; start: number } | undefined;
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === "\\") {
      const next = pattern[i + 1];
      let end = i + 2;
      if ((next === "p" || next === "P" || next === "u") && pattern[i + 2] === "{") {
        const close = pattern.indexOf("}", i + 2);
        end = close === -1 ? pattern.length : close + 1;
      }
      last = { group: false, variable: false, start: i };
      i = end;
      continue;
    }
    if (c === "[") {
      let j = i + 1;
      if (pattern[j] === "^") j++;
      if (pattern[j] === "]") j++;
      while (j < pattern.length && pattern[j] !== "]") j += pattern[j] === "\\" ? 2 : 1;
      last = { group: false, variable: false, start: i };
      i = j + 1;
      continue;
    }
    if (c === "(") {
      stack.push({ start: i, variable: false });
      last = undefined;
      i++;
      if (pattern[i] === "?") {
        // (?: (?= (?! (?<= (?<! (?<name>
        i++;
        if (pattern[i] === "<" && pattern[i + 1] !== "=" && pattern[i + 1] !== "!") {
          const close = pattern.indexOf(">", i);
          i = close === -1 ? pattern.length : close + 1;
        } else {
          i += pattern[i] === "<" ? 2 : 1;
        }
      }
      continue;
    }
    if (c === ")") {
      const frame = stack.length > 1 ? stack.pop()! : stack[0];
      stack[stack.length - 1].variable ||= frame.variable;
      last = { group: true, variable: frame.variable, start: frame.start };
      i++;
      continue;
    }
    const quantifier = readQuantifier(pattern, i);
    if (quantifier !== undefined) {
      if (quantifier.variable && quantifier.max > 1 && last?.group && last.variable) {
        return pattern.slice(last.start, quantifier.end);
      }
      if (quantifier.variable) stack[stack.length - 1].variable = true;
      i = quantifier.end;
      if (pattern[i] === "?") i++; // lazy
      last = undefined;
      continue;
    }
    if (c === "|") last = undefined;
    else last = { group: false, variable: false, start: i };
    i++;
  }
  return undefined;
}

/**
 * Reads a quantifier at `i`: where it ends, whether its count varies (min ≠ max) and its
 * maximum. Only a varying repetition with a maximum above 1 multiplies the ways a group
 * holding another varying repetition can split a value (`(a+)?` is harmless).
 */
function readQuantifier(
  pattern: string,
  i: number,
): { end: number; variable: boolean; max: number } | undefined {
  const c = pattern[i];
  if (c === "*" || c === "+") return { end: i + 1, variable: true, max: Infinity };
  if (c === "?") return { end: i + 1, variable: true, max: 1 };
  if (c !== "{") return undefined;
  const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i, i + 24));
  if (!m) return undefined;
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]);
  return { end: i + m[0].length, variable: max !== min, max };
}
