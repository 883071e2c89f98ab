import { defineConfig } from 'tsup';

// Internal packages export TypeScript source, so they are bundled into the app; npm
// dependencies stay external and are installed in the image (pnpm deploy --prod).
export default defineConfig({
  entry: ['src/server.ts'],
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  outDir: 'dist',
  clean: true,
  sourcemap: true,
  noExternal: [/^@simple-shop\//],
});
