// The WeCom sandbox's stand-in for WeCom's client (wecom_sandbox/client.py; docs/sandbox.md "The WeCom client
// stand-in"). Loaded by a page in an ordinary browser, it plays what WeCom's client injects into a page of
// the chat toolbar: window.WeixinJSBridge with invoke(name, params, callback) and on(name, callback), the
// WeixinJSBridgeReady event, and a user agent naming wxwork/<version> (what @wecom/jssdk reads to know it
// is inside WeCom). It decides nothing itself: every invoke is posted to the sandbox (…/invoke, beside this
// script), which checks the signatures against the tickets it issued and answers for the chat of the
// session the page's URL names (?wecom_session=ID or #wecom_session=ID, kept in sessionStorage per tab).
//
// It must run before @wecom/jssdk is evaluated (the jssdk reads navigator.userAgent once): a plain
// <script src>, no inline script, so that a page's CSP can stay script-src 'self'.
(function () {
  'use strict'
  if (window.WeixinJSBridge) return // inside the real client: nothing to play

  var VERSION = '4.1.36'
  var KEY = 'wecom-sandbox-session'
  var script = document.currentScript
  var invokeURL = new URL('invoke', script && script.src ? script.src : location.href).href

  // The user agent of WeCom's client, as the jssdk tests it (/wxwork\/([\d.]+)/i): the page's own plus
  // wxwork/<version>. Playwright can set a whole user agent instead; then this changes nothing.
  if (!/wxwork\/[\d.]+/i.test(navigator.userAgent)) {
    var ua = navigator.userAgent + ' wxwork/' + VERSION + ' MicroMessenger/7.0.1 Language/zh'
    try {
      Object.defineProperty(Navigator.prototype, 'userAgent', { configurable: true, get: function () { return ua } })
    } catch (e) {
      // a browser that refuses: the jssdk then takes the page as outside WeCom (no agentConfig)
    }
  }

  function fromURL() {
    var query = new URLSearchParams(location.search).get('wecom_session')
    if (query) return query
    var hash = location.hash.replace(/^#/, '')
    var match = /(?:^|[&?/])wecom_session=([A-Za-z0-9_-]+)/.exec(hash)
    return match ? match[1] : ''
  }

  var session = fromURL()
  try {
    if (session) sessionStorage.setItem(KEY, session)
    else session = sessionStorage.getItem(KEY) || ''
  } catch (e) {
    // storage refused: the URL's id only
  }
  var page = (window.crypto && crypto.randomUUID) ? crypto.randomUUID()
    : String(Date.now()) + Math.random().toString(16).slice(2)
  var handlers = {}

  function invoke(name, params, callback) {
    var body = JSON.stringify({ session: session, page: page, url: location.href, name: String(name), params: params || {} })
    fetch(invokeURL, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: body, credentials: 'omit' })
      .then(function (resp) { return resp.json() })
      .catch(function () { return { err_msg: name + ':fail sandbox unreachable' } })
      .then(function (answer) {
        if (typeof callback === 'function') callback(answer)
      })
  }

  function on(name, callback) {
    (handlers[name] = handlers[name] || []).push(callback) // the sandbox sends no client events yet
  }

  window.WeixinJSBridge = { invoke: invoke, on: on, call: invoke, _sandbox: { session: session, page: page } }
  setTimeout(function () {
    document.dispatchEvent(new Event('WeixinJSBridgeReady'))
  }, 0)
})()
