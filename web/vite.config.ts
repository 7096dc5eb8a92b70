import { defineConfig } from 'vite';

// The editor is served by the Flowgate binary (go:embed of dist/); in
// development `npx vite` proxies the admin API to a running Flowgate.
const target = process.env.FLOWGATE_URL ?? 'http://127.0.0.1:1880';
const api = ['/flows', '/flow', '/nodes', '/settings', '/inject', '/debug', '/api'];

export default defineConfig({
  esbuild: { jsx: 'automatic' },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 800 },
  server: {
    proxy: Object.fromEntries([
      ...api.map((p) => [p, target]),
      ['/comms', { target: target.replace(/^http/, 'ws'), ws: true }],
    ]),
  },
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
});
