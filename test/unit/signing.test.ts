// Our signers against the vendor's own (tencentcloud-sdk-nodejs-common) as an oracle, over many generated inputs.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'crypto';
import Sign from 'tencentcloud-sdk-nodejs-common/tencentcloud/common/sign';
import { AbstractClient } from 'tencentcloud-sdk-nodejs-common/tencentcloud/common/abstract_client';
import { legacyStringToSign, parseTc3Authorization, signLegacy, signTc3 } from '../../lib/cloud/signing';

const VendorSign = Sign as any;

function randomText(max: number): string {
  const alphabet = 'abcXYZ019 {}[]":,._-/+=&?中文\n\\é😀';
  const chars = Array.from(alphabet);
  let out = '';
  const length = randomInt(0, max);
  for (let i = 0; i < length; i++) out += chars[randomInt(0, chars.length)];
  return out;
}

test('TC3 signature equals the vendor SDK signature over 500 generated requests', () => {
  for (let i = 0; i < 500; i++) {
    const host = ['scf.tencentcloudapi.com', 'scf.ap-shanghai.tencentcloudapi.com', '127.0.0.1', 'localhost'][i % 4];
    const body = JSON.stringify({ FunctionName: randomText(30), ClientContext: randomText(200), Offset: randomInt(0, 10000) });
    const timestamp = randomInt(0, 4_000_000_000);
    const secretId = 'AKID' + randomBytes(8).toString('hex');
    const secretKey = randomBytes(randomInt(1, 40)).toString('base64');
    const service = i % 5 === 0 ? '127' : 'scf';
    const ours = signTc3({
      method: 'POST',
      host,
      contentType: 'application/json; charset=utf-8',
      payload: body,
      service,
      timestamp,
      secretId,
      secretKey,
    });
    // The vendor hashes JSON.stringify(payload) of an object: give it the object our body encodes.
    const theirs: string = VendorSign.sign3({
      method: 'POST',
      url: `https://${host}/`,
      payload: JSON.parse(body),
      timestamp,
      service,
      secretId,
      secretKey,
      multipart: false,
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    });
    assert.equal(ours.authorization, theirs, `input ${i}`);
  }
});

test('TC3 GET signature with a query string equals the vendor SDK', () => {
  for (let i = 0; i < 100; i++) {
    const query = `Action=Invoke&FunctionName=${encodeURIComponent(randomText(20))}&Limit=${i}`;
    const timestamp = randomInt(1_500_000_000, 2_000_000_000);
    const ours = signTc3({ method: 'GET', host: 'scf.tencentcloudapi.com', query, contentType: 'application/x-www-form-urlencoded', payload: '', service: 'scf', timestamp, secretId: 'AKIDx', secretKey: 'k' + i });
    const theirs: string = VendorSign.sign3({
      method: 'GET',
      url: `https://scf.tencentcloudapi.com/?${query}`,
      payload: '',
      timestamp,
      service: 'scf',
      secretId: 'AKIDx',
      secretKey: 'k' + i,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(ours.authorization, theirs);
  }
});

test('a signature changes with any part of the request', () => {
  const base = { method: 'POST' as const, host: 'scf.tencentcloudapi.com', contentType: 'application/json; charset=utf-8', payload: '{"a":1}', service: 'scf', timestamp: 1700000000, secretId: 'AKIDa', secretKey: 'key' };
  const reference = signTc3(base).signature;
  for (const change of [{ payload: '{"a":2}' }, { host: 'scf.ap-beijing.tencentcloudapi.com' }, { timestamp: 1700000001 }, { secretKey: 'key2' }, { service: 'cvm' }]) {
    assert.notEqual(signTc3({ ...base, ...change }).signature, reference, JSON.stringify(change));
  }
});

test('the Authorization header parses back to its parts', () => {
  const signed = signTc3({ method: 'POST', host: 'h', contentType: 'c', payload: '', service: 'scf', timestamp: 86400 * 365, secretId: 'AKIDparse', secretKey: 'k' });
  const parsed = parseTc3Authorization(signed.authorization)!;
  assert.equal(parsed.secretId, 'AKIDparse');
  assert.equal(parsed.date, '1971-01-01');
  assert.equal(parsed.service, 'scf');
  assert.deepEqual(parsed.signedHeaders, ['content-type', 'host']);
  assert.equal(parsed.signature, signed.signature);
  assert.equal(parseTc3Authorization('Basic abc'), undefined);
});

test('legacy signature equals the vendor SDK (HmacSHA1 and HmacSHA256) over 300 generated requests', () => {
  for (let i = 0; i < 300; i++) {
    const signatureMethod = i % 2 ? 'HmacSHA256' : 'HmacSHA1';
    const method = i % 3 ? 'GET' : 'POST';
    const endpoint = ['scf.api.qcloud.com', '127.0.0.1:9000', 'scf.tencentcloudapi.com'][i % 3];
    const path = i % 3 === 2 ? '/' : '/v2/index.php';
    const params: Record<string, string | number> = {
      Action: 'GetFunctionLogs',
      Nonce: randomInt(1, 65535),
      Region: 'ap-guangzhou',
      SecretId: 'AKID' + i,
      SignatureMethod: signatureMethod,
      Timestamp: randomInt(1_500_000_000, 2_000_000_000),
      functionName: randomText(15),
      'filter.retCode': 'not0',
      limit: randomInt(1, 100),
    };
    const secretKey = randomBytes(20).toString('hex');
    const vendor = new (AbstractClient as any)(endpoint, '2018-04-16', {
      credential: { secretId: 'x', secretKey },
      profile: { signMethod: signatureMethod, httpProfile: { reqMethod: method } },
    });
    vendor.path = path;
    const theirString: string = vendor.formatSignString(params);
    assert.equal(legacyStringToSign({ method, host: endpoint, path, params }), theirString);
    const theirs: string = VendorSign.sign(secretKey, theirString, signatureMethod);
    assert.equal(signLegacy({ method, host: endpoint, path, params, secretKey, signatureMethod }), theirs);
  }
});

test('legacy signature reproduces the signed sample of the legacy GetFunctionLogs page', () => {
  // Seed 001's sample request: its parameters and their order are known, its key is not, so check the string.
  const params = { Action: 'GetFunctionLogs', SecretId: 'AKIDutrojKl3CKQZNAr763UXks05898Lmciu', Nonce: 47400, Timestamp: 1505726068, Region: 'gz', functionName: 'testnode', limit: 2 };
  assert.equal(
    legacyStringToSign({ method: 'GET', host: 'scf.api.qcloud.com', path: '/v2/index.php', params }),
    'GETscf.api.qcloud.com/v2/index.php?Action=GetFunctionLogs&Nonce=47400&Region=gz&SecretId=AKIDutrojKl3CKQZNAr763UXks05898Lmciu&Timestamp=1505726068&functionName=testnode&limit=2',
  );
});
