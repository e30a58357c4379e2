// The runtime configuration: /console/config.json, served next to the assets (devstack/console_server.py
// writes it from the local stack; a deployment uploads its own). One build serves every corp and stage.
//   login_url  WeCom's web login (https://login.work.weixin.qq.com/wwlogin/sso/login; locally the sandbox's)
//   corp_id    the corp's id (appid in the login URL)
//   agent_id   the self-built app's AgentId (agentid in the login URL)
//   api_base   where the admin API is: "" when it is behind the same origin (/admin/...)
import { reactive } from 'vue'

export const runtime = reactive({ config: null, error: null, loaded: false })

export async function loadConfig() {
  try {
    const resp = await fetch(`${import.meta.env.BASE_URL}config.json`, { cache: 'no-store', credentials: 'same-origin' })
    if (!resp.ok) throw new Error(`HTTP ${resp.status}`)
    const data = await resp.json()
    runtime.config = {
      login_url: String(data.login_url || ''),
      corp_id: String(data.corp_id || ''),
      agent_id: String(data.agent_id ?? ''),
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
