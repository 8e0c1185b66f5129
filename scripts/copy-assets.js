// After tsc: files the compiled code needs beside it that tsc does not copy (the Python bootstrap).
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
for (const file of ['lib/runtime/python/bootstrap.py', 'lib/runtime/web/sitecustomize.py']) {
  const target = path.join(root, 'dist', file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(path.join(root, file), target);
}
