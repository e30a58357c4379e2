// Who is logged in: GET /admin/auth/me, asked once per page load by the router's guard and after login.
// Nothing of the session is kept in JS storage: the session cookie is HttpOnly, the CSRF token is the
// readable __Host-scrm_csrf cookie the API sets (api.js echoes it on writes), and `me` lives in memory only.
import { computed, reactive } from 'vue'
import { api, setUnauthorizedHandler } from './api.js'

export const session = reactive({ me: null, checked: false, error: null })

export const ROLE_TEXT = { admin: '管理员', operator: '运营', viewer: '只读' }
export const canWrite = computed(() => Boolean(session.me) && session.me.role !== 'viewer')
export const isAdmin = computed(() => Boolean(session.me) && session.me.role === 'admin')

function keep(me) {
  // The answer carries csrf_token too: not kept (the cookie is the one source the client echoes).
  const { corp_id, userid, name, role, via } = me
  session.me = { corp_id, userid, name, role, via }
  session.error = null
  session.checked = true
}

export async function loadMe() {
  try {
    keep(await api.get('/admin/auth/me'))
  } catch (exc) {
    session.me = null
    session.error = exc.status === 401 ? null : exc // 401: not logged in; other errors are shown by the pages
    session.checked = true
    return null
  }
  return session.me
}

export function loggedIn(me) {
  keep(me)
}

export async function logout() {
  try {
    await api.post('/admin/auth/logout')
  } finally {
    session.me = null
    session.checked = true
  }
}

export function forget() {
  session.me = null
  session.checked = true
}

export { setUnauthorizedHandler }
