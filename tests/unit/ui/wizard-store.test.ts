// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ServiceError } from '../../../src/ui/services/service.ts';
import { DRAFT_STORAGE_KEY, PREVIEW_DEBOUNCE_MS, useWizardStore } from '../../../src/ui/stores/wizard.ts';
import { fakeService, jobWith, setup, type FakeService } from './fake-service.ts';

let service: FakeService;

beforeEach(() => {
  sessionStorage.clear();
  ({ service } = setup());
});
afterEach(() => vi.useRealTimers());

/** A new page load: a fresh Pinia and store reading the same sessionStorage. */
function reload() {
  setup(service);
  return useWizardStore();
}
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

async function validThroughColumns() {
  const wizard = useWizardStore();
  await wizard.setInputs(['samples/people.jsonl']);
  wizard.draft.audience.name = 'Spring';
  return wizard;
}

describe('wizard store: steps open in order', () => {
  it('each step opens only when the earlier ones are valid', async () => {
    const wizard = useWizardStore();
    expect(wizard.isOpen('data')).toBe(true);
    expect(wizard.isOpen('audience')).toBe(false);
    await wizard.setInputs(['samples/people.jsonl']);
    expect(wizard.isOpen('audience')).toBe(true);
    expect(wizard.isOpen('columns')).toBe(false);
    wizard.draft.audience.name = 'Spring';
    expect(wizard.isOpen('columns')).toBe(true);
    expect(wizard.isOpen('confirm')).toBe(true);
    wizard.setColumn('e-mail', { type: '' });
    wizard.setColumn('phone_number', { type: '' });
    expect(wizard.isOpen('confirm')).toBe(false);
    expect(wizard.firstOpenInvalid).toBe('columns');
    expect(wizard.isOpen('monitor')).toBe(false);
  });

  it('the data step is valid only once the selection was read', async () => {
    const wizard = useWizardStore();
    service.discoverSchema.mockRejectedValueOnce(
      new ServiceError({
        title: 'File could not be read',
        detail: 'Not Parquet.',
        resolution: 'Export it again.',
        field: 'path',
      }),
    );
    await wizard.setInputs(['broken.parquet']);
    expect(wizard.valid.data).toBe(false);
    expect(wizard.problems.schema).toMatchObject({ title: 'File could not be read', field: 'path' });
  });
});

describe('wizard store: no duplicates, nothing resurrected', () => {
  it('one entry per column, suggested types pre-selected, re-selecting the same input changes nothing', async () => {
    const wizard = useWizardStore();
    await wizard.setInputs(['samples/people.jsonl']);
    expect(wizard.draft.columns).toEqual({
      'e-mail': { include: true, type: 'EMAIL' },
      phone_number: { include: true, type: 'PHONE' },
      age: { include: false, type: '' },
    });
    wizard.setColumn('phone_number', { type: '' });
    await wizard.setInputs(['samples/people.jsonl']);
    expect(service.discoverSchema).toHaveBeenCalledTimes(1);
    expect(Object.keys(wizard.draft.columns)).toEqual(['e-mail', 'phone_number', 'age']);
    expect(wizard.mapping).toEqual([{ column: 'e-mail', type: 'EMAIL' }]);
  });

  it('a column switched back to "not an identifier" is left out of the plan, even after toggling include', async () => {
    const wizard = await validThroughColumns();
    wizard.setColumn('phone_number', { type: '' });
    expect(wizard.draft.columns.phone_number).toEqual({ include: false, type: '' });
    wizard.setColumn('phone_number', { include: true });
    expect(wizard.plan.mapping).toEqual([{ column: 'e-mail', type: 'EMAIL' }]);
    expect(wizard.errors.columns['column:phone_number']).toContain('phone_number');
  });

  it('another selection drops the columns of the previous one', async () => {
    const wizard = await validThroughColumns();
    service.discoverSchema.mockResolvedValueOnce({
      path: 'other.csv',
      format: { format: 'csv', compression: 'none' },
      sampledRows: 10,
      columns: [{ name: 'email', fillRate: 1, examples: [], suggestedType: 'EMAIL', confidence: 1 }],
      suggestedMapping: [{ column: 'email', type: 'EMAIL' }],
    });
    await wizard.setInputs(['other.csv']);
    expect(Object.keys(wizard.draft.columns)).toEqual(['email']);
    expect(wizard.mapping).toEqual([{ column: 'email', type: 'EMAIL' }]);
  });

  it('a folder replaces files, and files replace a folder', async () => {
    const wizard = useWizardStore();
    await wizard.toggleFile('a.jsonl');
    await wizard.toggleFile('b.jsonl');
    expect(wizard.draft.inputs).toEqual(['a.jsonl', 'b.jsonl']);
    await wizard.toggleFile('a.jsonl');
    expect(wizard.draft.inputs).toEqual(['b.jsonl']);
    await wizard.chooseFolder('parts');
    expect(wizard.draft.inputs).toEqual(['parts']);
    await wizard.toggleFile('a.jsonl');
    expect(wizard.draft.inputs).toEqual(['a.jsonl']);
  });
});

describe('wizard store: reload keeps the draft', () => {
  it('restores every step from sessionStorage after a reload, without duplicating columns', async () => {
    const wizard = await validThroughColumns();
    wizard.setColumn('phone_number', { type: '' });
    wizard.draft.options.phoneRegion = 'GB';
    wizard.draft.audience.retentionDays = '30';
    await flush();
    const again = reload();
    expect(again).not.toBe(wizard);
    expect(again.draft.inputs).toEqual(['samples/people.jsonl']);
    expect(again.draft.audience).toMatchObject({ name: 'Spring', retentionDays: '30' });
    expect(again.draft.options.phoneRegion).toBe('GB');
    expect(Object.keys(again.draft.columns)).toEqual(['e-mail', 'phone_number', 'age']);
    expect(again.mapping).toEqual([{ column: 'e-mail', type: 'EMAIL' }]);
    expect(again.isOpen('confirm')).toBe(true);
    expect(service.discoverSchema).toHaveBeenCalledTimes(1);
  });

  it('stores masked examples only, and nothing that looks like a token', async () => {
    await validThroughColumns();
    await flush();
    const saved = sessionStorage.getItem(DRAFT_STORAGE_KEY) ?? '';
    expect(saved).toContain('e***@a***.com');
    expect(saved.toLowerCase()).not.toContain('token');
  });

  it('a damaged saved draft starts a fresh one', () => {
    sessionStorage.setItem(DRAFT_STORAGE_KEY, '{not json');
    expect(reload().draft.inputs).toEqual([]);
  });
});

describe('wizard store: live check of the sample', () => {
  it('checks again shortly after an option changes, with the new options', async () => {
    const wizard = await validThroughColumns();
    wizard.livePreview(true);
    await flush();
    expect(service.preview).toHaveBeenCalledTimes(1);
    vi.useFakeTimers();
    wizard.draft.options.phoneRegion = 'GB';
    wizard.draft.options.phoneRegion = 'DE';
    await vi.advanceTimersByTimeAsync(PREVIEW_DEBOUNCE_MS + 10);
    expect(service.preview).toHaveBeenCalledTimes(2);
    expect(service.preview.mock.calls[1]?.[0]).toMatchObject({ options: { phoneRegion: 'DE' } });
    wizard.livePreview(false);
  });

  it('shows a preview error in place and keeps no stale result', async () => {
    const wizard = await validThroughColumns();
    service.preview.mockRejectedValueOnce(
      new ServiceError({
        title: 'Column not found',
        detail: 'No column "x".',
        resolution: 'Pick a column.',
        field: 'mapping',
      }),
    );
    await wizard.refreshPreview();
    expect(wizard.preview).toBeNull();
    expect(wizard.problems.preview).toMatchObject({ title: 'Column not found', field: 'mapping' });
  });
});

describe('wizard store: upload and start', () => {
  it('uploads with progress into the current folder, then selects the file', async () => {
    const wizard = useWizardStore();
    wizard.draft.folder = 'samples';
    const seen: number[] = [];
    service.uploadFile.mockImplementationOnce(async ({ file, onProgress }) => {
      onProgress?.(5, 10);
      seen.push(wizard.upload?.sent ?? -1);
      return { path: `samples/${file.name}`, size: file.size };
    });
    await wizard.uploadFile(new File(['email\na@b.co\n'], 'new.csv'));
    expect(seen).toEqual([5]);
    expect(service.uploadFile.mock.calls[0]?.[0]).toMatchObject({ folder: 'samples', overwrite: false });
    expect(wizard.draft.inputs).toEqual(['samples/new.csv']);
    expect(wizard.upload).toBeNull();
  });

  it('an existing name is a problem shown at the upload, never an overwrite', async () => {
    const wizard = useWizardStore();
    service.uploadFile.mockRejectedValueOnce(
      new ServiceError({
        title: 'File exists',
        detail: '"new.csv" exists.',
        resolution: 'Replace it or rename.',
        field: 'name',
        status: 409,
      }),
    );
    await wizard.uploadFile(new File(['x'], 'new.csv'));
    expect(wizard.problems.upload).toMatchObject({ status: 409, field: 'name' });
    expect(wizard.draft.inputs).toEqual([]);
  });

  it('starts one job only, however often Start is pressed; a failure is shown at the confirm step', async () => {
    const wizard = await validThroughColumns();
    service.createJob.mockRejectedValueOnce(
      new ServiceError({
        title: 'Invalid request',
        detail: 'audience.name: too long',
        resolution: 'Shorten it.',
        field: 'audience.name',
      }),
    );
    expect(await wizard.start()).toBeNull();
    expect(wizard.problems.confirm?.field).toBe('audience.name');
    const [first, second] = await Promise.all([wizard.start(), wizard.start()]);
    expect(first?.id).toBe(jobWith().id);
    expect(second).toBeNull();
    expect(await wizard.start()).toBeNull();
    expect(service.createJob).toHaveBeenCalledTimes(2);
    expect(wizard.draft.jobId).toBe(jobWith().id);
    expect(wizard.isOpen('monitor')).toBe(true);
  });

  it('sends the plan the steps describe', async () => {
    const wizard = await validThroughColumns();
    await wizard.start();
    expect(service.createJob).toHaveBeenCalledWith({
      inputs: ['samples/people.jsonl'],
      mapping: [
        { column: 'e-mail', type: 'EMAIL' },
        { column: 'phone_number', type: 'PHONE' },
      ],
      options: { phoneRegion: 'US', phoneFormat: 'digits', emailDots: 'keep', prehashed: 'accept' },
      audience: { action: 'create', name: 'Spring' },
    });
  });

  it('audience search filters TikTok’s list and a pick records id, name and type', async () => {
    const wizard = useWizardStore();
    wizard.setAction('append');
    await wizard.searchAudiences('phone');
    expect(wizard.audiences.map((a) => a.name)).toEqual(['Spring · PHONE']);
    wizard.pickAudience(wizard.audiences[0] ?? null);
    expect(wizard.draft.audience).toMatchObject({ audienceId: '1796000000000000002', audienceType: 'PHONE_SHA256' });
    wizard.setAction('create');
    expect(wizard.draft.audience.audienceId).toBeNull();
  });
});

it('fakeService satisfies the whole seam', () => {
  expect(Object.keys(fakeService()).length).toBeGreaterThan(18);
});
