// CSV built in the browser from what a page shows (its table's columns and rows) and saved through a Blob
// and an <a download>: UTF-8 with a BOM (Excel then reads the Chinese right), CRLF lines, and a text cell that
// starts with = + - @ (or a tab / CR) prefixed with ' so a spreadsheet shows it instead of running it as a
// formula (names come from customers and employees). Numbers stay numbers.

const FORMULA_STARTS = ['=', '+', '-', '@', '\t', '\r']

export function csvCell(value) {
  if (value === null || value === undefined) return ''
  let text = String(value)
  if (typeof value === 'string' && FORMULA_STARTS.some((c) => text.startsWith(c))) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

// columns: [[header, key or (row) => value], …].
export function toCsv(columns, rows) {
  const lines = [columns.map(([header]) => csvCell(header))]
  for (const row of rows) {
    lines.push(columns.map(([, get]) => csvCell(typeof get === 'function' ? get(row) : row[get])))
  }
  return `\ufeff${lines.map((l) => l.join(',')).join('\r\n')}\r\n`
}

export function downloadCsv(filename, columns, rows) {
  const blob = new Blob([toCsv(columns, rows)], { type: 'text/csv;charset=utf-8' })
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}
