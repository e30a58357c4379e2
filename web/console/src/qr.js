// The QR image of a channel code. add_contact_way answers a URL on WeCom's picture host
// (https://wework.qpic.cn/wwpic/…), which the CSP (img-src 'self' data: blob:) does not let the page load:
// the console asks for the same path on its own origin instead, where the server passes it on (CloudFront:
// a /wwpic/* behaviour with wework.qpic.cn as its origin; locally devstack/console_server.py). Nothing from
// another origin is ever loaded.
export const PICTURE_HOST = 'wework.qpic.cn'

export function qrSrc(qrCode) {
  try {
    const url = new URL(qrCode)
    if (url.protocol === 'https:' && url.hostname === PICTURE_HOST && url.pathname.startsWith('/wwpic/')) return url.pathname
  } catch {
    // not a URL: no image
  }
  return ''
}

// Saves the picture as a PNG (whatever format the host sent): drawn on a canvas, same-origin so not tainted.
export async function downloadPng(src, filename) {
  const resp = await fetch(src, { credentials: 'same-origin' })
  if (!resp.ok) throw new Error(`HTTP ${resp.status}`)
  const bitmap = await createImageBitmap(await resp.blob())
  const canvas = document.createElement('canvas')
  canvas.width = bitmap.width
  canvas.height = bitmap.height
  canvas.getContext('2d').drawImage(bitmap, 0, 0)
  const png = await new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('toBlob'))), 'image/png'))
  const href = URL.createObjectURL(png)
  const a = document.createElement('a')
  a.href = href
  a.download = filename.endsWith('.png') ? filename : `${filename}.png`
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(href), 1000)
}
