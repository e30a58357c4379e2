// A job followed while it runs (同步, 继承任务, 群发): `poll()` asks once at once, then again after the delay the
// step answers (in ms; 0 once the job has ended), until the page or drawer goes away. Asking again by hand
// (a click, an action) restarts the cycle, so there is never more than one timer.
import { onBeforeUnmount } from 'vue'

export function usePolling(step) {
  let timer = null
  let gone = false

  function stop() {
    clearTimeout(timer)
    timer = null
  }
  async function poll() {
    stop()
    const ms = await step()
    if (ms && !gone) {
      stop()
      timer = setTimeout(poll, ms)
    }
  }
  onBeforeUnmount(() => {
    gone = true // an answer still on its way sets no timer after this
    stop()
  })
  return { poll, stop }
}
