// The runtime configuration: /console/config.json, served next to the assets (devstack/console_server.py
// writes it from the local stack; a deployment uploads its own). One build serves every corp and stage.
//   corp_id    the corp whose members log in (the admin API builds WeCom's login URL for it: login.js)
//   api_base   where the admin API is: "" when it is behind the same origin (/admin/...)
import { reactive } from 'vue'

export const runtime = reactive({ config: null, error: null, loaded: false })

let loading = null

// Read once per page load (main.js starts it; pages that need it await the same promise).
export function loadConfig() {
  loading = loading || readConfig()
  return loading
}

async function readConfig() {
  try {
    const resp = await fetch(`${import.meta.env.BASE_URL}config.json`, { cache: 'no-store', credentials: 'same-origin' })
    if (!resp.ok) throw new Error(`HTTP ${resp.status}`)
    const data = await resp.json()
    runtime.config = {
      corp_id: String(data.corp_id || ''),
      api_base: String(data.api_base || '').replace(/\/+$/, ''),
    }
  } catch (exc) {
    runtime.error = {
      title: '无法读取控制台配置（config.json）',
      detail: `请联系管理员检查部署。${exc instanceof Error ? exc.message : ''}`,
    }
  } finally {
    runtime.loaded = true
  }
  return runtime.config
}
