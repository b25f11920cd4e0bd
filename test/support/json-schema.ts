// A checker for the JSON Schema subset api/openapi.ts uses: $ref (to #/components/...), oneOf
// (exactly one), allOf, type (one or a list, with "null" and "integer"), required, properties,
// items, enum, pattern, minimum. Unknown keywords are refused, so the document cannot quietly
// use one that is not checked, and an object with a property its schema does not declare is a
// mismatch too, so that the document cannot fall behind what the server sends. Returns what does
// not match, each with its JSON path.

type Schema = Record<string, unknown>;

const KNOWN = new Set(['$ref', 'oneOf', 'allOf', 'type', 'required', 'properties', 'items', 'enum', 'pattern', 'minimum', 'description', 'format']);

export class SchemaChecker {
  constructor(private readonly document: Schema) {}

  resolve(ref: string): Schema {
    if (!ref.startsWith('#/')) throw new Error(`unsupported $ref ${ref}`);
    let node: unknown = this.document;
    for (const part of ref.slice(2).split('/')) node = (node as Record<string, unknown> | undefined)?.[part];
    if (node === undefined || typeof node !== 'object') throw new Error(`$ref ${ref} does not resolve`);
    return node as Schema;
  }

  check(schema: Schema, value: unknown, path = '$'): string[] {
    for (const k of Object.keys(schema)) if (!KNOWN.has(k)) throw new Error(`${path}: unsupported schema keyword ${k}`);
    if (typeof schema.$ref === 'string') return this.check(this.resolve(schema.$ref), value, path);
    if (Array.isArray(schema.allOf)) return this.check(this.merged(schema.allOf as Schema[]), value, path);
    if (Array.isArray(schema.oneOf)) {
      const matching = (schema.oneOf as Schema[]).filter((s) => this.check(s, value, path).length === 0).length;
      return matching === 1 ? [] : [`${path}: matches ${matching} of the oneOf schemas, not exactly one`];
    }
    const typeErrors = this.checkType(schema, value, path);
    if (typeErrors.length > 0) return typeErrors;
    return [...this.checkValue(schema, value, path), ...this.checkObject(schema, value, path), ...this.checkArray(schema, value, path)];
  }

  /** allOf of object schemas as one: their properties and required lists together. */
  private merged(parts: Schema[]): Schema {
    const resolved = parts.map((p) => (typeof p.$ref === 'string' ? this.resolve(p.$ref) : p));
    const properties = Object.assign({}, ...resolved.map((p) => p.properties ?? {})) as Record<string, Schema>;
    return { type: 'object', properties, required: resolved.flatMap((p) => (p.required ?? []) as string[]) };
  }

  private checkType(schema: Schema, value: unknown, path: string): string[] {
    if (schema.type === undefined) return [];
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    return types.some((t) => hasType(value, t)) ? [] : [`${path}: ${JSON.stringify(value)?.slice(0, 80)} is not of type ${types.join('|')}`];
  }

  private checkValue(schema: Schema, value: unknown, path: string): string[] {
    const errors: string[] = [];
    if (Array.isArray(schema.enum) && !schema.enum.includes(value)) errors.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum).slice(0, 200)}`);
    if (typeof schema.pattern === 'string' && typeof value === 'string' && !new RegExp(schema.pattern, 'u').test(value)) errors.push(`${path}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
    if (typeof schema.minimum === 'number' && typeof value === 'number' && value < schema.minimum) errors.push(`${path}: ${value} is below ${schema.minimum}`);
    return errors;
  }

  private checkObject(schema: Schema, value: unknown, path: string): string[] {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
    const object = value as Record<string, unknown>;
    const errors = ((schema.required ?? []) as string[]).filter((k) => !(k in object)).map((k) => `${path}: ${k} is required`);
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const [k, s] of Object.entries(properties)) if (k in object) errors.push(...this.check(s, object[k], `${path}.${k}`));
    if (schema.properties !== undefined) for (const k of Object.keys(object)) if (!(k in properties)) errors.push(`${path}: ${k} is not in the schema`);
    return errors;
  }

  private checkArray(schema: Schema, value: unknown, path: string): string[] {
    if (!Array.isArray(value) || schema.items === undefined) return [];
    return value.flatMap((v, i) => this.check(schema.items as Schema, v, `${path}[${i}]`));
  }
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'null': return value === null;
    case 'integer': return Number.isInteger(value);
    case 'number': return typeof value === 'number';
    case 'array': return Array.isArray(value);
    case 'object': return typeof value === 'object' && value !== null && !Array.isArray(value);
    default: return typeof value === type;
  }
}
