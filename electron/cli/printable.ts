/** Escapes for the control characters that have a short form in C and JavaScript strings. */
const SHORT_ESCAPES: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * Replaces control characters (C0, DEL and C1) with visible escapes such as `\n` or `\x1b`, so
 * a file name cannot move the cursor, retitle or clear the terminal, or split a line of output.
 * Backslashes stay as they are, so Windows paths read normally.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- finding control characters is the purpose here
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (character) => {
    const short = SHORT_ESCAPES[character];
    if (short !== undefined) return short;
    const code = character.charCodeAt(0);
    const hex = code.toString(16).padStart(2, '0');
    return code < 0x80 ? `\\x${hex}` : `\\u00${hex}`;
  });
}

/** Like `printable`, but keeps line breaks and tabs, for messages that span several lines. */
export function printableMessage(text: string): string {
  return text
    .split('\n')
    .map((line) => line.split('\t').map(printable).join('\t'))
    .join('\n');
}
