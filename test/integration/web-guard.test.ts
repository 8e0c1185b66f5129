// A web function's server dies with the emulator that started it, even when the emulator is killed outright
// (SIGKILL: no clean-up of its own runs): every process the emulator starts dies with its run.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'child_process';
import * as path from 'path';
import { processExists as alive, REPO } from '../helpers';

const CHILD = `
const JSZip = require(${JSON.stringify(path.join(REPO, 'node_modules', 'jszip'))});
const { startEmulator } = require(${JSON.stringify(path.join(REPO, 'dist', 'lib', 'emulator', 'http', 'server.js'))});
const { CommonClient } = require(${JSON.stringify(path.join(REPO, 'node_modules', 'tencentcloud-sdk-nodejs-common'))});
(async () => {
  const credentials = { secretId: 'AKIDguard', secretKey: 'guard-secret' };
  const emulator = await startEmulator({ credentials, behaviour: { transitionMs: 0 } });
  const client = new CommonClient('127.0.0.1:' + emulator.port, '2018-04-16', { credential: credentials, region: 'ap-guangzhou', profile: { httpProfile: { protocol: 'http://' } } });
  const zip = new JSZip();
  zip.file('app.js', "require('http').createServer((q, s) => s.end(String(process.pid))).listen(9000)");
  zip.file('scf_bootstrap', '#!/bin/bash\\n/var/lang/node18/bin/node app.js\\n', { unixPermissions: 0o755 });
  const code = await zip.generateAsync({ type: 'nodebuffer', platform: 'UNIX' });
  await client.request('CreateFunction', { FunctionName: 'web', Runtime: 'Nodejs18.15', Type: 'HTTP', Code: { ZipFile: code.toString('base64') } });
  const trigger = await client.request('CreateTrigger', { FunctionName: 'web', TriggerName: 'url', Type: 'http', TriggerDesc: '{"AuthType":"NONE","NetConfig":{"EnableIntranet":false,"EnableExtranet":true}}' });
  const url = JSON.parse(trigger.TriggerInfo.TriggerDesc).NetConfig.ExtranetUrl;
  process.stdout.write((await (await fetch(url)).text()) + '\\n');
})();
`;

test('a web function server started by the emulator is gone once the emulator is killed with SIGKILL', async () => {
  const child = spawn(process.execPath, ['-e', CHILD], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    child.once('exit', (code) => reject(new Error(`the emulator exited (${code}) before the server answered`)));
  });
  assert.ok(Number.isInteger(pid) && alive(pid), `the server answered with its pid ${pid}`);
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(alive(pid), false, 'the server died with the emulator');
});
