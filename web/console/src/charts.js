// Chart options the pages share: one line chart over China days (DashboardPage, StatsPage, 渠道活码's
// statistics), so every chart has the same legend, grid, axes and whole-number ticks.

const num = (v) => (typeof v === 'number' ? v : 0)

// ECharts' Chinese aria wording (it merges only the top level of label, so data is given whole), every point
// listed and the category's index left out of each value: "…表示新增的折线图，其数据是——12-01的数据是3，…".
const ariaOf = (points) => ({
  enabled: true,
  label: {
    data: {
      maxCount: Math.max(points, 10), excludeDimensionId: [0], allData: '其数据是——', partialData: '其中，前{displayCnt}项是——',
      withName: '{name}的数据是{value}', withoutName: '{value}', separator: { middle: '，', end: '' },
    },
  },
})

// days: ['YYYY-MM-DD', …] (shown as MM-DD); lines: [[legend name, values per day], …] (missing → 0). The
// chart's aria-label lists every point (screen readers; the browser tests read the figures there).
export function dayLineOption(days, lines) {
  return {
    aria: ariaOf(days.length),
    legend: { data: lines.map(([name]) => name), top: 0 },
    grid: { left: 40, right: 16, top: 40, bottom: 30 },
    xAxis: { type: 'category', data: days.map((d) => String(d).slice(5)) },
    yAxis: { type: 'value', minInterval: 1 },
    series: lines.map(([name, values]) => ({ name, type: 'line', data: days.map((_, i) => num((values || [])[i])) })),
  }
}

// The same from a report's items ([{day, key: n, …}]): lines are [[legend name, key], …].
export function itemsLineOption(items, lines) {
  return dayLineOption(items.map((it) => it.day), lines.map(([name, key]) => [name, items.map((it) => it[key])]))
}

// One bar per category (客户阶段: customers at each stage, in the stages' order); the aria-label lists every bar.
export function barOption(names, values, seriesName) {
  return {
    aria: ariaOf(names.length),
    grid: { left: 40, right: 16, top: 24, bottom: 30 },
    xAxis: { type: 'category', data: names, axisLabel: { interval: 0 } },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ name: seriesName, type: 'bar', data: values.map(num), barMaxWidth: 48, label: { show: true, position: 'top' } }],
  }
}
