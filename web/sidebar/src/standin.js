// The WeCom client stand-in (docs/sandbox.md): inside WeCom's client the page finds window.WeixinJSBridge,
// which @wecom/jssdk talks to. On the local stack (make dev, make demo, the browser tests) there is no client:
// config.json names the WeCom sandbox's script (client_script, served on this origin under /sandbox-client/),
// which plays the client — it defines WeixinJSBridge and has the sandbox check the page's signatures. A
// deployment's config.json names none, so a page outside WeCom never gets a pretend client.
//
// Loaded as a <script src> on this origin (script-src 'self': no inline script), before the jssdk is
// evaluated (main.js imports the app after this resolves), because the jssdk reads navigator.userAgent once.
export function loadClientStandIn(src, doc = globalThis.document) {
  if (!src || !doc || globalThis.WeixinJSBridge) return Promise.resolve(false)
  return new Promise((resolve, reject) => {
    const script = doc.createElement('script')
    script.src = src
    script.async = false
    script.addEventListener('load', () => resolve(true))
    script.addEventListener('error', () => reject(new Error(`无法加载企业微信客户端替身脚本 ${src}`)))
    doc.head.appendChild(script)
  })
}
