// A wrong SecretKey, an unknown SecretId, a bad session token: the message names the variable or file key the part
// was read from, for each place credentials come from (environment, profile file, the older plugin's file), and
// never a secret.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { inspect } from 'util';
import { emulatorFor, type TestCredentials } from '../helpers';
import { type FileInfo, resolveCredentials } from '../../lib/config/credentials';
import { parseEndpoint } from '../../lib/config/settings';
import { createClients } from '../../lib/cloud/clients';
import { isScfError } from '../../lib/cloud/errors';
import type { RunningEmulator } from '../../lib/emulator/http/server';

let emulator: RunningEmulator & { credentials: TestCredentials };
before(async () => {
  emulator = await emulatorFor(undefined, { credentials: { secretId: 'AKIDright', secretKey: 'rightSECRETkey123', token: 'rightTOKEN456' } });
});
after(() => emulator.close());

const PROFILE_FILE = '/home/u/.tencentcloud/credentials';
const LEGACY_FILE = '/svc/creds.ini';

function files(map: Record<string, string>) {
  return (file: string): FileInfo | undefined => (file in map ? { text: map[file], mode: 0o600 } : undefined);
}

/** The pair from each place, with what to put there. */
function fromEach(secretId: string, secretKey: string, token: string) {
  const base = { homeDir: '/home/u', baseDir: '/svc', readFile: files({}) };
  return {
    environment: resolveCredentials({ ...base, env: { TENCENTCLOUD_SECRET_ID: secretId, TENCENTCLOUD_SECRET_KEY: secretKey, TENCENTCLOUD_SESSION_TOKEN: token } }),
    profile: resolveCredentials({ ...base, env: {}, profile: 'ci', readFile: files({ [PROFILE_FILE]: `[ci]\nsecret_id=${secretId}\nsecret_key=${secretKey}\ntoken=${token}\n` }) }),
    legacy: resolveCredentials({ ...base, env: {}, legacyFile: './creds.ini', readFile: files({ [LEGACY_FILE]: `[default]\ntencent_secret_id=${secretId}\ntencent_secret_key=${secretKey}\ntencent_token=${token}\n` }) }),
  };
}

async function failure(credentials: ReturnType<typeof resolveCredentials>): Promise<string> {
  const scf = createClients({ endpoints: { scf: parseEndpoint(emulator.url) }, region: 'ap-guangzhou', credentials }).scf;
  try {
    await scf.invoke({ functionName: 'hello-dev-hello', namespace: 'default', invocationType: 'RequestResponse', clientContext: '{}' });
  } catch (error) {
    assert.ok(isScfError(error), String(error));
    const shown = [error.message, inspect(error), JSON.stringify(error.context)].join('\n');
    for (const secret of ['wrongSECRETkey789', 'rightSECRETkey123', 'badTOKEN000', 'rightTOKEN456']) assert.ok(!shown.includes(secret), `a secret in: ${shown}`);
    return error.message;
  }
  assert.fail('the invoke should have been refused');
}

test('a wrong SecretKey names the key it was read from: TENCENTCLOUD_SECRET_KEY, secret_key of the profile, tencent_secret_key', async () => {
  const wrong = fromEach('AKIDright', 'wrongSECRETkey789', 'rightTOKEN456');
  const expected = {
    environment: 'the SecretKey (TENCENTCLOUD_SECRET_KEY in the environment) does not match its SecretId.',
    profile: `the SecretKey (secret_key of profile "ci" in ${PROFILE_FILE}) does not match its SecretId.`,
    legacy: `the SecretKey (tencent_secret_key in ${LEGACY_FILE}) does not match its SecretId.`,
  };
  for (const [place, credentials] of Object.entries(wrong)) {
    const message = await failure(credentials);
    assert.ok(message.startsWith(`Tencent Cloud refused the request signature: ${expected[place as keyof typeof expected]}`), `${place}: ${message}`);
    assert.doesNotMatch(message, /TENCENTCLOUD_SECRET_ID|secret_id|tencent_secret_id/, message);
  }
});

test('an unknown SecretId and a bad session token name theirs', async () => {
  const unknown = fromEach('AKIDnobody', 'rightSECRETkey123', 'rightTOKEN456');
  assert.match(await failure(unknown.environment), /^Tencent Cloud does not know the SecretId \(TENCENTCLOUD_SECRET_ID in the environment\)\./);
  assert.match(await failure(unknown.profile), /^Tencent Cloud does not know the SecretId \(secret_id of profile "ci" in \/home\/u\/\.tencentcloud\/credentials\)\./);
  assert.match(await failure(unknown.legacy), /^Tencent Cloud does not know the SecretId \(tencent_secret_id in \/svc\/creds\.ini\)\./);
  const badToken = fromEach('AKIDright', 'rightSECRETkey123', 'badTOKEN000');
  assert.match(await failure(badToken.environment), /^Tencent Cloud refused the session token \(TENCENTCLOUD_SESSION_TOKEN in the environment\): it is invalid or has expired\./);
  assert.match(await failure(badToken.profile), /refused the session token \(token of profile "ci" in /);
  assert.match(await failure(badToken.legacy), /refused the session token \(tencent_token in \/svc\/creds\.ini\)/);
});
