import { Type, types } from 'avsc';

// Lowercase canonical text only: one spelling per id keeps dedup keys exact.
const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const isUuidText = (value: unknown): value is string => typeof value === 'string' && UUID_TEXT.test(value);

/**
 * avsc logical type for `{"type":"string","logicalType":"uuid"}`: the value
 * stays a string, but encode refuses anything that is not a lowercase
 * RFC 4122 UUID. (Decode checks the same rule earlier, in the guard.)
 */
export class UuidType extends types.LogicalType {
  protected _fromValue(value: string): string {
    if (!isUuidText(value)) throw new Error('not a lowercase RFC 4122 uuid');
    return value;
  }

  protected _toValue(value: unknown): string | undefined {
    return isUuidText(value) ? value : undefined;
  }

  protected _resolve(writer: Type): ((value: string) => string) | undefined {
    return Type.isType(writer, 'string', 'logical:uuid') ? (value) => this._fromValue(value) : undefined;
  }
}
