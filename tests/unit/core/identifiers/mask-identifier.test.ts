import { describe, expect, it } from 'vitest';
import { maskIdentifier } from '../../../../src/core/identifiers/mask-identifier.ts';

const revealed = (masked: string): number => [...masked].filter((character) => character !== '*').length;

describe('maskIdentifier', () => {
  it.each([
    ['jane.doe@example.com', 'j***@e***.com'],
    ['  jane.doe@example.com ', 'j***@e***.com'],
    ['ab@cd.io', '***@***.io'],
    ['a@b.co', '***@***.co'],
    ['bob@abc.com', 'b***@a***.com'],
    ['+1 613 555 0123', '+1************3'],
    ['6135550123', '6********3'],
    ['918F1D4F-D195-4A8B-AF47-44683FE11DB9', '91************B9'],
    ['12345', '1****'],
    ['1234567', '1******'],
    ['12345678', '1******8'],
    ['1234', '****'],
    ['', ''],
  ])('%j → %j', (value, masked) => {
    expect(maskIdentifier(value)).toBe(masked);
  });

  it('reveals at most a quarter of a 5–8-character value (it showed 4 of them before)', () => {
    for (let length = 5; length <= 8; length++) {
      const value = '9'.repeat(length);
      expect(revealed(maskIdentifier(value))).toBeLessThanOrEqual(Math.floor(length / 4));
    }
  });

  it('counts characters, not UTF-16 units: an astral character is never split', () => {
    expect(maskIdentifier('𝐚𝐛𝐜𝐝𝐞𝐟𝐠𝐡')).toBe('𝐚******𝐡');
  });
});
