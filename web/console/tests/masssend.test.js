// masssend.js without a browser: how the 群发 drawer names the customer or group of one outcome row.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { recipientName } from '../src/masssend.js'

test('an outcome row is named by its name, 未知 when the store lacks it, its id in an answer without names', () => {
  assert.equal(recipientName({ external_userid: 'wm1', name: '张三', known: true }, false), '张三')
  assert.equal(recipientName({ external_userid: 'wm1', name: '', known: false }, false), '未知客户')
  assert.equal(recipientName({ external_userid: 'wr1', name: '', known: false }, true), '未知客户群')
  assert.equal(recipientName({ external_userid: 'wm1', name: '', known: true }, false), '（未命名客户）')
  assert.equal(recipientName({ external_userid: 'wm1', outcome: 'sent' }, false), 'wm1')
})
