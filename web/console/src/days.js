// China days (YYYY-MM-DD, Asia/Shanghai) for date ranges: the statistics API counts by China day whatever the
// browser's own time zone is.
const DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' })

export function chinaToday(now = new Date()) {
  return DAY.format(now)
}

// The China day n days before `day` (n may be negative).
export function daysBefore(day, n) {
  return new Date(Date.parse(`${day}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10)
}

// Every China day from `from` to `to` (inclusive; at most 400, the API's ranges are shorter).
export function everyDay(from, to) {
  const days = []
  for (let d = from; d && d <= to && days.length < 400; d = daysBefore(d, -1)) days.push(d)
  return days
}

// The last n China days up to today, as {from, to}.
export function lastDays(n, today = chinaToday()) {
  return { from: daysBefore(today, n - 1), to: today }
}

// Retention (0..1 or null) as a percentage for tables and CSV.
export function percent(v) {
  return typeof v === 'number' ? `${(v * 100).toFixed(1)}%` : '—'
}
