// 好友裂变 (fission campaigns, issue 21): what the page says after a coupon upload (POST …/coupons).
// Inviters who reached the threshold while the pool was empty get their code from the upload itself
// (`served`); those it did not reach (`waiting`) get theirs from the minute job while codes last.

export function codesResultText(r) {
  let text = `新增 ${r.added} 个，重复 ${r.duplicates} 个；券码池可用 ${r.pool.free}，已发 ${r.pool.used}`
  if (r.served) text += `；已为 ${r.served} 位等券的客户补发券码`
  if (r.waiting) {
    text += r.pool.free
      ? `；还有 ${r.waiting} 位等券的客户，一分钟内自动补发`
      : `；还有 ${r.waiting} 位等券的客户，请再上传券码`
  }
  return text
}
