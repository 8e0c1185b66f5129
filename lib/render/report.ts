// A deploy report rendered for pipelines: JSON, a Markdown summary (GitHub's step summary), `name=value` outputs
// (GitHub's $GITHUB_OUTPUT), and JUnit XML (a testcase per function deployed and per smoke check). Pure. Text from
// a server (URLs, names, reasons) is neutralised for each format: no control characters, no Markdown table or
// HTML breaking out of its cell, no line that could become another output.
import { plainText } from '../cloud/errors';
import type { DeployReport, FunctionReport } from '../deploy/report';
import { xml } from './smoke';

export function reportJson(report: DeployReport): string {
  return JSON.stringify(report, null, 2);
}

function cell(text: string): string {
  return plainText(text)
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`)
    .trim();
}

function code(text: string): string {
  return `\`${plainText(text).replace(/[`\r\n]/g, '')}\``;
}

function seconds(ms: number | null): string {
  return ms === null ? '-' : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function smokeCell(fn: FunctionReport): string {
  if (!fn.smoke) return '-';
  const on = fn.smoke.qualifier ? ` on ${fn.smoke.qualifier}` : '';
  if (fn.smoke.outcome === 'passed') return `passed${on}${fn.smoke.durationMs !== undefined ? ` (${Math.round(fn.smoke.durationMs)} ms)` : ''}`;
  return `${fn.smoke.outcome.toUpperCase()}${on}: ${fn.smoke.reason ?? ''}`;
}

function outcomeCell(fn: FunctionReport): string {
  if (fn.outcome === 'failed') return `FAILED${fn.error ? `: ${fn.error}` : fn.release?.reason ? `: ${fn.release.reason}` : ''}`;
  const changes = fn.changes.filter((c) => c !== fn.outcome);
  return changes.length ? `${fn.outcome}: ${changes.join(', ')}` : fn.outcome;
}

/** A link when it is one (http or https), else the text as a cell. */
function link(url: string): string {
  return /^https?:\/\/[^\s<>()]+$/.test(url) ? `<${url}>` : cell(url);
}

/** The Markdown summary of a deploy, as GitHub shows a step summary. */
export function markdownSummary(report: DeployReport): string {
  const verb = report.outcome === 'failed' ? 'Deploy failed' : report.outcome === 'unchanged' ? 'No changes' : 'Deployed';
  const lines = [`### ${verb}: ${cell(report.service)}, stage ${code(report.stage)}, region ${code(report.region)}`, ''];
  if (report.error) lines.push(`> ${cell(report.error.split('\n')[0])}`, '');
  lines.push('| Function | SCF name | Outcome | Version | Alias | Code | Smoke | URL | Took |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const fn of report.functions) {
    const hash = fn.codeSha256 ? `${code(fn.codeSha256.slice(0, 12))}${fn.codeSent ? ' sent' : ''}` : '-';
    const name = fn.namespace === 'default' ? fn.functionName : `${fn.namespace}/${fn.functionName}`;
    lines.push(
      `| ${cell(fn.key)} | ${cell(name)} | ${cell(outcomeCell(fn))} | ${cell(fn.version ?? '-')} | ${cell(fn.alias ?? '-')} | ${hash} | ${cell(smokeCell(fn))} | ${fn.urls.map(link).join(' ') || '-'} | ${seconds(fn.timings.applyMs)} |`,
    );
  }
  if (report.removed.length) lines.push('', `Removed (no longer in serverless.yml): ${report.removed.map((r) => `${cell(r.functionName)}${r.outcome === 'failed' ? ' (FAILED)' : ''}`).join(', ')}`);
  const facts = [
    report.deployment && `deployment ${code(report.deployment)}`,
    report.commit && `commit ${code(report.commit)}`,
    report.lock && `deploy lock waited ${seconds(report.lock.waitedMs)}${report.lock.tookOverFrom ? ` (taken over from ${cell(report.lock.tookOverFrom.holder)}, ${report.lock.tookOverFrom.reason})` : ''}`,
    `took ${seconds(report.durationMs)}`,
  ].filter(Boolean);
  lines.push('', facts.join(' · '), '');
  return lines.join('\n');
}

/** An output name GitHub takes: letters, digits, `-` and `_`. */
function outputName(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** One line per output, `name=value`; a value never holds a line break (it could start another output). */
export function githubOutputs(report: DeployReport): string {
  const value = (text: string) => plainText(text).replace(/[\r\n]+/g, ' ');
  const out: Array<[string, string]> = [
    ['outcome', report.outcome],
    ['service', report.service],
    ['stage', report.stage],
    ['region', report.region],
    ['deployment', report.deployment ?? ''],
    ['functions', JSON.stringify(Object.fromEntries(report.functions.map((f) => [f.key, { name: f.functionName, namespace: f.namespace, version: f.version, alias: f.alias, urls: f.urls, outcome: f.outcome }])))],
  ];
  for (const fn of report.functions) {
    out.push([`version-${outputName(fn.key)}`, fn.version ?? '']);
    out.push([`url-${outputName(fn.key)}`, fn.urls[0] ?? '']);
  }
  return out.map(([name, text]) => `${name}=${value(text)}\n`).join('');
}

/** JUnit XML: a testcase per function deployed (and per removal), and per smoke check. */
export function deployJunit(report: DeployReport): string {
  const service = xml(report.service);
  const deployCases = [
    ...report.functions.map((fn) => {
      const open = `    <testcase classname="deploy.${service}" name="${xml(fn.key)}" time="${((fn.timings.applyMs ?? 0) / 1000).toFixed(3)}">`;
      const out = `\n      <system-out>${xml(`${fn.functionName}: ${outcomeCell(fn)}${fn.version ? `, version ${fn.version}` : ''}${fn.alias ? `, alias ${fn.alias}` : ''}`)}</system-out>`;
      if (fn.outcome !== 'failed') return `${open}${out}\n    </testcase>`;
      const reason = fn.error ?? fn.release?.reason ?? 'failed';
      return `${open}\n      <failure message="${xml(reason.split('\n')[0])}" type="DeployFailure">${xml(reason)}</failure>${out}\n    </testcase>`;
    }),
    ...report.removed.map((r) => {
      const open = `    <testcase classname="deploy.${service}" name="${xml(`remove ${r.functionName}`)}" time="0.000">`;
      return r.outcome === 'removed' ? `${open}\n    </testcase>` : `${open}\n      <failure message="not removed" type="RemoveFailure">not removed</failure>\n    </testcase>`;
    }),
  ];
  // A failure before any function was planned (the lock, the read) is a case of its own, so the run is red.
  if (report.error && !report.functions.some((f) => f.outcome === 'failed')) {
    deployCases.push(`    <testcase classname="deploy.${service}" name="deploy" time="${(report.durationMs / 1000).toFixed(3)}">\n      <error message="${xml(report.error.split('\n')[0])}" type="DeployError">${xml(report.error)}</error>\n    </testcase>`);
  }
  const smoked = report.functions.filter((f) => f.smoke);
  const smokeCases = smoked.map((fn) => {
    const s = fn.smoke!;
    const open = `    <testcase classname="smoke.${service}" name="${xml(fn.key)}" time="${(s.elapsedMs / 1000).toFixed(3)}">`;
    const out = s.requestId ? `\n      <system-out>${xml(`function ${fn.functionName}${s.qualifier ? ` (${s.qualifier})` : ''}, RequestId ${s.requestId}`)}</system-out>` : '';
    if (s.outcome === 'passed') return `${open}${out}\n    </testcase>`;
    const tag = s.outcome === 'interrupted' ? 'error' : 'failure';
    return `${open}\n      <${tag} message="${xml(s.reason ?? s.outcome)}" type="${s.outcome === 'interrupted' ? 'Interrupted' : 'SmokeCheckFailure'}">${xml(s.reason ?? '')}</${tag}>${out}\n    </testcase>`;
  });
  const count = (cases: string[], tag: string) => cases.filter((c) => c.includes(`<${tag} `)).length;
  const suite = (name: string, cases: string[]) =>
    `  <testsuite name="${name}.${service}" tests="${cases.length}" failures="${count(cases, 'failure')}" errors="${count(cases, 'error')}" skipped="0" timestamp="${report.startedAt.slice(0, 19)}">\n${cases.join('\n')}${cases.length ? '\n' : ''}  </testsuite>`;
  const all = [...deployCases, ...smokeCases];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="scf deploy" tests="${all.length}" failures="${count(all, 'failure')}" errors="${count(all, 'error')}" time="${(report.durationMs / 1000).toFixed(3)}">`,
    suite('deploy', deployCases),
    ...(smokeCases.length ? [suite('smoke', smokeCases)] : []),
    '</testsuites>',
    '',
  ].join('\n');
}
