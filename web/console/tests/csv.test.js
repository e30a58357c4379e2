// csv.js and charts.js without a browser: the CSV the 统计 and 渠道活码 pages download (BOM, CRLF, quoting,
// cells a spreadsheet would run as formulas) and the shared line chart option.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { csvCell, toCsv } from '../src/csv.js'
import { dayLineOption } from '../src/charts.js'
import { daysBefore, everyDay, lastDays, percent } from '../src/days.js'

test('a table as CSV: BOM, header, CRLF, keys and functions as columns', () => {
  const text = toCsv([['日期', 'day'], ['新增', 'adds'], ['留存', (r) => percent(r.r)]], [{ day: '2026-12-05', adds: 3, r: 0.5 }, { day: '2026-12-06', r: null }])
  assert.equal(text, '\ufeff日期,新增,留存\r\n2026-12-05,3,50.0%\r\n2026-12-06,,—\r\n')
})

test('cells that start a formula get a quote; numbers (negative too) stay numbers; quotes and commas are quoted', () => {
  for (const bad of ['=HYPERLINK("x")', '+1', '-cmd', '@SUM(A1)', '\tx', '\rx']) assert.ok(csvCell(bad).replace(/^"/, '').startsWith("'"), bad)
  assert.equal(csvCell(-2), '-2')
  assert.equal(csvCell('=1+1'), "'=1+1")
  assert.equal(csvCell('a,b'), '"a,b"')
  assert.equal(csvCell('say "hi"'), '"say ""hi"""')
  assert.equal(csvCell('=a,"b"'), '"\'=a,""b"""')
  assert.equal(csvCell('张三'), '张三')
})

test('China days and the shared day line option', () => {
  assert.equal(daysBefore('2026-03-01', 1), '2026-02-28')
  assert.deepEqual(lastDays(7, '2026-12-05'), { from: '2026-11-29', to: '2026-12-05' })
  const o = dayLineOption(['2026-12-04', '2026-12-05'], [['新增', [1]], ['流失', undefined]])
  assert.deepEqual(o.xAxis.data, ['12-04', '12-05'])
  assert.deepEqual(o.series.map((s) => s.data), [[1, 0], [0, 0]])
  assert.equal(o.aria.enabled, true)
})

test('every China day of a range', () => {
  assert.deepEqual(everyDay('2026-02-27', '2026-03-01'), ['2026-02-27', '2026-02-28', '2026-03-01'])
  assert.deepEqual(everyDay('2026-03-02', '2026-03-01'), [])
})
