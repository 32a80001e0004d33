/**
 * Validates an OpenRPC document with `@open-rpc/schema-utils-js`'s
 * `validateOpenRPCDocument`, in a child Node process: the package requires
 * an ES module (`@open-rpc/spec-types`), which Node's own `require` loads
 * but jest's CommonJS runtime cannot.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const SCRIPT = `
const { validateOpenRPCDocument } = require('@open-rpc/schema-utils-js');
let text = '';
process.stdin.on('data', (d) => (text += d)).on('end', () => {
  const r = validateOpenRPCDocument(JSON.parse(text));
  process.stdout.write(r === true ? 'valid' : String(r.message));
});`;

/** `'valid'`, or the validator's message naming what is wrong. */
export function validateOpenRpc(doc: unknown): string {
  return execFileSync(process.execPath, ['--no-warnings', '-e', SCRIPT], {
    cwd: path.resolve(__dirname, '../..'),
    input: JSON.stringify(doc),
    encoding: 'utf8',
  });
}
