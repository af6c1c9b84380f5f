#!/usr/bin/env node
// gitfed runs its TypeScript sources directly: Node 24 strips types natively. The package brings
// Node 24 as a devDependency, so `npx gitfed` and npm scripts use it even where the system Node is older.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `gitfed needs Node.js 24 or newer (this is ${process.version}). ` +
      'Run it through npm (`npx gitfed …`), which uses the Node 24 from node_modules.\n',
  );
  process.exit(2);
}
await import('../src/cli/entry.ts');
