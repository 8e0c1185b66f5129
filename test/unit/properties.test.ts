// Property-based tests (fast-check): time conversion and windowing, both signatures against the vendor's signer,
// and the log fetcher's de-duplication while late entries are inserted under its offset.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import Sign from 'tencentcloud-sdk-nodejs-common/tencentcloud/common/sign';
import { formatCst, parseCst } from '../../lib/time/cst';
import { DAY_MS, parseTimeExpression, splitWindows } from '../../lib/time/parse';
import { signLegacy, signTc3 } from '../../lib/cloud/signing';
import { fetchLogs } from '../../lib/logs/fetch';
import type { GetFunctionLogsRequest, GetFunctionLogsResult, LogEntry } from '../../lib/cloud/types';

const VendorSign = Sign as any;
const seconds = fc.integer({ min: 0, max: 4_000_000_000 });

test('CST text round-trips every second, in any time zone', () => {
  fc.assert(fc.property(seconds, (s) => parseCst(formatCst(s * 1000)) === s * 1000));
});

test('relative expressions subtract exactly', () => {
  const units: Record<string, number> = { s: 1000, m: 60_000, h: 3600_000, d: DAY_MS, w: 7 * DAY_MS };
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 100_000 }), fc.constantFrom('s', 'm', 'h', 'd', 'w'), seconds, (n, unit, now) => {
      return parseTimeExpression(`${n}${unit}`, now * 1000) === now * 1000 - n * units[unit];
    }),
  );
});

test('windows cover any range exactly, without overlap, a day at most each', () => {
  fc.assert(
    fc.property(seconds, fc.integer({ min: 0, max: 40 * 86400 }), (start, span) => {
      const windows = splitWindows(start * 1000, (start + span) * 1000);
      assert.equal(windows[0].start, start * 1000);
      assert.equal(windows[windows.length - 1].end, (start + span) * 1000);
      windows.forEach((w, i) => {
        assert.ok(w.end >= w.start && w.end - w.start < DAY_MS);
        if (i) assert.equal(w.start, windows[i - 1].end + 1000);
      });
    }),
  );
});

test('TC3 signatures equal the vendor signer for any payload and key', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean())), fc.string({ minLength: 1 }), fc.integer({ min: 0, max: 4e9 }), (payload, secretKey, timestamp) => {
      const body = JSON.stringify(payload);
      const ours = signTc3({ method: 'POST', host: 'scf.tencentcloudapi.com', contentType: 'application/json; charset=utf-8', payload: body, service: 'scf', timestamp, secretId: 'AKIDp', secretKey });
      const theirs = VendorSign.sign3({ method: 'POST', url: 'https://scf.tencentcloudapi.com/', payload, timestamp, service: 'scf', secretId: 'AKIDp', secretKey, headers: { 'Content-Type': 'application/json; charset=utf-8' } });
      return ours.authorization === theirs;
    }),
    { numRuns: 300 },
  );
});

test('legacy signatures equal the vendor HMAC of the vendor-built string for any parameters', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.stringMatching(/^[A-Za-z][A-Za-z.]{0,12}$/), fc.oneof(fc.string(), fc.nat())), fc.constantFrom('HmacSHA1', 'HmacSHA256'), (params, method) => {
      const text = `POSTscf.api.qcloud.com/v2/index.php?${Object.keys(params).filter((k) => k !== 'Signature').sort().map((k) => `${k}=${params[k]}`).join('&')}`;
      const theirs = VendorSign.sign('key', text, method);
      return signLegacy({ method: 'POST', host: 'scf.api.qcloud.com', path: '/v2/index.php', params, secretKey: 'key', signatureMethod: method as 'HmacSHA1' }) === theirs;
    }),
    { numRuns: 300 },
  );
});

/** An in-memory page source (a pure stand-in for the paging rule) that inserts late entries after each page. */
function lateSource(initial: number, lateBatches: number[]) {
  const base = Date.UTC(2026, 0, 1);
  let seq = 0;
  const entries: Array<{ at: number; seq: number; id: string }> = [];
  for (let i = 0; i < initial; i++) entries.push({ at: base + i * 1000, seq: seq++, id: `e${i}` });
  const original = entries.map((e) => e.id);
  let call = 0;
  return {
    original,
    async getFunctionLogs(req: GetFunctionLogsRequest): Promise<GetFunctionLogsResult> {
      const start = parseCst(req.startTime!)!;
      const end = parseCst(req.endTime!)!;
      const matching = entries.filter((e) => e.at >= start && e.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq);
      const page = matching.slice(req.offset, req.offset! + req.limit!);
      // Late arrivals: entries with old start times appear under the offset already read.
      const late = lateBatches[call++] ?? 0;
      for (let i = 0; i < late; i++) entries.push({ at: base, seq: seq++, id: `late${seq}` });
      const toEntry = (e: { at: number; id: string }): LogEntry => ({ functionName: 'f', requestId: e.id, startTime: formatCst(e.at), retCode: 0, retMsg: '', invokeFinished: 1, duration: 1, billDuration: 1, memUsage: 1, log: '', retryNum: 0 });
      return { totalCount: matching.length, entries: page.map(toEntry), apiRequestId: 'x' };
    },
  };
}

test('the fetcher yields every entry once while late entries shift its pages', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 5, max: 60 }), fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 100 }), async (initial, pageSize, lateBatches) => {
      const source = lateSource(initial, lateBatches);
      const seen: string[] = [];
      const base = Date.UTC(2026, 0, 1);
      for await (const page of fetchLogs(source, { functionName: 'f', namespace: 'n' }, base, base + initial * 1000, { pageSize })) {
        seen.push(...page.map((e) => e.requestId));
      }
      assert.equal(new Set(seen).size, seen.length, 'nothing twice');
      for (const id of source.original) assert.ok(seen.includes(id), `missing ${id}`);
    }),
    { numRuns: 150 },
  );
});
