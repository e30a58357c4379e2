// WeCom's web login for a site outside WeCom (login_type=CorpApp): the browser goes to
//   <login_url>?login_type=CorpApp&appid=CORPID&agentid=AGENTID&redirect_uri=URLENC&state=STATE
// and comes back to redirect_uri?code=CODE&state=STATE. state is random, kept in sessionStorage, and must
// come back unchanged (CSRF); it is used once.
export const STATE_KEY = 'scrm.login.state'

export function randomState() {
  const bytes = new Uint8Array(16)
  crypto.getRandomValues(bytes)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

export function callbackUrl() {
  return new URL(`${import.meta.env.BASE_URL}login/callback`, window.location.origin).toString()
}

export function loginUrl(config, state, redirectUri = callbackUrl()) {
  const url = new URL(config.login_url)
  url.search = new URLSearchParams({
    login_type: 'CorpApp',
    appid: config.corp_id,
    agentid: config.agent_id,
    redirect_uri: redirectUri,
    state,
  }).toString()
  return url.toString()
}

export function missingLoginConfig(config) {
  if (!config) return ['config.json']
  return ['login_url', 'corp_id', 'agent_id'].filter((k) => !config[k])
}

export function startLogin(config) {
  const state = randomState()
  sessionStorage.setItem(STATE_KEY, state)
  window.location.assign(loginUrl(config, state))
}

// The state that came back, checked against the one we kept; the kept one is removed either way.
export function checkReturnedState(returned) {
  const kept = sessionStorage.getItem(STATE_KEY)
  sessionStorage.removeItem(STATE_KEY)
  return Boolean(kept) && typeof returned === 'string' && returned === kept
}
