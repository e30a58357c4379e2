// The admin API client: fetch with the session cookie, the CSRF token (double submit: the __Host-scrm_csrf cookie
// echoed in X-CSRF-Token on every write), and errors turned into Chinese messages that name the field of
// the API's {"error", "field"} answers. Nothing here builds HTML: callers render messages as text.
import { runtime } from './config.js'
import { fieldLabel } from './fields.js'

export const CSRF_COOKIE = '__Host-scrm_csrf'
export const CSRF_HEADER = 'X-CSRF-Token'

const STATUS_TEXT = {
  0: '无法连接服务器，请检查网络后重试',
  400: '提交的内容有误',
  401: '未登录或登录已过期，请重新登录',
  403: '没有权限执行此操作',
  404: '要找的内容不存在',
  409: '与现有数据冲突，请刷新后重试',
  413: '提交的内容过大',
  429: '操作过于频繁，请稍后再试',
  502: '企业微信拒绝了此操作',
  503: '服务暂时不可用，请稍后再试',
}

export class ApiError extends Error {
  constructor({ status, title, field = '', detail = '', retryAfter = null, details = [] }) {
    super(title)
    this.name = 'ApiError'
    this.status = status
    this.title = title
    this.field = field
    this.fieldLabel = field ? fieldLabel(field) : ''
    this.detail = detail
    this.retryAfter = retryAfter
    this.details = details // a refusal's list (门店导入: every bad row by line and column)
  }
}

export function readCookie(name) {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k === name) return decodeURIComponent(v.join('='))
  }
  return ''
}

export function errorOf(status, body, retryAfter = null) {
  let title = STATUS_TEXT[status] || (status >= 500 ? '服务器出错，请稍后再试' : `请求失败（HTTP ${status}）`)
  const field = body && typeof body.field === 'string' ? body.field : ''
  if (field) title += `（字段：${fieldLabel(field)}）`
  if (status === 429 && retryAfter) title += `，请 ${retryAfter} 秒后再试`
  const detail = body && typeof body.error === 'string' ? body.error : ''
  const details = body && Array.isArray(body.details) ? body.details : []
  return new ApiError({ status, title, field, detail, retryAfter, details })
}

// Called with the ApiError of any 401 (the session ended or never was): the router sends the browser to
// the login page (router.js registers it). Login and me do their own handling.
let onUnauthorized = null
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn
}

export async function request(method, path, { query, body } = {}) {
  const base = runtime.config ? runtime.config.api_base : ''
  const url = new URL(`${base}${path}`, window.location.origin)
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v))
  }
  const headers = { Accept: 'application/json' }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (method !== 'GET' && method !== 'HEAD') {
    const token = readCookie(CSRF_COOKIE)
    if (token) headers[CSRF_HEADER] = token
  }
  let resp
  try {
    resp = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'include',
    })
  } catch (exc) {
    throw new ApiError({ status: 0, title: STATUS_TEXT[0], detail: exc instanceof Error ? exc.message : '' })
  }
  if (resp.ok) return resp.status === 204 ? null : resp.json()
  let data
  try {
    data = await resp.json()
  } catch {
    data = null // not JSON: the status alone speaks
  }
  const error = errorOf(resp.status, data, resp.headers.get('Retry-After'))
  if (resp.status === 401 && onUnauthorized && !path.startsWith('/admin/auth/')) onUnauthorized(error)
  throw error
}

export const api = {
  get: (path, query) => request('GET', path, { query }),
  post: (path, body) => request('POST', path, { body }),
  put: (path, body) => request('PUT', path, { body }),
  patch: (path, body) => request('PATCH', path, { body }),
  del: (path) => request('DELETE', path),
}
