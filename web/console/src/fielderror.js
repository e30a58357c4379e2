// The API's {"error", "field"} refusal shown next to the form item it is about: fieldError(err, 'remark')
// is the message for that item ('' for the others); a refusal without a field is shown above the form.
// The pages mark a field in one of three ways, each here once: the field or its first part (fieldError),
// the field exactly (fieldExact), the field or any field under it (fieldUnder).

// A refusal's words: its title, then its detail.
export function errorWords(error) {
  return error.detail ? `${error.title}：${error.detail}` : error.title
}

// The field itself or its first part: `welcome.text` marks the item of `welcome`.
export function fieldError(error, ...names) {
  if (!error || !error.field) return ''
  const top = String(error.field).split(/[.[]/)[0]
  if (!names.includes(error.field) && !names.includes(top)) return ''
  return errorWords(error)
}

// Only these fields exactly (`steps[1].at` does not mark `steps`).
export function fieldExact(error, ...names) {
  if (!error || !error.field) return ''
  return names.includes(String(error.field)) ? errorWords(error) : ''
}

// The field or any field under it: `targets.days_since_added.min` and `recipients.filter.tags_all[0]` mark the
// items of `targets.days_since_added` and `recipients.filter.tags_all`.
export function fieldUnder(error, ...names) {
  if (!error || !error.field) return ''
  const f = String(error.field)
  const hit = names.some((n) => f === n || f.startsWith(`${n}.`) || f.startsWith(`${n}[`))
  return hit ? errorWords(error) : ''
}

export function formLevel(error, names) {
  if (!error) return null
  if (!error.field) return error
  const top = String(error.field).split(/[.[]/)[0]
  return names.includes(error.field) || names.includes(top) ? null : error
}
