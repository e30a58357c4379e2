// The sidebar (聊天工具栏) is static files under /sidebar/, beside the console's /console/ (S3 + CloudFront when
// deployed, devstack/console_server.py locally), on the same origin as the admin API (/admin/sidebar/...).
// Every asset is ours: nothing from a CDN at run time, no inline script or style in the built HTML, so the
// Content-Security-Policy is the console's (script-src 'self').
//
// `npm run dev` (live reload while editing) takes config.json, /admin/ and the WeCom client stand-in
// (/sandbox-client/) from a running `make dev`: `source .devstack/env` first (SCRM_CONSOLE_URL).
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

const consoleUrl = process.env.SCRM_CONSOLE_URL
const stack = consoleUrl ? new URL(consoleUrl).origin : undefined

export default defineConfig({
  base: '/sidebar/',
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
    proxy: stack
      ? { '/admin': stack, '/sidebar/config.json': stack, '/sandbox-client': stack }
      : undefined,
  },
})
