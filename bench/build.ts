/**
 * Transpiles lib/ and bench/ into bench/.build/ (same layout, so
 * `../../lib` imports still resolve and node_modules is found by walking
 * up). Transpile-only, like `ts-node --transpile-only`: a type error in a
 * lib/ under construction must not stop the peer rows from running, and
 * `npm run typecheck` is where types are checked.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/** Repository root (the directory holding package.json). */
export const ROOT = path.resolve(__dirname, '..');
/** Where the transpiled tree goes. */
export const BUILD = path.join(ROOT, 'bench', '.build');

function compilerOptions(): ts.CompilerOptions {
  const file = path.join(ROOT, 'tsconfig.json');
  const raw = ts.readConfigFile(file, (f) => ts.sys.readFile(f));
  if (raw.error) throw new Error(ts.flattenDiagnosticMessageText(raw.error.messageText, '\n'));
  const { options } = ts.convertCompilerOptionsFromJson(raw.config.compilerOptions, ROOT);
  return {
    ...options,
    // Plain JS for the children: no maps or declarations needed, and
    // CommonJS regardless of what the project's tsconfig becomes.
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    sourceMap: false,
    inlineSourceMap: false,
    declaration: false,
    noEmit: false,
  };
}

function* tsFiles(dir: string): Generator<string> {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === '.build' || entry.name === 'results' || entry.name === 'node_modules') continue;
      yield* tsFiles(full);
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      yield full;
    }
  }
}

/**
 * Rebuilds bench/.build from scratch and returns the number of files
 * written. Transpile errors (syntax) throw; type errors are not looked at.
 */
export function build(): number {
  const options = compilerOptions();
  fs.rmSync(BUILD, { recursive: true, force: true });
  let n = 0;
  for (const top of ['lib', 'bench']) {
    for (const file of tsFiles(path.join(ROOT, top))) {
      const out = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
        compilerOptions: options,
        fileName: file,
        reportDiagnostics: true,
      });
      const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
      if (errors.length > 0) {
        const text = errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('; ');
        throw new Error(`cannot transpile ${path.relative(ROOT, file)}: ${text}`);
      }
      const dest = path.join(BUILD, path.relative(ROOT, file)).replace(/\.ts$/, '.js');
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.writeFileSync(dest, out.outputText);
      n++;
    }
  }
  return n;
}
