/**
 * Transpiles TypeScript trees to plain CommonJS, file by file, with the
 * project's own compiler options: what the bench and soak children run, so
 * that neither ts-node's start-up nor the compiler's memory shows in what
 * they measure.
 *
 * Transpile-only, like `ts-node --transpile-only`: a type error in a lib/
 * under construction must not stop a measurement, and `npm run typecheck`
 * is where types are checked. Syntax errors do throw.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/** Repository root (the directory holding package.json). */
export const ROOT = path.resolve(__dirname, '..');

/** tsconfig.json's options, turned into plain CommonJS output without maps or declarations. */
export function commonJsOptions(): ts.CompilerOptions {
  const file = path.join(ROOT, 'tsconfig.json');
  const raw = ts.readConfigFile(file, (f) => ts.sys.readFile(f));
  if (raw.error) throw new Error(ts.flattenDiagnosticMessageText(raw.error.messageText, '\n'));
  const { options } = ts.convertCompilerOptionsFromJson(raw.config.compilerOptions, ROOT);
  return {
    ...options,
    // CommonJS regardless of what the project's tsconfig becomes.
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    sourceMap: false,
    inlineSourceMap: false,
    declaration: false,
    noEmit: false,
  };
}

/** Every .ts file under `dir` (not .d.ts), skipping build output, results and node_modules. */
export function* tsFiles(dir: string): Generator<string> {
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
 * Transpiles each of `files` (absolute paths under ROOT) to `outDir`, keeping
 * their paths relative to ROOT, and returns how many it wrote. Each file is
 * written aside and renamed into place, so a concurrent reader (another
 * soak run) never sees half a file.
 */
export function transpileFiles(files: Iterable<string>, outDir: string): number {
  const compilerOptions = commonJsOptions();
  let n = 0;
  for (const file of files) {
    const out = ts.transpileModule(fs.readFileSync(file, 'utf8'), { compilerOptions, fileName: file, reportDiagnostics: true });
    const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (errors.length > 0) {
      const text = errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('; ');
      throw new Error(`cannot transpile ${path.relative(ROOT, file)}: ${text}`);
    }
    const dest = path.join(outDir, path.relative(ROOT, file)).replace(/\.ts$/, '.js');
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(`${dest}.${process.pid}`, out.outputText);
    fs.renameSync(`${dest}.${process.pid}`, dest);
    n++;
  }
  return n;
}
