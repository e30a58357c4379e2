// moments.js without a browser: how the 客户朋友圈 page counts a text and says why WeCom refused a task.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { attachmentSummary, charCount, failureText, following } from '../src/moments.js'

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
