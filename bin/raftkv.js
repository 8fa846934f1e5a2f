#!/usr/bin/env node
// Thin launcher: the CLI is compiled from src/cli to dist/cli by `npm run build`.
import('../dist/cli/main.js').then((cli) => cli.main(process.argv)).catch((err) => {
  console.error(err);
  process.exit(1);
});
