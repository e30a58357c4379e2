// Start-up order matters: config.json, then (off WeCom, on the local stack only) the WeCom client stand-in,
// then the app — whose import of @wecom/jssdk reads navigator.userAgent and looks for WeixinJSBridge.
import { createApp } from 'vue'
import './style.css'
import { loadConfig, runtime } from './config.js'
import { loadClientStandIn } from './standin.js'

async function start() {
  const config = await loadConfig()
  try {
    await loadClientStandIn(config?.client_script)
  } catch (exc) {
    runtime.error = { title: '企业微信客户端替身加载失败', detail: exc instanceof Error ? exc.message : String(exc) }
  }
  const { default: App } = await import('./App.vue')
  createApp(App).mount('#app')
}

start()
