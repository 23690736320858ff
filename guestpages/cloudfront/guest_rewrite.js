// CloudFront Function (runtime cloudfront-js-2.0), event type: viewer request.
// Guests open https://<brand domain>/g/<slug>; the page lives at /<slug>.html
// in the brand's bucket. Anything else under /g/ is answered 404 here so it
// never reaches the bucket. Paths outside /g/ pass unchanged; the query
// string travels separately in event.request.querystring and is kept.
// Keep in step with guestpages/rewrite.py (same cases: rewrite_cases.json).
var PREFIX = '/g/';
var SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
var SLUG_MAX_LENGTH = 100;

function notFound() {
  return {
    statusCode: 404,
    statusDescription: 'Not Found',
    headers: {
      'content-type': { value: 'text/plain; charset=utf-8' },
      'cache-control': { value: 'max-age=60' }
    },
    body: 'Not found'
  };
}

function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.indexOf(PREFIX) !== 0) {
    return request;
  }
  var rest = uri.substring(PREFIX.length);
  if (rest.length > 5 && rest.substring(rest.length - 5) === '.html') {
    rest = rest.substring(0, rest.length - 5);
  }
  if (rest.length === 0 || rest.length > SLUG_MAX_LENGTH || !SLUG.test(rest)) {
    return notFound();
  }
  request.uri = '/' + rest + '.html';
  return request;
}
