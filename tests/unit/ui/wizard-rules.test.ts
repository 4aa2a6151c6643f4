import { describe, expect, it } from 'vitest';
import {
  MAX_NAME_LENGTH,
  audienceErrors,
  columnsErrors,
  emptyDraft,
  inputsKey,
  mappingOf,
  nameError,
  planOf,
  retentionError,
  validitySentence,
  warningsOf,
  type WizardDraft,
} from '../../../src/ui/stores/wizard-rules.ts';
import { SAMPLE_SCHEMA } from './fake-service.ts';

function draftWithSchema(): WizardDraft {
  const draft = emptyDraft();
  draft.inputs = ['samples/people.jsonl'];
  draft.schema = structuredClone(SAMPLE_SCHEMA);
  draft.schemaFor = inputsKey(draft.inputs);
  draft.columns = {
    'e-mail': { include: true, type: 'EMAIL' },
    phone_number: { include: true, type: 'PHONE' },
    age: { include: false, type: '' },
  };
  return draft;
}

describe('audience name (TikTok allows 128 characters; the app adds " · EMAIL")', () => {
  it('accepts 120 characters: with the suffix that is exactly 128', () => {
    const name = 'n'.repeat(120);
    expect(nameError(name)).toBeNull();
    expect(`${name} · EMAIL`.length).toBe(128);
    expect(MAX_NAME_LENGTH).toBe(120);
  });
  it('refuses 121 characters, naming the limit', () => {
    expect(nameError('n'.repeat(121))).toContain('120');
  });
  it('refuses control characters and an empty name', () => {
    expect(nameError('Spring\tbuyers')).toContain('control characters');
    expect(nameError('Spring\nbuyers')).toContain('control characters');
    expect(nameError('Spring\u0085')).toContain('control characters');
    expect(nameError('   ')).toContain('name');
    expect(nameError('Spring buyers · 2026')).toBeNull();
  });
});

describe('retention days', () => {
  it.each(['', '1', '180', '365', ' 30 '])('accepts %j', (value) => expect(retentionError(value)).toBeNull());
  it.each(['0', '366', '1.5', '-3', 'ten'])('refuses %j', (value) => expect(retentionError(value)).not.toBeNull());
});

describe('audience step', () => {
  it('create needs a valid name; append, remove and replace need a picked audience', () => {
    const draft = emptyDraft();
    expect(Object.keys(audienceErrors(draft))).toEqual(['audience.name']);
    draft.audience.name = 'Spring';
    expect(audienceErrors(draft)).toEqual({});
    for (const action of ['append', 'remove', 'replace'] as const) {
      draft.audience.action = action;
      expect(Object.keys(audienceErrors(draft))).toEqual(['audience.audienceId']);
    }
    draft.audience.audienceId = '1796000000000000001';
    expect(audienceErrors(draft)).toEqual({});
    draft.audience.retentionDays = '400';
    expect(Object.keys(audienceErrors(draft))).toEqual(['audience.retentionInDays']);
  });
});

describe('columns step', () => {
  it('maps only included columns with a type; a column switched back to "not an identifier" is not hashed', () => {
    const draft = draftWithSchema();
    expect(mappingOf(draft)).toEqual([
      { column: 'e-mail', type: 'EMAIL' },
      { column: 'phone_number', type: 'PHONE' },
    ]);
    draft.columns.phone_number = { include: false, type: 'PHONE' };
    expect(mappingOf(draft)).toEqual([{ column: 'e-mail', type: 'EMAIL' }]);
    draft.columns['e-mail'] = { include: true, type: '' };
    expect(mappingOf(draft)).toEqual([]);
    expect(Object.keys(columnsErrors(draft))).toEqual(['column:e-mail', 'mapping']);
  });
  it('ignores choices for columns the current schema does not have (nothing resurrected)', () => {
    const draft = draftWithSchema();
    draft.columns.old_column = { include: true, type: 'MAID' };
    expect(mappingOf(draft).map((m) => m.column)).toEqual(['e-mail', 'phone_number']);
  });
  it('an existing audience takes one identifier type, and only its own', () => {
    const draft = draftWithSchema();
    Object.assign(draft.audience, {
      action: 'append',
      audienceId: '1796000000000000001',
      audienceName: 'Spring · EMAIL',
      audienceType: 'EMAIL_SHA256',
    });
    expect(columnsErrors(draft).mapping).toContain('single type');
    draft.columns['e-mail'] = { include: false, type: 'EMAIL' };
    expect(columnsErrors(draft).mapping).toContain('holds EMAIL_SHA256');
    draft.columns['e-mail'] = { include: true, type: 'EMAIL' };
    draft.columns.phone_number = { include: false, type: 'PHONE' };
    expect(columnsErrors(draft)).toEqual({});
  });
  it('the phone region is two letters', () => {
    const draft = draftWithSchema();
    draft.options.phoneRegion = 'USA';
    expect(Object.keys(columnsErrors(draft))).toEqual(['options.phoneRegion']);
  });
});

describe('the plan sent to the server', () => {
  it('create: a trimmed name, the mapping, options and retention as a number', () => {
    const draft = draftWithSchema();
    draft.audience.name = '  Spring  ';
    draft.audience.retentionDays = '180';
    draft.options.phoneRegion = 'gb';
    expect(planOf(draft)).toEqual({
      inputs: ['samples/people.jsonl'],
      mapping: [
        { column: 'e-mail', type: 'EMAIL' },
        { column: 'phone_number', type: 'PHONE' },
      ],
      options: { phoneRegion: 'GB', phoneFormat: 'digits', emailDots: 'keep', prehashed: 'accept' },
      audience: { action: 'create', name: 'Spring', retentionInDays: 180 },
    });
  });
  it('append: the picked audience id, no name', () => {
    const draft = draftWithSchema();
    Object.assign(draft.audience, { action: 'append', audienceId: '1796000000000000001', name: 'ignored' });
    expect(planOf(draft).audience).toEqual({ action: 'append', audienceId: '1796000000000000001' });
  });
});

describe('what the checks say', () => {
  it('"94% valid phone numbers (region US)" from counts', () => {
    const counts = { valid: 94, prehashed: 0, empty: 10, rejected: { invalid_phone: 6 } };
    expect(validitySentence('PHONE', counts, { ...emptyDraft().options, phoneRegion: 'us' })).toBe(
      '94% valid phone numbers (region US)',
    );
    expect(validitySentence('EMAIL', { valid: 1, prehashed: 1, empty: 0, rejected: {} }, emptyDraft().options)).toBe(
      '100% valid email addresses',
    );
  });
  it('confirm warnings: few ids, low validity, pre-hashed values the policy rejects, simulated destination', () => {
    const draft = draftWithSchema();
    draft.options.prehashed = 'reject';
    draft.audience.action = 'replace';
    const warnings = warningsOf(
      draft,
      {
        sampleRows: 400,
        columns: [],
        types: {
          EMAIL: { valid: 300, unique: 250, prehashed: 0, empty: 0, rejected: { prehashed_not_allowed: 100 } },
        },
      },
      { kind: 'emulator', label: 'simulated TikTok' },
    ).map((w) => w.text);
    expect(warnings.some((w) => w.includes('simulated TikTok'))).toBe(true);
    expect(warnings.some((w) => w.includes('only 250 distinct ids') && w.includes('refuses a REPLACE'))).toBe(true);
    expect(warnings.some((w) => w.includes('only 75%'))).toBe(true);
    expect(warnings.some((w) => w.includes('already SHA-256 hashes'))).toBe(true);
  });
  it('no warning for a large, clean sample going to TikTok', () => {
    const draft = draftWithSchema();
    const warnings = warningsOf(
      draft,
      {
        sampleRows: 1000,
        columns: [],
        types: { EMAIL: { valid: 1000, unique: 990, prehashed: 0, empty: 0, rejected: {} } },
      },
      { kind: 'tiktok', label: 'TikTok' },
    );
    expect(warnings).toEqual([]);
  });
});
