import { describe, expect, it } from 'vitest';

import {
  APP_ENTRY_URL,
  CONTENT_SECURITY_POLICY,
  isAllowedExternalLink,
  isAppUrl,
  parsePhotoUrl,
  photoUrl,
} from '../../electron/main/urls.js';

function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy.split(';').map((part) => {
      const [name = '', ...values] = part.trim().split(/\s+/);
      return [name, values];
    }),
  );
}

describe('parsePhotoUrl', () => {
  it('accepts thumbnail and original ids', () => {
    expect(parsePhotoUrl('photo://thumbnail/12')).toEqual({ kind: 'thumbnail', id: 12 });
    expect(parsePhotoUrl('photo://original/1')).toEqual({ kind: 'original', id: 1 });
    expect(parsePhotoUrl('photo://original/999999999999999')).toEqual({
      kind: 'original',
      id: 999_999_999_999_999,
    });
  });

  it('round-trips photoUrl', () => {
    expect(parsePhotoUrl(photoUrl('thumbnail', 4711))).toEqual({ kind: 'thumbnail', id: 4711 });
  });

  it.each([
    'photo://thumbnail/../etc/passwd',
    'photo://thumbnail/%2e%2e/etc/passwd',
    'photo://thumbnail/..%2fetc%2fpasswd',
    'photo://thumbnail/12/../13',
    'photo://thumbnail/abc',
    'photo://thumbnail/12abc',
    'photo://thumbnail/-1',
    'photo://thumbnail/0',
    'photo://thumbnail/012',
    'photo://thumbnail/1.5',
    'photo://thumbnail/1e3',
    'photo://thumbnail/1234567890123456',
    'photo://thumbnail/',
    'photo://thumbnail',
    'photo://thumbnail/12/',
    'photo://thumbnail/12?size=big',
    'photo://thumbnail/12#x',
    'photo://user:pw@thumbnail/12',
    'photo://thumbnail:80/12',
    'photo://preview/12',
    'photo:///etc/passwd',
    'photo://%2Fetc%2Fpasswd/1',
    'file:///etc/passwd',
    'app://thumbnail/12',
    'PHOTO://THUMBNAIL/12',
    'not a url',
    '',
  ])('rejects %s', (url) => {
    expect(parsePhotoUrl(url)).toBeNull();
  });
});

describe('isAppUrl', () => {
  it('accepts pages of the app origin', () => {
    expect(isAppUrl(APP_ENTRY_URL)).toBe(true);
    expect(isAppUrl('app://deit-tagger/')).toBe(true);
  });

  it.each([
    'app://other-host/index.html',
    'app://deit-tagger.evil/index.html',
    'https://deit-tagger/index.html',
    'file:///index.html',
    'about:blank',
    'devtools://devtools/bundled/inspector.html',
    '',
  ])('rejects %s', (url) => {
    expect(isAppUrl(url)).toBe(false);
  });
});

describe('CONTENT_SECURITY_POLICY', () => {
  const policy = directives(CONTENT_SECURITY_POLICY);

  it('allows scripts from the app only', () => {
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('default-src')).toEqual(["'self'"]);
    expect(policy.get('object-src')).toEqual(["'none'"]);
  });

  it('allows no inline code or eval', () => {
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline');
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
  });

  it('allows photo URLs as images', () => {
    expect(policy.get('img-src')).toEqual(["'self'", 'photo:', 'data:', 'blob:']);
  });

  it('allows requests to the app only', () => {
    expect(policy.get('connect-src')).toEqual(["'self'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
  });
});

describe('isAllowedExternalLink', () => {
  it('allows listed https pages', () => {
    expect(isAllowedExternalLink('https://github.com/facebookresearch/deit')).toBe(true);
    expect(
      isAllowedExternalLink('https://github.com/facebookresearch/deit/blob/main/README.md'),
    ).toBe(true);
    expect(isAllowedExternalLink('https://huggingface.co/facebook/deit-tiny-patch16-224')).toBe(
      true,
    );
  });

  it.each([
    'http://github.com/facebookresearch/deit',
    'https://github.com/facebookresearch/deit-evil',
    'https://github.com/attacker/repo',
    'https://user@github.com/facebookresearch/deit',
    'https://github.com.evil.example/facebookresearch/deit',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'app://deit-tagger/index.html',
    'not a url',
  ])('rejects %s', (url) => {
    expect(isAllowedExternalLink(url)).toBe(false);
  });
});
