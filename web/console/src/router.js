import { createRouter, createWebHistory } from 'vue-router'
import { MENU_ITEMS } from './menu.js'
import AppLayout from './components/AppLayout.vue'
import LoginPage from './pages/LoginPage.vue'
import LoginCallback from './pages/LoginCallback.vue'
import NotFound from './pages/NotFound.vue'
import { session, loadMe, forget, setUnauthorizedHandler } from './session.js'

const pages = {
  '/dashboard': () => import('./pages/DashboardPage.vue'),
  '/customers': () => import('./pages/CustomersPage.vue'),
  '/tags': () => import('./pages/TagsPage.vue'),
  '/channel-codes': () => import('./pages/ChannelCodesPage.vue'),
  '/group-codes': () => import('./pages/GroupCodesPage.vue'),
  '/groups': () => import('./pages/GroupsPage.vue'),
  '/employees': () => import('./pages/EmployeesPage.vue'),
  '/roles': () => import('./pages/RolesPage.vue'),
  '/transfers': () => import('./pages/TransfersPage.vue'),
  '/sync': () => import('./pages/SyncPage.vue'),
  '/stats': () => import('./pages/StatsPage.vue'),
  '/mass-sends': () => import('./pages/MassSendsPage.vue'),
  '/moments': () => import('./pages/MomentsPage.vue'),
  '/sops': () => import('./pages/SopsPage.vue'),
  '/churn-alerts': () => import('./pages/ChurnAlertsPage.vue'),
  '/stages': () => import('./pages/StagesPage.vue'),
  '/notes': () => import('./pages/NotesPage.vue'),
  '/content': () => import('./pages/ContentPage.vue'),
  '/stores': () => import('./pages/StoresPage.vue'),
  '/fission': () => import('./pages/FissionPage.vue'),
}

export const router = createRouter({
  // History mode under /console/: WeCom appends ?code=&state= to redirect_uri, which a #/ route would not
  // keep apart. The server answers index.html for any /console/ path that is not a file.
  history: createWebHistory(import.meta.env.BASE_URL),
  routes: [
    { path: '/login', component: LoginPage, meta: { title: '登录', bare: true } },
    { path: '/login/callback', component: LoginCallback, meta: { title: '登录', bare: true } },
    {
      path: '/',
      component: AppLayout,
      children: [
        { path: '', redirect: '/dashboard' },
        ...MENU_ITEMS.map((item) => ({
          path: item.path.slice(1),
          component: pages[item.path],
          meta: { title: item.title },
        })),
        { path: ':rest(.*)*', component: NotFound, meta: { title: '页面不存在' } },
      ],
    },
  ],
})

function toLogin(to) {
  return { path: '/login', query: to.fullPath && to.fullPath !== '/' ? { next: to.fullPath } : {} }
}

// Every page but login's needs a session: who is logged in is asked once (GET /admin/auth/me); a 401 goes
// to the login page. Another failure (no connection, 503) lets the page open and show its own error.
router.beforeEach(async (to) => {
  if (to.meta.bare) return true
  if (!session.checked) await loadMe()
  if (!session.me && !session.error) return toLogin(to)
  return true
})

// Any API call answered 401 later (the session expired, the role was taken away): back to login.
setUnauthorizedHandler(() => {
  forget()
  const current = router.currentRoute.value
  if (!current.meta.bare) router.replace(toLogin(current))
})

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} · 企业微信 SCRM` : '企业微信 SCRM 控制台'
})
