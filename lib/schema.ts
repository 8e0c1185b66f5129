// The configuration schema serverless validates serverless.yml against, so users get its warnings for typos
// and no "provider defined by a plugin which doesn't provide a validation schema" warning. The older plugins'
// spellings (environment.variables, events with `parameters`) are part of it: services move over without a
// warning. lib/deploy/desired.ts checks the values themselves (ranges, names, combinations) and refuses.

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
const scalar = { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] };
const stringOrList = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };
const wholeNumber = (minimum: number, maximum: number) => ({ type: 'integer', minimum, maximum });

/** `{K: V}`, or the older plugin's `{ variables: {K: V} }`. */
const environment = {
  type: 'object',
  properties: { variables: { anyOf: [{ type: 'object', additionalProperties: scalar }, scalar] } },
  additionalProperties: scalar,
};

const gate = {
  type: 'object',
  properties: { errorRate: { type: 'number', minimum: 0, maximum: 100 }, throttles: { type: 'integer', minimum: 0 }, minInvocations: { type: 'integer', minimum: 0 } },
  additionalProperties: false,
};

/** A release strategy: its name, or a map (the plugin checks which keys go with which type). */
const strategy = {
  anyOf: [
    { enum: ['all-at-once', 'canary', 'linear'] },
    {
      type: 'object',
      properties: {
        type: { enum: ['all-at-once', 'canary', 'linear'] },
        weight: { type: 'number', minimum: 1, maximum: 99 },
        bake: { type: 'number', minimum: 0 },
        step: { type: 'number', minimum: 1, maximum: 99 },
        interval: { type: 'number', minimum: 0 },
        metricsLag: { type: 'number', minimum: 0, maximum: 900 },
        gate,
      },
      required: ['type'],
      additionalProperties: false,
    },
  ],
};

/** Keys both provider and functions take: the provider's are defaults. */
const functionSettings = {
  runtime: { type: 'string' },
  memorySize: { anyOf: [{ const: 64 }, { type: 'integer', minimum: 128, maximum: 3072, multipleOf: 128 }] },
  timeout: wholeNumber(1, 900),
  initTimeout: wholeNumber(1, 300),
  description: { type: 'string', maxLength: 1000 },
  environment,
  role: { type: 'string' },
  vpcConfig: {
    type: 'object',
    properties: { vpcId: { type: 'string' }, subnetId: { type: 'string' } },
    additionalProperties: false,
  },
  layers: {
    type: 'array',
    maxItems: 5,
    items: {
      anyOf: [
        { type: 'string' },
        {
          type: 'object',
          properties: { name: { type: 'string' }, version: { type: 'integer', minimum: 1 } },
          required: ['name', 'version'],
          additionalProperties: false,
        },
      ],
    },
  },
  installDependency: { type: 'boolean' },
  asyncRunEnable: { type: 'boolean' },
  cls: {
    type: 'object',
    properties: { logsetId: { type: 'string' }, topicId: { type: 'string' } },
    additionalProperties: false,
  },
  tags: { type: 'object', additionalProperties: scalar },
};

const enable = { type: 'boolean' };
const qualifier = { type: 'string' };
const triggerName = { type: 'string' };

/** Each event type's schema: the plugin's short form beside the older plugins' `{ name, parameters }`. */
export const functionEvents: Record<string, object> = {
  timer: {
    anyOf: [
      { type: 'string' },
      {
        type: 'object',
        properties: {
          cron: { type: 'string' },
          name: triggerName,
          enable,
          argument: {},
          qualifier,
          parameters: {
            type: 'object',
            properties: { cronExpression: { type: 'string' }, name: triggerName, enable, argument: {}, qualifier },
            additionalProperties: false,
          },
        },
        additionalProperties: false,
      },
    ],
  },
  cos: {
    type: 'object',
    properties: {
      bucket: { type: 'string' },
      events: stringOrList,
      event: stringOrList,
      prefix: { type: 'string' },
      suffix: { type: 'string' },
      name: triggerName,
      enable,
      qualifier,
      parameters: {
        type: 'object',
        properties: {
          bucket: { type: 'string' },
          events: stringOrList,
          event: stringOrList,
          filter: {
            type: 'object',
            properties: { prefix: { type: 'string' }, suffix: { type: 'string' } },
            additionalProperties: false,
          },
          enable,
          qualifier,
        },
        additionalProperties: false,
      },
    },
    additionalProperties: false,
  },
  ckafka: {
    type: 'object',
    properties: {
      instance: { type: 'string' },
      topic: { type: 'string' },
      maxMsgNum: wholeNumber(1, 10000),
      offset: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
      retry: wholeNumber(1, 10000),
      timeout: wholeNumber(1, 60),
      consumerGroupName: { type: 'string' },
      name: triggerName,
      enable,
      qualifier,
      parameters: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          topic: { type: 'string' },
          maxMsgNum: wholeNumber(1, 10000),
          offset: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
          retry: wholeNumber(1, 10000),
          timeout: wholeNumber(1, 60),
          consumerGroupName: { type: 'string' },
          enable,
          qualifier,
        },
        additionalProperties: false,
      },
    },
    additionalProperties: false,
  },
  http: {
    anyOf: [
      { const: true },
      {
        type: 'object',
        properties: {
          name: triggerName,
          // AWS's route keys: let through, so that the deploy explains what a function URL does with them.
          path: {},
          method: {},
          authType: { type: 'string', enum: ['NONE', 'CAM', 'none', 'cam'] },
          intranet: { type: 'boolean' },
          extranet: { type: 'boolean' },
          cors: {
            anyOf: [
              { type: 'boolean' },
              {
                type: 'object',
                properties: {
                  origins: stringOrList,
                  methods: stringOrList,
                  headers: stringOrList,
                  exposeHeaders: stringOrList,
                  credentials: { type: 'boolean' },
                  maxAge: wholeNumber(0, 86400),
                },
                additionalProperties: false,
              },
            ],
          },
          enable,
          qualifier,
        },
        additionalProperties: false,
      },
    ],
  },
};

export const configSchema = {
  provider: {
    provider: {
      properties: {
        region: { type: 'string', pattern: '^[a-z]{2,}-[a-z]+(-[a-z0-9]+)*$' },
        stage: { type: 'string' },
        namespace: { type: 'string' },
        endpoint: { type: 'string', pattern: '^https?://' },
        clsEndpoint: { type: 'string', pattern: '^https?://' },
        monitorEndpoint: { type: 'string', pattern: '^https?://' },
        tagEndpoint: { type: 'string', pattern: '^https?://' },
        cosEndpoint: { type: 'string', pattern: '^https?://' },
        deploymentBucket: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*-[0-9]+$' },
        legacyApi: { type: 'boolean' },
        credentials: { type: 'string' },
        profile: { type: 'string' },
        stsEndpoint: { type: 'string', pattern: '^https?://' },
        ssmEndpoint: { type: 'string', pattern: '^https?://' },
        assumeRole: {
          anyOf: [
            { type: 'string' },
            {
              type: 'object',
              properties: {
                roleArn: { type: 'string' },
                sessionName: { type: 'string' },
                durationSeconds: { type: 'integer', minimum: 1, maximum: 43200 },
                externalId: { type: 'string' },
                webIdentityTokenFile: { type: 'string' },
                providerId: { type: 'string' },
              },
              required: ['roleArn'],
              additionalProperties: false,
            },
          ],
        },
        ...functionSettings,
      },
    },
    function: {
      properties: {
        handler: { type: 'string' },
        namespace: { type: 'string' },
        ...functionSettings,
        package: {
          type: 'object',
          properties: {
            artifact: { type: 'string' },
            individually: { type: 'boolean' },
            patterns: { type: 'array', items: { type: 'string' } },
            include: { type: 'array', items: { type: 'string' } },
            exclude: { type: 'array', items: { type: 'string' } },
          },
          additionalProperties: false,
        },
        smoke,
        strategy,
        type: { enum: ['web', 'event'] },
        instanceConcurrency: wholeNumber(1, 100),
        webSocket: { anyOf: [{ type: 'boolean' }, { type: 'object', properties: { idleTimeout: wholeNumber(1, 1800) }, additionalProperties: false }] },
        reservedConcurrency: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: '^\\s*\\d+\\s*MB\\s*$' }] },
        provisionedConcurrency: {
          anyOf: [{ type: 'integer', minimum: 1 }, { type: 'object', properties: { count: { type: 'integer', minimum: 1 }, qualifier: { anyOf: [{ type: 'string' }, { type: 'integer' }] } }, additionalProperties: false }],
        },
        asyncRetries: wholeNumber(0, 2),
        asyncMessageTtl: wholeNumber(60, 21600),
      },
    },
  },
  /** Top-level `layers:` (the service's layers). */
  layers: {
    type: 'object',
    additionalProperties: {
      type: 'object',
      properties: {
        path: { type: 'string' },
        name: { type: 'string' },
        description: { type: 'string' },
        compatibleRuntimes: { type: 'array', items: { type: 'string' } },
        licenseInfo: { type: 'string' },
        package: { type: 'object' },
        retain: { type: 'boolean' },
      },
      required: ['path'],
      additionalProperties: false,
    },
  },
  functionEvents,
  custom: {
    type: 'object',
    properties: {
      scf: {
        type: 'object',
        properties: {
          smoke: {
            type: 'object',
            properties: {
              concurrency: { type: 'integer', minimum: 1, maximum: 250 },
              timeout: positive,
              failDeploy: { type: 'boolean' },
              junit: { type: 'string' },
            },
            additionalProperties: false,
          },
          logs: {
            type: 'object',
            properties: {
              searches: { type: 'integer', minimum: 1, maximum: 15 },
            },
            additionalProperties: false,
          },
          deploy: {
            type: 'object',
            properties: {
              timeout: positive,
              publish: { type: 'boolean' },
              alias: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_-]{0,63}$' },
              strategy,
              keepVersions: { type: 'integer', minimum: 2, maximum: 1000 },
              lock: { type: 'boolean' },
              lockBucket: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*-[0-9]+$' },
              lockTimeout: { type: 'integer', minimum: 0, maximum: 86400 },
              lockExpiry: { type: 'integer', minimum: 5, maximum: 86400 },
              report: { type: 'string' },
              junit: { type: 'string' },
            },
            additionalProperties: false,
          },
        },
      },
    },
  },
};
