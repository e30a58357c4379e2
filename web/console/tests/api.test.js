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
const { loginUrl, checkReturnedState, randomState, STATE_KEY, missingLoginConfig } = await import('../src/login.js')

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

test("the login URL is WeCom's, in its order, with the redirect encoded", () => {
  const config = { login_url: 'https://login.work.weixin.qq.com/wwlogin/sso/login', corp_id: 'ww1', agent_id: '1000002' }
  assert.equal(
    loginUrl(config, 'abc', 'https://scrm.example.com/console/login/callback'),
    'https://login.work.weixin.qq.com/wwlogin/sso/login?login_type=CorpApp&appid=ww1&agentid=1000002' +
      '&redirect_uri=https%3A%2F%2Fscrm.example.com%2Fconsole%2Flogin%2Fcallback&state=abc',
  )
  assert.deepEqual(missingLoginConfig({ login_url: 'x', corp_id: '', agent_id: '' }), ['corp_id', 'agent_id'])
})

test('the state is random, and accepted once', () => {
  const a = randomState()
  assert.match(a, /^[0-9a-f]{32}$/)
  assert.notEqual(a, randomState())
  sessionStorage.setItem(STATE_KEY, a)
  assert.equal(checkReturnedState(a), true)
  assert.equal(checkReturnedState(a), false)
  sessionStorage.setItem(STATE_KEY, a)
  assert.equal(checkReturnedState('0'.repeat(32)), false)
  assert.equal(checkReturnedState(undefined), false)
})
