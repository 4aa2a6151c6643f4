// A route per page and per step, so reload, back and forward work (history mode: the server
// answers index.html for every non-API path).
import { createRouter, type RouterHistory } from 'vue-router';
import { useWizardStore } from './stores/wizard.ts';
import type { StepId } from './stores/wizard-rules.ts';
import UploadPage from './pages/UploadPage.vue';
import SelectDataStep from './steps/SelectDataStep.vue';
import AudienceStep from './steps/AudienceStep.vue';
import ColumnsStep from './steps/ColumnsStep.vue';
import ConfirmStep from './steps/ConfirmStep.vue';
import MonitorStep from './steps/MonitorStep.vue';
import JobsPage from './pages/JobsPage.vue';
import JobPage from './pages/JobPage.vue';
import AudiencesPage from './pages/AudiencesPage.vue';
import SettingsPage from './pages/SettingsPage.vue';
import NotFoundPage from './pages/NotFoundPage.vue';

declare module 'vue-router' {
  interface RouteMeta {
    title: string;
    step?: StepId;
  }
}

export const STEP_TITLES: Record<StepId, string> = {
  data: 'Select data',
  audience: 'Audience',
  columns: 'Columns',
  confirm: 'Confirm',
  monitor: 'Monitor',
};

export function createAppRouter(history: RouterHistory) {
  const router = createRouter({
    history,
    routes: [
      { path: '/', redirect: '/upload/data' },
      {
        path: '/upload',
        component: UploadPage,
        children: [
          { path: '', redirect: '/upload/data' },
          {
            path: 'data',
            name: 'step-data',
            component: SelectDataStep,
            meta: { title: STEP_TITLES.data, step: 'data' },
          },
          {
            path: 'audience',
            name: 'step-audience',
            component: AudienceStep,
            meta: { title: STEP_TITLES.audience, step: 'audience' },
          },
          {
            path: 'columns',
            name: 'step-columns',
            component: ColumnsStep,
            meta: { title: STEP_TITLES.columns, step: 'columns' },
          },
          {
            path: 'confirm',
            name: 'step-confirm',
            component: ConfirmStep,
            meta: { title: STEP_TITLES.confirm, step: 'confirm' },
          },
          {
            path: 'monitor/:id',
            name: 'step-monitor',
            component: MonitorStep,
            props: true,
            meta: { title: STEP_TITLES.monitor, step: 'monitor' },
          },
        ],
      },
      { path: '/jobs', name: 'jobs', component: JobsPage, meta: { title: 'Jobs' } },
      { path: '/jobs/:id', name: 'job', component: JobPage, props: true, meta: { title: 'Job' } },
      { path: '/audiences', name: 'audiences', component: AudiencesPage, meta: { title: 'Audiences' } },
      { path: '/settings', name: 'settings', component: SettingsPage, meta: { title: 'Settings' } },
      { path: '/:rest(.*)*', name: 'not-found', component: NotFoundPage, meta: { title: 'Not found' } },
    ],
  });

  // A later step opens only when the earlier ones are valid: a deep link lands on the first one to do.
  router.beforeEach((to) => {
    const step = to.meta.step;
    if (!step || step === 'monitor') return true;
    const wizard = useWizardStore();
    if (wizard.isOpen(step)) return true;
    return { name: `step-${wizard.firstOpenInvalid}`, replace: true };
  });

  router.afterEach((to) => {
    document.title = `${to.meta.title} · Audience Uploader`;
  });
  return router;
}
