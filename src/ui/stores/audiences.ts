// TikTok's audiences of the advertiser (the Audiences page).
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { problemOf, useService, type Problem } from '../services/service.ts';
import type { Audience } from '../services/types.ts';

export const useAudiencesStore = defineStore('audiences', () => {
  const service = useService();
  const audiences = ref<Audience[]>([]);
  const advertiserId = ref<string | null>(null);
  const query = ref('');
  const loading = ref(false);
  const problem = ref<Problem | null>(null);

  async function load(q = query.value): Promise<void> {
    query.value = q;
    loading.value = true;
    try {
      const list = await service.listAudiences({ q });
      const needle = q.trim().toLowerCase();
      audiences.value = list.audiences.filter(
        (audience) => needle === '' || audience.name.toLowerCase().includes(needle) || audience.id.includes(needle),
      );
      advertiserId.value = list.advertiserId;
      problem.value = null;
    } catch (error) {
      problem.value = problemOf(error);
    } finally {
      loading.value = false;
    }
  }

  return { audiences, advertiserId, query, loading, problem, load };
});
