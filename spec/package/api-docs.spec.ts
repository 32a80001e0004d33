/**
 * `npm run docs` (TypeDoc, typedoc.json) builds the API reference from the
 * TSDoc with no warning: typedoc.json treats warnings as errors, so a public
 * name without documentation, or a public type that refers to one the
 * reference cannot show, fails here. About 5 s.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

test('TypeDoc builds the API reference with no warnings', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bsonrpc-typedoc-'));
  try {
    const log = execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--out', out, '--logLevel', 'Warn'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: 'pipe',
    });
    expect(log).not.toMatch(/warning|error/i);
    expect(fs.existsSync(path.join(out, 'classes', 'JsonRpc.html'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'functions', 'defineService.html'))).toBe(true);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}, 60_000);
