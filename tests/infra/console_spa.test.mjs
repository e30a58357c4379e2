// The console's CloudFront Function (infra/console_spa.js) run in Node with events shaped like CloudFront's
// (viewer request, cloudfront-js-2.0). Run by tests/infra/test_console.py: node --test tests/infra/console_spa.test.mjs
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'

const source = readFileSync(new URL('../../infra/console_spa.js', import.meta.url), 'utf8')
// CloudFront runs the file as a script that defines handler(event); no module system.
const handler = new Function(`${source}\nreturn handler;`)()

function viewerRequest(uri, extra = {}) {
  return {
    version: '1.0',
    context: { eventType: 'viewer-request', distributionDomainName: 'd111111abcdef8.cloudfront.net' },
    viewer: { ip: '192.0.2.10' },
    request: {
      method: 'GET',
      uri,
      querystring: {},
      headers: { host: { value: 'd111111abcdef8.cloudfront.net' } },
      cookies: {},
      ...extra,
    },
  }
}

const rewritten = (uri) => handler(viewerRequest(uri)).uri

test('the single-page app routes under /console/ answer /console/index.html', () => {
  for (const uri of ['/console/', '/console/customers', '/console/customers/wmAbc123', '/console/login/callback',
    '/console/channel-codes/new', '/console/stats/']) {
    assert.equal(rewritten(uri), '/console/index.html', uri)
  }
})

test('files under /console/ (a dot in the last segment) go to the bucket as they are', () => {
  for (const uri of ['/console/index.html', '/console/config.json', '/console/favicon.svg',
    '/console/assets/index-CX8YI01u.js', '/console/assets/index-Dv2OBhWi.css', '/console/assets/missing-abc.js',
    '/console/assets/font.woff2']) {
    assert.equal(rewritten(uri), uri, uri)
  }
})

test('the rest of the request is passed on untouched (query string, cookies, headers, method)', () => {
  const event = viewerRequest('/console/login/callback', {
    querystring: { code: { value: 'CODE' }, state: { value: 'abc' } },
    cookies: { '__Host-scrm_login_state': { value: 'abc' } },
  })
  const out = handler(event)
  assert.equal(out.uri, '/console/index.html')
  assert.deepEqual(out.querystring, { code: { value: 'CODE' }, state: { value: 'abc' } })
  assert.deepEqual(out.cookies, { '__Host-scrm_login_state': { value: 'abc' } })
  assert.equal(out.method, 'GET')
  assert.equal(out.headers.host.value, 'd111111abcdef8.cloudfront.net')
})

test('the root and /console redirect to /console/', () => {
  for (const uri of ['/', '/console']) {
    const out = handler(viewerRequest(uri))
    assert.equal(out.statusCode, 302, uri)
    assert.equal(out.headers.location.value, '/console/')
    assert.equal(out.uri, undefined)
  }
})

test('the sidebar (issue 19) is a second app under /sidebar/: its routes answer /sidebar/index.html', () => {
  for (const uri of ['/sidebar/', '/sidebar/portrait', '/sidebar/scripts/12', '/sidebar/login/callback']) {
    assert.equal(rewritten(uri), '/sidebar/index.html', uri)
  }
  for (const uri of ['/sidebar/config.json', '/sidebar/assets/App-DXceYFoe.js', '/sidebar/favicon.svg']) {
    assert.equal(rewritten(uri), uri, uri)
  }
  const out = handler(viewerRequest('/sidebar'))
  assert.equal(out.statusCode, 302)
  assert.equal(out.headers.location.value, '/sidebar/')
  for (const uri of ['/sidebarx', '/sidebar.json', '/sandbox-client/wecom-client.js']) {
    assert.equal(handler(viewerRequest(uri)).statusCode, 404, uri)  // no client stand-in when deployed
  }
})

test("WeCom's domain verification file at the root is served from the console's folder", () => {
  assert.equal(rewritten('/WW_verify_AbC123xyz.txt'), '/console/WW_verify_AbC123xyz.txt')
  for (const uri of ['/WW_verify_.txt', '/WW_verify_a/b.txt', '/WW_verify_a.txt.js', '/x/WW_verify_a.txt',
    '/WW_verify_../config.json']) {
    assert.equal(handler(viewerRequest(uri)).statusCode, 404, uri)
  }
})

test('nothing outside /console/ is rewritten to the page: an API path or any other is a 404, not HTML', () => {
  // /admin/* has its own behaviour and never runs this function; were it ever attached there, the API's
  // paths must still not turn into index.html.
  for (const uri of ['/admin/customers', '/admin/auth/me', '/consolex', '/console.json', '/favicon.ico',
    '/wecom/callback/ww1', '/index.html']) {
    const out = handler(viewerRequest(uri))
    assert.equal(out.statusCode, 404, uri)
    assert.equal(out.uri, undefined, uri)
  }
})

test('the function stays within CloudFront Functions limits (10 KB of code, no modules)', () => {
  assert.ok(Buffer.byteLength(source, 'utf8') < 10 * 1024)
  assert.doesNotMatch(source, /\b(require|import|export)\b/)
  assert.match(source, /^function handler\(event\)/m)
})

test('the landing pages (issue 21) are files under /landing/: passed as they are, no SPA fallback', () => {
  for (const uri of ['/landing/store.html', '/landing/assets/store-D8bNDapX.js', '/landing/favicon.svg']) {
    assert.equal(rewritten(uri), uri, uri)
  }
  for (const uri of ['/landing/', '/landing/store']) {
    assert.equal(handler(viewerRequest(uri)).statusCode, 404, uri)
  }
})
