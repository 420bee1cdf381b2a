/**
 * HTML escaping for the report. Machine names, finding titles, acceptance reasons and
 * approvers come from machines and stack config, so every one of them is untrusted.
 */

const ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};

/**
 * Escapes text for HTML and SVG element content and for quoted attribute values.
 * Quotes are escaped too, so one function is safe in both places.
 * @example escapeHtml('<b onload="x">') === "&lt;b onload=&quot;x&quot;&gt;"
 */
export function escapeHtml(value: string): string {
  return String(value).replace(/[&<>"'`]/g, (c) => ENTITIES[c]);
}
