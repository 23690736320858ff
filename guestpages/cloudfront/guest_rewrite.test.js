// Runs the deployed CloudFront Function file unchanged, in a fresh V8 context, against
// rewrite_cases.json (the same table tests/guestpages/test_rewrite.py checks the Python
// mirror with). Run: node --test guestpages/cloudfront/
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const SOURCE = fs.readFileSync(path.join(__dirname, 'guest_rewrite.js'), 'utf8');
const TABLE = JSON.parse(fs.readFileSync(path.join(__dirname, 'rewrite_cases.json'), 'utf8'));

function loadHandler() {
  // No require/module/console in the sandbox: the edge runtime has none of them either.
  const context = vm.createContext({});
  vm.runInContext(SOURCE, context, { filename: 'guest_rewrite.js' });
  assert.equal(typeof context.handler, 'function', 'guest_rewrite.js must define handler(event)');
  return context.handler;
}

function viewerRequest(uri, querystring) {
  return {
    version: '1.0',
    context: { eventType: 'viewer-request', distributionId: 'EDFDVBD6EXAMPLE' },
    viewer: { ip: '198.51.100.7' },
    request: {
      method: 'GET',
      uri: uri,
      querystring: querystring || {},
      headers: { host: { value: 'queenofsandiego.com' } },
      cookies: {},
    },
  };
}

test('the deployed file is a plain script (no module syntax the edge would reject)', () => {
  assert.doesNotMatch(SOURCE, /\b(require\s*\(|module\.exports|exports\.|^\s*export\s|^\s*import\s)/m);
  assert.match(SOURCE, /function handler\(event\)/);
});

test('the table covers both outcomes', () => {
  assert.ok(TABLE.cases.length >= 30);
  assert.ok(TABLE.cases.some((c) => c.expect === 404));
  assert.ok(TABLE.cases.some((c) => typeof c.expect === 'string'));
});

for (const c of TABLE.cases) {
  test(`${c.name}: ${JSON.stringify(c.uri)} -> ${c.expect}`, () => {
    const handler = loadHandler();
    const querystring = c.querystring ? JSON.parse(JSON.stringify(c.querystring)) : {};
    const event = viewerRequest(c.uri, querystring);
    const result = handler(event);
    if (c.expect === 404) {
      assert.equal(result.statusCode, 404);
      assert.equal(result.statusDescription, 'Not Found');
      assert.equal(result.uri, undefined, 'a response, not a request sent on to the bucket');
    } else {
      assert.equal(result.statusCode, undefined, 'a request sent on to the origin, not a response');
      assert.equal(result.uri, c.expect);
      assert.deepEqual(result.querystring, c.querystring || {}, 'query string untouched');
      assert.deepEqual(result.headers, { host: { value: 'queenofsandiego.com' } });
      assert.equal(result.method, 'GET');
    }
  });
}
