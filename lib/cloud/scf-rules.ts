// SCF's published rules that both sides read: the plugin to refuse a value before sending it, the emulator to
// refuse it as the cloud does. One list each, so the two cannot disagree (SCF-DEPLOY.md §2.1, §3, §5).

/** The runtimes of the vendor SDK's CreateFunction list, and the newer ones SCF offers since. */
export const SCF_RUNTIMES: readonly string[] = [
  'Nodejs6.10',
  'Nodejs8.9',
  'Nodejs10.15',
  'Nodejs12.16',
  'Nodejs14.18',
  'Nodejs16.13',
  'Nodejs18.15',
  'Nodejs20.15',
  'Python2.7',
  'Python3.6',
  'Python3.7',
  'Python3.9',
  'Python3.10',
  'Python3.11',
  'Python3.12',
  'Php5.6',
  'Php7',
  'Php7.4',
  'Php8.0',
  'Go1',
  'Java8',
  'CustomRuntime',
];

/** The events a COS trigger can listen to. */
export const COS_EVENTS: readonly string[] = [
  'cos:ObjectCreated:*',
  'cos:ObjectCreated:Put',
  'cos:ObjectCreated:Post',
  'cos:ObjectCreated:Copy',
  'cos:ObjectCreated:CompleteMultipartUpload',
  'cos:ObjectCreated:Origin',
  'cos:ObjectCreated:Replication',
  'cos:ObjectRemove:*',
  'cos:ObjectRemove:Delete',
  'cos:ObjectRemove:DeleteMarkerCreated',
  'cos:ObjectRestore:Post',
  'cos:ObjectRestore:Completed',
];

/** Environment variable prefixes the platform keeps for itself. */
export const RESERVED_ENV_PREFIXES: readonly string[] = ['SCF_', 'QCLOUD_', 'TENCENTCLOUD_'];

/** Tag keys that are Tencent Cloud's own: a user cannot set them, a deploy never compares or removes them. */
export const SYSTEM_TAG_KEY = /^(qcloud|tencent|project|qcs:|项目)/i;
