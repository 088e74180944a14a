import { ServiceProcess } from '../../support/service-process';

export type DetectorProcess = ServiceProcess;

/** The real detector as a child process (see ServiceProcess); resolves once it consumes live. */
export const DetectorProcess = {
  start: (env: Record<string, string>, timeoutMs = 60000): Promise<ServiceProcess> =>
    ServiceProcess.start({ app: 'detector', metricsPortVar: 'TW_DETECTOR_METRICS_PORT', readyMessage: 'detector running' }, env, timeoutMs),
};
