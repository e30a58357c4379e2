// "A customer who already follows an assistant is shown that assistant again": the page remembers, in this
// browser's own storage (first-party localStorage of our origin, no cookie sent anywhere), which store's QR it
// showed, and asks for that store first next time (`prefer`); the API answers it again while the store still
// serves (its contact way exists) and is open, else the nearest. Knowing who the customer really is would need
// WeChat's OAuth, which this page does not ask for. Storage refused (private mode): the page works without.
const KEY = 'scrm.landing.store'
const MAX_AGE_MS = 180 * 24 * 3600 * 1000

export function remembered(corp) {
  try {
    const saved = JSON.parse(window.localStorage.getItem(KEY) || 'null')
    if (saved && saved.corp === corp && typeof saved.store_id === 'string' && Date.now() - saved.at < MAX_AGE_MS) {
      return saved.store_id
    }
  } catch {
    // unreadable: as if nothing was saved
  }
  return ''
}

export function remember(corp, storeId) {
  try {
    window.localStorage.setItem(KEY, JSON.stringify({ corp, store_id: storeId, at: Date.now() }))
  } catch {
    // storage refused: nothing to remember
  }
}
