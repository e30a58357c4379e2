// WeCom's web login (login_type=CorpApp). One source of truth for the URL: the admin API builds it
// (GET /admin/auth/login-url: the corp's app, WeCom's login page, a random state it also sets as an HttpOnly
// cookie and checks at POST /admin/auth/login). The console keeps that state for this tab in sessionStorage
// (a one-use nonce, not a credential) and refuses a return whose state is not it, so a link with someone
// else's code cannot log this browser in. WeCom comes back to /console/login/callback?code=&state=.
import { api } from './api.js'

export const STATE_KEY = 'scrm.login.state'
export const NEXT_KEY = 'scrm.login.next'

const BASE = (import.meta.env && import.meta.env.BASE_URL) || '/console/' // Node's tests have no Vite env

export function callbackUrl() {
  return new URL(`${BASE}login/callback`, window.location.origin).toString()
}

export function missingLoginConfig(config) {
  if (!config) return ['config.json']
  return ['corp_id'].filter((k) => !config[k])
}

// Asks the API for WeCom's login URL and sends the browser there. Throws the API's error (shown by the page).
export async function startLogin(config, next = '') {
  const answer = await api.get('/admin/auth/login-url', { corp_id: config.corp_id, redirect_uri: callbackUrl() })
  const url = new URL(answer.url)
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('login URL is not http(s)')
  sessionStorage.setItem(STATE_KEY, answer.state)
  if (next && next.startsWith('/') && !next.startsWith('//')) sessionStorage.setItem(NEXT_KEY, next)
  else sessionStorage.removeItem(NEXT_KEY)
  window.location.assign(url.toString())
}

// The state that came back, checked against the one we kept; the kept one is removed either way.
export function checkReturnedState(returned) {
  const kept = sessionStorage.getItem(STATE_KEY)
  sessionStorage.removeItem(STATE_KEY)
  return Boolean(kept) && typeof returned === 'string' && returned === kept
}

export function takeNext() {
  const next = sessionStorage.getItem(NEXT_KEY) || ''
  sessionStorage.removeItem(NEXT_KEY)
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : '/dashboard'
}

// Exchanges WeCom's code for a session (the cookies are set by the answer); returns the member.
export function exchangeCode(config, code, state) {
  return api.post('/admin/auth/login', { corp_id: config.corp_id, code, state })
}
