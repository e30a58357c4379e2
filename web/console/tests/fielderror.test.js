// fielderror.js without a browser: which form item a refusal's field marks, in each of the three ways the
// pages ask (first part, exactly, or anything under it), and the words shown there.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { errorWords, fieldError, fieldExact, fieldUnder, formLevel } from '../src/fielderror.js'

const refusal = (field, detail = '') => ({ title: '内容有误', detail, field })

test('the words: title, then the detail when there is one', () => {
  assert.equal(errorWords(refusal('name', '不能为空')), '内容有误：不能为空')
  assert.equal(errorWords(refusal('name')), '内容有误')
})

test('fieldError: the field or its first part', () => {
  const e = refusal('welcome.attachments[0].link.url', '太长')
  assert.equal(fieldError(e, 'welcome'), '内容有误：太长')
  assert.equal(fieldError(e, 'name', 'welcome.attachments[0].link.url'), '内容有误：太长')
  assert.equal(fieldError(e, 'name'), '')
  assert.equal(fieldError(refusal('schedule[1].start'), 'schedule'), '内容有误')
  assert.equal(fieldError(null, 'name'), '')
  assert.equal(fieldError({ title: '没有权限' }, 'name'), '')
})

test('fieldExact: only the field itself', () => {
  assert.equal(fieldExact(refusal('steps'), 'steps'), '内容有误')
  assert.equal(fieldExact(refusal('steps[1].at'), 'steps'), '')
  assert.equal(fieldExact(refusal('content.text'), 'content', 'content.text'), '内容有误')
  assert.equal(fieldExact(null, 'steps'), '')
  assert.equal(fieldExact({ title: '没有权限' }, 'steps'), '')
})

test('fieldUnder: the field or any field under it, not a longer name that only starts the same', () => {
  const e = refusal('recipients.filter.tags_all[0]')
  assert.equal(fieldUnder(e, 'recipients.filter.tags_all'), '内容有误')
  assert.equal(fieldUnder(e, 'recipients.filter'), '内容有误')
  assert.equal(fieldUnder(e, 'recipients.filter.tags'), '')
  assert.equal(fieldUnder(refusal('targets.days_since_added.min'), 'targets.days_since_added'), '内容有误')
  assert.equal(fieldUnder(refusal('text'), 'text'), '内容有误')
  assert.equal(fieldUnder(null, 'text'), '')
})

test('formLevel: a refusal no form item shows is shown above the form', () => {
  assert.equal(formLevel(refusal('name'), ['name']), null)
  assert.equal(formLevel(refusal('welcome.text'), ['welcome']), null)
  const other = refusal('limit')
  assert.equal(formLevel(other, ['name']), other)
  const plain = { title: '没有权限' }
  assert.equal(formLevel(plain, ['name']), plain)
  assert.equal(formLevel(null, ['name']), null)
})
