// The page's side of WeCom's JS-SDK (@wecom/jssdk): register with the corp's and the app's signatures, then
// learn the chat the sidebar was opened in and send into it.
//
// Signatures come from GET /admin/sidebar/js-config?url=<this page's URL> (layers/scrm/sidebar/js_config.py):
//   {"config": {appId, timestamp, nonceStr, signature},
//    "agentConfig": {corpid, agentid, timestamp, nonceStr, signature}}
// signed on the server (the tickets never reach the browser). The first answer also names the corp and the
// app, so one build serves every corp. Inside WeCom (the user agent says wxwork/…) the jssdk runs
// agentConfig, which the chat APIs need; the sandbox's stand-in (standin.js) plays that client locally.
//
//   context() → {entry, external_userid} in a single chat's toolbar, {entry, chat_id} in a group's,
//               {entry} elsewhere (getContext, then getCurExternalContact / getCurExternalChat)
//   send(message) → sendChatMessage (98539): {msgtype: 'text', text: {content}}, {msgtype: 'image',
//               image: {mediaid}}, video / file likewise, news {link, title, desc, imgUrl},
//               miniprogram {appid, title, imgUrl, page}
import * as ww from '@wecom/jssdk'
import { runtime } from './config.js'

export const JS_API_LIST = ['getContext', 'getCurExternalContact', 'getCurExternalChat', 'sendChatMessage']

// A refusal of WeCom's (the jssdk throws the client's answer: {errMsg: 'getContext:fail no permission', ...}),
// as an Error whose message is WeCom's err_msg, for pages to show in words.
export class WeComError extends Error {
  constructor(answer) {
    const errMsg = String(answer?.errMsg || answer?.err_msg || answer?.message || answer || 'fail')
    super(errMsg)
    this.name = 'WeComError'
    this.errMsg = errMsg
    this.answer = answer
  }
}

// What WeCom signs: the page's address without #… (the jssdk passes that; we strip it again to be sure).
export function signURL(url) {
  return String(url).split('#')[0]
}

export async function fetchJsConfig(url, { fetcher = globalThis.fetch, apiBase = runtime.config?.api_base || '' } = {}) {
  const resp = await fetcher(`${apiBase}/admin/sidebar/js-config?url=${encodeURIComponent(signURL(url))}`, {
    credentials: 'same-origin', cache: 'no-store',
  })
  const body = await resp.json().catch(() => null)
  if (!resp.ok || !body?.config || !body?.agentConfig) {
    const detail = body?.error?.message || body?.error || body?.message || `HTTP ${resp.status}`
    throw new Error(`无法取得企业微信 JS-SDK 签名：${typeof detail === 'string' ? detail : JSON.stringify(detail)}`)
  }
  return body
}

let registering = null

// @wecom/jssdk's register() starts the configuration inside WeCom and drops the promise it gets (from an
// async function), so a refused agentConfig is also an unhandled rejection. The page reports the refusal
// through context() and send() (which the jssdk makes wait for the same configuration), so the browser's
// second report of that one refusal is dropped; anything else still surfaces.
export function isConfigRefusal(reason) {
  return typeof reason?.errMsg === 'string' && /^(agentConfig|preVerifyJSAPI|config):/.test(reason.errMsg)
}

function quietConfigRefusals(target = globalThis) {
  target.addEventListener?.('unhandledrejection', (event) => {
    if (isConfigRefusal(event.reason)) event.preventDefault()
  })
}

// Once per page load; the answers per URL are kept for the jssdk's two asks (config, agentConfig) and for a
// later config after the single-page app changes its URL (the jssdk signs again then).
export function register(options = {}) {
  registering = registering || doRegister(options).catch((exc) => {
    registering = null
    throw exc
  })
  return registering
}

async function doRegister({ fetcher, href = globalThis.location?.href } = {}) {
  const answers = new Map()
  const signed = (url) => {
    const key = signURL(url)
    if (!answers.has(key)) {
      answers.set(key, fetchJsConfig(key, { fetcher }).catch((exc) => {
        answers.delete(key)
        throw exc
      }))
    }
    return answers.get(key)
  }
  const first = await signed(href)
  quietConfigRefusals()
  ww.register({
    corpId: first.agentConfig.corpid || first.config.appId,
    agentId: first.agentConfig.agentid,
    jsApiList: JS_API_LIST,
    getConfigSignature: async (url) => (await signed(url)).config,
    getAgentConfigSignature: async (url) => (await signed(url)).agentConfig,
  })
  return { corpId: first.agentConfig.corpid, agentId: first.agentConfig.agentid }
}

async function call(fn, params) {
  await register()
  try {
    return await fn(params)
  } catch (exc) {
    throw exc instanceof Error ? exc : new WeComError(exc)
  }
}

export async function context() {
  const { entry } = await call(ww.getContext)
  if (entry === 'single_chat_tools') {
    const { userId } = await call(ww.getCurExternalContact)
    return { entry, external_userid: userId }
  }
  if (entry === 'group_chat_tools') {
    const { chatId } = await call(ww.getCurExternalChat)
    return { entry, chat_id: chatId }
  }
  return { entry }
}

export function send(message) {
  return call(ww.sendChatMessage, message)
}
