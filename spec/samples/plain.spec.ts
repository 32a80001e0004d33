/**
 * samples/plain.mjs is plain JavaScript that imports 'bsonrpc' as a user's
 * code does. It is run here as it stands, no build step of its own, against
 * lib/ bundled on the fly (transpiled and bundled as `npm run build` does,
 * without declarations) and placed where Node resolves 'bsonrpc' from it.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeBundle } from '../../scripts/bundle';
import { ROOT, transpileFiles, tsFiles } from '../../scripts/transpile';
import pkg from '../../package.json';

// Under node_modules/.cache so that the bundle's own require('reflect-metadata') resolves.
const dir = path.join(ROOT, 'node_modules', '.cache', `bsonrpc-plain-spec-${process.pid}`);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('plain.mjs: defineService in JavaScript, every kind of handler, a callback and a batch', () => {
  const installed = path.join(dir, 'node_modules', 'bsonrpc');
  transpileFiles(tsFiles(path.join(ROOT, 'lib')), installed);
  writeBundle(path.join(installed, 'lib'), { esm: true });
  fs.writeFileSync(
    path.join(installed, 'package.json'),
    JSON.stringify({ name: 'bsonrpc', version: pkg.version, exports: { '.': { import: './lib/bsonrpc.mjs', require: './lib/bsonrpc.js' } } }),
  );
  fs.copyFileSync(path.join(ROOT, 'samples', 'plain.mjs'), path.join(dir, 'plain.mjs'));
  const out = execFileSync(process.execPath, ['plain.mjs'], { cwd: dir, encoding: 'utf8', env: { ...process.env, BSONRPC_LOG_LEVEL: 'warn' }, timeout: 20_000 });
  expect(out.split('\n')).toEqual([
    'add(2, 3) = 5',
    'math.pow {base: 3} = 9',
    'math.neg(4) = -4',
    'Hello, Countess Ada!',
    'server log: a notification',
    'add as a batch: [2,4]',
    'calls counted by the server: 3',
    '',
  ]);
});
