// The five-step upload: one draft (persisted in sessionStorage), its validity per step, and the
// calls each step makes. Components read and change the draft only through this store.
import { defineStore } from 'pinia';
import { computed, reactive, ref, watch } from 'vue';
import { problemOf, useService, type Problem } from '../services/service.ts';
import type { Audience, FileEntry, Job, Preview } from '../services/types.ts';
import {
  STEP_IDS,
  audienceErrors,
  columnsErrors,
  dataErrors,
  emptyDraft,
  inputsKey,
  mappingOf,
  planOf,
  type StepId,
  type WizardDraft,
} from './wizard-rules.ts';

export const DRAFT_STORAGE_KEY = 'audience-uploader.wizard.v1';
/** How long option changes settle before the sample is checked again. */
export const PREVIEW_DEBOUNCE_MS = 300;

function loadDraft(): WizardDraft {
  try {
    const text = sessionStorage.getItem(DRAFT_STORAGE_KEY);
    if (!text) return emptyDraft();
    const saved = JSON.parse(text) as Partial<WizardDraft>;
    if (saved.version !== 1) return emptyDraft();
    const fresh = emptyDraft();
    return {
      ...fresh,
      ...saved,
      audience: { ...fresh.audience, ...saved.audience },
      options: { ...fresh.options, ...saved.options },
    };
  } catch {
    return emptyDraft();
  }
}

export type ProblemPlace = 'data' | 'upload' | 'schema' | 'audiences' | 'preview' | 'confirm';

export const useWizardStore = defineStore('wizard', () => {
  const service = useService();
  const draft = reactive<WizardDraft>(loadDraft());
  watch(draft, (value) => sessionStorage.setItem(DRAFT_STORAGE_KEY, JSON.stringify(value)), { deep: true });

  const problems = reactive<Record<ProblemPlace, Problem | null>>({
    data: null,
    upload: null,
    schema: null,
    audiences: null,
    preview: null,
    confirm: null,
  });
  const entries = ref<FileEntry[]>([]);
  const listedFolder = ref<string | null>(null);
  const loadingFiles = ref(false);
  const loadingSchema = ref(false);
  const upload = ref<{ name: string; sent: number; total: number } | null>(null);
  const audiences = ref<Audience[]>([]);
  const audienceQuery = ref('');
  const loadingAudiences = ref(false);
  const preview = ref<Preview | null>(null);
  const previewFor = ref<string | null>(null);
  const loadingPreview = ref(false);
  const starting = ref(false);

  // ---- validity -------------------------------------------------------------------------------
  const errors = computed(() => ({
    data: dataErrors(draft),
    audience: audienceErrors(draft),
    columns: draft.schema ? columnsErrors(draft) : { mapping: 'Select data first.' },
  }));
  const valid = computed<Record<StepId, boolean>>(() => {
    const data = Object.keys(errors.value.data).length === 0;
    const audience = Object.keys(errors.value.audience).length === 0;
    const columns = Object.keys(errors.value.columns).length === 0;
    return {
      data,
      audience,
      columns,
      confirm: data && audience && columns && draft.jobId !== null,
      monitor: draft.jobId !== null,
    };
  });
  /** A step opens only when every earlier one is valid (the monitor once a job exists). */
  function isOpen(step: StepId): boolean {
    if (step === 'monitor') return draft.jobId !== null;
    const index = STEP_IDS.indexOf(step);
    return STEP_IDS.slice(0, index).every((earlier) => valid.value[earlier]);
  }
  /** The furthest step the person may be on. */
  const firstOpenInvalid = computed<StepId>(() => {
    for (const step of ['data', 'audience', 'columns'] as const) if (!valid.value[step]) return step;
    return 'confirm';
  });
  const mapping = computed(() => mappingOf(draft));
  const plan = computed(() => planOf(draft));

  // ---- step 1: data ---------------------------------------------------------------------------
  async function openFolder(folder: string): Promise<void> {
    loadingFiles.value = true;
    problems.data = null;
    try {
      const listing = await service.listFiles(folder);
      entries.value = listing.entries;
      listedFolder.value = listing.path;
      draft.folder = listing.path;
    } catch (error) {
      problems.data = problemOf(error);
    } finally {
      loadingFiles.value = false;
    }
  }

  /** Replaces the selection; the columns chosen for another selection are dropped. */
  async function setInputs(inputs: string[]): Promise<void> {
    const unique = [...new Set(inputs)];
    if (inputsKey(unique) === inputsKey(draft.inputs) && draft.schema) return;
    draft.inputs = unique;
    const listed = new Map(entries.value.map((entry) => [entry.path, entry.size]));
    const sizes: Record<string, number> = {};
    for (const path of unique) {
      const size = listed.get(path) ?? draft.inputSizes[path];
      if (size !== undefined) sizes[path] = size;
    }
    draft.inputSizes = sizes;
    draft.schema = null;
    draft.schemaFor = null;
    draft.columns = {};
    preview.value = null;
    previewFor.value = null;
    problems.schema = null;
    if (unique.length > 0) await loadSchema();
  }

  /** Adds or removes one file (a folder chosen before is replaced). */
  function toggleFile(path: string): Promise<void> {
    const current = draft.inputKind === 'folder' ? [] : draft.inputs;
    draft.inputKind = 'files';
    return setInputs(current.includes(path) ? current.filter((p) => p !== path) : [...current, path]);
  }

  /** A whole folder (e.g. Clean Rooms part files) as one input. */
  function chooseFolder(path: string): Promise<void> {
    draft.inputKind = 'folder';
    return setInputs([path]);
  }

  async function loadSchema(): Promise<void> {
    const key = inputsKey(draft.inputs);
    loadingSchema.value = true;
    try {
      const schema = await service.discoverSchema(draft.inputs);
      if (key !== inputsKey(draft.inputs)) return; // the selection changed meanwhile
      draft.schema = schema;
      draft.schemaFor = key;
      // One entry per column name: going back and forth never duplicates a column.
      draft.columns = Object.fromEntries(
        schema.columns.map((column) => [
          column.name,
          { include: column.suggestedType !== null, type: column.suggestedType ?? '' },
        ]),
      );
    } catch (error) {
      if (key === inputsKey(draft.inputs)) problems.schema = problemOf(error);
    } finally {
      loadingSchema.value = false;
    }
  }

  async function uploadFile(file: File, overwrite = false): Promise<void> {
    problems.upload = null;
    upload.value = { name: file.name, sent: 0, total: file.size };
    try {
      const uploaded = await service.uploadFile({
        folder: draft.folder,
        file,
        overwrite,
        onProgress: (sent, total) => {
          upload.value = { name: file.name, sent, total };
        },
      });
      await openFolder(draft.folder);
      draft.inputKind = 'files';
      draft.inputSizes = { [uploaded.path]: uploaded.size };
      await setInputs([uploaded.path]);
    } catch (error) {
      problems.upload = problemOf(error);
    } finally {
      upload.value = null;
    }
  }

  // ---- step 2: audience -----------------------------------------------------------------------
  async function searchAudiences(q = audienceQuery.value): Promise<void> {
    audienceQuery.value = q;
    loadingAudiences.value = true;
    problems.audiences = null;
    try {
      const list = await service.listAudiences({
        q,
        ...(draft.audience.advertiserId ? { advertiserId: draft.audience.advertiserId } : {}),
      });
      const needle = q.trim().toLowerCase();
      audiences.value = list.audiences.filter(
        (audience) => needle === '' || audience.name.toLowerCase().includes(needle) || audience.id.includes(needle),
      );
    } catch (error) {
      problems.audiences = problemOf(error);
    } finally {
      loadingAudiences.value = false;
    }
  }

  function pickAudience(audience: Audience | null): void {
    draft.audience.audienceId = audience?.id ?? null;
    draft.audience.audienceName = audience?.name ?? null;
    draft.audience.audienceType = audience?.type ?? null;
  }

  function setAction(action: WizardDraft['audience']['action']): void {
    draft.audience.action = action;
    if (action === 'create') pickAudience(null);
  }

  // ---- step 3: columns ------------------------------------------------------------------------
  let previewTimer: ReturnType<typeof setTimeout> | undefined;
  let previewAbort: AbortController | undefined;
  const previewKey = computed(() =>
    draft.schema ? JSON.stringify({ inputs: draft.inputs, mapping: mapping.value, options: draft.options }) : null,
  );

  async function refreshPreview(): Promise<void> {
    const key = previewKey.value;
    if (key === null || mapping.value.length === 0) {
      preview.value = null;
      previewFor.value = null;
      return;
    }
    if (key === previewFor.value && preview.value) return;
    previewAbort?.abort();
    const abort = new AbortController();
    previewAbort = abort;
    loadingPreview.value = true;
    try {
      const result = await service.preview(
        { inputs: draft.inputs, mapping: mapping.value, options: { ...draft.options } },
        abort.signal,
      );
      if (abort.signal.aborted) return;
      preview.value = result;
      previewFor.value = key;
      problems.preview = null;
    } catch (error) {
      if (abort.signal.aborted) return;
      preview.value = null;
      problems.preview = problemOf(error);
    } finally {
      if (previewAbort === abort) loadingPreview.value = false;
    }
  }

  /** Checks the sample again shortly after the mapping or an option changes. */
  function schedulePreview(): void {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(() => void refreshPreview(), PREVIEW_DEBOUNCE_MS);
  }
  const watchingPreview = ref(false);
  watch(previewKey, () => {
    if (watchingPreview.value) schedulePreview();
  });
  /** The columns and confirm steps want a live preview while they are shown. */
  function livePreview(on: boolean): void {
    watchingPreview.value = on;
    if (on) void refreshPreview();
    else clearTimeout(previewTimer);
  }

  function setColumn(
    column: string,
    change: Partial<{ include: boolean; type: WizardDraft['columns'][string]['type'] }>,
  ) {
    const current = draft.columns[column];
    if (!current) return;
    const next = { ...current, ...change };
    // Choosing a type includes the column; "not an identifier" excludes it.
    if (change.type !== undefined) next.include = change.type !== '';
    draft.columns[column] = next;
  }

  // ---- step 4: confirm ------------------------------------------------------------------------
  /** Creates the job once: a submitted draft never starts a second one. */
  async function start(): Promise<Job | null> {
    if (draft.jobId !== null || starting.value) return null;
    starting.value = true;
    problems.confirm = null;
    try {
      const job = await service.createJob(plan.value);
      draft.jobId = job.id;
      return job;
    } catch (error) {
      problems.confirm = problemOf(error);
      return null;
    } finally {
      starting.value = false;
    }
  }

  /** Starts over (after a job, or to abandon a draft). */
  function reset(): void {
    Object.assign(draft, emptyDraft());
    entries.value = [];
    listedFolder.value = null;
    preview.value = null;
    previewFor.value = null;
    for (const place of Object.keys(problems) as ProblemPlace[]) problems[place] = null;
  }

  return {
    draft,
    problems,
    entries,
    listedFolder,
    loadingFiles,
    loadingSchema,
    upload,
    audiences,
    audienceQuery,
    loadingAudiences,
    preview,
    loadingPreview,
    starting,
    errors,
    valid,
    isOpen,
    firstOpenInvalid,
    mapping,
    plan,
    openFolder,
    setInputs,
    toggleFile,
    chooseFolder,
    loadSchema,
    uploadFile,
    searchAudiences,
    pickAudience,
    setAction,
    refreshPreview,
    livePreview,
    setColumn,
    start,
    reset,
  };
});
