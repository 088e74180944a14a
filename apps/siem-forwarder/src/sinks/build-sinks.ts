import { ForwarderSink } from '../delivery/alert-forwarder';
import { CefDevice } from '../format/cef';
import { OcsfProduct } from '../format/ocsf';
import { SinkConfig } from '../sinks-config';
import { SyslogSink } from './syslog-sink';
import { WebhookSink } from './webhook-sink';

/** The adapters of the configured sinks, each with its retry policy. */
export function buildSinks(configs: readonly SinkConfig[], productVersion: string, now: () => number): ForwarderSink[] {
  const device: CefDevice = { vendor: 'Tokenwarden', product: 'Tokenwarden', version: productVersion };
  const product: OcsfProduct = { name: 'Tokenwarden', vendorName: 'Tokenwarden', version: productVersion };
  return configs.map((c) => {
    switch (c.type) {
      case 'syslog':
        return {
          retry: c.retry,
          sink: new SyslogSink({
            name: c.name,
            host: c.host,
            port: c.port,
            tls: c.tls,
            timeoutMs: c.timeoutMs,
            now,
            format: { facility: c.facility, hostname: c.hostname, appName: c.appName, sdId: c.sdId, device },
          }),
        };
      case 'webhook':
        return {
          retry: c.retry,
          sink: new WebhookSink({
            name: c.name,
            url: c.url,
            secret: c.secret,
            timeoutMs: c.timeoutMs,
            concurrency: c.concurrency,
            headers: c.headers,
            ca: c.ca,
            product,
            now,
          }),
        };
    }
  });
}
