// The runtime configuration: /sidebar/config.json, served next to the assets (devstack/console_server.py
// writes it from the local stack; a deployment uploads its own). One build serves every corp and stage: the
// corp and the app come from the signatures (GET /admin/sidebar/js-config), not from here.
//   api_base       where the admin API is: "" when it is behind the same origin (/admin/...)
//   client_script  the WeCom client stand-in to load when the page is not inside WeCom (no WeixinJSBridge):
//                  the sandbox's /sandbox-client/wecom-client.js on the local stack, "" in a deployment
//                  (docs/sandbox.md "The WeCom client stand-in")
import { reactive } from 'vue'

export const runtime = reactive({ config: null, error: null, loaded: false })

let loading = null

// Read once per page load (main.js starts it; modules that need it await the same promise).
export function loadConfig() {
  loading = loading || readConfig()
  return loading
}

// Only a path on this origin: the CSP (script-src 'self') would refuse another origin anyway, and a
// config.json naming one is a mistake better reported in words.
export function sameOriginPath(value) {
  const path = String(value || '')
  return path.startsWith('/') && !path.startsWith('//') && !path.includes('\\') ? path : ''
}

export function parseConfig(data) {
  return {
    api_base: String(data?.api_base || '').replace(/\/+$/, ''),
    client_script: sameOriginPath(data?.client_script),
  }
}

async function readConfig() {
  try {
    const resp = await fetch(`${import.meta.env.BASE_URL}config.json`, { cache: 'no-store', credentials: 'same-origin' })
    if (!resp.ok) throw new Error(`HTTP ${resp.status}`)
    runtime.config = parseConfig(await resp.json())
  } catch (exc) {
    runtime.error = {
      title: '无法读取侧边栏配置（config.json）',
      detail: `请联系管理员检查部署。${exc instanceof Error ? exc.message : ''}`,
    }
  } finally {
    runtime.loaded = true
  }
  return runtime.config
}
