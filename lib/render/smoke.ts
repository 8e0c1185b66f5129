// Rendering of smoke results: the summary table and the JUnit XML report. Pure.
import type { SmokeResult } from '../smoke/run';
import { plainText } from '../cloud/errors';
import { formatTable } from './table';

export function formatSmokeSummary(results: SmokeResult[]): string {
  const rows = results.map((r) => [r.key, r.passed ? 'passed' : r.unfinished ? 'INTERRUPTED' : 'FAILED', r.durationMs !== undefined ? `${Math.round(r.durationMs)} ms` : '-', `${(r.elapsedMs / 1000).toFixed(1)} s`]);
  const lines = [formatTable(['FUNCTION', 'OUTCOME', 'DURATION', 'CHECK TOOK'], rows)];
  for (const r of results.filter((x) => !x.passed)) {
    const id = r.requestId ? plainText(r.requestId) : undefined;
    lines.push(`${r.key} (${r.functionName}): ${plainText(r.reason ?? '')}${id ? ` [RequestId ${id}: sls logs -f ${r.key} --requestId ${id}]` : ''}`);
  }
  return lines.join('\n');
}

export function xml(text: string): string {
  return text
    .replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export function junitReport(service: string, results: SmokeResult[], timestamp: Date): string {
  const failures = results.filter((r) => !r.passed && !r.unfinished).length;
  const errors = results.filter((r) => r.unfinished).length;
  const total = results.reduce((sum, r) => sum + r.elapsedMs, 0) / 1000;
  const cases = results.map((r) => {
    const open = `    <testcase classname="smoke.${xml(service)}" name="${xml(r.key)}" time="${(r.elapsedMs / 1000).toFixed(3)}">`;
    const props = r.requestId ? `\n      <system-out>${xml(`function ${r.functionName}, RequestId ${r.requestId}`)}</system-out>` : '';
    if (r.passed) return `${open}${props}\n    </testcase>`;
    if (r.unfinished) return `${open}\n      <error message="${xml(r.reason ?? 'interrupted')}" type="Interrupted">${xml(r.reason ?? '')}</error>${props}\n    </testcase>`;
    return `${open}\n      <failure message="${xml(r.reason ?? 'failed')}" type="SmokeCheckFailure">${xml(r.reason ?? '')}</failure>${props}\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="scf smoke checks" tests="${results.length}" failures="${failures}" errors="${errors}" time="${total.toFixed(3)}">`,
    `  <testsuite name="smoke.${xml(service)}" tests="${results.length}" failures="${failures}" errors="${errors}" skipped="0" time="${total.toFixed(3)}" timestamp="${timestamp.toISOString().slice(0, 19)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
