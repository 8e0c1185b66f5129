// The configuration schema serverless validates serverless.yml against, so users get its warnings for typos
// and no "provider defined by a plugin which doesn't provide a validation schema" warning.

const expect = {
  type: 'object',
  properties: {
    success: { type: 'boolean' },
    contains: { type: 'string' },
    equals: {},
    maxDuration: { type: 'number', minimum: 1 },
  },
  additionalProperties: false,
};

const smoke = {
  anyOf: [
    { type: 'boolean' },
    {
      type: 'object',
      properties: {
        event: {},
        eventPath: { type: 'string' },
        qualifier: { type: 'string' },
        timeout: { type: 'number', minimum: 1 },
        expect,
      },
      additionalProperties: false,
    },
  ],
};

const positive = { type: 'number', exclusiveMinimum: 0 };

/** Keys both provider and functions take. */
const runtimeProperties = {
  runtime: { type: 'string' },
  memorySize: positive,
  timeout: positive,
  environment: { type: 'object' },
  description: { type: 'string' },
};

export const configSchema = {
  provider: {
    provider: {
      properties: {
        region: { type: 'string', pattern: '^[a-z]{2,}-[a-z]+(-[a-z0-9]+)*$' },
        stage: { type: 'string' },
        namespace: { type: 'string' },
        endpoint: { type: 'string', pattern: '^https?://' },
        legacyApi: { type: 'boolean' },
        credentials: { type: 'string' },
        profile: { type: 'string' },
        ...runtimeProperties,
      },
    },
    function: {
      properties: {
        handler: { type: 'string' },
        namespace: { type: 'string' },
        ...runtimeProperties,
        smoke,
      },
    },
  },
  custom: {
    type: 'object',
    properties: {
      scf: {
        type: 'object',
        properties: {
          smoke: {
            type: 'object',
            properties: {
              concurrency: { type: 'integer', minimum: 1, maximum: 50 },
              timeout: positive,
              failDeploy: { type: 'boolean' },
              junit: { type: 'string' },
            },
            additionalProperties: false,
          },
        },
      },
    },
  },
};
