// Where uploads go (shown on every page) and the app's version.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { problemOf, useService, type Problem } from '../services/service.ts';
import type { Destination } from '../services/types.ts';

export const useAppStore = defineStore('app', () => {
  const service = useService();
  const destination = ref<Destination | null>(null);
  const advertiserId = ref<string | null>(null);
  const version = ref<string | null>(null);
  const problem = ref<Problem | null>(null);

  async function load(): Promise<void> {
    try {
      const [health, credentials] = await Promise.all([service.health(), service.credentials()]);
      destination.value = health.destination;
      version.value = health.version;
      advertiserId.value = credentials.advertiserId;
      problem.value = null;
    } catch (error) {
      problem.value = problemOf(error);
    }
  }

  function setDestination(value: Destination, advertiser?: string | null): void {
    destination.value = value;
    if (advertiser !== undefined) advertiserId.value = advertiser;
  }

  /** "simulated TikTok", or "TikTok · advertiser …1234". */
  const label = computed(() => {
    const current = destination.value;
    if (!current) return 'checking…';
    if (current.kind === 'emulator') return 'simulated TikTok';
    return advertiserId.value ? `TikTok · advertiser …${advertiserId.value.slice(-4)}` : current.label;
  });

  return { destination, advertiserId, version, problem, label, load, setDestination };
});
