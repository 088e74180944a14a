import { ServiceProcess } from '../../support/service-process';

export type ProjectorProcess = ServiceProcess;

/** The real projector as a child process (see ServiceProcess). */
export const ProjectorProcess = {
  start: (env: Record<string, string>, timeoutMs = 30000): Promise<ServiceProcess> =>
    ServiceProcess.start({ app: 'projector', metricsPortVar: 'TW_PROJECTOR_METRICS_PORT', readyMessage: 'projector running' }, env, timeoutMs),
};
