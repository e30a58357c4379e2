// The API's {"error", "field"} refusal shown next to the form item it is about: fieldError(err, 'remark')
// is the message for that item ('' for the others); a refusal without a field is shown above the form.
export function fieldError(error, ...names) {
  if (!error || !error.field) return ''
  const top = String(error.field).split(/[.[]/)[0]
  if (!names.includes(error.field) && !names.includes(top)) return ''
  return error.detail ? `${error.title}：${error.detail}` : error.title
}

export function formLevel(error, names) {
  if (!error) return null
  if (!error.field) return error
  const top = String(error.field).split(/[.[]/)[0]
  return names.includes(error.field) || names.includes(top) ? null : error
}
