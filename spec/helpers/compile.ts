/**
 * Compiles a TypeScript source with chosen compiler options (the way a
 * user's build would) and runs the output in this process, with `bsonrpc`
 * resolving to lib/: one service source, many compilers.
 */
import * as ts from 'typescript';
import * as lib from '../../lib';

/** The CommonJS output of `source` under `options` (module forced to CommonJS). */
export function transpile(source: string, options: ts.CompilerOptions): string {
  const out = ts.transpileModule(source, {
    compilerOptions: { ...options, module: ts.ModuleKind.CommonJS },
    reportDiagnostics: true,
    fileName: 'service.ts',
  });
  const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) throw new Error(errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('; '));
  return out.outputText;
}

/** Runs CommonJS `code` and returns its exports; `require('bsonrpc')` is lib/. */
export function run(code: string): Record<string, any> {
  const module = { exports: {} as Record<string, any> };
  const req = (id: string): unknown => {
    if (id === 'bsonrpc') return lib;
    throw new Error(`unexpected require(${JSON.stringify(id)})`);
  };
  new Function('require', 'module', 'exports', code)(req, module, module.exports);
  return module.exports;
}

/** {@link transpile} then {@link run}. */
export function load(source: string, options: ts.CompilerOptions): Record<string, any> {
  return run(transpile(source, options));
}

/** The compiler options of the two decorator standards. */
export const STANDARDS: Record<'legacy' | 'standard', ts.CompilerOptions> = {
  legacy: { experimentalDecorators: true, emitDecoratorMetadata: true },
  standard: {},
};
