// The vendor's published API facts, kept under test/fixtures/vendor/<service>/<Action>.json (transcribed from the
// machine-readable form of the API pages: input and output tables, their data types, the example requests and
// replies; each file names its page): loading them, and the checks the contract tests make with them.
import * as fs from 'fs';
import * as path from 'path';
import { REPO } from './helpers';

export interface FieldSpec {
  /** string, int, float, bool, list, object */
  type: string;
  /** The element type of a list, the model of an object, or the scalar's own type (int64, datetime...). */
  member: string;
  required?: boolean;
  nullable?: boolean;
  /** Marked offline in the tables: a reply may or may not carry it. */
  deprecated?: boolean;
}

export type Table = Record<string, FieldSpec>;

export interface VendorAction {
  service: 'scf' | 'cls' | 'tag' | 'monitor' | 'sts' | 'ssm';
  version: string;
  action: string;
  source: { page: string; transcribedFrom: string };
  status: string;
  input: Table;
  output: Table;
  models: Record<string, Table>;
  examples: Array<{ request: Record<string, unknown>; reply: { Response: Record<string, unknown> } }>;
}

const ROOT = path.join(REPO, 'test', 'fixtures', 'vendor');

export function vendorActions(): VendorAction[] {
  const all: VendorAction[] = [];
  for (const service of fs.readdirSync(ROOT).sort()) {
    const dir = path.join(ROOT, service);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const file of fs.readdirSync(dir).sort()) if (file.endsWith('.json')) all.push(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
  }
  return all;
}

export function vendorAction(service: string, action: string): VendorAction | undefined {
  const file = path.join(ROOT, service, `${action}.json`);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined;
}

const SCALARS = new Set(['string', 'int', 'float', 'bool']);

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** The JSON type of a table's scalar member type (int64, uint64, datetime...). */
function scalarType(member: string): string {
  if (/int/.test(member)) return 'int';
  if (member === 'float' || member === 'double') return 'float';
  if (member === 'bool') return 'bool';
  return 'string';
}

/** Whether `value` has the type a table says (a number for int and float; int also whole). */
function scalarOk(value: unknown, type: string, member: string): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'int':
      return typeof value === 'number' && Number.isInteger(value);
    case 'float':
      return typeof value === 'number';
    case 'bool':
      return typeof value === 'boolean';
    default:
      return SCALARS.has(scalarType(member)) && type !== scalarType(member) ? scalarOk(value, scalarType(member), member) : false;
  }
}

/**
 * What in `params` (a request the plugin sent) the action's input table does not take, or takes with another type:
 * a field the API does not know, a wrong type, a list of the wrong elements, a missing required field.
 */
export function paramProblems(spec: VendorAction, params: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const check = (value: unknown, field: FieldSpec, where: string) => {
    if (value === undefined) return;
    if (field.type === 'list') {
      if (!Array.isArray(value)) return void problems.push(`${where} is ${kind(value)}, the table says a list of ${field.member}`);
      const element: FieldSpec = { type: spec.models[field.member] ? 'object' : scalarType(field.member), member: field.member };
      value.forEach((item, i) => check(item, element, `${where}[${i}]`));
      return;
    }
    if (field.type === 'object' || spec.models[field.member]) {
      if (kind(value) !== 'object') return void problems.push(`${where} is ${kind(value)}, the table says an object ${field.member}`);
      object(value as Record<string, unknown>, spec.models[field.member], where);
      return;
    }
    if (!scalarOk(value, field.type, field.member)) problems.push(`${where} is ${kind(value)} ${JSON.stringify(value)?.slice(0, 40)}, the table says ${field.type}`);
  };
  const object = (value: Record<string, unknown>, table: Table | undefined, where: string) => {
    if (!table) return void problems.push(`${where}: no table for it`);
    for (const [name, field] of Object.entries(table)) if (field.required && value[name] === undefined) problems.push(`${where}.${name} is required and missing`);
    for (const [name, item] of Object.entries(value)) {
      const field = table[name];
      if (!field) problems.push(`${where}.${name} is not in the table`);
      else check(item, field, `${where}.${name}`);
    }
  };
  object(params, spec.input, spec.action);
  return problems;
}

/**
 * What of the example reply `expected` the reply `actual` lacks or has with another JSON type. A list the example
 * fills is compared by its first element, and must not be empty; null in the example takes any value; null in the
 * reply stands for a value only where the table says the field may be null.
 */
export function shapeProblems(spec: VendorAction, expected: unknown, actual: unknown, where = spec.action, field?: FieldSpec): string[] {
  if (expected === null) return [];
  if (actual === null || actual === undefined) {
    if (actual === null && field?.nullable) return [];
    return [`${where} is ${actual === null ? 'null' : 'missing'}, the example has ${kind(expected)}`];
  }
  if (kind(expected) !== kind(actual)) return [`${where} is ${kind(actual)}, the example has ${kind(expected)}`];
  if (Array.isArray(expected)) {
    if (!expected.length) return [];
    if (!(actual as unknown[]).length) return [`${where} is an empty list, the example has items: give the check data that fills it`];
    return shapeProblems(spec, expected[0], (actual as unknown[])[0], `${where}[0]`, field && { ...field, nullable: false });
  }
  if (kind(expected) !== 'object') return [];
  const table = field ? spec.models[field.member] : spec.output;
  const problems: string[] = [];
  for (const [name, value] of Object.entries(expected as Record<string, unknown>)) {
    if (table?.[name]?.deprecated) continue;
    problems.push(...shapeProblems(spec, value, (actual as Record<string, unknown>)[name], `${where}.${name}`, table?.[name]));
  }
  return problems;
}

/** Fields of a reply the action's output tables do not have: a shape the emulator invents. */
export function inventedFields(spec: VendorAction, reply: unknown, table: Table | undefined = spec.output, where = spec.action): string[] {
  if (kind(reply) !== 'object' || !table) return [];
  const problems: string[] = [];
  for (const [name, value] of Object.entries(reply as Record<string, unknown>)) {
    const field = table[name];
    if (!field) {
      problems.push(`${where}.${name}`);
      continue;
    }
    const model = spec.models[field.member];
    if (!model) continue;
    if (Array.isArray(value)) value.slice(0, 1).forEach((item) => problems.push(...inventedFields(spec, item, model, `${where}.${name}[0]`)));
    else problems.push(...inventedFields(spec, value, model, `${where}.${name}`));
  }
  return problems;
}

/** Checks every request an emulator recorded (API 3.0 ones: the legacy API has tables of its own) against its action's input table. */
export function requestProblems(requests: Array<{ protocol: string; service: string; action: string; params: Record<string, unknown> }>): string[] {
  const problems: string[] = [];
  for (const request of requests) {
    if (request.protocol === 'legacy') continue;
    const spec = vendorAction(request.service, request.action);
    if (!spec) {
      problems.push(`${request.service} ${request.action} has no vendor table`);
      continue;
    }
    problems.push(...paramProblems(spec, request.params));
  }
  return [...new Set(problems)];
}
