// The console's menu (issue 18 §2): every entry is a page of router.js (test_console_shell checks the list).
export const MENU = [
  { group: '概览', items: [{ path: '/dashboard', title: '仪表盘', icon: 'DataLine' }] },
  {
    group: '客户',
    items: [
      { path: '/customers', title: '客户', icon: 'User' },
      { path: '/groups', title: '客户群', icon: 'ChatLineRound' },
      { path: '/tags', title: '标签库', icon: 'PriceTag' },
      { path: '/churn-alerts', title: '流失提醒', icon: 'Bell' },
      { path: '/stages', title: '客户阶段', icon: 'Histogram' },
      { path: '/notes', title: '跟进记录', icon: 'Notebook' },
    ],
  },
  {
    group: '获客',
    items: [
      { path: '/channel-codes', title: '渠道活码', icon: 'Postcard' },
      { path: '/group-codes', title: '群活码', icon: 'ChatDotRound' },
      { path: '/stores', title: '门店活码', icon: 'Shop' },
      { path: '/fission', title: '好友裂变', icon: 'Share' },
    ],
  },
  {
    group: '运营',
    items: [
      { path: '/mass-sends', title: '群发', icon: 'Promotion' },
      { path: '/moments', title: '客户朋友圈', icon: 'Camera' },
      { path: '/sops', title: 'SOP', icon: 'List' },
      { path: '/content', title: '话术素材', icon: 'Files' },
      { path: '/transfers', title: '离职/在职继承', icon: 'Switch' },
      { path: '/stats', title: '统计', icon: 'TrendCharts' },
    ],
  },
  {
    group: '设置',
    items: [
      { path: '/employees', title: '员工', icon: 'Avatar' },
      { path: '/sync', title: '同步', icon: 'Refresh' },
      { path: '/roles', title: '角色与密钥', icon: 'Key' },
    ],
  },
]

export const MENU_ITEMS = MENU.flatMap((g) => g.items)
