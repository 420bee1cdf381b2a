/**
 * Drops whole-line comments from the bootstrap scripts before they go into EC2 user data
 * (16 KB at most): the scripts carry their reasoning as comments, which the machine never
 * needs. Code, strings and here-documents are left byte for byte as they are.
 */

/** Which here-document syntax to respect: bash `<<'WORD'`, PowerShell `@'`/`@"` here-strings. */
export type ScriptLanguage = "bash" | "powershell";

/** Bash: `<<WORD`, `<<'WORD'`, `<<"WORD"` or `<<-WORD` (not the `<<<` here-string). */
const BASH_HEREDOC = /(?<!<)<<-?\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\1(?!<)/;
/** PowerShell: a line ending in `@'` or `@"` opens a here-string closed by `'@`/`"@` at a line start. */
const PS_HERESTRING = /@(['"])\s*$/;

/** True for a line that is only a comment (the first line is kept: it may be a shebang). */
function isCommentLine(line: string, language: ScriptLanguage): boolean {
  const trimmed = line.trimStart();
  if (!trimmed.startsWith("#")) return false;
  // PowerShell's `#requires` is a directive, not a comment.
  return !(language === "powershell" && /^#requires\b/i.test(trimmed));
}

/**
 * Returns `script` without its whole-line comments, except the first line and any line inside
 * a here-document or here-string. Lines with code and a trailing comment stay whole: telling
 * such a `#` from one inside a string needs a real parser, and the saving is small.
 */
export function stripCommentLines(script: string, language: ScriptLanguage): string {
  const out: string[] = [];
  let closer: ((line: string) => boolean) | undefined;
  script.split("\n").forEach((line, index) => {
    if (closer) {
      out.push(line);
      if (closer(line)) closer = undefined;
      return;
    }
    if (index > 0 && isCommentLine(line, language)) return;
    out.push(line);
    if (language === "bash") {
      const open = BASH_HEREDOC.exec(line);
      if (open) {
        const word = open[2];
        const dash = line.slice(open.index).startsWith("<<-");
        closer = (l) => (dash ? l.replace(/^\t+/, "") : l) === word;
      }
    } else {
      const open = PS_HERESTRING.exec(line);
      if (open) {
        const quote = open[1];
        closer = (l) => l.startsWith(`${quote}@`);
      }
    }
  });
  return out.join("\n");
}
