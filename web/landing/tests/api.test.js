import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ApiError } from '../src/api.js'

test('a 429 of the public routes says how long to wait, in Chinese only', () => {
  const body = { error: '访问过于频繁，请 37 秒后再试。Too many requests from this network (600 a minute); retry in 37 s.', retry_after_s: 37 }
  const exc = new ApiError(429, body)
  assert.equal(exc.message, '访问过于频繁，请 37 秒后再试')
  assert.equal(exc.retryAfter, 37)
  assert.equal(exc.detail, '')
})

test('a 429 without a wait, and other refusals, keep their words', () => {
  assert.equal(new ApiError(429, null).message, '访问过于频繁，请稍后再试')
  const bad = new ApiError(400, { error: 'lat: must be a number', field: 'lat' })
  assert.equal(bad.message, '请求有误（字段：lat）')
  assert.equal(bad.detail, 'lat: must be a number')
})
