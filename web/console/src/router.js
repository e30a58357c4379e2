import { createRouter, createWebHistory } from 'vue-router'
import { MENU_ITEMS } from './menu.js'
import AppLayout from './components/AppLayout.vue'
import LoginPage from './pages/LoginPage.vue'
import LoginCallback from './pages/LoginCallback.vue'
import UnderConstruction from './pages/UnderConstruction.vue'
import NotFound from './pages/NotFound.vue'

const pages = {
  '/dashboard': () => import('./pages/DashboardPage.vue'),
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
          component: pages[item.path] || UnderConstruction,
          meta: { title: item.title },
        })),
        { path: ':rest(.*)*', component: NotFound, meta: { title: '页面不存在' } },
      ],
    },
  ],
})

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} · 企业微信 SCRM` : '企业微信 SCRM 控制台'
})
