// What SCF accepts in a deployment, as pure checks that throw the API's own error codes (SCF-DEPLOY.md §2–3):
// names, runtimes, handlers, memory, timeouts, environment variables, layers, tags.
import { ApiFault } from '../api-fault';
import { RESERVED_ENV_PREFIXES, SCF_RUNTIMES } from '../../cloud/scf-rules';

/** SCF's runtimes: the one list the plugin checks against too. */
export const RUNTIMES: ReadonlySet<string> = new Set(SCF_RUNTIMES);

export const QUOTAS = {
  functionsPerNamespace: 50,
  namespaces: 5,
  triggersPerTypePerFunction: 10,
  layersPerFunction: 5,
  environmentBytes: 4 * 1024,
  descriptionChars: 1000,
  tagsPerResource: 50,
} as const;


export function checkFunctionName(name: string, namespace: string): void {
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,58}[A-Za-z0-9]$/.test(name)) {
    throw new ApiFault(
      'InvalidParameterValue.FunctionName',
      `FunctionName \`${name.slice(0, 80)}\` is invalid: 2–60 letters, digits, - and _, starting with a letter and not ending with - or _.`,
    );
  }
  if (namespace.length + name.length > 118) {
    throw new ApiFault('InvalidParameterValue.FunctionName', 'Namespace and FunctionName together must not exceed 118 characters.');
  }
}

export function checkNamespaceName(name: string): void {
  if (!/^[A-Za-z0-9_-]{1,30}$/.test(name)) {
    throw new ApiFault('InvalidParameterValue.NamespaceInvalid', 'Namespace must be 1–30 letters, digits, - and _.');
  }
}

export function checkRuntime(runtime: string): void {
  if (!RUNTIMES.has(runtime)) {
    throw new ApiFault('InvalidParameterValue.Runtime', `Runtime \`${runtime.slice(0, 40)}\` is not supported: use one of ${[...RUNTIMES].join(', ')}.`);
  }
}

// File and method names: a letter first, letters, digits, `_` and `-` inside, 2–60 characters. A file may sit
// in subdirectories (`src/index.main`); the last character may be a digit (`app2.main`): both deploy on SCF.
const HANDLER_PART = /^[A-Za-z](?:[A-Za-z0-9_-]{0,58}[A-Za-z0-9])$/;

export function checkHandler(handler: string, runtime: string): void {
  const bad = () => new ApiFault('InvalidParameterValue.Handler', `Handler \`${handler.slice(0, 130)}\` is invalid: use file.method (Java: package.Class::method).`);
  if (runtime.startsWith('Java')) {
    if (!/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*::[A-Za-z_$][\w$]*$/.test(handler)) throw bad();
    return;
  }
  // Go names the executable (`main`), no function.
  if (runtime.startsWith('Go')) {
    if (!HANDLER_PART.test(handler)) throw new ApiFault('InvalidParameterValue.Handler', `Handler \`${handler.slice(0, 130)}\` is invalid: Go takes the name of its executable (e.g. main).`);
    return;
  }
  const dot = handler.lastIndexOf('.');
  if (dot < 0) throw bad();
  const file = handler.slice(0, dot);
  const method = handler.slice(dot + 1);
  if (!HANDLER_PART.test(method) || !file.split('/').every((part) => HANDLER_PART.test(part))) throw bad();
}

/** A whole number from a JSON number or a numeric string (GET requests carry strings). */
export function wholeNumber(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new ApiFault('InvalidParameterValue', `${name} must be a whole number.`);
  return n;
}

export function checkMemorySize(memory: number): void {
  if (memory !== 64 && !(memory >= 128 && memory <= 3072 && memory % 128 === 0)) {
    throw new ApiFault('InvalidParameterValue.MemorySize', `MemorySize ${memory} is invalid: 64, or 128 to 3072 in steps of 128.`);
  }
}

export function checkTimeout(timeout: number): void {
  if (timeout > 900) throw new ApiFault('LimitExceeded.Timeout', `Timeout ${timeout} exceeds 900 seconds.`);
  if (timeout < 1) throw new ApiFault('InvalidParameterValue', `Timeout ${timeout} is invalid: 1 to 900 seconds.`);
}

export function checkInitTimeout(timeout: number): void {
  if (timeout > 300) throw new ApiFault('LimitExceeded.InitTimeout', `InitTimeout ${timeout} exceeds 300 seconds.`);
  if (timeout < 1) throw new ApiFault('InvalidParameterValue', `InitTimeout ${timeout} is invalid.`);
}

export function checkDescription(description: string): void {
  if (description.length > QUOTAS.descriptionChars) {
    throw new ApiFault('InvalidParameterValue.Description', `Description must not exceed ${QUOTAS.descriptionChars} characters.`);
  }
}

/**
 * `Environment.Variables` → the variables, with no prototype. Undefined when the request leaves them as they
 * are (no Environment, or no Variables, or an empty list); `[{Key:"",Value:""}]` clears them all.
 */
export function parseEnvironment(environment: unknown): Record<string, string> | undefined {
  if (environment === undefined || environment === null) return undefined;
  if (typeof environment !== 'object' || Array.isArray(environment)) throw new ApiFault('InvalidParameterValue.Environment', 'Environment must be an object.');
  const variables = (environment as { Variables?: unknown }).Variables;
  if (variables === undefined || variables === null) return undefined;
  if (!Array.isArray(variables)) throw new ApiFault('InvalidParameterValue.Environment', 'Environment.Variables must be a list of {Key, Value}.');
  if (variables.length === 0) return undefined;
  const result: Record<string, string> = Object.create(null);
  if (variables.length === 1 && variables[0]?.Key === '' && variables[0]?.Value === '') return result;
  let bytes = 0;
  for (const variable of variables) {
    const key: unknown = variable?.Key;
    const value: unknown = variable?.Value;
    if (typeof key !== 'string' || typeof value !== 'string') throw new ApiFault('InvalidParameterValue.Environment', 'Every variable needs a string Key and a string Value.');
    if (key === '' || value === '') throw new ApiFault('InvalidParameterValue.Environment', `Environment variable keys and values must not be empty (key \`${key.slice(0, 60)}\`).`);
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(key)) {
      throw new ApiFault('InvalidParameterValue.Environment', `Environment variable key \`${key.slice(0, 60)}\` is invalid: a letter, then letters, digits and _.`);
    }
    if (RESERVED_ENV_PREFIXES.some((prefix) => key.startsWith(prefix))) {
      throw new ApiFault('InvalidParameterValue.EnvironmentSystemProtect', `Environment variable \`${key}\` is reserved by the platform (${RESERVED_ENV_PREFIXES.join(', ')}).`);
    }
    if (Object.prototype.hasOwnProperty.call(result, key)) throw new ApiFault('InvalidParameterValue.Environment', `Environment variable \`${key}\` is given twice.`);
    result[key] = value;
    bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (bytes > QUOTAS.environmentBytes) {
    throw new ApiFault('InvalidParameterValue.EnvironmentExceededLimit', `The environment variables take ${bytes} bytes: the limit is 4 KB.`);
  }
  return result;
}

/** `Layers` → the layers; `[{LayerName:"",LayerVersion:0}]` unbinds them all; undefined when not given. */
export function parseLayers(layers: unknown): Array<{ name: string; version: number }> | undefined {
  if (layers === undefined || layers === null) return undefined;
  if (!Array.isArray(layers)) throw new ApiFault('InvalidParameterValue.Layers', 'Layers must be a list of {LayerName, LayerVersion}.');
  if (layers.length === 1 && layers[0]?.LayerName === '' && Number(layers[0]?.LayerVersion) === 0) return [];
  if (layers.length > QUOTAS.layersPerFunction) throw new ApiFault('LimitExceeded.Layers', `At most ${QUOTAS.layersPerFunction} layers may be bound to a function.`);
  return layers.map((layer) => {
    const name: unknown = layer?.LayerName;
    const version = wholeNumber(layer?.LayerVersion, 'LayerVersion');
    if (typeof name !== 'string' || !/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(name) || version === undefined || version < 1) {
      throw new ApiFault('InvalidParameterValue.Layers', 'Every layer needs a LayerName and a LayerVersion of 1 or more.');
    }
    return { name, version };
  });
}

/** `Tags: [{Key, Value}]` → a Map; undefined when not given. */
export function parseTags(tags: unknown): Map<string, string> | undefined {
  if (tags === undefined || tags === null) return undefined;
  if (!Array.isArray(tags)) throw new ApiFault('InvalidParameterValue', 'Tags must be a list of {Key, Value}.');
  const result = new Map<string, string>();
  for (const tag of tags) {
    const key: unknown = tag?.Key;
    const value: unknown = tag?.Value;
    checkTag(key, value);
    result.set(key as string, value as string);
  }
  if (result.size > QUOTAS.tagsPerResource) throw new ApiFault('InvalidParameterValue', `At most ${QUOTAS.tagsPerResource} tags per function.`);
  return result;
}

/** A tag as the Tag service takes it: a key of 1–127 characters not in `qcs:`'s space, a value of 0–255. */
export function checkTag(key: unknown, value: unknown, codes = { key: 'InvalidParameterValue', value: 'InvalidParameterValue', reserved: 'InvalidParameterValue' }): void {
  if (typeof key !== 'string' || key === '' || key.length > 127) throw new ApiFault(codes.key, 'A tag key must be 1–127 characters.');
  if (/^(qcs:|project$|项目$)/i.test(key)) throw new ApiFault(codes.reserved, `The tag key \`${key}\` is reserved.`);
  if (typeof value !== 'string' || value.length > 255) throw new ApiFault(codes.value, `The value of tag \`${key}\` must be a string of at most 255 characters.`);
}

/** `"TRUE"`/`"FALSE"` parameters. */
export function trueFalse(value: unknown, name: string): boolean | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (value === 'TRUE') return true;
  if (value === 'FALSE') return false;
  throw new ApiFault(`InvalidParameterValue.${name}`, `${name} must be TRUE or FALSE.`);
}

/** A glob (`*`, `?`) over a function name, matched without building a regular expression from user input. */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
