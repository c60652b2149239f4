// The official Elasticsearch Node.js client against a secured ironstack node over HTTPS:
// single documents, the bulk helper, searches, counts and aggregations, an index template
// with a data stream, and Elasticsearch's errors.
// Usage: node documents.js CA PORT PASSWORD; prints "ok" when every check holds.
'use strict';
const fs = require('fs');
const assert = require('assert/strict');
const { Client, errors } = require('@elastic/elasticsearch');

async function main() {
  const [ca, port, password] = process.argv.slice(2);
  const client = new Client({
    node: `https://localhost:${port}`,
    auth: { username: 'elastic', password },
    tls: { ca: fs.readFileSync(ca) },
  });

  const info = await client.info();
  assert.match(info.version.number, /^9\./);

  let r = await client.index({ index: 'films', id: '1', document: { title: 'Stalker', year: 1979, tags: ['sf'] } });
  assert.equal(r.result, 'created');
  assert.equal(r._version, 1);
  r = await client.index({ index: 'films', document: { title: 'Solaris', year: 1972 } });
  const autoId = r._id;
  assert.equal(autoId.length, 20);
  const g = await client.get({ index: 'films', id: '1' });
  assert.equal(g.found, true);
  assert.equal(g._source.title, 'Stalker');
  assert.equal(await client.exists({ index: 'films', id: '1' }), true);
  assert.equal(await client.exists({ index: 'films', id: 'nope' }), false);

  await assert.rejects(
    client.create({ index: 'films', id: '1', document: { title: 'again' } }),
    (e) => e instanceof errors.ResponseError && e.statusCode === 409
      && e.body.error.type === 'version_conflict_engine_exception',
  );
  const u = await client.update({ index: 'films', id: '1', doc: { year: 1980 }, _source: true });
  assert.equal(u.result, 'updated');
  assert.equal(u.get._source.year, 1980);

  const result = await client.helpers.bulk({
    datasource: Array.from({ length: 400 }, (_, i) => ({ id: `b${i}`, title: `Film ${i}`, year: 1900 + (i % 100) })),
    onDocument: (doc) => ({ index: { _index: 'films', _id: doc.id } }),
    flushBytes: 8000,
    refreshOnCompletion: 'films',
  });
  assert.equal(result.total, 400);
  assert.equal(result.successful, 400);
  assert.equal(result.failed, 0);

  let s = await client.search({ index: 'films', query: { range: { year: { gte: 1990 } } }, size: 3, sort: [{ year: 'desc' }] });
  assert.equal(s.hits.total.value, 40);
  assert.equal(s.hits.hits[0]._source.year, 1999);
  s = await client.search({ index: 'fi*', q: 'title:stalker' });
  assert.equal(s.hits.hits[0]._id, '1');
  assert.equal((await client.count({ index: 'films' })).count, 402);
  const d = await client.delete({ index: 'films', id: autoId, refresh: true });
  assert.equal(d.result, 'deleted');
  assert.equal((await client.count({ index: 'films' })).count, 401);

  // Aggregations.
  const a = await client.search({
    index: 'films',
    size: 0,
    aggs: {
      decades: { histogram: { field: 'year', interval: 10 }, aggs: { latest: { max: { field: 'year' } } } },
      years: { stats: { field: 'year' } },
    },
  });
  const decades = a.aggregations.decades.buckets;
  assert.equal(decades.length, 10);
  assert.equal(decades[0].key, 1900);
  assert.equal(decades[0].doc_count, 40);
  assert.equal(decades[9].latest.value, 1999);
  assert.equal(a.aggregations.years.count, 401);

  // An index template with a data stream, written by the bulk helper.
  await client.indices.putIndexTemplate({
    name: 'metrics-tpl',
    index_patterns: ['metrics-node-*'],
    data_stream: {},
    priority: 200,
    template: { mappings: { properties: { host: { properties: { name: { type: 'keyword' } } }, cpu: { type: 'float' } } } },
  });
  const t = await client.indices.getIndexTemplate({ name: 'metrics-tpl' });
  assert.equal(t.index_templates[0].name, 'metrics-tpl');
  const written = await client.helpers.bulk({
    datasource: Array.from({ length: 30 }, (_, i) => ({
      '@timestamp': new Date(Date.UTC(2026, 11, 7, 0, i)).toISOString(),
      host: { name: `web-${i % 3}` },
      cpu: i / 100,
    })),
    onDocument: () => ({ create: { _index: 'metrics-node-default' } }),
    refreshOnCompletion: 'metrics-node-default',
  });
  assert.equal(written.successful, 30);
  const ds = await client.indices.getDataStream({ name: 'metrics-node-default' });
  assert.equal(ds.data_streams.length, 1);
  assert.match(ds.data_streams[0].indices[0].index_name, /^\.ds-metrics-node-default-/);
  const hosts = await client.search({
    index: 'metrics-node-default',
    size: 0,
    aggs: { hosts: { terms: { field: 'host.name' }, aggs: { cpu: { avg: { field: 'cpu' } } } } },
  });
  assert.deepEqual(hosts.aggregations.hosts.buckets.map((b) => [b.key, b.doc_count]), [['web-0', 10], ['web-1', 10], ['web-2', 10]]);
  await assert.rejects(
    client.index({ index: 'metrics-node-default', id: 'x', document: { '@timestamp': '2026-12-07T00:00:00Z' } }),
    (e) => e.statusCode === 400,
  );

  await assert.rejects(
    client.search({ index: 'films', query: { nope: {} } }),
    (e) => e.statusCode === 400 && e.body.error.type === 'parsing_exception',
  );
  await assert.rejects(
    client.get({ index: 'missing', id: '1' }),
    (e) => e.statusCode === 404 && e.body.error.type === 'index_not_found_exception',
  );
  const bad = new Client({
    node: `https://localhost:${port}`,
    auth: { username: 'elastic', password: 'wrong-password' },
    tls: { ca: fs.readFileSync(ca) },
  });
  await assert.rejects(bad.info(), (e) => e.statusCode === 401);
  await bad.close();
  await client.close();
  console.log('ok');
}

main().catch((e) => {
  console.error(e && e.meta && e.meta.body ? JSON.stringify(e.meta.body) : e);
  process.exit(1);
});
