import * as assert from "node:assert/strict";
import { displayWidth, renderTable, type Column } from "../../cli/table";

interface Row {
  readonly name: string;
  readonly n: number;
}

const COLUMNS: readonly Column<Row>[] = [
  { header: "NAME", value: (r) => r.name },
  { header: "COUNT", value: (r) => String(r.n), align: "right" },
];

describe("cli table renderer", () => {
  it("pads every column to its widest cell, two spaces apart, no trailing spaces", () => {
    const text = renderTable(COLUMNS, [
      { name: "web-01", n: 3 },
      { name: "db", n: 12345 },
    ]);
    assert.equal(text, ["NAME    COUNT", "web-01      3", "db      12345", ""].join("\n"));
  });

  it("prints the header alone for no rows", () => {
    assert.equal(renderTable(COLUMNS, []), "NAME  COUNT\n");
  });

  it("counts characters, not UTF-16 units, and keeps one row on one line", () => {
    assert.equal(displayWidth("😀x"), 2);
    const text = renderTable(COLUMNS, [{ name: "a\tb\nc", n: 1 }]);
    assert.equal(text, "NAME   COUNT\na b c      1\n");
  });

  it("bolds the header only when colour is allowed", () => {
    const plain = renderTable(COLUMNS, []);
    const bold = renderTable(COLUMNS, [], { color: true });
    assert.ok(!plain.includes("\u001b"));
    assert.equal(bold, "\u001b[1mNAME  COUNT\u001b[0m\n");
  });
});
