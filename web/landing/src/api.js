// The landing pages' client of the admin API's public routes (/admin/public/...): no key, no cookie of ours,
// same origin. Errors become Chinese lines naming the field of the API's {"error", "field"} answers; nothing
// here builds HTML (the pages render every message as text).
const STATUS_TEXT = {
  0: '无法连接服务器，请检查网络后重试',
  400: '请求有误',
  404: '找不到这家企业或门店',
  429: '访问过于频繁，请稍后再试',
  503: '服务暂时不可用，请稍后再试',
}

export class ApiError extends Error {
  constructor(status, body) {
    const field = typeof body?.field === 'string' ? body.field : ''
    const wait = Number.isInteger(body?.retry_after_s) && body.retry_after_s > 0 ? body.retry_after_s : 0
    let title = STATUS_TEXT[status] || (status >= 500 ? '服务器出错，请稍后再试' : `请求失败（HTTP ${status}）`)
    // Too many requests from this network (the public routes' limit per address and corp): say how long to wait.
    if (status === 429 && wait) title = `访问过于频繁，请 ${wait} 秒后再试`
    if (field) title += `（字段：${field}）`
    super(title)
    this.name = 'ApiError'
    this.status = status
    this.field = field
    this.retryAfter = wait
    // A 429's words are the title already (the answer's own error repeats them in Chinese and English).
    this.detail = typeof body?.error === 'string' && status !== 429 ? body.error : ''
  }
}

export async function request(method, path, { query, body } = {}) {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v))
  }
  const qs = params.toString()
  const headers = { Accept: 'application/json' }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  let resp
  try {
    resp = await fetch(`${path}${qs ? `?${qs}` : ''}`, {
      method, headers, credentials: 'omit', cache: 'no-store',
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

// The QR image of a contact way: WeCom's picture host (https://wework.qpic.cn/wwpic/…) is asked on this
// origin (/wwpic/…), as the console does (CloudFront passes /wwpic/* on; locally the console server).
export function qrSrc(qrCode) {
  try {
    const url = new URL(qrCode)
    if (url.protocol === 'https:' && url.hostname === 'wework.qpic.cn' && url.pathname.startsWith('/wwpic/')) return url.pathname
  } catch {
    // not a URL: no image
  }
  return ''
}
