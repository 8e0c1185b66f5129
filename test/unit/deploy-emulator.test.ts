// The pure pieces of the emulator as a deploy target: cron schedules, SCF's deployment checks, the COS
// signature (against the COS SDK's own signer), and unpacking packages.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import COS = require('cos-nodejs-sdk-v5');
import JSZip = require('jszip');
import { ApiFault } from '../../lib/emulator/api-fault';
import { CronError, nextFire, normaliseCron, parseCron } from '../../lib/emulator/scf/cron';
import { cosRule, cosRulesConflict } from '../../lib/emulator/scf/triggers';
import { decodeZipBase64 } from '../../lib/emulator/scf/code';
import {
  checkFunctionName,
  checkHandler,
  checkMemorySize,
  checkTimeout,
  globMatch,
  parseEnvironment,
  parseLayers,
} from '../../lib/emulator/scf/validate';
import { cosSignature, parseCosAuthorization } from '../../lib/emulator/cos/signature';
import { parseBucketName } from '../../lib/emulator/cos/store';
import { extract } from '../../lib/emulator/store/packages';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApiFault) return error.code;
    throw error;
  }
  return 'ok';
};

// 2026-03-02 12:00:00 UTC is 20:00:00 in China (UTC+8).
const NOON_UTC = Date.UTC(2026, 2, 2, 12, 0, 0);

test('cron: seven fields with seconds, as the timer page has them; read back with single spaces', () => {
  assert.equal(nextFire(parseCron('*/5 * * * * * *'), NOON_UTC + 1200), NOON_UTC + 5000);
  assert.equal(nextFire(parseCron('0 */10 * * * * *'), NOON_UTC), NOON_UTC + 10 * 60_000);
  assert.equal(normaliseCron('0  */6 * * * *  *'), '0 */6 * * * * *');
  assert.throws(() => parseCron('*/10 * * * *'), /7 fields/);
});

// China-time midnight of a date, as epoch ms.
const cstMidnight = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d) - 8 * 3600_000;

test('cron: ? L W in day-of-month, ? L # in day-of-week', () => {
  // 2026-03-02 is a Monday. `?` leaves the day open: Mondays at noon.
  assert.equal(nextFire(parseCron('0 0 12 ? * MON *'), NOON_UTC), cstMidnight(2026, 3, 9) + 12 * 3600_000);
  assert.equal(nextFire(parseCron('0 0 0 L * ? *'), NOON_UTC), cstMidnight(2026, 3, 31));
  assert.equal(nextFire(parseCron('0 0 0 L 2 ? 2028'), NOON_UTC), cstMidnight(2028, 2, 29));
  // 2026-03-15 is a Sunday: the nearest weekday is Monday the 16th; 2026-08-01 is a Saturday: 1W stays in August, Monday the 3rd.
  assert.equal(nextFire(parseCron('0 0 0 15W 3 ? *'), NOON_UTC), cstMidnight(2026, 3, 16));
  assert.equal(nextFire(parseCron('0 0 0 1W 8 ? *'), NOON_UTC), cstMidnight(2026, 8, 3));
  // 2026-05-31 is a Sunday: the last weekday of May is Friday the 29th.
  assert.equal(nextFire(parseCron('0 0 0 LW 5 ? *'), NOON_UTC), cstMidnight(2026, 5, 29));
  // The last Friday of March 2026 is the 27th; the second Monday of April is the 13th.
  assert.equal(nextFire(parseCron('0 0 0 ? 3 5L *'), NOON_UTC), cstMidnight(2026, 3, 27));
  assert.equal(nextFire(parseCron('0 0 0 ? 4 1#2 *'), NOON_UTC), cstMidnight(2026, 4, 13));
  // A fifth Monday: March 2026 has one (the 30th), April does not, June does (the 29th).
  assert.equal(nextFire(parseCron('0 0 0 ? 4,6 1#5 *'), NOON_UTC), cstMidnight(2026, 6, 29));
  for (const bad of ['0 0 0 ? * ? *', '0 ? 0 * * * *', '0 0 0 * * L *', '0 0 0 5L * ? *', '0 0 0 * * MON#2 *', '0 0 0 1,L * ? *', '0 0 0 * * 1#6 *', '0 0 0 32W * ? *', '0 0 0 * * 7L *']) {
    assert.throws(() => parseCron(bad), CronError, bad);
  }
});

test('cron: schedules run on China time', () => {
  // 08:00 in UTC+8 is 00:00 UTC the next day after 20:00 China time.
  assert.equal(nextFire(parseCron('0 0 8 * * * *'), NOON_UTC), Date.UTC(2026, 2, 3, 0, 0, 0));
  // Monday (1) at 09:30 China time: 2026-03-02 is a Monday, already past, so the next Monday.
  assert.equal(nextFire(parseCron('0 30 9 * * MON *'), NOON_UTC), Date.UTC(2026, 2, 9, 1, 30, 0));
});

test('cron: day of month or day of week when both are given; months and years bound it', () => {
  // The 15th or any Sunday: Sunday 2026-03-08 comes first.
  assert.equal(nextFire(parseCron('0 0 0 15 * 0 *'), NOON_UTC), Date.UTC(2026, 2, 7, 16, 0, 0));
  // 29 February: the next leap year after 2026 is 2028.
  assert.equal(nextFire(parseCron('0 0 0 29 FEB * *'), NOON_UTC), Date.UTC(2028, 1, 28, 16, 0, 0));
  assert.equal(nextFire(parseCron('0 0 0 1 1 * 2025'), NOON_UTC), undefined);
});

test('cron: malformed expressions are refused with a reason', () => {
  for (const bad of ['* * * * * *', '60 * * * * * *', '0 0 0 * * 7 *', '0 0 0 * * * 2100', '0 5-1 * * * * *', '0 */0 * * * * *', 'a b c d e f g', '0 0 0 32 * * *']) {
    assert.throws(() => parseCron(bad), CronError, bad);
  }
});

test('names, handlers, memory and timeouts as SCF checks them', () => {
  assert.equal(code(() => checkFunctionName('shop-dev-hello', 'default')), 'ok');
  for (const bad of ['a', '1abc', 'abc-', 'abc_', 'ab.c', 'x'.repeat(61)]) {
    assert.equal(code(() => checkFunctionName(bad, 'default')), 'InvalidParameterValue.FunctionName', bad);
  }
  assert.equal(code(() => checkFunctionName('f'.repeat(60), 'n'.repeat(59))), 'InvalidParameterValue.FunctionName');
  for (const good of ['index.main_handler', 'src/app.handler', 'app2.main']) assert.equal(code(() => checkHandler(good, 'Nodejs18.15')), 'ok', good);
  for (const bad of ['index', 'index.', '.main', 'i.main', 'index.main_', '../x.main']) {
    assert.equal(code(() => checkHandler(bad, 'Nodejs18.15')), 'InvalidParameterValue.Handler', bad);
  }
  assert.equal(code(() => checkHandler('example.Hello::mainHandler', 'Java8')), 'ok');
  for (const good of [64, 128, 256, 3072]) assert.equal(code(() => checkMemorySize(good)), 'ok');
  for (const bad of [0, 100, 200, 3200]) assert.equal(code(() => checkMemorySize(bad)), 'InvalidParameterValue.MemorySize', String(bad));
  assert.equal(code(() => checkTimeout(900)), 'ok');
  assert.equal(code(() => checkTimeout(901)), 'LimitExceeded.Timeout');
  assert.equal(code(() => checkTimeout(0)), 'InvalidParameterValue');
});

test('environment: keys, reserved prefixes, 4 KB, empty values, and the clear-all form', () => {
  const env = parseEnvironment({ Variables: [{ Key: 'A', Value: '1' }, { Key: 'B_2', Value: 'two' }] })!;
  assert.deepEqual({ ...env }, { A: '1', B_2: 'two' });
  assert.equal(Object.getPrototypeOf(env), null);
  assert.deepEqual({ ...parseEnvironment({ Variables: [{ Key: '', Value: '' }] }) }, {});
  assert.equal(parseEnvironment(undefined), undefined);
  assert.equal(parseEnvironment({ Variables: [] }), undefined);
  const env_ = (Variables: unknown) => code(() => parseEnvironment({ Variables }));
  assert.equal(env_([{ Key: 'SCF_X', Value: '1' }]), 'InvalidParameterValue.EnvironmentSystemProtect');
  assert.equal(env_([{ Key: 'TENCENTCLOUD_SECRET', Value: '1' }]), 'InvalidParameterValue.EnvironmentSystemProtect');
  assert.equal(env_([{ Key: 'A', Value: '' }]), 'InvalidParameterValue.Environment');
  assert.equal(env_([{ Key: '', Value: 'x' }]), 'InvalidParameterValue.Environment');
  assert.equal(env_([{ Key: '1A', Value: 'x' }]), 'InvalidParameterValue.Environment');
  assert.equal(env_([{ Key: '__proto__', Value: 'x' }]), 'InvalidParameterValue.Environment');
  assert.equal(env_([{ Key: 'A', Value: 'x' }, { Key: 'A', Value: 'y' }]), 'InvalidParameterValue.Environment');
  assert.equal(env_([{ Key: 'A', Value: 'x'.repeat(4096) }]), 'InvalidParameterValue.EnvironmentExceededLimit');
});

test('layers: at most five, and the unbind-all form', () => {
  assert.deepEqual(parseLayers([{ LayerName: '', LayerVersion: 0 }]), []);
  const six = Array.from({ length: 6 }, (_, i) => ({ LayerName: `l${i}`, LayerVersion: 1 }));
  assert.equal(code(() => parseLayers(six)), 'LimitExceeded.Layers');
  assert.equal(code(() => parseLayers([{ LayerName: 'lib', LayerVersion: 0 }])), 'InvalidParameterValue.Layers');
});

test('base64 as SCF decodes it: padding and alphabet are checked', () => {
  assert.deepEqual(decodeZipBase64(Buffer.from('zip!').toString('base64')), Buffer.from('zip!'));
  for (const bad of ['abc', 'ab$=', 'YWJj\n', 42]) assert.equal(code(() => decodeZipBase64(bad)), 'InvalidParameterValue.ZipFileBase64BinasciiError');
});

test('deploy-fault globs match function names', () => {
  assert.ok(globMatch('shop-*-fail?', 'shop-dev-fail1'));
  assert.ok(globMatch('*', 'anything'));
  assert.ok(!globMatch('shop-*', 'other-dev'));
  assert.ok(!globMatch('a?c', 'abbc'));
});

test('COS rules: suffix must begin with a dot; overlapping rules on a bucket conflict', () => {
  assert.equal(code(() => cosRule('{"event":"cos:ObjectCreated:*","filter":{"Prefix":"","Suffix":"zip"}}')), 'InvalidParameterValue.TriggerDesc');
  assert.equal(code(() => cosRule('{"event":"cos:Nope"}')), 'InvalidParameterValue.TriggerDesc');
  const all = cosRule('{"event":"cos:ObjectCreated:*"}');
  const puts = cosRule('{"event":"cos:ObjectCreated:Put","filter":{"Prefix":"img/","Suffix":".jpg"}}');
  const removes = cosRule('{"event":"cos:ObjectRemove:*"}');
  const docs = cosRule('{"event":"cos:ObjectCreated:Put","filter":{"Prefix":"doc/","Suffix":".jpg"}}');
  assert.ok(cosRulesConflict(all, puts));
  assert.ok(!cosRulesConflict(all, removes));
  assert.ok(!cosRulesConflict(puts, docs));
});

test('COS signature: what the COS SDK signs verifies, and a change of path or key does not', () => {
  const secretKey = 'cos-secret-key';
  const headers = { Host: 'code-1250000000.cos.ap-guangzhou.myqcloud.com', 'Content-Type': 'application/zip', 'x-cos-meta-a': 'b c' };
  const authorization = COS.getAuthorization({ SecretId: 'AKIDcos', SecretKey: secretKey, Method: 'PUT', Key: 'dir/pkg 1.zip', Query: { 'x-param': 'v' }, Headers: headers });
  const auth = parseCosAuthorization(authorization)!;
  assert.equal(auth.accessKeyId, 'AKIDcos');
  assert.deepEqual(auth.headerList, ['content-type', 'host', 'x-cos-meta-a']);
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const input = {
    secretKey,
    keyTime: auth.keyTime,
    signTime: auth.signTime,
    method: 'PUT',
    pathname: '/dir/pkg 1.zip',
    params: auth.paramList.map((name) => [name, 'v'] as [string, string]),
    headers: auth.headerList.map((name) => [name, lower.get(name)!] as [string, string]),
  };
  assert.equal(cosSignature(input), auth.signature);
  assert.notEqual(cosSignature({ ...input, pathname: '/dir/other.zip' }), auth.signature);
  assert.notEqual(cosSignature({ ...input, secretKey: 'other' }), auth.signature);
  assert.equal(parseCosAuthorization('q-sign-algorithm=md5&q-ak=x'), undefined);
});

test('bucket names are <name>-<appid>', () => {
  assert.deepEqual(parseBucketName('code-1250000000'), { short: 'code', appId: '1250000000' });
  for (const bad of ['code', 'Code-1250000000', '-code-1250000000', 'code--1250000000x']) assert.equal(parseBucketName(bad), undefined, bad);
});

async function unpack(files: Record<string, string>): Promise<{ dir: string; result: string }> {
  const zip = new JSZip();
  for (const [name, content] of Object.entries(files)) zip.file(name, content);
  const data = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-unpack-'));
  try {
    await extract(data, dir);
    return { dir, result: 'ok' };
  } catch (error) {
    if (error instanceof ApiFault) return { dir, result: error.code };
    throw error;
  }
}

test('packages unpack into their directory, and an entry that escapes it is refused', async () => {
  const good = await unpack({ 'index.js': 'exports.main = () => 1', 'lib/util.js': 'x' });
  assert.equal(good.result, 'ok');
  assert.equal(fs.readFileSync(path.join(good.dir, 'lib', 'util.js'), 'utf8'), 'x');
  const evil = await unpack({ 'index.js': 'x', '../escaped.js': 'y' });
  assert.equal(evil.result, 'InvalidParameterValue.ZipFile');
  assert.ok(!fs.existsSync(path.join(evil.dir, '..', 'escaped.js')));
  const notZip = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-unpack-'));
  await assert.rejects(extract(Buffer.from('not a zip at all, just text'), notZip), (e: any) => e.code === 'InvalidParameterValue.ZipFile');
  for (const dir of [good.dir, evil.dir, notZip]) fs.rmSync(dir, { recursive: true, force: true });
});
