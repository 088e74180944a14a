import { ENUM_SYMBOLS } from '@tokenwarden/events';
import { REASON_CODES } from '@tokenwarden/jwt';
import { DENIALS } from './reason-codes';

// tsc already checks these through `satisfies`; this also catches a stale generated file at run time.
describe('reason codes follow the Avro contract', () => {
  it('every validation reason is a TokenValidated.reason symbol', () => {
    expect(ENUM_SYMBOLS.ValidationReason).toEqual(expect.arrayContaining([...REASON_CODES]));
  });
  it('every denial maps to an IssuanceDenied.reason symbol', () => {
    expect(ENUM_SYMBOLS.DenialReason).toEqual(expect.arrayContaining(Object.values(DENIALS).map((d) => d.event)));
  });
});
