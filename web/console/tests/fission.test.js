// fission.js without a browser: what the 好友裂变 page says after a coupon upload.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { codesResultText } from '../src/fission.js'

const pool = (free, used) => ({ free, used })

test('an upload with nobody waiting says what was added and the pool', () => {
  assert.equal(codesResultText({ added: 3, duplicates: 0, pool: pool(3, 0), served: 0, waiting: 0 }),
    '新增 3 个，重复 0 个；券码池可用 3，已发 0')
})

test('inviters the upload served, and those still waiting, are said', () => {
  assert.equal(codesResultText({ added: 2, duplicates: 0, pool: pool(0, 3), served: 2, waiting: 1 }),
    '新增 2 个，重复 0 个；券码池可用 0，已发 3；已为 2 位等券的客户补发券码；还有 1 位等券的客户，请再上传券码')
  assert.equal(codesResultText({ added: 30, duplicates: 0, pool: pool(10, 21), served: 20, waiting: 10 }),
    '新增 30 个，重复 0 个；券码池可用 10，已发 21；已为 20 位等券的客户补发券码；还有 10 位等券的客户，一分钟内自动补发')
})
