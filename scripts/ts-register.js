// Runs TypeScript sources directly (fault tests' child processes, benchmarks): each .ts file
// is transpiled on require (no type check; tsc does that) and @tokenwarden/* aliases resolve
// through tsconfig.json. Production runs the tsc build (npm run build, npm run start:*).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');
const tsconfigPaths = require('tsconfig-paths');

const root = path.resolve(__dirname, '..');
const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  resolveJsonModule: true,
  inlineSourceMap: true,
};

require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions, fileName: filename });
  module._compile(outputText, filename);
};

const config = tsconfigPaths.loadConfig(root);
if (config.resultType !== 'success') throw new Error(`tsconfig-paths: ${config.message}`);
tsconfigPaths.register({ baseUrl: config.absoluteBaseUrl, paths: config.paths, addMatchAll: false });
