// The job history, and the one job a monitor shows (live, over the service's subscription).
import { defineStore } from 'pinia';
import { computed, reactive, ref } from 'vue';
import { problemOf, useService, type Problem, type Unsubscribe } from '../services/service.ts';
import { FINISHED_STATES, type Download, type Job, type JobState } from '../services/types.ts';

/** One progress reading, to derive MB/s and an ETA from successive updates. */
interface Reading {
  at: number;
  bytes: number;
}

export const useJobsStore = defineStore('jobs', () => {
  const service = useService();
  const jobs = ref<Job[]>([]);
  const total = ref(0);
  const stateFilter = ref<JobState | ''>('');
  const loading = ref(false);
  const problems = reactive<{ list: Problem | null; monitor: Problem | null; action: Problem | null }>({
    list: null,
    monitor: null,
    action: null,
  });
  const current = ref<Job | null>(null);
  const readings = ref<Reading[]>([]);
  const rejects = ref<Download | null>(null);
  const busy = ref<string | null>(null);
  let unsubscribe: Unsubscribe | undefined;
  let watchedId: string | null = null;

  async function load(): Promise<void> {
    loading.value = true;
    try {
      const list = await service.listJobs(stateFilter.value === '' ? {} : { state: stateFilter.value });
      jobs.value = list.jobs;
      total.value = list.total;
      problems.list = null;
    } catch (error) {
      problems.list = problemOf(error);
    } finally {
      loading.value = false;
    }
  }

  function setFilter(state: JobState | ''): Promise<void> {
    stateFilter.value = state;
    return load();
  }

  function record(job: Job): void {
    current.value = job;
    const bytes = job.progress.bytesRead;
    if (job.progress.stage === 'transform' && bytes !== undefined) {
      const at = job.updatedAt ? Date.parse(job.updatedAt) : Date.now();
      readings.value = [...readings.value.filter((r) => r.at < at), { at, bytes }].slice(-10);
    }
    const index = jobs.value.findIndex((j) => j.id === job.id);
    if (index >= 0) jobs.value[index] = job;
  }

  /** Shows one job and follows it until it finishes (re-watching the same job is a no-op). */
  async function watch(id: string): Promise<void> {
    if (watchedId === id && current.value?.id === id) return;
    stopWatching();
    watchedId = id;
    readings.value = [];
    rejects.value = null;
    problems.monitor = null;
    problems.action = null;
    try {
      const job = await service.getJob(id);
      if (watchedId !== id) return;
      record(job);
      rejects.value = await service.rejectsDownload(id);
      if (!FINISHED_STATES.includes(job.state)) subscribe(id);
    } catch (error) {
      if (watchedId === id) problems.monitor = problemOf(error);
    }
  }

  function subscribe(id: string): void {
    unsubscribe?.();
    unsubscribe = service.watchJob(id, {
      next: (job) => {
        if (watchedId === id) record(job);
      },
      error: (problem) => {
        if (watchedId === id) problems.monitor = problem;
      },
    });
  }

  function stopWatching(): void {
    unsubscribe?.();
    unsubscribe = undefined;
    watchedId = null;
  }

  /** MB/s of the transform from the latest readings (null until two readings exist). */
  const throughput = computed<number | null>(() => {
    const list = readings.value;
    const first = list[0];
    const last = list[list.length - 1];
    if (!first || !last || last.at <= first.at) return null;
    return (last.bytes - first.bytes) / ((last.at - first.at) / 1000);
  });
  const etaSeconds = computed<number | null>(() => {
    const job = current.value;
    const rate = throughput.value;
    if (!job || !rate || rate <= 0 || job.progress.stage !== 'transform') return null;
    const left = (job.progress.totalBytes ?? 0) - (job.progress.bytesRead ?? 0);
    return left > 0 ? left / rate : 0;
  });

  async function act(kind: 'cancel' | 'retry', id: string): Promise<void> {
    busy.value = kind;
    problems.action = null;
    try {
      const job = kind === 'cancel' ? await service.cancelJob(id) : await service.retryJob(id);
      record(job);
      if (watchedId === id && !FINISHED_STATES.includes(job.state)) subscribe(id);
    } catch (error) {
      problems.action = problemOf(error);
    } finally {
      busy.value = null;
    }
  }

  async function remove(id: string): Promise<boolean> {
    busy.value = 'delete';
    problems.action = null;
    try {
      await service.deleteJob(id);
      jobs.value = jobs.value.filter((job) => job.id !== id);
      total.value = Math.max(0, total.value - 1);
      if (current.value?.id === id) {
        stopWatching();
        current.value = null;
      }
      return true;
    } catch (error) {
      problems.action = problemOf(error);
      return false;
    } finally {
      busy.value = null;
    }
  }

  return {
    jobs,
    total,
    stateFilter,
    loading,
    problems,
    current,
    rejects,
    busy,
    throughput,
    etaSeconds,
    load,
    setFilter,
    watch,
    stopWatching,
    cancel: (id: string) => act('cancel', id),
    retry: (id: string) => act('retry', id),
    remove,
  };
});
