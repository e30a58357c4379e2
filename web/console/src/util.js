// Small helpers the pages share: China-time formatting, the tag library and employees as lookups.
import { api } from './api.js'

const FMT = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  hour12: false,
})

export function fmtTime(seconds) {
  if (!seconds) return ''
  return FMT.format(new Date(Number(seconds) * 1000))
}

export function fmtMs(ms) {
  return ms ? fmtTime(Number(ms) / 1000) : ''
}

// A China day (YYYY-MM-DD) as unix seconds: its first second, or its last with `end`.
export function chinaDay(day, end = false) {
  if (!day) return undefined
  const t = Date.parse(`${day}T${end ? '23:59:59' : '00:00:00'}+08:00`)
  return Number.isNaN(t) ? undefined : Math.floor(t / 1000)
}

// The tag library as options (label: group / name) and a tag_id → name map.
export async function loadTags() {
  const lib = await api.get('/admin/tags')
  const groups = (lib.groups || []).map((g) => ({
    group_id: g.group_id,
    name: g.name || '',
    order: g.order,
    tags: (g.tags || []).map((t) => ({ tag_id: t.tag_id, name: t.name || '', order: t.order })),
  }))
  const names = new Map()
  for (const g of groups) for (const t of g.tags) names.set(t.tag_id, t.name)
  return { groups, names }
}

// Every item of a list the API pages on next_cursor, page after page, up to `most` items; onPage(count read)
// after each page (a progress line).
export async function readAll(path, params, { most = Infinity, onPage } = {}) {
  const all = []
  let cursor = ''
  do {
    const page = await api.get(path, { ...params, cursor })
    all.push(...(page.items || []))
    if (onPage) onPage(all.length)
    cursor = page.next_cursor || ''
  } while (cursor && all.length < most)
  return all
}

// Every employee (the API pages by userid).
export function loadEmployees() {
  return readAll('/admin/employees', { limit: 1000 })
}

export function employeeName(map, userid) {
  const e = map.get(userid)
  return e && e.name ? `${e.name}（${userid}）` : userid
}

export const STATUS_TEXT = {
  active: '正常',
  deleted_by_customer: '客户已删除员工',
  deleted_by_employee: '员工已删除客户',
  transferred: '已转接',
  gone: '已流失',
}
