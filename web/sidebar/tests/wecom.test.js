// node --test: the pure parts of the sidebar's start-up (no browser; the page itself is tested in
// tests/browser/test_sidebar_client.py against the WeCom client stand-in).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseConfig, sameOriginPath } from '../src/config.js'
import { fetchJsConfig, isConfigRefusal, signURL, WeComError } from '../src/wecom.js'
import { loadClientStandIn } from '../src/standin.js'

test('config.json: client_script only as a path on this origin', () => {
  assert.equal(sameOriginPath('/sandbox-client/wecom-client.js'), '/sandbox-client/wecom-client.js')
  assert.equal(sameOriginPath('//evil.example/x.js'), '')
  assert.equal(sameOriginPath('https://evil.example/x.js'), '')
  assert.equal(sameOriginPath('/\\evil.example'), '')
  assert.deepEqual(parseConfig({ api_base: 'https://x/', client_script: 'x.js' }), { api_base: 'https://x', client_script: '' })
  assert.deepEqual(parseConfig(null), { api_base: '', client_script: '' })
})

test('the signed URL drops the fragment only', () => {
  assert.equal(signURL('https://a.example/sidebar/?x=1#/p'), 'https://a.example/sidebar/?x=1')
})

test('fetchJsConfig asks for the page URL without #, and refuses a partial answer in words', async () => {
  const asked = []
  const answer = { config: { appId: 'ww1' }, agentConfig: { corpid: 'ww1', agentid: '1000002' } }
  const ok = async (url) => { asked.push(url); return { ok: true, status: 200, json: async () => answer } }
  assert.deepEqual(await fetchJsConfig('http://h/sidebar/?a=1&b=2#x', { fetcher: ok, apiBase: '' }), answer)
  assert.equal(asked[0], `/admin/sidebar/js-config?url=${encodeURIComponent('http://h/sidebar/?a=1&b=2')}`)
  const refused = async () => ({ ok: false, status: 403, json: async () => ({ error: { message: '未登录' } }) })
  await assert.rejects(fetchJsConfig('http://h/', { fetcher: refused }), /未登录/)
  const partial = async () => ({ ok: true, status: 200, json: async () => ({ config: {} }) })
  await assert.rejects(fetchJsConfig('http://h/', { fetcher: partial }), /HTTP 200/)
})

test("WeComError carries WeCom's err_msg", () => {
  const err = new WeComError({ errMsg: 'getContext:fail no permission' })
  assert.equal(err.message, 'getContext:fail no permission')
  assert.ok(err instanceof Error)
})

test('no stand-in without a script named, or when WeixinJSBridge is there', async () => {
  assert.equal(await loadClientStandIn(''), false)
  globalThis.WeixinJSBridge = {}
  try {
    assert.equal(await loadClientStandIn('/sandbox-client/wecom-client.js', { createElement() { throw new Error('no') } }), false)
  } finally {
    delete globalThis.WeixinJSBridge
  }
})

test('only the configuration refusals of the jssdk are taken as reported', () => {
  assert.ok(isConfigRefusal({ errMsg: 'agentConfig:invalid signature' }))
  assert.ok(isConfigRefusal({ errMsg: 'preVerifyJSAPI:invalid signature' }))
  assert.ok(!isConfigRefusal({ errMsg: 'getContext:fail no permission' }))
  assert.ok(!isConfigRefusal(new Error('agentConfig:x')))
})
