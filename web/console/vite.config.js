// The console is static files under /console/ (S3 + CloudFront when deployed, devstack/console_server.py
// locally). Every asset is ours: nothing is fetched from a CDN at run time, and the built HTML has no inline
// script, so the Content-Security-Policy can say script-src 'self'.
//
// `npm run dev` (live reload while editing) takes config.json and /admin/ from a running `make dev`:
// `source .devstack/env` first (SCRM_CONSOLE_URL). The dev server is not the CSP-checked build.
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

const consoleUrl = process.env.SCRM_CONSOLE_URL
const stack = consoleUrl ? new URL(consoleUrl).origin : undefined

export default defineConfig({
  base: '/console/',
  plugins: [vue()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0, // fonts and images as files, not data: URLs
    chunkSizeWarningLimit: 1200,
    sourcemap: false,
  },
  server: {
    host: '127.0.0.1',
    proxy: stack ? { '/admin': stack, '/console/config.json': stack } : undefined,
  },
})
