import { defineConfig } from 'vite';
import { runtimeConfig } from './runtime-config';

// The API the dev and preview servers point the page at (pnpm dev sets it; default: the API's default port).
const apiUrl = process.env.STOREFRONT_API_URL ?? 'http://localhost:5000';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [runtimeConfig(apiUrl)],
  server: { port: 3000, strictPort: false },
  preview: { port: 3000 },
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true },
});
