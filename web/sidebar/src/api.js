// The sidebar's client of the admin API (/admin/sidebar/...): the sidebar's session cookie travels by itself
// (same origin), every write carries the session's CSRF token (from the login answer or GET /admin/sidebar/me),
// and errors become Chinese lines that name the field of the API's {"error", "field"} answers. Nothing here
// builds HTML: the pages render every message as text.
import { runtime } from './config.js'

const STATUS_TEXT = {
  0: '无法连接服务器，请检查网络后重试',
  400: '提交的内容有误',
  401: '登录已过期，请重新打开侧边栏',
  403: '没有权限执行此操作',
  404: '找不到这位客户（或不是你服务的客户）',
  409: '与现有数据冲突，请刷新后重试',
  429: '操作过于频繁，请稍后再试',
  502: '企业微信拒绝了此操作',
  503: '服务暂时不可用，请稍后再试',
}

export class ApiError extends Error {
  constructor(status, body) {
    const field = typeof body?.field === 'string' ? body.field : ''
    let title = STATUS_TEXT[status] || (status >= 500 ? '服务器出错，请稍后再试' : `请求失败（HTTP ${status}）`)
    if (field) title += `（字段：${field}）`
    super(title)
    this.name = 'ApiError'
    this.status = status
    this.field = field
    this.detail = typeof body?.error === 'string' ? body.error : ''
  }
}

export const session = { csrf: '' }

export async function request(method, path, { query, body } = {}) {
  const base = runtime.config?.api_base || ''
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v))
  }
  const qs = params.toString()
  const headers = { Accept: 'application/json' }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (method !== 'GET' && session.csrf) headers['X-CSRF-Token'] = session.csrf
  let resp
  try {
    resp = await fetch(`${base}${path}${qs ? `?${qs}` : ''}`, {
      method, headers, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch {
    throw new ApiError(0, null)
  }
  const data = await resp.json().catch(() => null)
  if (!resp.ok) throw new ApiError(resp.status, data)
  return data
}

export const get = (path, query) => request('GET', path, { query })
export const post = (path, body) => request('POST', path, { body })
export const put = (path, body) => request('PUT', path, { body })
export const patch = (path, body) => request('PATCH', path, { body })
export const del = (path) => request('DELETE', path)

// What a page shows of an error: the line, then the server's words when there are any.
export function explain(exc) {
  if (exc instanceof ApiError) return exc.detail ? `${exc.message}：${exc.detail}` : exc.message
  return exc instanceof Error ? exc.message : String(exc)
}

// A form's error: a 400 names the field by the form's own label (and the API's name for it), a 404 says
// what was not found (`notFound`: the default line speaks of a customer); then the server's words.
export function explainForm(exc, labels = {}, notFound = '') {
  if (!(exc instanceof ApiError)) return explain(exc)
  if (exc.status === 404 && notFound) return notFound
  const label = labels[exc.field]
  if (exc.status === 400 && label) return `「${label}」有误（字段：${exc.field}）${exc.detail ? `：${exc.detail}` : ''}`
  return explain(exc)
}
