import * as assert from "node:assert/strict";
import {
  acceptanceWarnings,
  findingPatternProblem,
  parseInstant,
  validateAcceptances,
  type AcceptanceProblem,
} from "../../risk/register";
import type { Acceptance, RiskControl } from "../../risk/model";

const NOW = new Date("2026-11-30T12:00:00Z");
const CONTROLS: RiskControl[] = [
  { name: "patch", complianceType: "Patch", severity: "HIGH", mandatory: false },
  { name: "antivirus", complianceType: "Custom:Antivirus", severity: "HIGH", mandatory: true },
];
const RULES = { controls: CONTROLS, now: NOW, maxAcceptanceDays: 365 };

const VALID: Acceptance = {
  id: "kb-legacy-app",
  control: "patch",
  findingPattern: "KB50[0-9]{5}",
  names: ["web-01", "mi-0123456789abcdef0"],
  tags: { Environment: "prod" },
  reason: "Vendor certifies the app only on the current build",
  approver: "CAB-2026-114",
  expiresAt: "2027-03-31T00:00:00Z",
};

/** One acceptance with some fields changed (undefined deletes the field). */
function variant(changes: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...VALID };
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

describe("acceptance register validation", () => {
  it("accepts a complete acceptance, and one with only the required fields", () => {
    assert.deepEqual(validateAcceptances([VALID], RULES), []);
    assert.deepEqual(
      validateAcceptances(
        [variant({ findingPattern: undefined, names: undefined, tags: undefined })],
        RULES,
      ),
      [],
    );
  });

  const P = "risk.acceptances[0]";
  const cases: [string, Record<string, unknown>, AcceptanceProblem[]][] = [
    [
      "an unknown control, naming the enabled ones",
      { control: "cis" },
      [
        {
          path: `${P}.control`,
          message: 'must be an enabled control (patch, antivirus); got "cis"',
        },
      ],
    ],
    [
      "a missing control",
      { control: undefined },
      [
        {
          path: `${P}.control`,
          message: "must be an enabled control (patch, antivirus); got undefined",
        },
      ],
    ],
    [
      "a mandated control",
      { control: "antivirus" },
      [
        {
          path: `${P}.control`,
          message:
            '"antivirus" is mandated (controls.antivirus.mandatory): its findings cannot be accepted',
        },
      ],
    ],
    [
      "a missing approver",
      { approver: undefined },
      [
        {
          path: `${P}.approver`,
          message: "is required: name who approved it (a person or a change record)",
        },
      ],
    ],
    [
      "a blank approver",
      { approver: "  " },
      [
        {
          path: `${P}.approver`,
          message: "is required: name who approved it (a person or a change record)",
        },
      ],
    ],
    [
      "an empty reason",
      { reason: "" },
      [{ path: `${P}.reason`, message: "is required: say why the business accepts this risk" }],
    ],
    [
      "an overlong reason",
      { reason: "x".repeat(1025) },
      [{ path: `${P}.reason`, message: "must be at most 1024 characters" }],
    ],
    [
      "a missing expiry",
      { expiresAt: undefined },
      [
        {
          path: `${P}.expiresAt`,
          message: "is required: every acceptance expires (e.g. 2027-03-31T00:00:00Z)",
        },
      ],
    ],
    [
      "an expiry without a zone",
      { expiresAt: "2027-03-31T00:00:00" },
      [
        {
          path: `${P}.expiresAt`,
          message:
            'must be an ISO 8601 instant with a zone, e.g. 2027-03-31T00:00:00Z; got "2027-03-31T00:00:00"',
        },
      ],
    ],
    [
      "a date only",
      { expiresAt: "2027-03-31" },
      [
        {
          path: `${P}.expiresAt`,
          message:
            'must be an ISO 8601 instant with a zone, e.g. 2027-03-31T00:00:00Z; got "2027-03-31"',
        },
      ],
    ],
    [
      "a day that does not exist",
      { expiresAt: "2027-02-30T00:00:00Z" },
      [
        {
          path: `${P}.expiresAt`,
          message:
            'must be an ISO 8601 instant with a zone, e.g. 2027-03-31T00:00:00Z; got "2027-02-30T00:00:00Z"',
        },
      ],
    ],
    [
      "an expiry beyond maxAcceptanceDays",
      { expiresAt: "2027-11-30T12:00:01Z" },
      [
        {
          path: `${P}.expiresAt`,
          message:
            "2027-11-30T12:00:01Z is more than maxAcceptanceDays (365) ahead: at the latest 2027-11-30T12:00:00.000Z",
        },
      ],
    ],
    [
      "a bad id",
      { id: "kb legacy" },
      [
        {
          path: `${P}.id`,
          message:
            'must be 1–64 letters, digits, _ . - starting with a letter or digit; got "kb legacy"',
        },
      ],
    ],
    [
      "an unsafe finding pattern",
      { findingPattern: "(KB[0-9]+)+" },
      [
        {
          path: `${P}.findingPattern`,
          message:
            "nests a repetition inside a repetition ((KB[0-9]+)+), which can take exponential time; write it without the outer repetition",
        },
      ],
    ],
    [
      "an invalid finding pattern",
      { findingPattern: "KB[0-9" },
      [
        {
          path: `${P}.findingPattern`,
          message:
            "is not a valid regular expression: Invalid regular expression: /KB[0-9/u: Unterminated character class",
        },
      ],
    ],
    [
      "a finding pattern that is not text",
      { findingPattern: 5 },
      [{ path: `${P}.findingPattern`, message: "must be a string (a regular expression)" }],
    ],
    [
      "an empty names list",
      { names: [] },
      [
        {
          path: `${P}.names`,
          message:
            "must list at least one machine name or resource ID (leave it out to cover every machine)",
        },
      ],
    ],
    [
      "a malformed and a repeated name",
      { names: ["web-01", "web 01;", "web-01"] },
      [
        {
          path: `${P}.names[1]`,
          message:
            'must be a machine name or resource ID: 1–256 letters, digits, spaces or _ . : / = + - @; got "web 01;"',
        },
        { path: `${P}.names[2]`, message: 'repeats "web-01"' },
      ],
    ],
    [
      "an aws: tag key",
      { tags: { "aws:cloudformation:stack-name": "x" } },
      [
        {
          path: `${P}.tags`,
          message:
            'key "aws:cloudformation:stack-name" must be a tag key: 1–128 letters, digits, spaces or _ . : / = + - @, not starting with aws:',
        },
      ],
    ],
    [
      "a tag value that is not text",
      { tags: { Environment: 7 } },
      [
        {
          path: `${P}.tags.Environment`,
          message: "must be a tag value: 0–256 letters, digits, spaces or _ . : / = + - @; got 7",
        },
      ],
    ],
    [
      "an empty tag map",
      { tags: {} },
      [
        {
          path: `${P}.tags`,
          message: "must map at least one tag key to its value (leave it out to require no tag)",
        },
      ],
    ],
  ];
  for (const [what, changes, expected] of cases) {
    it(`refuses ${what}`, () => {
      assert.deepEqual(validateAcceptances([variant(changes)], RULES), expected);
    });
  }

  it("names the entry's index and reports every problem of every entry", () => {
    const problems = validateAcceptances(
      [VALID, variant({ id: "second" }), variant({ id: "kb-legacy-app", approver: "" })],
      RULES,
    );
    assert.deepEqual(problems, [
      {
        path: "risk.acceptances[2].id",
        message: '"kb-legacy-app" is already used by risk.acceptances[0]: IDs must be unique',
      },
      {
        path: "risk.acceptances[2].approver",
        message: "is required: name who approved it (a person or a change record)",
      },
    ]);
  });

  it("refuses an entry that is not an object", () => {
    assert.deepEqual(validateAcceptances(["kb-legacy-app"], RULES), [
      { path: "risk.acceptances[0]", message: "must be an object (a YAML mapping)" },
    ]);
  });

  it("applies a shorter maxAcceptanceDays, and refuses one beyond 365 or not whole", () => {
    assert.deepEqual(validateAcceptances([VALID], { ...RULES, maxAcceptanceDays: 90 }), [
      {
        path: "risk.acceptances[0].expiresAt",
        message:
          "2027-03-31T00:00:00Z is more than maxAcceptanceDays (90) ahead: at the latest 2027-02-28T12:00:00.000Z",
      },
    ]);
    for (const bad of [0, 366, 30.5]) {
      assert.deepEqual(validateAcceptances([VALID], { ...RULES, maxAcceptanceDays: bad }), [
        {
          path: "risk.maxAcceptanceDays",
          message: `must be a whole number of days from 1 to 365; got ${bad}`,
        },
      ]);
    }
  });

  it("names another base path when given one (component arguments)", () => {
    assert.deepEqual(
      validateAcceptances([variant({ approver: undefined })], {
        ...RULES,
        basePath: "acceptances",
      }),
      [
        {
          path: "acceptances[0].approver",
          message: "is required: name who approved it (a person or a change record)",
        },
      ],
    );
  });

  it("says no control is enabled when none is", () => {
    assert.deepEqual(validateAcceptances([VALID], { ...RULES, controls: [] }), [
      {
        path: "risk.acceptances[0].control",
        message: 'must be an enabled control (none: no control is enabled); got "patch"',
      },
    ]);
  });
});

describe("finding patterns", () => {
  const cases: [string, string | undefined][] = [
    ["KB50[0-9]{5}", undefined],
    ["xccdf_org\\.ssgproject\\.content_rule_.*", undefined],
    ["no-data", undefined],
    ["(CVE|KB)-?[0-9]+", undefined],
    [
      "",
      "must be a regular expression of 1–256 characters (leave it out to accept every finding of the control)",
    ],
    [
      "(a)\\1",
      'must not use backreferences (\\1, \\k<name>): RE2 (DuckDB) has none; got "(a)\\\\1"',
    ],
    [
      "KB(?=5)",
      'must not use lookaround ((?=, (?!, (?<=, (?<!): RE2 (DuckDB) has none; got "KB(?=5)"',
    ],
    [
      "(?<!x)KB",
      'must not use lookaround ((?=, (?!, (?<=, (?<!): RE2 (DuckDB) has none; got "(?<!x)KB"',
    ],
    [
      "(\\w*)*",
      "nests a repetition inside a repetition ((\\w*)*), which can take exponential time; write it without the outer repetition",
    ],
  ];
  for (const [pattern, problem] of cases) {
    it(`${problem === undefined ? "accepts" : "refuses"} ${JSON.stringify(pattern)}`, () => {
      assert.equal(findingPatternProblem(pattern), problem);
    });
  }
  it("refuses a pattern over 256 characters", () => {
    assert.match(
      findingPatternProblem("a".repeat(257)) ?? "",
      /^must be a regular expression of 1–256/,
    );
  });
});

describe("ISO 8601 instants", () => {
  const cases: [string, number | undefined][] = [
    ["2027-03-31T00:00:00Z", Date.UTC(2027, 2, 31)],
    ["2027-03-31T10:00:00+10:00", Date.UTC(2027, 2, 31)],
    ["2027-03-31T00:00Z", Date.UTC(2027, 2, 31)],
    ["2027-03-31T00:00:00.250Z", Date.UTC(2027, 2, 31) + 250],
    ["2028-02-29T00:00:00Z", Date.UTC(2028, 1, 29)],
    ["2027-02-29T00:00:00Z", undefined],
    ["2027-04-31T00:00:00Z", undefined],
    ["2027-03-31T24:00:00Z", undefined],
    ["2027-03-31 00:00:00Z", undefined],
    ["31/03/2027", undefined],
    ["2027-03-31T00:00:00+1000", undefined],
  ];
  for (const [text, ms] of cases) {
    it(`${ms === undefined ? "refuses" : "reads"} ${text}`, () => {
      assert.equal(parseInstant(text), ms);
    });
  }
});

describe("acceptances expired or expiring soon", () => {
  it("accepts an expiry in the past (no problem) and warns that it counts as open", () => {
    const past = { ...VALID, id: "past", expiresAt: "2026-11-30T11:59:59Z" };
    assert.deepEqual(validateAcceptances([past], RULES), []);
    assert.deepEqual(acceptanceWarnings([past], NOW), [
      "risk.acceptances[0] (past) expired at 2026-11-30T11:59:59Z: its findings of patch count as open (acceptance-expired) and the expired-acceptance alarm fires; renew it with a new approval or remove it",
    ]);
  });

  it("warns about those expiring within 30 days, not later ones", () => {
    const soon = { ...VALID, id: "soon", expiresAt: "2026-12-15T12:00:00Z" };
    const tomorrow = { ...VALID, id: "tomorrow", expiresAt: "2026-12-01T11:00:00Z" };
    const edge = { ...VALID, id: "edge", expiresAt: "2026-12-30T12:00:01Z" };
    assert.deepEqual(acceptanceWarnings([VALID, soon, tomorrow, edge], NOW), [
      "risk.acceptances[1] (soon) expires 2026-12-15T12:00:00Z, in 15 days: its findings of patch count as open again after that; renew it or fix them",
      "risk.acceptances[2] (tomorrow) expires 2026-12-01T11:00:00Z, in 1 day: its findings of patch count as open again after that; renew it or fix them",
    ]);
  });
});
