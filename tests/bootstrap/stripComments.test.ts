/**
 * stripCommentLines: whole-line comments go, code and here-documents stay byte for byte.
 */
import { strict as assert } from "node:assert";
import { stripCommentLines } from "../../components/activation/stripComments";

describe("stripCommentLines", () => {
  it("bash: drops whole-line comments but keeps the shebang, code, trailing comments and heredocs", () => {
    const script = [
      "#!/usr/bin/env bash",
      "# why this is so",
      "  # indented why",
      "x=1 # trailing comment stays",
      "cat <<'EOF'",
      "# shown to the user",
      "",
      "EOF",
      "# gone",
      "cat <<-KEY",
      "\t# kept",
      "\tKEY",
      'read -r a <<<"$x"',
      "# gone too",
      "",
    ].join("\n");
    assert.equal(
      stripCommentLines(script, "bash"),
      [
        "#!/usr/bin/env bash",
        "x=1 # trailing comment stays",
        "cat <<'EOF'",
        "# shown to the user",
        "",
        "EOF",
        "cat <<-KEY",
        "\t# kept",
        "\tKEY",
        'read -r a <<<"$x"',
        "",
      ].join("\n"),
    );
  });

  it("PowerShell: keeps here-strings and #requires, drops whole-line comments", () => {
    const script = [
      "# header",
      "#requires -Version 5.1",
      "[Console]::Out.Write(@'",
      "# help line",
      "'@)",
      "  # why",
      '$t = @"',
      "# inside",
      '"@',
      "Write-Output 1 # stays",
    ].join("\n");
    assert.equal(
      stripCommentLines(script, "powershell"),
      [
        "# header",
        "#requires -Version 5.1",
        "[Console]::Out.Write(@'",
        "# help line",
        "'@)",
        '$t = @"',
        "# inside",
        '"@',
        "Write-Output 1 # stays",
      ].join("\n"),
    );
  });
});
