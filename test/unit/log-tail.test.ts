// The emulator's LogType Tail (lib/emulator/scf/invoke.ts tailLog): the last 4 KB as SCF returns them, starting at
// a line boundary after a line that says how many bytes were cut.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { tailLog } from '../../lib/emulator/scf/invoke';

const MARKER = /^\[(\d+) bytes of earlier log lines cut\]\n/;

test('a log within the limit comes back as it is', () => {
  const log = 'START RequestId: x\nline 1\nEND RequestId: x\n';
  assert.equal(tailLog(log), log);
  assert.equal(tailLog('x'.repeat(4096)), 'x'.repeat(4096));
});

test('a longer log starts at a line boundary after a line saying how many bytes were cut, within 4 KB', () => {
  const lines = Array.from({ length: 400 }, (_, i) => `2026-01-01T00:00:00.000Z\tid\tline ${i + 1} of 400`);
  const log = lines.join('\n') + '\n';
  const tail = tailLog(log);
  assert.ok(Buffer.byteLength(tail) <= 4096, `${Buffer.byteLength(tail)} bytes`);
  const marker = MARKER.exec(tail)!;
  assert.ok(marker, tail.slice(0, 80));
  const rest = tail.slice(marker[0].length);
  assert.equal(Number(marker[1]) + Buffer.byteLength(rest), Buffer.byteLength(log));
  assert.ok(log.endsWith(rest));
  assert.ok(lines.includes(rest.split('\n')[0]), `a whole line first: ${rest.split('\n')[0]}`);
  assert.ok(rest.endsWith('line 400 of 400\n'));
});

test('a last line longer than the budget is cut at a character, never inside one', () => {
  const log = 'short\n' + 'é'.repeat(5000) + '\n';
  const tail = tailLog(log, 1024);
  assert.ok(Buffer.byteLength(tail) <= 1024);
  assert.match(tail, MARKER);
  assert.doesNotMatch(tail, /\uFFFD/);
  assert.ok(tail.endsWith('éé\n'));
});

test('property: within the limit, a suffix of the log, the count right, and a line boundary whenever one is in reach', () => {
  const line = fc.string({ unit: fc.constantFrom('a', 'b', ' ', 'é', '中', '😀'), maxLength: 300 });
  fc.assert(
    fc.property(fc.array(line, { maxLength: 80 }), fc.integer({ min: 64, max: 4096 }), (lines, limit) => {
      const log = lines.join('\n');
      const tail = tailLog(log, limit);
      if (Buffer.byteLength(log) <= limit) return tail === log;
      const marker = MARKER.exec(tail);
      if (!marker) return false;
      const rest = tail.slice(marker[0].length);
      const cut = Number(marker[1]);
      if (Buffer.byteLength(tail) > limit || !log.endsWith(rest) || cut + Buffer.byteLength(rest) !== Buffer.byteLength(log)) return false;
      // A newline within the kept window (other than a final one) means the tail starts right after one.
      const before = Buffer.from(log).subarray(0, cut).toString('utf8');
      const startsAtLine = cut === 0 || before.endsWith('\n');
      const budget = limit - Buffer.byteLength(`[${Buffer.byteLength(log)} bytes of earlier log lines cut]\n`);
      const window = Buffer.from(log).subarray(Buffer.byteLength(log) - budget).toString('utf8');
      const lineInReach = window.slice(0, -1).includes('\n');
      return startsAtLine || !lineInReach;
    }),
  );
});
