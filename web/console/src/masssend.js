// 群发 (mass sends) in words: the phase of a send's progress as `scrm sends --wait` reads it
// (layers/scrm/cli/send_progress.py: planning → creating → sending → done, or cancelled), and the API's
// states, outcomes and recipients in Chinese. Pure: no requests.

export const STATE_TEXT = { new: '规划中', planned: '已下发', cancelled: '已取消' }
export const PHASE_TEXT = {
  planning: '规划中：筛选接收人',
  creating: '正在下发给员工',
  sending: '等待员工在企业微信确认发送',
  done: '完成',
  cancelled: '已取消',
}
export const OUTCOME_TEXT = {
  pending: '待发送',
  sent: '已发送',
  not_sent: '未发送',
  not_a_friend: '已不是好友',
  over_quota: '超出接收上限',
}
export const SKIP_TEXT = { over_quota: '超出接收上限，已跳过', no_active_relation: '无正常跟进员工，已跳过' }
export const PART_TEXT = { requested: '待创建', created: '已创建', failed: '失败', cancelled: '已取消' }
export const QUOTA_TEXT = {
  month_days: '每位客户每月最多收到当月天数条（企业微信默认）',
  week_7: '每位客户每周最多收到 7 条',
  day_1: '每位客户每天最多收到 1 条',
}

// [tasks no longer waiting to be created, all tasks]
export function tasksOf(p) {
  const parts = p.parts || {}
  const total = Object.values(parts).reduce((a, n) => a + Number(n || 0), 0)
  return [total - Number(parts.requested || 0), total]
}

function allCreated(p) {
  const [done, total] = tasksOf(p)
  return p.state !== 'new' && done === total
}

export function phaseOf(p) {
  if (p.state === 'cancelled') return 'cancelled'
  if (allCreated(p) && !Number((p.outcomes || {}).pending || 0)) return 'done'
  if (p.state === 'new') return 'planning'
  return allCreated(p) ? 'sending' : 'creating'
}

// The share of tasks created until all are, then the share of recipients with an outcome.
export function phasePercent(p) {
  const phase = phaseOf(p)
  if (phase === 'sending' || phase === 'done' || phase === 'cancelled') {
    const total = Number(p.recipients || 0)
    const pending = Number((p.outcomes || {}).pending || 0)
    return total ? (100 * (total - pending)) / total : 100
  }
  const [done, total] = tasksOf(p)
  return total ? (100 * done) / total : 0
}

function names(ids, map) {
  return (ids || []).map((id) => map.get(id) || id).join('、')
}

function empName(map, userid) {
  const e = map.get(userid)
  return e && e.name ? e.name : userid
}

// A send's recipients (its stored spec) in one line; a listed recipients array comes as its count.
export function recipientsText(spec, tagNames, employees) {
  const r = (spec && spec.recipients) || {}
  if (r.planned) return 'SOP 计划的接收人'
  if (r.external_userids !== undefined) {
    const n = Array.isArray(r.external_userids) ? r.external_userids.length : r.external_userids
    return `指定客户 ${n} 位`
  }
  if (r.chat_ids !== undefined) {
    const n = Array.isArray(r.chat_ids) ? r.chat_ids.length : r.chat_ids
    return `指定客户群 ${n} 个`
  }
  if (r.groups) {
    const g = r.groups
    const parts = []
    if ((g.owners || []).length) parts.push(`群主：${(g.owners || []).map((u) => empName(employees, u)).join('、')}`)
    if (g.name_contains) parts.push(`群名含「${g.name_contains}」`)
    return `客户群（${parts.join('；') || '全部客户群'}）`
  }
  const f = r.filter || {}
  const parts = []
  if ((f.tags_all || []).length) parts.push(`含全部标签：${names(f.tags_all, tagNames)}`)
  if ((f.tags_any || []).length) parts.push(`含任一标签：${names(f.tags_any, tagNames)}`)
  if ((f.tags_none || []).length) parts.push(`排除标签：${names(f.tags_none, tagNames)}`)
  if ((f.employees || []).length) parts.push(`员工：${f.employees.map((u) => empName(employees, u)).join('、')}`)
  if ((f.states || []).length) parts.push(`渠道：${f.states.length} 个`)
  if (f.added_from || f.added_to) parts.push('按添加时间')
  return `按条件筛选客户（${parts.join('；') || '全部客户'}）`
}


// Who one outcome row is, for staff who cannot read ids: the name the API found (GET …?items=1 names each
// page), or 未知客户 / 未知客户群 for one our store does not hold (known false). An answer without names
// (older API) shows the id.
export function recipientName(row, group) {
  if (row.name) return row.name
  if (row.known === false) return group ? '未知客户群' : '未知客户'
  if (row.known) return group ? '（未命名群）' : '（未命名客户）'
  return row.external_userid
}
