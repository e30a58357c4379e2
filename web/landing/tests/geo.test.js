import { test } from 'node:test'
import assert from 'node:assert/strict'
import { distanceText } from '../src/geo.js'

test('distances read in metres, then kilometres', () => {
  assert.equal(distanceText(850), '850 米')
  assert.equal(distanceText(5000), '5.0 公里')
  assert.equal(distanceText(null), '')
})
