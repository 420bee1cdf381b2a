/**
 * A minimal BER/DER reader: just enough ASN.1 to walk a CMS SignedData blob and an X.509
 * certificate. It is hand-written rather than taken from asn1js (75 KB minified) or pkijs
 * (460 KB) because the activation Lambda has a 400 KB budget that the SSM client already
 * mostly fills. It keeps byte offsets into the input so callers can hash or compare the
 * exact encoded bytes (signed attributes, issuer names), which a decoded tree would lose.
 *
 * Everything here is fed by untrusted input: every length is bounds-checked, nesting is
 * capped, and all failures are {@link BerError}.
 */

/** Nesting deeper than this is rejected: CMS from IMDS is about 10 levels deep. */
const MAX_DEPTH = 40;

/** Raised for any input that is not well-formed BER within the limits of this reader. */
export class BerError extends Error {
  /** Always `"BerError"`. */
  override readonly name = "BerError";
}

/** One decoded TLV element, with byte offsets into the buffer it was read from. */
export interface BerNode {
  /** Tag class: 0 universal, 1 application, 2 context-specific, 3 private. */
  readonly tagClass: number;
  /** Whether the element is constructed (holds child elements). */
  readonly constructed: boolean;
  /** Tag number within its class (e.g. 16 for SEQUENCE, 0 for `[0]`). */
  readonly tagNumber: number;
  /** Offset of the identifier octet. */
  readonly start: number;
  /** Offset of the first content octet. */
  readonly contentStart: number;
  /** Offset just past the last content octet (before the end-of-contents octets, if any). */
  readonly contentEnd: number;
  /** Offset just past the whole element, end-of-contents octets included. */
  readonly end: number;
  /** Whether the length was encoded in indefinite form (`0x80` ... `00 00`). */
  readonly indefinite: boolean;
  /** Child elements; empty for primitive elements. */
  readonly children: readonly BerNode[];
}

/** Universal tag numbers used by callers. */
export const UNIVERSAL = {
  INTEGER: 2,
  OCTET_STRING: 4,
  NULL: 5,
  OID: 6,
  SEQUENCE: 16,
  SET: 17,
} as const;

/**
 * Parses one element that must span `bytes` exactly.
 *
 * @throws BerError when the input is not well-formed or has trailing bytes.
 */
export function parseBer(bytes: Uint8Array): BerNode {
  const node = readElement(bytes, 0, bytes.length, 0);
  if (node.end !== bytes.length) {
    throw new BerError(`${bytes.length - node.end} trailing byte(s) after the outer element`);
  }
  return node;
}

function readElement(bytes: Uint8Array, offset: number, limit: number, depth: number): BerNode {
  if (depth >= MAX_DEPTH) {
    throw new BerError(`nesting deeper than ${MAX_DEPTH} levels`);
  }
  let pos = offset;
  if (pos >= limit) {
    throw new BerError(`element expected at offset ${pos}, input ends`);
  }
  const first = bytes[pos++];
  const tagClass = first >> 6;
  const constructed = (first & 0x20) !== 0;
  let tagNumber = first & 0x1f;
  if (tagNumber === 0x1f) {
    // High-tag-number form; capped at 3 octets (21 bits), far beyond anything CMS uses.
    tagNumber = 0;
    for (let i = 0; ; i++) {
      if (pos >= limit || i === 3) {
        throw new BerError(`bad high tag number at offset ${offset}`);
      }
      const b = bytes[pos++];
      tagNumber = (tagNumber << 7) | (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
  }
  if (pos >= limit) {
    throw new BerError(`length expected at offset ${pos}, input ends`);
  }
  const lengthByte = bytes[pos++];
  if (lengthByte === 0x80) {
    if (!constructed) {
      throw new BerError(`primitive element with indefinite length at offset ${offset}`);
    }
    const contentStart = pos;
    const children: BerNode[] = [];
    for (;;) {
      if (pos + 2 <= limit && bytes[pos] === 0 && bytes[pos + 1] === 0) {
        return {
          tagClass,
          constructed,
          tagNumber,
          start: offset,
          contentStart,
          contentEnd: pos,
          end: pos + 2,
          indefinite: true,
          children,
        };
      }
      const child = readElement(bytes, pos, limit, depth + 1);
      children.push(child);
      pos = child.end;
    }
  }
  let length: number;
  if (lengthByte < 0x80) {
    length = lengthByte;
  } else {
    const count = lengthByte & 0x7f;
    // 4 length octets already allow 4 GiB; 0xff is reserved by X.690.
    if (count > 4) {
      throw new BerError(
        `unsupported length encoding 0x${lengthByte.toString(16)} at offset ${offset}`,
      );
    }
    if (pos + count > limit) {
      throw new BerError(`length octets run past the input at offset ${offset}`);
    }
    length = 0;
    for (let i = 0; i < count; i++) {
      length = length * 256 + bytes[pos++];
    }
  }
  const contentStart = pos;
  const end = contentStart + length;
  if (end > limit) {
    throw new BerError(
      `element at offset ${offset} claims ${length} content byte(s), only ${limit - contentStart} remain`,
    );
  }
  if (tagClass === 0 && tagNumber === 0) {
    throw new BerError(`unexpected end-of-contents at offset ${offset}`);
  }
  const children: BerNode[] = [];
  if (constructed) {
    let childPos = contentStart;
    while (childPos < end) {
      const child = readElement(bytes, childPos, end, depth + 1);
      children.push(child);
      childPos = child.end;
    }
  }
  return {
    tagClass,
    constructed,
    tagNumber,
    start: offset,
    contentStart,
    contentEnd: end,
    end,
    indefinite: false,
    children,
  };
}

/** Whether `node` is the universal element with tag number `tagNumber`. */
export function isUniversal(node: BerNode, tagNumber: number): boolean {
  return node.tagClass === 0 && node.tagNumber === tagNumber;
}

/** Whether `node` is the context-specific element `[tagNumber]`. */
export function isContext(node: BerNode, tagNumber: number): boolean {
  return node.tagClass === 2 && node.tagNumber === tagNumber;
}

/**
 * The octets of an OCTET STRING, joining the segments of a constructed (BER) one.
 *
 * @throws BerError when `node` is not an OCTET STRING or a segment is not one either.
 */
export function octetStringValue(bytes: Uint8Array, node: BerNode): Buffer {
  if (!isUniversal(node, UNIVERSAL.OCTET_STRING)) {
    throw new BerError(`OCTET STRING expected at offset ${node.start}`);
  }
  if (!node.constructed) {
    return Buffer.from(bytes.subarray(node.contentStart, node.contentEnd));
  }
  return Buffer.concat(node.children.map((child) => octetStringValue(bytes, child)));
}

/** The content octets of a primitive element (for OIDs, INTEGERs). */
export function primitiveContent(bytes: Uint8Array, node: BerNode): Buffer {
  if (node.constructed) {
    throw new BerError(`primitive element expected at offset ${node.start}`);
  }
  return Buffer.from(bytes.subarray(node.contentStart, node.contentEnd));
}

/** The whole encoding of an element, identifier and length octets included. */
export function encodedBytes(bytes: Uint8Array, node: BerNode): Buffer {
  return Buffer.from(bytes.subarray(node.start, node.end));
}
