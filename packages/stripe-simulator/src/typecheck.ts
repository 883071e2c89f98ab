// Type-checks files with the repository's compiler settings, in process. Used by tests that prove
// a type rejects something (the simulator's type fixtures) and by the Stripe contract test, which
// checks recorded responses and webhook payloads against the SDK's typings.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export interface TypeDiagnostic {
  file: string;
  /** 1-based. */
  line: number;
  code: number;
  message: string;
}

const BASE_TSCONFIG = resolve(dirname(fileURLToPath(import.meta.url)), '../../../tsconfig.base.json');

function compilerOptions(): ts.CompilerOptions {
  const read = ts.readConfigFile(BASE_TSCONFIG, (path) => ts.sys.readFile(path));
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const { options, errors } = ts.convertCompilerOptionsFromJson(read.config.compilerOptions, dirname(BASE_TSCONFIG));
  if (errors.length > 0)
    throw new Error(errors.map((e) => ts.flattenDiagnosticMessageText(e.messageText, '\n')).join('\n'));
  return { ...options, noEmit: true };
}

/** Every diagnostic of the given files (and what they import), with the settings of tsconfig.base.json. */
export function typecheck(files: readonly string[]): TypeDiagnostic[] {
  const program = ts.createProgram(files, compilerOptions());
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const position = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    return {
      file: d.file?.fileName ?? '',
      line: (position?.line ?? -1) + 1,
      code: d.code,
      message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    };
  });
}
