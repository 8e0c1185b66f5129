// The core commands a `tencent` service runs (deploy, invoke, logs, ...) borrow their option schema from
// serverless's AWS provider, and serverless lets a plugin add options but not change the ones it has: help
// would describe what AWS does, offer AWS-only options, and require `-f` where this plugin has a default.
// Before serverless resolves the final schema (after plugins are constructed), the plugin adjusts the AWS
// schema it copies from, in this process only. Where the schema is not found (another serverless layout),
// nothing is changed and the core texts stay.
import * as path from 'path';

type OptionSchema = { usage?: string; required?: boolean; shortcut?: string; type?: string };
type CommandSchema = { usage?: string; options: Record<string, OptionSchema> };

const TIME_FORMS = '30m, 2h, 3d, 1w, now, a date or date-time in your time zone, ISO 8601, unix seconds';

/** Per command: options whose text (or requiredness) changes, and options that mean nothing on SCF. */
const ADJUSTMENTS: Record<string, { set?: Record<string, Partial<OptionSchema>>; drop?: string[] }> = {
  deploy: {
    set: {
      package: { usage: 'Deploy the package in this directory (made by `sls package`) instead of packaging again' },
      force: { usage: 'Send every function\'s code and configuration even where they are unchanged' },
    },
    drop: ['conceal', 'aws-s3-accelerate', 'enforce-hash-update', 'minify-template'],
  },
  'deploy function': {
    set: {
      function: { usage: 'Function key in serverless.yml' },
      force: { usage: 'Send the code even when it is unchanged' },
      'update-config': { usage: 'Update the configuration only, not the code' },
    },
  },
  invoke: {
    set: {
      function: { usage: 'Function key in serverless.yml' },
      qualifier: { usage: 'Version or alias to invoke (default $LATEST)' },
      path: { usage: 'Event from a JSON or YAML file (default: --data, or stdin when it is not a terminal)' },
      type: { usage: 'RequestResponse (sync, the default) or Event (async: prints the request id; add --wait for the result)' },
      log: { usage: 'Show the log: its last 4 KB for a sync invoke, all of it with --wait' },
      data: { usage: 'Event as JSON text' },
      raw: { usage: 'Send --data or the --path file as a string, not parsed' },
    },
    drop: ['context', 'contextPath'],
  },
  'invoke local': {
    set: {
      function: { usage: 'Function key in serverless.yml' },
      path: { usage: 'Event from a JSON or YAML file (default: --data, or stdin when it is not a terminal)' },
      data: { usage: 'Event as JSON text' },
      raw: { usage: 'Pass --data or the --path file as a string, not parsed' },
      context: { usage: 'JSON merged into the SCF context the handler gets' },
      contextPath: { usage: 'A JSON file merged into the SCF context the handler gets' },
      env: { usage: 'KEY=VALUE added to the handler\'s environment (repeatable)' },
    },
    drop: ['docker', 'docker-arg'],
  },
  logs: {
    set: {
      function: { usage: 'Function key in serverless.yml (default: every function of the service, each line marked with its key)', required: false },
      tail: { usage: 'Follow new requests as they finish; Ctrl-C to stop' },
      startTime: { usage: `Start of the range: ${TIME_FORMS} (default: 10m ago; with --tail, now)` },
      filter: { usage: 'Only requests that ended so: error, succeeded, failed, timeout, memory-limit, interrupted' },
      interval: { usage: 'With --tail: milliseconds between polls (default 1000)' },
    },
  },
  info: { drop: ['conceal'] },
  package: {
    set: { package: { usage: 'Directory to write the package to (default .serverless)' } },
    drop: ['minify-template'],
  },
};

/** serverless's lib directory, found through the class of the running instance. */
function serverlessLibDir(serverless: unknown): string | undefined {
  const ctor = (serverless as { constructor?: unknown })?.constructor;
  for (const [file, mod] of Object.entries(require.cache)) {
    if (mod?.exports === ctor && /[\\/]lib[\\/]serverless\.js$/.test(file)) return path.dirname(file);
  }
  return undefined;
}

/** Adjusts the AWS command schema this process's serverless copies from; returns whether it was found. */
export function adjustCoreCommandSchema(serverless: unknown): boolean {
  try {
    const lib = serverlessLibDir(serverless);
    if (!lib) return false;
    const schemas = require(path.join(lib, 'cli', 'commands-schema', 'aws-service.js')) as Map<string, CommandSchema>;
    if (!(schemas instanceof Map)) return false;
    for (const [name, { set = {}, drop = [] }] of Object.entries(ADJUSTMENTS)) {
      const schema = schemas.get(name);
      if (!schema?.options) continue;
      for (const [option, change] of Object.entries(set)) if (schema.options[option]) Object.assign(schema.options[option], change);
      for (const option of drop) delete schema.options[option];
    }
    return true;
  } catch {
    return false;
  }
}
