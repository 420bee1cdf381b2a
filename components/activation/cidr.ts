/**
 * CIDR ranges for the activation API's allowed-source list (`apiAllowedCidrs`): parsed strictly,
 * checked for overlaps, and matched against a caller's address. Built on `node:net`'s address
 * parser; the arithmetic is done on BigInts so IPv4 and IPv6 share one code path. The same
 * functions validate the stack config, build the resource policy and WAF IP sets, and decide
 * the local API's refusals, so all three agree on what a range means.
 */
import * as net from "node:net";

/** One parsed CIDR range. */
export interface Cidr {
  /** The range as written (already canonical: validation refuses host bits). */
  readonly text: string;
  /** 4 or 6. */
  readonly version: 4 | 6;
  /** First address of the range. */
  readonly first: bigint;
  /** Last address of the range. */
  readonly last: bigint;
}

function ipv4ToBigInt(address: string): bigint {
  return address.split(".").reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function ipv6ToBigInt(address: string): bigint {
  // An embedded IPv4 tail (::ffff:192.0.2.1) becomes two hextets first.
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4ToBigInt(v4[1]);
    text = `${text.slice(0, -v4[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const headParts = head ? head.split(":") : [];
  const tailParts = tail ? tail.split(":") : [];
  const missing = 8 - headParts.length - tailParts.length;
  const parts = [
    ...headParts,
    ...Array<string>(tail === undefined ? 0 : missing).fill("0"),
    ...tailParts,
  ];
  return parts.reduce((acc, part) => (acc << 16n) | BigInt(parseInt(part, 16)), 0n);
}

/** An IP address as a number, with its version; undefined when `address` is not one. */
export function parseAddress(address: string): { version: 4 | 6; value: bigint } | undefined {
  // A zone index (fe80::1%eth0) names a link, not an address a policy could match.
  if (address.includes("%")) return undefined;
  const version = net.isIP(address);
  if (version === 4) return { version, value: ipv4ToBigInt(address) };
  if (version === 6) return { version, value: ipv6ToBigInt(address) };
  return undefined;
}

/**
 * Parses `a.b.c.d/n` (n 0-32) or an IPv6 `addr/n` (n 0-128). Returns the range, or a problem
 * sentence. A range with host bits set (`10.0.0.1/8`) is refused with the canonical form:
 * AWS would silently widen or reject it, and the reader meant one or the other.
 */
export function parseCidr(text: string): Cidr | string {
  const match = /^([^/\s%]+)\/(\d{1,3})$/.exec(text);
  if (!match)
    return `"${text}" is not a CIDR range (address/prefix, e.g. 203.0.113.0/24 or 2001:db8::/32)`;
  const address = parseAddress(match[1]);
  if (!address) return `"${text}" does not start with an IPv4 or IPv6 address`;
  const bits = address.version === 4 ? 32 : 128;
  const prefix = Number(match[2]);
  if (prefix > bits || String(prefix) !== match[2]) {
    return `"${text}" has prefix /${match[2]}; IPv${address.version} prefixes are 0-${bits}`;
  }
  const hostBits = BigInt(bits - prefix);
  const first = (address.value >> hostBits) << hostBits;
  if (first !== address.value) {
    return `"${text}" has host bits set; the range is ${formatAddress(first, address.version)}/${prefix}`;
  }
  return { text, version: address.version, first, last: first + (1n << hostBits) - 1n };
}

/** Writes an address back as text (IPv6 without `::` compression: only for messages). */
function formatAddress(value: bigint, version: 4 | 6): string {
  if (version === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join(".");
  }
  const hextets = Array.from({ length: 8 }, (_, i) =>
    ((value >> BigInt((7 - i) * 16)) & 0xffffn).toString(16),
  );
  return hextets.join(":");
}

/**
 * The first problem with a list of ranges (`field[i] …`), or undefined when every range parses
 * and no two overlap. Overlaps are refused, not merged: a duplicate or nested range is almost
 * always a typo for a different network.
 */
export function cidrListProblem(
  texts: readonly string[],
): { index: number; problem: string } | undefined {
  const parsed: Cidr[] = [];
  for (const [index, text] of texts.entries()) {
    const cidr = parseCidr(text);
    if (typeof cidr === "string") return { index, problem: `must be a CIDR range: ${cidr}` };
    const other = parsed.find(
      (p) => p.version === cidr.version && p.first <= cidr.last && cidr.first <= p.last,
    );
    if (other) {
      return { index, problem: `${cidr.text} overlaps ${other.text}; list each network once` };
    }
    parsed.push(cidr);
  }
  return undefined;
}

/** The ranges of a list already validated by {@link cidrListProblem}. */
export function parseCidrs(texts: readonly string[]): Cidr[] {
  return texts.map((text) => {
    const cidr = parseCidr(text);
    if (typeof cidr === "string") throw new Error(cidr);
    return cidr;
  });
}

/**
 * Whether `address` lies in one of `cidrs`. An IPv4-mapped IPv6 address (`::ffff:127.0.0.1`,
 * what a dual-stack Node server reports) is matched as the IPv4 address it carries.
 */
export function addressAllowed(address: string, cidrs: readonly Cidr[]): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const parsed = parseAddress(mapped ? mapped[1] : address);
  if (!parsed) return false;
  return cidrs.some(
    (c) => c.version === parsed.version && c.first <= parsed.value && parsed.value <= c.last,
  );
}
