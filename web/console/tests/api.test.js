// `make test` runs these with Node's own runner (node --test), no browser: the API client's CSRF header and
// Chinese errors, and the login URL and state check. The browser tests (tests/browser/) cover the pages.
import { test, beforeEach } from 'node:test'
import assert from 'node:assert/strict'

const calls = []
let answer = null
globalThis.window = { location: { origin: 'http://console.test' } }
globalThis.document = { cookie: '', createElement: () => ({}) } // vue's runtime-dom reads it when imported
globalThis.fetch = async (url, init) => {
  calls.push({ url: String(url), init })
  if (answer instanceof Error) throw answer
  return answer
}
const store = new Map()
globalThis.sessionStorage = {
  getItem: (k) => (store.has(k) ? store.get(k) : null),
  setItem: (k, v) => store.set(k, String(v)),
  removeItem: (k) => store.delete(k),
}

const { api, ApiError } = await import('../src/api.js')
const { startLogin, checkReturnedState, exchangeCode, takeNext, STATE_KEY, missingLoginConfig } = await import('../src/login.js')

function respond(status, body, headers = {}) {
  answer = {
    ok: status >= 200 && status < 300,
    status,
    headers: { get: (k) => headers[k] ?? null },
    json: async () => {
      if (body === undefined) throw new SyntaxError('not JSON')
      return body
    },
  }
}

beforeEach(() => {
  calls.length = 0
  document.cookie = 'other=1; __Host-scrm_csrf=tok%2Fen; x=y'
})

test('a write sends the CSRF cookie back in X-CSRF-Token, with credentials', async () => {
  respond(200, { ok: true })
  assert.deepEqual(await api.post('/admin/tags', { name: '金卡' }), { ok: true })
  const { url, init } = calls[0]
  assert.equal(url, 'http://console.test/admin/tags')
  assert.equal(init.method, 'POST')
  assert.equal(init.credentials, 'include')
  assert.equal(init.headers['X-CSRF-Token'], 'tok/en')
  assert.equal(init.headers['Content-Type'], 'application/json')
  assert.equal(init.body, '{"name":"金卡"}')
})

test('a read sends no CSRF header and keeps its query', async () => {
  respond(200, { items: [] })
  await api.get('/admin/stats/customers', { by: 'day', from: '', to: undefined })
  assert.equal(calls[0].url, 'http://console.test/admin/stats/customers?by=day')
  assert.equal(calls[0].init.headers['X-CSRF-Token'], undefined)
})

test("a 400 names the field in Chinese and keeps the API's words", async () => {
  respond(400, { error: 'name: at most 30 characters', field: 'name' })
  const err = await api.put('/admin/tags/x', { name: 'y' }).catch((e) => e)
  assert.ok(err instanceof ApiError)
  assert.equal(err.status, 400)
  assert.equal(err.title, '提交的内容有误（字段：名称）')
  assert.equal(err.field, 'name')
  assert.equal(err.fieldLabel, '名称')
  assert.equal(err.detail, 'name: at most 30 characters')
})

test('an unknown field is named as the API names it', async () => {
  respond(400, { error: 'bad', field: 'frobnicate' })
  const err = await api.post('/admin/x', {}).catch((e) => e)
  assert.equal(err.title, '提交的内容有误（字段：frobnicate）')
})

test('statuses become Chinese sentences', async () => {
  for (const [status, words] of [[401, '未登录'], [403, '没有权限'], [404, '不存在'], [409, '冲突'],
    [502, '企业微信拒绝'], [503, '暂时不可用'], [500, '服务器出错'], [418, 'HTTP 418']]) {
    respond(status, undefined)
    const err = await api.get('/admin/x').catch((e) => e)
    assert.ok(err.title.includes(words), `${status}: ${err.title}`)
    assert.equal(err.detail, '')
  }
  respond(429, { error: 'slow down' }, { 'Retry-After': '7' })
  const err = await api.get('/admin/x').catch((e) => e)
  assert.equal(err.title, '操作过于频繁，请稍后再试，请 7 秒后再试')
})

test('no connection is an error too', async () => {
  answer = new TypeError('Failed to fetch')
  const err = await api.get('/admin/x').catch((e) => e)
  answer = null
  assert.equal(err.status, 0)
  assert.equal(err.title, '无法连接服务器，请检查网络后重试')
})

test("login asks the API for WeCom's URL, keeps its state and the page to return to, and goes there", async () => {
  const assigned = []
  window.location.assign = (u) => assigned.push(u)
  respond(200, { url: 'http://127.0.0.1:8900/wwlogin/sso/login?login_type=CorpApp&appid=ww1&state=s1', state: 's1' })
  await startLogin({ corp_id: 'ww1', api_base: '' }, '/customers?x=1')
  const url = new URL(calls[0].url)
  assert.equal(url.pathname, '/admin/auth/login-url')
  assert.equal(url.searchParams.get('corp_id'), 'ww1')
  assert.equal(url.searchParams.get('redirect_uri'), 'http://console.test/console/login/callback')
  assert.equal(calls[0].init.method, 'GET')
  assert.deepEqual(assigned, ['http://127.0.0.1:8900/wwlogin/sso/login?login_type=CorpApp&appid=ww1&state=s1'])
  assert.equal(sessionStorage.getItem(STATE_KEY), 's1')
  assert.equal(takeNext(), '/customers?x=1')
  assert.equal(takeNext(), '/dashboard') // used once
  assert.deepEqual(missingLoginConfig({ corp_id: '' }), ['corp_id'])
})

test('a login URL that is not http(s) is not followed', async () => {
  const assigned = []
  window.location.assign = (u) => assigned.push(u)
  respond(200, { url: 'javascript:alert(1)', state: 's2' })
  await assert.rejects(startLogin({ corp_id: 'ww1', api_base: '' }))
  assert.deepEqual(assigned, [])
})

test('the returned state is accepted once, and only the kept one', () => {
  sessionStorage.setItem(STATE_KEY, 'abc')
  assert.equal(checkReturnedState('abc'), true)
  assert.equal(checkReturnedState('abc'), false)
  sessionStorage.setItem(STATE_KEY, 'abc')
  assert.equal(checkReturnedState('0'.repeat(32)), false)
  assert.equal(checkReturnedState(undefined), false)
})

test('the code is exchanged as JSON with the corp and the state', async () => {
  respond(200, { userid: 'u1', role: 'admin' })
  await exchangeCode({ corp_id: 'ww1', api_base: '' }, 'CODE', 'abc')
  assert.equal(new URL(calls[0].url).pathname, '/admin/auth/login')
  assert.equal(calls[0].init.method, 'POST')
  assert.deepEqual(JSON.parse(calls[0].init.body), { corp_id: 'ww1', code: 'CODE', state: 'abc' })
})
