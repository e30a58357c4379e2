// Message attachments in WeCom's shape (send_welcome_msg and add_msg_template take the same one: layers/scrm/
// welcome/message.py REQUIRED): what the console lets a person type, and what it sends. Attachments it has no
// form for (video, file: a media_id from an upload) are kept as they are and shown read-only.
export const ATTACH = { link: '链接', image: '图片', miniprogram: '小程序' }
export const MAX_ATTACHMENTS = 9

const FIELDS = {
  link: ['title', 'url', 'desc', 'picurl'],
  image: ['pic_url', 'media_id'],
  miniprogram: ['title', 'appid', 'page', 'pic_media_id'],
}

export function blankAttachment(kind) {
  return { msgtype: kind, [kind]: Object.fromEntries(FIELDS[kind].map((f) => [f, ''])) }
}

export function editable(kind) {
  return Object.hasOwn(FIELDS, kind)
}

// A stored list as the editor's rows: every field of a known kind present (as ''), others copied as they are.
export function toRows(list) {
  return (list || []).map((a) => {
    const body = { ...(a[a.msgtype] || {}) }
    if (editable(a.msgtype)) for (const f of FIELDS[a.msgtype]) body[f] = body[f] == null ? '' : String(body[f])
    return { msgtype: a.msgtype, [a.msgtype]: body }
  })
}

// The rows as the API takes them: only filled fields (an empty optional one would reach WeCom as is).
export function fromRows(rows) {
  return (rows || []).map((a) => {
    const body = Object.fromEntries(
      Object.entries(a[a.msgtype] || {}).map(([k, v]) => [k, typeof v === 'string' ? v.trim() : v]).filter(([, v]) => v !== '' && v != null),
    )
    return { msgtype: a.msgtype, [a.msgtype]: body }
  })
}

// One line saying what an attachment is (a send's detail; the preview of a kind it cannot draw).
export function attachmentText(a) {
  const kind = a && a.msgtype
  const body = (a && a[kind]) || {}
  if (kind === 'link') return `链接：${body.title || ''}（${body.url || ''}）`
  if (kind === 'image') return `图片：${body.pic_url || body.media_id || ''}`
  if (kind === 'miniprogram') return `小程序：${body.title || ''}（${body.appid || ''}）`
  if (kind === 'video') return `视频：${body.media_id || ''}`
  if (kind === 'file') return `文件：${body.media_id || ''}`
  return `${kind || '附件'}`
}
