import { DetectorMetrics } from './detector-metrics';

const setup = () => new DetectorMetrics({ rules: () => [], slabBytes: () => ({}), partitions: () => ({}), eventClockMs: () => 0 });
const eventsLine = (text: string, type: string) => text.split('\n').find((l) => l.startsWith(`tw_detector_events_total{type="${type}"}`));

describe('DetectorMetrics', () => {
  it('counts events per type, tallied between scrapes and never counted twice', async () => {
    const metrics = setup();
    for (let i = 0; i < 3; i++) metrics.event('TokenIssued');
    metrics.event('TokenValidated');
    let text = await metrics.text();
    expect(eventsLine(text, 'TokenIssued')).toBe('tw_detector_events_total{type="TokenIssued"} 3');
    expect(eventsLine(text, 'TokenValidated')).toBe('tw_detector_events_total{type="TokenValidated"} 1');
    metrics.event('TokenIssued');
    text = await metrics.text();
    expect(eventsLine(text, 'TokenIssued')).toBe('tw_detector_events_total{type="TokenIssued"} 4');
    expect(eventsLine(await metrics.text(), 'TokenValidated')).toBe('tw_detector_events_total{type="TokenValidated"} 1');
  });
});
