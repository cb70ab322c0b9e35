/** Small validators for JSON request bodies; each failure is a 400 BadParameter naming the property. */
import { badParameter } from "./errors.js";

export function asObject(value: unknown, property: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value))
    throw badParameter(`Property '${property}' must be an object.`);
  return value as Record<string, unknown>;
}

export function optionalBoolean(value: unknown, property: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw badParameter(`Property '${property}' must be a boolean.`);
  return value;
}

export function optionalSeconds(value: unknown, property: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw badParameter(`Property '${property}' must be Unix seconds.`);
  }
  return value;
}

export function parseTags(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  const tags = asObject(value, "tags");
  for (const [k, v] of Object.entries(tags)) {
    if (typeof v !== "string") throw badParameter(`Tag '${k}' must have a string value.`);
  }
  return tags as Record<string, string>;
}
