// TikTok credentials (write-only: the token is never read back, only its last 4) and app settings.
import { defineStore } from 'pinia';
import { reactive, ref } from 'vue';
import { problemOf, useService, type Problem } from '../services/service.ts';
import type { CredentialsStatus, CredentialsUpdate, Settings } from '../services/types.ts';
import { useAppStore } from './app.ts';

export const useSettingsStore = defineStore('settings', () => {
  const service = useService();
  const credentials = ref<CredentialsStatus | null>(null);
  const settings = ref<Settings | null>(null);
  const saving = ref<'credentials' | 'settings' | null>(null);
  const saved = ref<'credentials' | 'settings' | null>(null);
  const problems = reactive<{ credentials: Problem | null; settings: Problem | null }>({
    credentials: null,
    settings: null,
  });

  async function load(): Promise<void> {
    const [status, values] = await Promise.allSettled([service.credentials(), service.settings()]);
    if (status.status === 'fulfilled') credentials.value = status.value;
    else problems.credentials = problemOf(status.reason);
    if (values.status === 'fulfilled') settings.value = values.value;
    else problems.settings = problemOf(values.reason);
  }

  /** Advertisers to choose from: those the back end lists, else the configured one. */
  function advertisers(): string[] {
    const status = credentials.value;
    if (!status) return [];
    if (status.advertisers && status.advertisers.length > 0) return status.advertisers;
    return status.advertiserId ? [status.advertiserId] : [];
  }

  async function saveCredentials(update: CredentialsUpdate): Promise<boolean> {
    saving.value = 'credentials';
    saved.value = null;
    problems.credentials = null;
    try {
      credentials.value = await service.saveCredentials(update);
      useAppStore().setDestination(credentials.value.destination, credentials.value.advertiserId);
      saved.value = 'credentials';
      return true;
    } catch (error) {
      problems.credentials = problemOf(error);
      return false;
    } finally {
      saving.value = null;
    }
  }

  async function saveSettings(update: Partial<Settings>): Promise<boolean> {
    saving.value = 'settings';
    saved.value = null;
    problems.settings = null;
    try {
      settings.value = await service.saveSettings(update);
      saved.value = 'settings';
      return true;
    } catch (error) {
      problems.settings = problemOf(error);
      return false;
    } finally {
      saving.value = null;
    }
  }

  return { credentials, settings, saving, saved, problems, load, advertisers, saveCredentials, saveSettings };
});
