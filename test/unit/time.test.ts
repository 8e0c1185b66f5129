import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { bisectWindow, DAY_MS, formatLocal, parseTimeExpression, splitWindows } from '../../lib/time/parse';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

test('relative, absolute and unix time expressions', () => {
  assert.equal(parseTimeExpression('30m', NOW), NOW - 30 * 60_000);
  assert.equal(parseTimeExpression('2h', NOW), NOW - 2 * 3600_000);
  assert.equal(parseTimeExpression('3d', NOW), NOW - 3 * DAY_MS);
  assert.equal(parseTimeExpression('1w', NOW), NOW - 7 * DAY_MS);
  assert.equal(parseTimeExpression('now', NOW), NOW);
  assert.equal(parseTimeExpression('1763899200', NOW), 1763899200_000);
  assert.equal(parseTimeExpression('2026-11-20T02:30:00Z', NOW), Date.UTC(2026, 10, 20, 2, 30));
  assert.equal(parseTimeExpression('2026-11-20T10:30:00+08:00', NOW), Date.UTC(2026, 10, 20, 2, 30));
  // dates without a zone are the user's local time
  assert.equal(parseTimeExpression('2026-11-20', NOW), new Date(2026, 10, 20).getTime());
  assert.equal(parseTimeExpression('2026-11-20 10:30', NOW), new Date(2026, 10, 20, 10, 30).getTime());
  assert.equal(parseTimeExpression('2026-11-20T10:30:15', NOW), new Date(2026, 10, 20, 10, 30, 15).getTime());
});

test('bad time expressions are one-line errors naming the option and the accepted forms', () => {
  for (const bad of ['yesterday', '5 parsecs', '2026-13-01', '2026-02-30', '2026-11-20 25:00', '']) {
    assert.throws(() => parseTimeExpression(bad, NOW, 'startTime'), /--startTime ".*" is not (a time|a valid date)/, bad);
  }
  assert.throws(() => parseTimeExpression('soon', NOW, 'endTime'), /use 30m, 2h, 3d/);
});

test('windows cover the range in whole seconds, never overlap, and span at most a day', () => {
  for (let i = 0; i < 300; i++) {
    const start = NOW - Math.floor(Math.random() * 10 * DAY_MS);
    const end = start + Math.floor(Math.random() * 5 * DAY_MS);
    const windows = splitWindows(start, end);
    assert.equal(windows[0].start, Math.floor(start / 1000) * 1000);
    assert.equal(windows[windows.length - 1].end, Math.floor(end / 1000) * 1000);
    for (let w = 0; w < windows.length; w++) {
      assert.ok(windows[w].end - windows[w].start < DAY_MS);
      assert.ok(windows[w].end >= windows[w].start);
      if (w) assert.equal(windows[w].start, windows[w - 1].end + 1000);
    }
  }
  assert.equal(splitWindows(NOW, NOW).length, 1);
});

test('bisecting a window gives two adjacent halves; a single second cannot be split', () => {
  const [a, b] = bisectWindow({ start: NOW, end: NOW + 9000 })!;
  assert.deepEqual(a, { start: NOW, end: NOW + 4000 });
  assert.deepEqual(b, { start: NOW + 5000, end: NOW + 9000 });
  assert.equal(bisectWindow({ start: NOW, end: NOW }), undefined);
});

test('local rendering carries the offset', () => {
  assert.match(formatLocal(NOW), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d$/);
});
