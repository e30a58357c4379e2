// The console's menu (issue 18 §2). `ready: false` pages show the "建设中" notice and no data.
export const MENU = [
  { group: '概览', items: [{ path: '/dashboard', title: '仪表盘', icon: 'DataLine', ready: true }] },
  {
    group: '客户',
    items: [
      { path: '/customers', title: '客户', icon: 'User', ready: true },
      { path: '/groups', title: '客户群', icon: 'ChatLineRound', ready: true },
      { path: '/tags', title: '标签库', icon: 'PriceTag', ready: true },
      { path: '/churn-alerts', title: '流失提醒', icon: 'Bell', ready: true },
    ],
  },
  {
    group: '获客',
    items: [
      { path: '/channel-codes', title: '渠道活码', icon: 'Postcard', ready: true },
      { path: '/group-codes', title: '群活码', icon: 'ChatDotRound', ready: true },
    ],
  },
  {
    group: '运营',
    items: [
      { path: '/mass-sends', title: '群发', icon: 'Promotion', ready: true },
      { path: '/sops', title: 'SOP', icon: 'List', ready: true },
      { path: '/transfers', title: '离职/在职继承', icon: 'Switch', ready: true },
      { path: '/stats', title: '统计', icon: 'TrendCharts', ready: true },
    ],
  },
  {
    group: '设置',
    items: [
      { path: '/employees', title: '员工', icon: 'Avatar', ready: true },
      { path: '/sync', title: '同步', icon: 'Refresh', ready: true },
      { path: '/roles', title: '角色与密钥', icon: 'Key', ready: true },
    ],
  },
]

export const MENU_ITEMS = MENU.flatMap((g) => g.items)
