#!/usr/bin/env node
// Renders config/policy.json into docs/token-policy.md for auditors.
//   node scripts/render-policy.js [policy.json] [out.md]    write the document
//   node scripts/render-policy.js --check                    exit 1 when the copy is stale
// Plain JS on purpose: ts-node is not a dependency, so .ts files of libs/policy
// are transpiled on the fly with the TypeScript compiler the repo already pins.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: filename,
  });
  module._compile(outputText, filename);
};

const root = path.resolve(__dirname, '..');
const { loadPolicyFile, renderPolicyMarkdown } = require(path.join(root, 'libs/policy/src/index.ts'));
const args = process.argv.slice(2);
const check = args[0] === '--check';
const files = check ? args.slice(1) : args;
const policyPath = files[0] || path.join(root, 'config/policy.json');
const outPath = files[1] || path.join(root, 'docs/token-policy.md');

try {
  const markdown = renderPolicyMarkdown(loadPolicyFile(policyPath));
  if (check) {
    const current = fs.existsSync(outPath) ? fs.readFileSync(outPath, 'utf8') : '';
    if (current !== markdown) {
      console.error(`${outPath} is stale: run node scripts/render-policy.js`);
      process.exit(1);
    }
  } else {
    fs.writeFileSync(outPath, markdown);
    console.log(`wrote ${path.relative(root, outPath)}`);
  }
} catch (err) {
  console.error(err.message);
  process.exit(2);
}
