// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import App from '../../../src/ui/App.vue';
import JobMonitor from '../../../src/ui/components/JobMonitor.vue';
import { ServiceError } from '../../../src/ui/services/service.ts';
import { useWizardStore } from '../../../src/ui/stores/wizard.ts';
import { EMULATOR, jobWith, setup, type FakeService } from './fake-service.ts';

let world: ReturnType<typeof setup>;
let service: FakeService;

beforeEach(() => {
  sessionStorage.clear();
  world = setup();
  service = world.service;
});

async function open(path: string) {
  await world.router.push(path);
  await world.router.isReady();
  const wrapper = mount(App, { global: { plugins: [world.pinia, world.router] }, attachTo: document.body });
  await flushPromises();
  return wrapper;
}
const byTest = (wrapper: Awaited<ReturnType<typeof open>>, name: string) => wrapper.find(`[data-test="${name}"]`);

describe('shell', () => {
  it('shows the destination on every page', async () => {
    for (const path of ['/upload/data', '/jobs', '/audiences', '/settings']) {
      const wrapper = await open(path);
      expect(byTest(wrapper, 'destination').text()).toContain('simulated TikTok');
      wrapper.unmount();
    }
  });

  it('names a real TikTok destination by the advertiser’s last 4 digits', async () => {
    service.health.mockResolvedValue({ version: '0.1.0', destination: { kind: 'tiktok', label: 'TikTok' } });
    service.credentials.mockResolvedValue({
      configured: true,
      source: 'file',
      tokenLast4: 'abcd',
      advertiserId: '7000000000001234',
      destination: { kind: 'tiktok', label: 'TikTok' },
    });
    const wrapper = await open('/jobs');
    expect(byTest(wrapper, 'destination').text()).toContain('TikTok · advertiser …1234');
  });

  it('a deep link past an unfinished step lands on the first step to do', async () => {
    const wrapper = await open('/upload/confirm');
    expect(world.router.currentRoute.value.path).toBe('/upload/data');
    expect(wrapper.find('h2').text()).toContain('Select data');
  });
});

describe('steps', () => {
  it('select data: a file that cannot be read shows title, detail and resolution in the step', async () => {
    service.discoverSchema.mockRejectedValue(
      new ServiceError({
        title: 'Unsupported or unreadable file format',
        detail: 'It starts like a Parquet file but its footer could not be read.',
        resolution: 'Export the data again.',
        field: 'input',
      }),
    );
    const wrapper = await open('/upload/data');
    await wrapper.find('input[aria-label="Use people.jsonl"]').setValue(true);
    await flushPromises();
    const problem = byTest(wrapper, 'problem');
    expect(problem.attributes('role')).toBe('alert');
    expect(problem.text()).toContain('Unsupported or unreadable file format');
    expect(problem.text()).toContain('footer could not be read');
    expect(problem.text()).toContain('What to do: Export the data again.');
    await byTest(wrapper, 'next').trigger('click');
    await flushPromises();
    expect(world.router.currentRoute.value.path).toBe('/upload/data');
  });

  it('audience: a name over 120 characters is marked and stops Next; a valid one goes on', async () => {
    await useWizardStore().setInputs(['samples/people.jsonl']);
    const wrapper = await open('/upload/audience');
    const name = byTest(wrapper, 'audience-name');
    await name.setValue('x'.repeat(121));
    await byTest(wrapper, 'next').trigger('click');
    await flushPromises();
    expect(name.attributes('aria-invalid')).toBe('true');
    expect(byTest(wrapper, 'error-audience.name').text()).toContain('120');
    expect(world.router.currentRoute.value.path).toBe('/upload/audience');
    await name.setValue('Spring buyers');
    await byTest(wrapper, 'next').trigger('click');
    await flushPromises();
    expect(world.router.currentRoute.value.path).toBe('/upload/columns');
  });

  it('audience: append lists TikTok’s audiences to pick from', async () => {
    await useWizardStore().setInputs(['samples/people.jsonl']);
    const wrapper = await open('/upload/audience');
    await byTest(wrapper, 'action-append').setValue(true);
    await flushPromises();
    expect(byTest(wrapper, 'audience-list').text()).toContain('Spring · EMAIL');
    expect(byTest(wrapper, 'audience-list').text()).toContain('expiring');
    await byTest(wrapper, 'pick-Spring · EMAIL').setValue(true);
    expect(useWizardStore().draft.audience.audienceId).toBe('1796000000000000001');
  });

  it('columns: the live check reads "94% valid phone numbers (region US)"; back and forward keep one row per column', async () => {
    const wizard = useWizardStore();
    await wizard.setInputs(['samples/people.jsonl']);
    wizard.draft.audience.name = 'Spring';
    const wrapper = await open('/upload/columns');
    await flushPromises();
    expect(byTest(wrapper, 'check-phone_number').text()).toContain('94% valid phone numbers (region US)');
    expect(byTest(wrapper, 'check-e-mail').text()).toContain('100% valid email addresses');
    await byTest(wrapper, 'type-phone_number').setValue('');
    await world.router.push('/upload/audience');
    await flushPromises();
    world.router.back();
    await flushPromises();
    await new Promise((resolve) => setTimeout(resolve, 0));
    await flushPromises();
    expect(world.router.currentRoute.value.path).toBe('/upload/columns');
    expect(wrapper.findAll('[data-test="columns"] tbody tr')).toHaveLength(3);
    expect((byTest(wrapper, 'type-phone_number').element as HTMLSelectElement).value).toBe('');
    expect(wizard.mapping).toEqual([{ column: 'e-mail', type: 'EMAIL' }]);
  });

  it('confirm: says what is read and what leaves the machine, and warns about the simulated destination', async () => {
    const wizard = useWizardStore();
    await wizard.openFolder('samples');
    await wizard.setInputs(['samples/people.jsonl']);
    wizard.draft.audience.name = 'Spring';
    const wrapper = await open('/upload/confirm');
    await flushPromises();
    expect(byTest(wrapper, 'summary').text()).toMatch(/samples\/people\.jsonl\s+— JSON Lines, 2\.0 KB/);
    expect(byTest(wrapper, 'summary').text()).toContain('Only SHA-256 hashes');
    expect(byTest(wrapper, 'expected-EMAIL').text()).toContain('990 distinct ids in the 1,000-row sample');
    expect(byTest(wrapper, 'summary').text()).toContain('Creates “Spring · EMAIL”');
    expect(byTest(wrapper, 'warnings').text()).toContain('simulated TikTok');
    await byTest(wrapper, 'start').trigger('click');
    await flushPromises();
    expect(world.router.currentRoute.value.path).toBe(`/upload/monitor/${jobWith().id}`);
  });

  it('confirm: a plan the server refuses is shown at Start, with a link to the step holding the field', async () => {
    const wizard = useWizardStore();
    await wizard.setInputs(['samples/people.jsonl']);
    wizard.draft.audience.name = 'Spring';
    service.createJob.mockRejectedValueOnce(
      new ServiceError({
        title: 'Invalid request',
        detail: 'audience.name: Too big: expected string to have <=120 characters',
        resolution: 'Correct the named field(s) and send the request again.',
        field: 'audience.name',
        status: 422,
      }),
    );
    const wrapper = await open('/upload/confirm');
    await byTest(wrapper, 'start').trigger('click');
    await flushPromises();
    expect(byTest(wrapper, 'problem').text()).toContain('audience.name: Too big');
    expect(byTest(wrapper, 'problem').text()).toContain('What to do: Correct the named field(s)');
    expect(byTest(wrapper, 'fix-at').find('a').attributes('href')).toBe('/upload/audience');
    expect(world.router.currentRoute.value.path).toBe('/upload/confirm');
  });
});

describe('monitor', () => {
  it('follows the job over the subscription, stops it on leave, and explains cancel', async () => {
    const wrapper = mount(JobMonitor, {
      props: { id: jobWith().id },
      global: { plugins: [world.pinia, world.router] },
    });
    await flushPromises();
    expect(service.watchJob).toHaveBeenCalledTimes(1);
    expect(byTest(wrapper, 'job-state').text()).toBe('Queued');
    service.subscriber()?.next(
      jobWith({
        state: 'completed',
        progress: { percent: 100 },
        result: {
          transform: {
            recordsRead: 10,
            malformedRecords: 0,
            rejects: 2,
            types: {
              EMAIL: { valid: 8, prehashed: 1, empty: 0, rejected: { invalid_email: 2 }, duplicates: 3, unique: 6 },
            },
          },
          upload: {
            audiences: [
              {
                type: 'EMAIL',
                audienceId: '1796000000000000009',
                audienceName: 'A · EMAIL',
                idsSent: 6,
                matchRate: 0.5,
              },
            ],
          },
        },
        finishedAt: '2026-12-01T08:01:00.000Z',
      }),
    );
    await flushPromises();
    expect(byTest(wrapper, 'job-state').text()).toBe('Completed');
    expect(byTest(wrapper, 'count-EMAIL-unique').text()).toContain('6');
    expect(byTest(wrapper, 'count-EMAIL-rejected-invalid_email').text()).toContain('2');
    expect(byTest(wrapper, 'audience-id').text()).toBe('1796000000000000009');
    expect(byTest(wrapper, 'download-rejects').attributes('href')).toBe(`/api/jobs/${jobWith().id}/rejects.csv`);
    wrapper.unmount();
    expect(service.unsubscribed).toHaveBeenCalled();
  });

  it('a failed cancel is shown where it was asked', async () => {
    service.cancelJob.mockRejectedValue(
      new ServiceError({
        title: 'Job already finished',
        detail: 'It completed.',
        resolution: 'Nothing to cancel.',
        status: 409,
      }),
    );
    const wrapper = mount(JobMonitor, {
      props: { id: jobWith().id },
      global: { plugins: [world.pinia, world.router] },
    });
    await flushPromises();
    expect(wrapper.text()).toContain('anything already applied at TikTok stays there'.replace('anything', 'Anything'));
    await byTest(wrapper, 'cancel').trigger('click');
    await flushPromises();
    expect(byTest(wrapper, 'problem').text()).toContain('Job already finished');
  });
});

describe('pages', () => {
  it('settings: the token field is never pre-filled, only the last 4 show; a problem marks its field', async () => {
    service.credentials.mockResolvedValue({
      configured: true,
      source: 'file',
      tokenLast4: 'wxyz',
      advertiserId: '7000000000000000001',
      destination: { kind: 'tiktok', label: 'TikTok' },
    });
    service.saveCredentials.mockRejectedValue(
      new ServiceError({
        title: 'Invalid request',
        detail: 'accessToken: An access token is a long string',
        resolution: 'Correct the named field.',
        field: 'accessToken',
      }),
    );
    const wrapper = await open('/settings');
    const token = byTest(wrapper, 'access-token');
    expect((token.element as HTMLInputElement).value).toBe('');
    expect(token.attributes('type')).toBe('password');
    expect(byTest(wrapper, 'token-last4').text()).toBe('…wxyz');
    await token.setValue('short');
    await wrapper.find('form').trigger('submit');
    await flushPromises();
    expect(byTest(wrapper, 'access-token').attributes('aria-invalid')).toBe('true');
    expect(byTest(wrapper, 'problem').text()).toContain('accessToken: An access token is a long string');
    expect((byTest(wrapper, 'access-token').element as HTMLInputElement).value).toBe('');
  });

  it('settings: says where the token is kept, also for the cloud (Secrets Manager)', async () => {
    service.credentials.mockResolvedValueOnce({
      configured: true,
      source: 'secret',
      tokenLast4: 'wxyz',
      advertiserId: '7000000000000000001',
      destination: EMULATOR,
    });
    const wrapper = await open('/settings');
    expect(wrapper.text()).toContain('saved in AWS Secrets Manager');
  });

  it('settings: QPS and retention load, save, and a refused value marks its field', async () => {
    const wrapper = await open('/settings');
    expect((byTest(wrapper, 'qps').element as HTMLInputElement).value).toBe('10');
    expect((byTest(wrapper, 'retention-days').element as HTMLInputElement).value).toBe('7');
    service.saveSettings.mockRejectedValueOnce(
      new ServiceError({
        title: 'Invalid request',
        detail: 'tiktokQps: at most 50',
        resolution: 'Use 1–50.',
        field: 'tiktokQps',
      }),
    );
    await byTest(wrapper, 'qps').setValue('80');
    await wrapper.findAll('form')[1]?.trigger('submit');
    await flushPromises();
    expect(byTest(wrapper, 'qps').attributes('aria-invalid')).toBe('true');
    expect(wrapper.text()).toContain('tiktokQps: at most 50');
    await byTest(wrapper, 'qps').setValue('20');
    await wrapper.findAll('form')[1]?.trigger('submit');
    await flushPromises();
    expect(service.saveSettings).toHaveBeenLastCalledWith({ tiktokQps: 20, outputRetentionDays: 7 });
    expect(byTest(wrapper, 'settings-saved').exists()).toBe(true);
  });

  it('jobs: deleting asks first, and says the hashed output goes with it', async () => {
    const wrapper = await open('/jobs');
    await byTest(wrapper, `delete-${jobWith().id}`).trigger('click');
    expect(wrapper.text()).toContain('Delete this job and its hashed output?');
    expect(service.deleteJob).not.toHaveBeenCalled();
    await byTest(wrapper, 'confirm-delete').trigger('click');
    await flushPromises();
    expect(service.deleteJob).toHaveBeenCalledWith(jobWith().id);
    expect(byTest(wrapper, 'jobs').text()).toContain('No jobs yet');
  });

  it('audiences: TikTok’s list with status and the expiring highlight', async () => {
    const wrapper = await open('/audiences');
    expect(byTest(wrapper, 'audiences').text()).toContain('Spring · PHONE');
    expect(byTest(wrapper, 'audiences').text()).toContain('calculating');
    expect(wrapper.findAll('[data-test="expiring"]')).toHaveLength(1);
  });
});
