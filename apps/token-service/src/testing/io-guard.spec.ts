import { readFileSync } from 'node:fs';
import { guardIo } from './io-guard';

it('the I/O guard notices a file read and a fetch (so its silence in the hostile suites means something)', async () => {
  const io = guardIo();
  readFileSync(__filename);
  await fetch('http://127.0.0.1:1/').catch(() => undefined);
  const calls = io.calls();
  io.restore();
  expect(calls).toEqual(expect.arrayContaining(['fetch(http://127.0.0.1:1/)', `readFileSync(${__filename})`]));
});
