// Cloud mode's start-up: configure Amplify from amplify_outputs.json, install the cloud service, and
// render the app inside the Authenticator (sign-in only: users are invited by an Admin, so no
// sign-up tab). The app — and with it every store — exists only once someone is signed in.
import { Authenticator } from '@aws-amplify/ui-vue';
import { Amplify } from 'aws-amplify';
import { generateClient } from 'aws-amplify/data';
import { isCancelError, list, uploadData } from 'aws-amplify/storage';
import { defineComponent, h, type Component } from 'vue';
import type { Schema } from '../../../amplify/data/resource.ts';
import type { CloudOutputs } from './cloud-outputs.ts';
import { createCloudService } from './cloud-service.ts';
import { installService } from './service.ts';
import type { Settings } from './types.ts';

interface SignedIn {
  user?: { username?: string; signInDetails?: { loginId?: string } };
  signOut: () => void;
}

/** The signed-in account and a way out, above the app. */
function sessionBar({ user, signOut }: SignedIn) {
  const who = user?.signInDetails?.loginId ?? user?.username ?? 'signed in';
  const style =
    'display:flex;gap:.75rem;justify-content:flex-end;align-items:center;padding:.25rem 1.5rem;font-size:.875rem';
  return h('div', { class: 'cloud-session', style, 'data-test': 'cloud-session' }, [
    h('span', ['Signed in as ', h('strong', { 'data-test': 'signed-in-as' }, who)]),
    h(
      'button',
      {
        type: 'button',
        class: 'amplify-button amplify-button--link amplify-button--small',
        'data-test': 'sign-out',
        onClick: () => {
          // Nothing of one person's session (drafts with masked samples, cached lists) outlives it.
          sessionStorage.clear();
          signOut();
          window.location.assign('/');
        },
      },
      'Sign out',
    ),
  ]);
}

/** Configures Amplify and returns the root component (the Authenticator around `app`). */
export function startCloud(outputs: CloudOutputs, app: Component): Component {
  Amplify.configure(outputs);
  // Deploy-time settings the backend publishes (amplify/backend.ts: addOutput({ custom: { settings } })).
  const settings = outputs.custom?.settings as Partial<Settings> | undefined;
  installService(
    createCloudService({
      client: generateClient<Schema>(),
      ...(outputs.storage ? { storage: { list, uploadData, isCancelError } } : {}),
      ...(settings ? { settings } : {}),
    }),
  );
  return defineComponent({
    name: 'CloudRoot',
    setup: () => () =>
      h(Authenticator, { hideSignUp: true }, { default: (signedIn: SignedIn) => [sessionBar(signedIn), h(app)] }),
  });
}
