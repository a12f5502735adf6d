#!/usr/bin/env bash
# Regenerates the README's CLI reference from the commands' own --help, so the two cannot drift.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp)
{
  echo '<!-- CLI -->'
  echo '```'
  node bin/stylegan.js --help
  echo '```'
  for cmd in train dataset generate mix truncation noise interpolate project metrics convert export bench compare serve dashboard; do
    echo
    echo "### stylegan $cmd"
    echo '```'
    node bin/stylegan.js "$cmd" --help
    echo '```'
  done
  echo '<!-- /CLI -->'
} > "$out"
node -e '
const fs = require("fs");
const readme = fs.readFileSync("README.md", "utf8");
const block = fs.readFileSync(process.argv[1], "utf8").trimEnd();
const re = /<!-- CLI -->[\s\S]*?(<!-- \/CLI -->|(?=\n## ))/;
if (!re.test(readme)) throw new Error("README.md has no <!-- CLI --> marker");
fs.writeFileSync("README.md", readme.replace(re, block));
' "$out"
rm -f "$out"
