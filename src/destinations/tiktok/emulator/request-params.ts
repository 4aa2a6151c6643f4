import { parameterError } from './emulator-api-error.ts';

/** Request parameters: a JSON body, or a query string whose list values are JSON arrays (TikTok's GET style). */
export type RequestParams = Record<string, unknown>;

export function queryParams(search: URLSearchParams): RequestParams {
  const params: RequestParams = {};
  for (const [key, value] of search) params[key] = value;
  return params;
}

export function optionalString(params: RequestParams, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw parameterError(`${name}: expected a string`);
  return value;
}

export function requiredString(params: RequestParams, name: string): string {
  const value = optionalString(params, name);
  if (value === undefined || value === '') throw parameterError(`${name}: required`);
  return value;
}

/** Ids travel as strings; a JSON number is accepted when it is a safe integer. */
export function requiredId(params: RequestParams, name: string): string {
  const value = params[name];
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return String(value);
  const text = requiredString(params, name);
  if (!/^[0-9]{1,30}$/.test(text)) throw parameterError(`${name}: expected a string of digits`);
  return text;
}

/** A list given as a JSON array (body) or as a JSON array text (query string). */
export function optionalStringList(
  params: RequestParams,
  name: string,
  bounds: { min: number; max: number },
): string[] | undefined {
  let value = params[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      throw parameterError(`${name}: expected a JSON array`);
    }
  }
  if (!Array.isArray(value)) throw parameterError(`${name}: expected an array`);
  const items = value.map((item: unknown) => {
    if (typeof item === 'string' && item !== '') return item;
    if (typeof item === 'number' && Number.isSafeInteger(item)) return String(item);
    throw parameterError(`${name}: every item must be a non-empty string`);
  });
  if (items.length < bounds.min || items.length > bounds.max) {
    throw parameterError(`${name}: expected ${bounds.min} to ${bounds.max} items, got ${items.length}`);
  }
  return items;
}

export function requiredStringList(
  params: RequestParams,
  name: string,
  bounds: { min: number; max: number },
): string[] {
  const items = optionalStringList(params, name, bounds);
  if (items === undefined) throw parameterError(`${name}: required`);
  return items;
}

export function optionalInteger(
  params: RequestParams,
  name: string,
  bounds: { min: number; max: number },
): number | undefined {
  const value = params[name];
  if (value === undefined || value === null || value === '') return undefined;
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^-?[0-9]+$/.test(value)
        ? Number(value)
        : Number.NaN;
  if (!Number.isSafeInteger(number)) throw parameterError(`${name}: expected an integer`);
  if (number < bounds.min || number > bounds.max)
    throw parameterError(`${name}: must be between ${bounds.min} and ${bounds.max}, got ${number}`);
  return number;
}
