import { describe, expect, it } from 'vitest';
import { printable, printableMessage } from '../../electron/cli/printable.js';

describe('printable', () => {
  it('escapes C0, DEL and C1 characters', () => {
    expect(printable('\u001b]0;PWNED\u0007\u001b[2J\u001b[31mred.jpg')).toBe(
      '\\x1b]0;PWNED\\x07\\x1b[2J\\x1b[31mred.jpg',
    );
    expect(printable('a\tb\nc\rd')).toBe('a\\tb\\nc\\rd');
    expect(printable('nul\u0000del\u007f')).toBe('nul\\x00del\\x7f');
    expect(printable('csi\u009b2J')).toBe('csi\\u009b2J');
  });

  it('keeps other text as it is', () => {
    for (const text of ['C:\\photos\\a.jpg', '写真/東京タワー.jpg', 'Cafe\u0301 \u00a0x', '']) {
      expect(printable(text)).toBe(text);
    }
  });

  it('keeps line breaks in messages', () => {
    expect(printableMessage('not found: \u001b[2Jx\nnext\tline')).toBe(
      'not found: \\x1b[2Jx\nnext\tline',
    );
  });
});
