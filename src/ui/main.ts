import { createApp, type Component } from 'vue';
import { createPinia } from 'pinia';
import { createWebHistory } from 'vue-router';
import outputs from 'virtual:amplify-outputs';
import '@aws-amplify/ui-vue/styles.css';
import './styles.css';
import App from './App.vue';
import { createAppRouter } from './router.ts';
import { serviceModeOf } from './services/cloud-outputs.ts';
import { installService } from './services/service.ts';
import { createLocalService } from './services/local-service.ts';

const mount = (root: Component) =>
  createApp(root).use(createPinia()).use(createAppRouter(createWebHistory())).mount('#app');

// Local mode (`npm start`), or the Amplify backend when the build's amplify_outputs.json names a
// deployed one (the rule: services/cloud-outputs.ts). The cloud code is a separate chunk, loaded only then.
const mode = serviceModeOf(outputs);
if (mode.mode === 'cloud') {
  void import('./services/cloud-shell.ts').then(({ startCloud }) => mount(startCloud(mode.outputs, App)));
} else {
  installService(createLocalService());
  mount(App);
}
