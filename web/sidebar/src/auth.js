// Who the sidebar acts as. WeCom opens the page at the URL an admin configured under 聊天工具栏
// (…/sidebar/?corp_id=CORPID); the first visit has no session, so the page goes through WeCom's OAuth link
// (GET /admin/sidebar/auth/login-url → open.weixin.qq.com/connect/oauth2/authorize, 91022): inside the client
// nobody is asked, and WeCom comes back to the same URL with ?code=…&state=…, which POST
// /admin/sidebar/auth/login turns into the sidebar's session cookie. The code and state are then taken out
// of the address bar (a code works once; a reload must not replay it).
import { ApiError, get, post, session } from './api.js'

export function pageParams(href = globalThis.location.href) {
  const url = new URL(href)
  return { corpId: url.searchParams.get('corp_id') || '', code: url.searchParams.get('code') || '',
    state: url.searchParams.get('state') || '' }
}

// This page's address without the OAuth answer (what WeCom signs and where it should come back to).
export function withoutCode(href = globalThis.location.href) {
  const url = new URL(href)
  url.searchParams.delete('code')
  url.searchParams.delete('state')
  url.hash = ''
  return url.toString()
}

function remember(me) {
  session.csrf = me.csrf_token
  return me
}

// The member, logging in first when needed; null when the browser is on its way to WeCom's OAuth page.
export async function ensureMember({ go = (url) => globalThis.location.assign(url) } = {}) {
  try {
    return remember(await get('/admin/sidebar/me'))
  } catch (exc) {
    if (!(exc instanceof ApiError) || exc.status !== 401) throw exc
  }
  const { corpId, code, state } = pageParams()
  if (!corpId) throw new Error('页面地址缺少 corp_id：请管理员在企业微信「聊天工具栏」中把页面地址配置为 …/sidebar/?corp_id=企业ID')
  if (code) {
    const me = remember(await post('/admin/sidebar/auth/login', { corp_id: corpId, code, state }))
    globalThis.history.replaceState(null, '', withoutCode())
    return me
  }
  const { url } = await get('/admin/sidebar/auth/login-url', { corp_id: corpId, redirect_uri: withoutCode() })
  go(url)
  return null
}
