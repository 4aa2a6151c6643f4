import { describe, expect, it } from 'vitest';
import { identifierTypeFromName, nameWords } from '../../../../src/core/schema/suggest-identifier-type.ts';

describe('identifierTypeFromName', () => {
  it.each([
    ['e-mail', 'EMAIL'],
    ['Email Address', 'EMAIL'],
    ['customer_e_mail', 'EMAIL'],
    ['emails', 'EMAIL'],
    ['hashed_email_sha256', 'EMAIL'],
    ['phone_number', 'PHONE'],
    ['phoneNumber', 'PHONE'],
    ['MSISDN', 'PHONE'],
    ['mobile_number', 'PHONE'],
    ['cell', 'PHONE'],
    ['IDFA', 'IDFA'],
    ['gaid', 'GAID'],
    ['google_ad_id', 'GAID'],
    ['mobile_advertiser_id', 'MAID'],
    ['device_id', 'MAID'],
    ['maid', 'MAID'],
    ['age', null],
    ['hotel', null],
    ['email_opt_in_date', 'EMAIL'],
  ])('%s → %s', (name, expected) => {
    expect(identifierTypeFromName(name)).toBe(expected);
  });

  it('splits names into lowercase words on separators and camelCase', () => {
    expect(nameWords('customerPhone-Number_2')).toEqual(['customer', 'phone', 'number', '2']);
  });
});
