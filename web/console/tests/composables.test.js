// paging.js's useNewest and polling.js's usePolling without a browser (outside a component Vue only warns that
// onBeforeUnmount has no instance): 加载更多 up to the API's 200, a failure kept in words, and a job asked again
// while the step says so, with one timer at most.
import { test, mock } from 'node:test'
import assert from 'node:assert/strict'
import { useNewest } from '../src/paging.js'
import { usePolling } from '../src/polling.js'

const quiet = () => mock.method(console, 'warn', () => {})

test('useNewest: the newest `limit`, more until 200, the error kept', async () => {
  const asked = []
  const list = useNewest(async (n) => {
    asked.push(n)
    if (n === 60) throw new Error('网络错误')
    return { items: Array.from({ length: n }, (_, i) => ({ i })) }
  })
  assert.equal(list.loading.value, true)
  await list.load()
  assert.equal(list.rows.value.length, 20)
  assert.equal(list.canMore.value, true)
  await list.more()
  assert.equal(list.rows.value.length, 40)
  await list.more()
  assert.equal(list.error.value.message, '网络错误')
  assert.equal(list.rows.value.length, 40)
  assert.equal(list.loading.value, false)
  for (let k = 0; k < 10; k += 1) list.grow()
  assert.equal(list.limit.value, 200)
  await list.load()
  assert.equal(list.canMore.value, false)
  assert.deepEqual(asked, [20, 40, 60, 200])
})

test('usePolling: asked again while the step answers a delay, never two timers', async () => {
  const warn = quiet()
  mock.timers.enable({ apis: ['setTimeout'] })
  try {
    let left = 3
    let calls = 0
    const { poll, stop } = usePolling(async () => {
      calls += 1
      left -= 1
      return left > 0 ? 1000 : 0
    })
    await poll()
    assert.equal(calls, 1)
    await poll() // by hand: the cycle restarts, the first timer is gone
    assert.equal(calls, 2)
    mock.timers.tick(1000)
    await new Promise((r) => setImmediate(r))
    assert.equal(calls, 3) // one timer fired, not two; the step said 0: no more
    mock.timers.tick(5000)
    await new Promise((r) => setImmediate(r))
    assert.equal(calls, 3)
    left = 5
    await poll()
    stop()
    mock.timers.tick(5000)
    await new Promise((r) => setImmediate(r))
    assert.equal(calls, 4)
  } finally {
    mock.timers.reset()
    warn.mock.restore()
  }
})
