#!/usr/bin/env node
// `terraform fmt -check` without terraform: formats each file with hclwrite.Format (the
// formatter terraform fmt is built on, compiled to WASM in "@cdktf/hcl-tools") and reports
// every file whose formatting differs, with the first differing line. Exit 1 if any differ.
"use strict";
const { readFileSync } = require("node:fs");
const { format } = require("@cdktf/hcl-tools");

(async () => {
  const files = process.argv.slice(2);
  let bad = 0;
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const formatted = await format(text);
    if (formatted !== text) {
      bad += 1;
      const a = text.split("\n");
      const b = formatted.split("\n");
      let i = 0;
      while (i < a.length && a[i] === b[i]) i += 1;
      console.log(`${file}:${i + 1}: not formatted\n  have: ${JSON.stringify(a[i] ?? "")}\n  want: ${JSON.stringify(b[i] ?? "")}`);
    }
  }
  console.log(`hclfmt: ${files.length} file(s), ${bad} not formatted`);
  process.exit(bad === 0 ? 0 : 1);
})().catch((e) => {
  console.error(e);
  process.exit(2);
});
