// CloudFront Function (runtime cloudfront-js-2.0), viewer request, on the distribution's default
// behaviour only: the S3 origin that holds the console under console/ and the employee sidebar (issue 19)
// under sidebar/. /admin/* has its own behaviour and never runs this, so an API answer is never rewritten.
//   /  and  /console        -> 302 to /console/;  /sidebar -> 302 to /sidebar/
//   /console/<path>         -> as is when the last segment names a file (has a dot): an asset, config.json;
//                              otherwise a route of the single-page app: /console/index.html
//   /sidebar/<path>         -> the same with /sidebar/index.html
//   /landing/<file>         -> as is (the customers' landing pages, issue 21: one HTML file per page, e.g.
//                              /landing/store.html); a path without a file name is a 404
//   /WW_verify_<id>.txt     -> /console/WW_verify_<id>.txt: the file WeCom fetches from the domain's root to
//                              check a trusted domain (make deploy WECOM_VERIFY_FILE=... uploads it)
//   anything else           -> 404 (the bucket holds nothing outside console/, sidebar/ and landing/)
// infra/console.py puts this file into the template; tests/infra/console_spa.test.mjs runs it in Node.
var APPS = ['/console/', '/sidebar/'];

function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri === '/' || uri === '' || uri === '/console' || uri === '/sidebar') {
    return {
      statusCode: 302,
      statusDescription: 'Found',
      headers: { location: { value: uri === '/sidebar' ? '/sidebar/' : '/console/' },
        'cache-control': { value: 'no-cache' } },
    };
  }
  if (/^\/WW_verify_[A-Za-z0-9]{1,64}\.txt$/.test(uri)) {
    request.uri = '/console' + uri;
    return request;
  }
  if (uri.indexOf('/landing/') === 0) {
    var page = uri.substring(uri.lastIndexOf('/') + 1);
    if (page.indexOf('.') === -1) {
      return { statusCode: 404, statusDescription: 'Not Found', headers: { 'cache-control': { value: 'no-cache' } } };
    }
    return request;
  }
  var app = null;
  for (var i = 0; i < APPS.length; i++) {
    if (uri.indexOf(APPS[i]) === 0) {
      app = APPS[i];
    }
  }
  if (app === null) {
    return { statusCode: 404, statusDescription: 'Not Found', headers: { 'cache-control': { value: 'no-cache' } } };
  }
  var last = uri.substring(uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1) {
    request.uri = app + 'index.html';
  }
  return request;
}
