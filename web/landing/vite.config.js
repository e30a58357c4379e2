// The customers' landing pages are static files under /landing/, beside /console/ and /sidebar/ (S3 +
// CloudFront when deployed, devstack/console_server.py locally), on the same origin as the admin API's public
// routes (/admin/public/...). One Vite app, one HTML entry per page: store.html (门店活码) and fission.html
// (好友裂变: an inviter's poster and progress); a page is one more entry in `pages` below and one more file in
// src/pages/. Every asset is ours: nothing from a CDN at run time, no inline script or style in the built
// HTML (CSP script-src 'self').
import { resolve } from 'node:path'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

const consoleUrl = process.env.SCRM_CONSOLE_URL
const stack = consoleUrl ? new URL(consoleUrl).origin : undefined
const pages = ['store', 'fission']

export default defineConfig({
  base: '/landing/',
  plugins: [vue()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    sourcemap: false,
    rollupOptions: {
      input: Object.fromEntries(pages.map((p) => [p, resolve(import.meta.dirname, `${p}.html`)])),
    },
  },
  server: { host: '127.0.0.1', proxy: stack ? { '/admin': stack, '/wwpic': stack } : undefined },
})
