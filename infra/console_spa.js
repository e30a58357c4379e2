// CloudFront Function (runtime cloudfront-js-2.0), viewer request, on the distribution's default
// behaviour only: the S3 origin that holds the console under console/. /admin/* has its own behaviour
// and never runs this, so an API answer is never rewritten.
//   /  and  /console        -> 302 to /console/
//   /console/<path>         -> as is when the last segment names a file (has a dot): an asset, config.json;
//                              otherwise a route of the single-page app: /console/index.html
//   /WW_verify_<id>.txt     -> /console/WW_verify_<id>.txt: the file WeCom fetches from the domain's root to
//                              check a trusted domain (make deploy WECOM_VERIFY_FILE=... uploads it)
//   anything else           -> 404 (the bucket holds nothing outside console/)
// infra/console.py puts this file into the template; tests/infra/console_spa.test.mjs runs it in Node.
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri === '/' || uri === '' || uri === '/console') {
    return {
      statusCode: 302,
      statusDescription: 'Found',
      headers: { location: { value: '/console/' }, 'cache-control': { value: 'no-cache' } },
    };
  }
  if (/^\/WW_verify_[A-Za-z0-9]{1,64}\.txt$/.test(uri)) {
    request.uri = '/console' + uri;
    return request;
  }
  if (uri.indexOf('/console/') !== 0) {
    return { statusCode: 404, statusDescription: 'Not Found', headers: { 'cache-control': { value: 'no-cache' } } };
  }
  var last = uri.substring(uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1) {
    request.uri = '/console/index.html';
  }
  return request;
}
