// moments.js without a browser: how the 客户朋友圈 page counts a text and says why WeCom refused a task.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  attachmentSummary, charCount, departmentName, failureText, following, progressBarOption, remindedText, resultsAtText,
} from '../src/moments.js'

test('a text is counted in characters as the API counts them (an emoji is one)', () => {
  assert.equal(charCount(''), 0)
  assert.equal(charCount('字'.repeat(2001)), 2001)
  assert.equal(charCount('秋季😀'), 3)
})

test('a failure is said in words: ours (job_expired), a known code, or WeCom\'s own message', () => {
  assert.equal(failureText({ error: null, reason: 'job_expired' }), '企业微信的创建任务 24 小时内未完成，已失效')
  assert.equal(failureText({ error: 60011, reason: 'add_moment_task: no privilege' }),
    '员工或部门不在应用的可见范围内；企业微信返回：add_moment_task: no privilege')
  assert.equal(failureText({ error: 12345, reason: 'x: y' }), '企业微信返回：x: y')
  assert.equal(failureText({ error: 12345, reason: '' }), '企业微信拒绝了此任务')
})

test('what a task carries, in a few words', () => {
  assert.equal(attachmentSummary({ images: ['a', 'b'] }), '2 张图片')
  assert.equal(attachmentSummary({ video: 'v' }), '1 个视频')
  assert.equal(attachmentSummary({ link: { title: '活动' } }), '链接：活动')
  assert.equal(attachmentSummary({ text: 'hi' }), '仅文字')
})

test('a task is read again while WeCom may move it on, not while it waits for its schedule', () => {
  assert.equal(following({ state: 'job', spec: {} }, 100), true)
  assert.equal(following({ state: 'new', spec: {} }, 100), true)
  assert.equal(following({ state: 'new', spec: { schedule_at: 200 } }, 100), false)
  assert.equal(following({ state: 'new', spec: { schedule_at: 50 } }, 100), true)
  assert.equal(following({ state: 'created', spec: {} }, 100), false)
})

test('完成情况 in words: the reminder, when the results were read, a department without a name', () => {
  assert.equal(remindedText(''), '—')
  assert.equal(remindedText('sent'), '已提醒')
  assert.equal(remindedText('failed'), '提醒失败')
  assert.equal(resultsAtText(0), '结果尚未读取（每 10 分钟读取一次）')
  assert.match(resultsAtText(1000, 1030), /^结果读取于 .+（刚刚）$/)
  assert.match(resultsAtText(1000, 1000 + 5 * 60), /（5 分钟前）$/)
  assert.match(resultsAtText(1000, 1000 + 3 * 3600), /（3 小时前）$/)
  assert.match(resultsAtText(1000, 1000 + 2 * 86400), /（2 天前）$/)
  assert.equal(departmentName({ department: 7, name: '' }), '部门 7')
  assert.equal(departmentName({ department: 7, name: '南京西路店' }), '南京西路店')
  assert.equal(departmentName({ department: 0, name: '' }), '未分配部门')
})

test('the chart: the 20 departments with the most members, horizontal, rates in percent', () => {
  const departments = Array.from({ length: 25 }, (_, i) => ({ department: i + 1, name: i ? `店${i + 1}` : '', members: i + 1, posted: 1, rate: 1 / (i + 1) }))
  const o = progressBarOption(departments)
  assert.equal(o.yAxis.type, 'category')
  assert.equal(o.xAxis.type, 'value')
  assert.equal(o.yAxis.data.length, 20)
  assert.equal(o.yAxis.data.at(-1), '店25') // the most members at the top
  assert.ok(!o.yAxis.data.includes('部门 1')) // one member: not among the 20
  assert.equal(o.series[0].data.at(-1), 4)
  assert.deepEqual(progressBarOption([{ department: 3, name: '', members: 2, posted: 1, rate: 0.5 }]).yAxis.data, ['部门 3'])
  assert.deepEqual(progressBarOption(undefined).series[0].data, [])
})
