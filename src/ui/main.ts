import { createApp } from 'vue';
import { createPinia } from 'pinia';
import { createWebHistory } from 'vue-router';
import '@aws-amplify/ui-vue/styles.css';
import './styles.css';
import App from './App.vue';
import { createAppRouter } from './router.ts';
import { installService } from './services/service.ts';
import { createLocalService } from './services/local-service.ts';

// Local mode. The cloud build installs its own implementation of the same interface here.
installService(createLocalService());

createApp(App).use(createPinia()).use(createAppRouter(createWebHistory())).mount('#app');
