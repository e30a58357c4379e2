// The console is static files under /console/ (S3 + CloudFront when deployed, devstack/console_server.py
// locally). Every asset is ours: nothing is fetched from a CDN at run time, and the built HTML has no inline
// script, so the Content-Security-Policy can say script-src 'self'.
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

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
})
