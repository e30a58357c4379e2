// 客户朋友圈 (moment tasks, issue 20): the words the page and its drawer show for a task's state and for
// WeCom's refusals.

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
