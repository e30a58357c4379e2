// The browser's location, as a promise that always settles: {coords} or {failure} in words. The page never
// waits forever (timeout), and a refusal is told apart from an unavailable position.
export function locate(timeoutMs = 10000) {
  return new Promise((resolve) => {
    if (!('geolocation' in navigator)) {
      resolve({ failure: 'unsupported' })
      return
    }
    navigator.geolocation.getCurrentPosition(
      (pos) => resolve({ coords: { lat: pos.coords.latitude, lng: pos.coords.longitude } }),
      (err) => resolve({ failure: err.code === 1 ? 'denied' : err.code === 3 ? 'timeout' : 'unavailable' }),
      { enableHighAccuracy: false, timeout: timeoutMs, maximumAge: 300000 },
    )
  })
}

export const FAILURE_TEXT = {
  unsupported: '此浏览器无法获取位置，请在下方选择城市和门店。',
  denied: '您未允许获取位置，请在下方选择城市和门店。',
  timeout: '获取位置超时，请在下方选择城市和门店。',
  unavailable: '暂时无法获取您的位置，请在下方选择城市和门店。',
}

export function distanceText(m) {
  if (m === null || m === undefined) return ''
  return m < 1000 ? `${m} 米` : `${(m / 1000).toFixed(1)} 公里`
}
