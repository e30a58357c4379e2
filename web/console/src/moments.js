// 客户朋友圈 (moment tasks, issue 20): the words the page and its drawer show for a task's state and for
// WeCom's refusals.
import { fmtTime } from './util.js'

export const MOMENT_STATE_TEXT = {
  new: '待创建',
  calling: '创建中',
  job: '企业微信处理中',
  created: '已创建',
  failed: '失败',
  cancelled: '已取消',
}

export const MOMENT_STATE_TAG = {
  new: 'warning', calling: 'warning', job: 'warning', created: 'success', failed: 'danger', cancelled: 'info',
}

// States a read (GET /admin/moments/{id}) may still move on: WeCom's job is asked then.
export const OPEN_STATES = ['new', 'calling', 'job']

// Worth reading again soon: open, and not a task scheduled later (the every-minute job makes that one when due).
export function following(task, nowSeconds = Date.now() / 1000) {
  if (!task || !OPEN_STATES.includes(task.state)) return false
  const at = Number((task.spec || {}).schedule_at || 0)
  return !(task.state === 'new' && at > nowSeconds)
}

export const TEXT_MAX = 2000
export const IMAGES_MAX = 9

// WeCom's codes a moment task meets most, in words (any other: its code and WeCom's own message).
const CODE_TEXT = {
  40058: '参数不合法（例如视频超过 30 秒、图片格式不对）',
  40068: '标签不存在或已删除',
  48002: '应用没有调用此接口的权限',
  60011: '员工或部门不在应用的可见范围内',
  84074: '应用没有客户联系权限',
  81013: '所有执行员工都无效',
  '-1': '企业微信系统繁忙',
}

// Why a failed task failed, in words: job_expired is ours (WeCom's job answered no moment within 24 hours).
export function failureText(task) {
  if (!task) return ''
  if (task.reason === 'job_expired') return '企业微信的创建任务 24 小时内未完成，已失效'
  const known = task.error !== null && task.error !== undefined ? CODE_TEXT[String(task.error)] : ''
  const parts = []
  if (known) parts.push(known)
  if (task.reason) parts.push(`企业微信返回：${task.reason}`)
  return parts.join('；') || '企业微信拒绝了此任务'
}

// Characters as the API counts them (code points, not UTF-16 units: an emoji is one).
export function charCount(text) {
  return [...(text || '')].length
}

// What the task carries, in words: "2 张图片", "1 个视频", "链接：标题".
export function attachmentSummary(spec) {
  const s = spec || {}
  if ((s.images || []).length) return `${s.images.length} 张图片`
  if (s.video) return '1 个视频'
  if (s.link) return `链接：${s.link.title || ''}`
  return '仅文字'
}

// 完成情况 (GET /admin/moments/{id}/progress): a member's reminder state in words ('' → —).
export function remindedText(state) {
  if (!state) return '—'
  if (state === 'failed') return '提醒失败'
  return '已提醒'
}

// When WeCom's results were last read, in words: "2026/12/05 17:30（3 分钟前）", or not yet.
export function resultsAtText(at, nowSeconds = Date.now() / 1000) {
  if (!at) return '结果尚未读取（每 10 分钟读取一次）'
  const ago = Math.max(0, Math.floor((nowSeconds - Number(at)) / 60))
  let words = '刚刚'
  if (ago >= 1440) words = `${Math.floor(ago / 1440)} 天前`
  else if (ago >= 60) words = `${Math.floor(ago / 60)} 小时前`
  else if (ago >= 1) words = `${ago} 分钟前`
  return `结果读取于 ${fmtTime(at)}（${words}）`
}

// A department's name for the chart and tables: its name, or 部门 {id} (0: members without one).
export function departmentName(d) {
  if (d.name) return d.name
  return d.department ? `部门 ${d.department}` : '未分配部门'
}

export const PROGRESS_TOP = 20

// The chart: completion rate (%) per department, the PROGRESS_TOP with the most members, as horizontal bars
// (the largest at the top). Names people typed go to the canvas only (no HTML).
export function progressBarOption(departments) {
  const top = [...(departments || [])].sort((a, b) => b.members - a.members || a.department - b.department)
    .slice(0, PROGRESS_TOP).reverse()
  const names = top.map(departmentName)
  return {
    aria: {
      enabled: true,
      label: {
        data: {
          maxCount: Math.max(top.length, 10), excludeDimensionId: [0], allData: '其数据是——', partialData: '其中，前{displayCnt}项是——',
          withName: '{name}的数据是{value}', withoutName: '{value}', separator: { middle: '，', end: '' },
        },
      },
    },
    grid: { left: 8, right: 48, top: 8, bottom: 24, containLabel: true },
    xAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
    yAxis: { type: 'category', data: names, axisLabel: { width: 120, overflow: 'truncate' } },
    tooltip: { trigger: 'axis', valueFormatter: (v) => `${v}%` },
    series: [{
      name: '完成率', type: 'bar', barMaxWidth: 24,
      data: top.map((d) => Math.round((Number(d.rate) || 0) * 1000) / 10),
      label: { show: true, position: 'right', formatter: '{c}%' },
    }],
  }
}
