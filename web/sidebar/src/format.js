// Small display helpers shared by the sidebar's views (text only; nothing here builds HTML).

// WeCom's add_way (92114): how the customer added the member.
export const ADD_WAYS = {
  0: '未知来源', 1: '扫描二维码', 2: '搜索手机号', 3: '名片分享', 4: '群聊', 5: '手机通讯录', 6: '微信联系人',
  8: '第三方应用自动添加', 9: '搜索邮箱', 10: '视频号添加', 11: '日程参与人', 12: '会议参与人',
  13: '添加微信好友对应的企业微信', 14: '智慧硬件专属客服添加', 15: '上门服务客服添加', 16: '获客链接',
  17: '定制开发', 18: '需求回复', 201: '内部成员共享', 202: '管理员/负责人分配',
}

export function when(seconds) {
  if (!seconds) return '—'
  const d = new Date(Number(seconds) * 1000)
  const pad = (n) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

export function initial(name) {
  const text = String(name || '').trim()
  return text ? Array.from(text)[0] : '客'
}

// A timeline entry in words: the callback's change type, or the SCRM's own entry kinds.
const CHANGES = {
  add_external_contact: '添加了企业成员', add_half_external_contact: '添加了企业成员（待通过）',
  edit_external_contact: '资料被编辑', del_external_contact: '被企业成员删除', del_follow_user: '删除了企业成员',
  transfer_fail: '客户接替失败', create: '入群', update: '群信息变更', dismiss: '群解散',
  stage: '阶段变更', note: '跟进记录', moment_like: '点赞了朋友圈', moment_comment: '评论了朋友圈',
}

export function changeText(entry) {
  const type = entry?.change_type || entry?.entry?.change_type || entry?.event || ''
  return CHANGES[type] || type || '事件'
}

// Where a mass send or SOP message stands for this customer (the portrait's received[].status).
export const RECEIVED_STATUS = {
  planned: '创建中', waiting: '待员工发送', sending: '已发送，结果待更新', sent: '已送达', not_sent: '未发送',
  not_a_friend: '非好友，未送达', over_quota: '客户已达接收上限', cancelled: '已取消', failed: '企业微信拒绝创建',
}

export const RECEIVED_KINDS = { mass_send: '群发', sop: 'SOP' }

const ATTACHMENTS = { image: '图片', link: '链接', miniprogram: '小程序', video: '视频', file: '文件' }

export function attachmentsText(kinds) {
  return (kinds || []).map((k) => ATTACHMENTS[k] || k).join('、')
}
