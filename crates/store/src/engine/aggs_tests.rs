//! Aggregations end to end through the engine: Elasticsearch's documentation examples on
//! its `sales` and `exams` datasets (the responses its docs tests assert), key and value
//! shapes per type, errors raised per index, and the reduction across indices.

use serde_json::{Value, json};

use super::*;
use crate::api::{Refresh, WriteCondition};
use crate::document::{DateValue, FieldValue, IndexedValue, ParsedDocument};
use crate::query::{SearchBody, parse_search};

/// Date paths with their parser.
pub(super) type DatePaths<'a> = &'a [(&'a str, fn(&str) -> i64)];

fn field(path: &str, value: IndexedValue) -> FieldValue {
    FieldValue {
        path: path.to_string(),
        value,
        indexed: true,
        doc_values: true,
    }
}

/// Types a flat document: strings are keywords (dates under `date_paths` with the given
/// millis), integers longs, other numbers doubles, booleans booleans; arrays give values.
fn typed(source: &Value, date_paths: DatePaths<'_>) -> ParsedDocument {
    let mut doc = ParsedDocument::default();
    fn walk(v: &Value, path: &str, dates: DatePaths<'_>, out: &mut Vec<FieldValue>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    walk(v, &p, dates, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, path, dates, out)),
            Value::String(s) => match dates.iter().find(|(p, _)| *p == path) {
                Some((_, parse)) => {
                    out.push(field(path, IndexedValue::Date(DateValue::Millis(parse(s)))))
                }
                None => out.push(field(path, IndexedValue::Keyword(s.clone()))),
            },
            Value::Number(n) => match n.as_i64() {
                Some(i) => out.push(field(path, IndexedValue::Long(i))),
                None => out.push(field(path, IndexedValue::Double(n.as_f64().unwrap_or(0.0)))),
            },
            Value::Bool(b) => out.push(field(path, IndexedValue::Boolean(*b))),
            Value::Null => {}
        }
    }
    walk(source, "", date_paths, &mut doc.fields);
    doc
}

/// `yyyy/MM/dd HH:mm:ss` in UTC.
fn slash_date(s: &str) -> i64 {
    let iso = format!("{}T{}Z", s[..10].replace('/', "-"), &s[11..]);
    ironstack_types::date::DateFormat::default()
        .parse(&iso, &ironstack_types::date::TimeZone::UTC, false)
        .map(ironstack_types::date::to_epoch_millis)
        .unwrap_or(0)
}

fn iso_date(s: &str) -> i64 {
    ironstack_types::date::DateFormat::default()
        .parse(s, &ironstack_types::date::TimeZone::UTC, false)
        .map(ironstack_types::date::to_epoch_millis)
        .unwrap_or(0)
}

/// The `sales` documents of Elasticsearch's docs tests.
fn sales() -> Vec<Value> {
    vec![
        json!({"date": "2015/01/01 00:00:00", "price": 200, "promoted": true, "rating": 1, "type": "hat"}),
        json!({"date": "2015/01/01 00:00:00", "price": 200, "promoted": true, "rating": 1, "type": "t-shirt"}),
        json!({"date": "2015/01/01 00:00:00", "price": 150, "promoted": true, "rating": 5, "type": "bag"}),
        json!({"date": "2015/02/01 00:00:00", "price": 50, "promoted": false, "rating": 1, "type": "hat"}),
        json!({"date": "2015/02/01 00:00:00", "price": 10, "promoted": true, "rating": 4, "type": "t-shirt"}),
        json!({"date": "2015/03/01 00:00:00", "price": 200, "promoted": true, "rating": 1, "type": "hat"}),
        json!({"date": "2015/03/01 00:00:00", "price": 175, "promoted": false, "rating": 2, "type": "t-shirt"}),
    ]
}

pub(super) struct Fixture {
    _dir: tempfile::TempDir,
    pub(super) engine: Engine,
    pub(super) types: FieldTypeMap,
}

/// An engine holding `docs` in `index`, one refresh per `batches` slice so that several
/// segments exist.
pub(super) fn fixture(
    indices: &[(&str, Vec<Value>)],
    dates: DatePaths<'_>,
    formats: &[(&str, &str)],
    batches: usize,
) -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let engine = Engine::open(dir.path(), EngineOptions::default()).expect("engine");
    let mut types = FieldTypeMap::default();
    for (index, docs) in indices {
        engine
            .create_index(
                index,
                &format!("{index}-uuid"),
                &IndexSettings {
                    refresh_interval: None,
                    ..IndexSettings::default()
                },
                json!({}),
            )
            .expect("created");
        let parsed: Vec<ParsedDocument> = docs.iter().map(|d| typed(d, dates)).collect();
        for p in &parsed {
            types.learn(index, p);
        }
        for (path, format) in formats {
            if let Some(mut info) = types.field(index, path) {
                info.format = Some((*format).to_string());
                types.insert(index, path, info);
            }
        }
        let per = docs.len().div_ceil(batches.max(1)).max(1);
        for (chunk_i, chunk) in docs.chunks(per).enumerate() {
            let ops = chunk
                .iter()
                .enumerate()
                .map(|(i, source)| EngineOp::Index {
                    id: Some(format!("{}", chunk_i * per + i + 1)),
                    source: serde_json::to_vec(source).unwrap_or_default(),
                    parsed: typed(source, dates),
                    create: false,
                    condition: WriteCondition::None,
                })
                .collect();
            engine
                .apply(index, ops, Refresh::Immediate)
                .expect("indexed");
        }
    }
    Fixture {
        _dir: dir,
        engine,
        types,
    }
}

fn sales_fixture() -> Fixture {
    fixture(
        &[("sales", sales())],
        &[("date", slash_date)],
        &[("date", "yyyy/MM/dd HH:mm:ss||yyyy/MM/dd||epoch_millis")],
        2,
    )
}

/// Runs a `_search` body (with URL parameters) and returns `aggregations`, or the error.
pub(super) fn search(
    f: &Fixture,
    indices: &[&str],
    body: Value,
    params: &[(&str, &str)],
) -> crate::Result<Value> {
    let params: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    let parsed = parse_search("/_search", SearchBody::Bytes(&bytes), &params)?;
    let result = f.engine.search(indices, &parsed.request, &f.types)?;
    Ok(result.aggregations.unwrap_or(Value::Null))
}

fn aggs(f: &Fixture, body: Value) -> Value {
    search(f, &["sales"], body, &[]).expect("search")
}

#[test]
fn date_histogram_monthly_as_the_docs_show() {
    let f = sales_fixture();
    let got = aggs(
        &f,
        json!({"size": 0, "aggs": {"sales_over_time": {"date_histogram": {"field": "date", "calendar_interval": "month"}}}}),
    );
    assert_eq!(
        got,
        json!({"sales_over_time": {"buckets": [
            {"key_as_string": "2015/01/01 00:00:00", "key": 1420070400000i64, "doc_count": 3},
            {"key_as_string": "2015/02/01 00:00:00", "key": 1422748800000i64, "doc_count": 2},
            {"key_as_string": "2015/03/01 00:00:00", "key": 1425168000000i64, "doc_count": 2}
        ]}})
    );
}

#[test]
fn bucket_script_percentage_as_the_docs_show() {
    let f = sales_fixture();
    let got = aggs(
        &f,
        json!({"size": 0, "aggs": {"sales_per_month": {
        "date_histogram": {"field": "date", "calendar_interval": "month"},
        "aggs": {
            "total_sales": {"sum": {"field": "price"}},
            "t-shirts": {"filter": {"term": {"type": "t-shirt"}}, "aggs": {"sales": {"sum": {"field": "price"}}}},
            "t-shirt-percentage": {"bucket_script": {
                "buckets_path": {"tShirtSales": "t-shirts>sales", "totalSales": "total_sales"},
                "script": "params.tShirtSales / params.totalSales * 100"}}
        }}}}),
    );
    assert_eq!(
        got,
        json!({"sales_per_month": {"buckets": [
            {"key_as_string": "2015/01/01 00:00:00", "key": 1420070400000i64, "doc_count": 3,
             "total_sales": {"value": 550.0}, "t-shirts": {"doc_count": 1, "sales": {"value": 200.0}},
             "t-shirt-percentage": {"value": 36.36363636363637}},
            {"key_as_string": "2015/02/01 00:00:00", "key": 1422748800000i64, "doc_count": 2,
             "total_sales": {"value": 60.0}, "t-shirts": {"doc_count": 1, "sales": {"value": 10.0}},
             "t-shirt-percentage": {"value": 16.666666666666664}},
            {"key_as_string": "2015/03/01 00:00:00", "key": 1425168000000i64, "doc_count": 2,
             "total_sales": {"value": 375.0}, "t-shirts": {"doc_count": 1, "sales": {"value": 175.0}},
             "t-shirt-percentage": {"value": 46.666666666666664}}
        ]}})
    );
}

#[test]
fn derivative_with_unit_cumulative_sum_and_max_bucket() {
    let f = sales_fixture();
    let got = aggs(
        &f,
        json!({"size": 0, "aggs": {
            "sales_per_month": {
                "date_histogram": {"field": "date", "calendar_interval": "month"},
                "aggs": {
                    "sales": {"sum": {"field": "price"}},
                    "sales_deriv": {"derivative": {"buckets_path": "sales", "unit": "day"}},
                    "cumulative_sales": {"cumulative_sum": {"buckets_path": "sales"}}
                }},
            "max_monthly_sales": {"max_bucket": {"buckets_path": "sales_per_month>sales"}},
            "avg_monthly_sales": {"avg_bucket": {"buckets_path": "sales_per_month>sales"}},
            "min_monthly_sales": {"min_bucket": {"buckets_path": "sales_per_month>sales"}},
            "sum_monthly_sales": {"sum_bucket": {"buckets_path": "sales_per_month>sales"}}
        }}),
    );
    assert_eq!(
        got,
        json!({
            "sales_per_month": {"buckets": [
                {"key_as_string": "2015/01/01 00:00:00", "key": 1420070400000i64, "doc_count": 3,
                 "sales": {"value": 550.0}, "cumulative_sales": {"value": 550.0}},
                {"key_as_string": "2015/02/01 00:00:00", "key": 1422748800000i64, "doc_count": 2,
                 "sales": {"value": 60.0},
                 "sales_deriv": {"value": -490.0, "normalized_value": -15.806451612903226},
                 "cumulative_sales": {"value": 610.0}},
                {"key_as_string": "2015/03/01 00:00:00", "key": 1425168000000i64, "doc_count": 2,
                 "sales": {"value": 375.0},
                 "sales_deriv": {"value": 315.0, "normalized_value": 11.25},
                 "cumulative_sales": {"value": 985.0}}
            ]},
            "max_monthly_sales": {"value": 550.0, "keys": ["2015/01/01 00:00:00"]},
            "avg_monthly_sales": {"value": 328.3333333333333},
            "min_monthly_sales": {"value": 60.0, "keys": ["2015/02/01 00:00:00"]},
            "sum_monthly_sales": {"value": 985.0}
        })
    );
}

#[test]
fn ranges_plain_keyed_custom_keys_and_stats_as_the_docs_show() {
    let f = sales_fixture();
    let got = aggs(
        &f,
        json!({"size": 0, "aggs": {"price_ranges": {"range": {"field": "price",
            "ranges": [{"to": 100.0}, {"from": 100.0, "to": 200.0}, {"from": 200.0}]},
            "aggs": {"price_stats": {"stats": {"field": "price"}}}}}}),
    );
    assert_eq!(
        got,
        json!({"price_ranges": {"buckets": [
            {"key": "*-100.0", "to": 100.0, "doc_count": 2,
             "price_stats": {"count": 2, "min": 10.0, "max": 50.0, "avg": 30.0, "sum": 60.0}},
            {"key": "100.0-200.0", "from": 100.0, "to": 200.0, "doc_count": 2,
             "price_stats": {"count": 2, "min": 150.0, "max": 175.0, "avg": 162.5, "sum": 325.0}},
            {"key": "200.0-*", "from": 200.0, "doc_count": 3,
             "price_stats": {"count": 3, "min": 200.0, "max": 200.0, "avg": 200.0, "sum": 600.0}}
        ]}})
    );
    let keyed = aggs(
        &f,
        json!({"size": 0, "aggs": {"price_ranges": {"range": {"field": "price", "keyed": true,
            "ranges": [{"key": "cheap", "to": 100}, {"key": "average", "from": 100, "to": 200}, {"key": "expensive", "from": 200}]}}}}),
    );
    assert_eq!(
        keyed,
        json!({"price_ranges": {"buckets": {
            "cheap": {"to": 100.0, "doc_count": 2},
            "average": {"from": 100.0, "to": 200.0, "doc_count": 2},
            "expensive": {"from": 200.0, "doc_count": 3}
        }}})
    );
}

#[test]
fn histogram_keys_are_doubles_with_empty_buckets() {
    let f = sales_fixture();
    let got = aggs(
        &f,
        json!({"size": 0, "aggs": {"prices": {"histogram": {"field": "price", "interval": 50}}}}),
    );
    assert_eq!(
        got,
        json!({"prices": {"buckets": [
            {"key": 0.0, "doc_count": 1}, {"key": 50.0, "doc_count": 1}, {"key": 100.0, "doc_count": 0},
            {"key": 150.0, "doc_count": 2}, {"key": 200.0, "doc_count": 3}
        ]}})
    );
    let keyed = aggs(
        &f,
        json!({"size": 0, "aggs": {"prices": {"histogram": {"field": "price", "interval": 100, "keyed": true,
            "extended_bounds": {"min": 0, "max": 400}}}}}),
    );
    assert_eq!(
        keyed,
        json!({"prices": {"buckets": {
            "0.0": {"key": 0.0, "doc_count": 2}, "100.0": {"key": 100.0, "doc_count": 2},
            "200.0": {"key": 200.0, "doc_count": 3}, "300.0": {"key": 300.0, "doc_count": 0},
            "400.0": {"key": 400.0, "doc_count": 0}
        }}})
    );
}

#[test]
fn terms_counts_keys_and_ordering() {
    let f = sales_fixture();
    let got = aggs(
        &f,
        json!({"size": 0, "aggs": {"types": {"terms": {"field": "type"}}}}),
    );
    assert_eq!(
        got,
        json!({"types": {"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0, "buckets": [
            {"key": "hat", "doc_count": 3}, {"key": "t-shirt", "doc_count": 3}, {"key": "bag", "doc_count": 1}
        ]}})
    );
    // size cuts, and the rest is counted in sum_other_doc_count.
    let small = aggs(
        &f,
        json!({"size": 0, "aggs": {"types": {"terms": {"field": "type", "size": 1}}}}),
    );
    assert_eq!(
        small,
        json!({"types": {"doc_count_error_upper_bound": 0, "sum_other_doc_count": 4, "buckets": [
            {"key": "hat", "doc_count": 3}
        ]}})
    );
    // Numbers are numbers; booleans carry key_as_string; ordering by a sub-aggregation.
    let typed = aggs(
        &f,
        json!({"size": 0, "aggs": {
            "ratings": {"terms": {"field": "rating", "order": {"_key": "desc"}}},
            "promoted": {"terms": {"field": "promoted"}},
            "by_avg": {"terms": {"field": "type", "order": {"avg_price": "asc"}},
                       "aggs": {"avg_price": {"avg": {"field": "price"}}}}
        }}),
    );
    assert_eq!(
        typed["ratings"]["buckets"],
        json!([{"key": 5, "doc_count": 1}, {"key": 4, "doc_count": 1}, {"key": 2, "doc_count": 1}, {"key": 1, "doc_count": 4}])
    );
    assert_eq!(
        typed["promoted"]["buckets"],
        json!([{"key": 1, "key_as_string": "true", "doc_count": 5}, {"key": 0, "key_as_string": "false", "doc_count": 2}])
    );
    assert_eq!(
        typed["by_avg"]["buckets"],
        json!([
            {"key": "t-shirt", "doc_count": 3, "avg_price": {"value": 128.33333333333334}},
            {"key": "bag", "doc_count": 1, "avg_price": {"value": 150.0}},
            {"key": "hat", "doc_count": 3, "avg_price": {"value": 150.0}}
        ])
    );
}

#[test]
fn metrics_shapes_and_empty_values() {
    let f = sales_fixture();
    let got = aggs(
        &f,
        json!({"size": 0, "query": {"term": {"type": "nothing"}}, "aggs": {
            "avg": {"avg": {"field": "price"}}, "min": {"min": {"field": "price"}},
            "max": {"max": {"field": "price"}}, "sum": {"sum": {"field": "price"}},
            "count": {"value_count": {"field": "price"}}, "card": {"cardinality": {"field": "type"}},
            "stats": {"stats": {"field": "price"}}, "pct": {"percentiles": {"field": "price", "percents": [50]}}
        }}),
    );
    assert_eq!(
        got,
        json!({
            "avg": {"value": null}, "min": {"value": null}, "max": {"value": null}, "sum": {"value": 0.0},
            "count": {"value": 0}, "card": {"value": 0},
            "stats": {"count": 0, "min": null, "max": null, "avg": null, "sum": 0.0},
            "pct": {"values": {"50.0": null}}
        })
    );
    let full = aggs(
        &f,
        json!({"size": 0, "aggs": {
            "count": {"value_count": {"field": "type"}}, "card": {"cardinality": {"field": "type"}},
            "first": {"min": {"field": "date"}},
            "pct": {"percentiles": {"field": "price"}},
            "pct_list": {"percentiles": {"field": "price", "percents": [50, 99.9], "keyed": false}}
        }}),
    );
    assert_eq!(full["count"], json!({"value": 7}));
    assert_eq!(full["card"], json!({"value": 3}));
    assert_eq!(
        full["first"],
        json!({"value": 1420070400000.0, "value_as_string": "2015/01/01 00:00:00"})
    );
    // Seven values, exact: q * (n - 1) interpolated over 10, 50, 150, 175, 200, 200, 200.
    assert_eq!(
        full["pct"],
        json!({"values": {"1.0": 12.4, "5.0": 22.0, "25.0": 100.0, "50.0": 175.0, "75.0": 200.0, "95.0": 200.0, "99.0": 200.0}})
    );
    assert_eq!(
        full["pct_list"],
        json!({"values": [{"key": 50.0, "value": 175.0}, {"key": 99.9, "value": 200.0}]})
    );
}

fn exams() -> Fixture {
    fixture(
        &[(
            "exams",
            vec![
                json!({"grade": 100, "weight": 2}),
                json!({"grade": 50, "weight": 3}),
            ],
        )],
        &[],
        &[],
        1,
    )
}

#[test]
fn extended_stats_as_the_docs_show() {
    let f = exams();
    let got = search(
        &f,
        &["exams"],
        json!({"size": 0, "aggs": {"grades_stats": {"extended_stats": {"field": "grade"}}}}),
        &[],
    )
    .expect("search");
    assert_eq!(
        got,
        json!({"grades_stats": {
            "count": 2, "min": 50.0, "max": 100.0, "avg": 75.0, "sum": 150.0,
            "sum_of_squares": 12500.0, "variance": 625.0, "variance_population": 625.0,
            "variance_sampling": 1250.0, "std_deviation": 25.0, "std_deviation_population": 25.0,
            "std_deviation_sampling": 35.35533905932738,
            "std_deviation_bounds": {"upper": 125.0, "lower": 25.0, "upper_population": 125.0,
                "lower_population": 25.0, "upper_sampling": 145.71067811865476, "lower_sampling": 4.289321881345245}
        }})
    );
}

#[test]
fn top_hits_per_bucket_with_sort_and_source_filter() {
    let f = sales_fixture();
    let got = aggs(
        &f,
        json!({"size": 0, "aggs": {"top_tags": {"terms": {"field": "type", "size": 3},
            "aggs": {"top_sales_hits": {"top_hits": {"sort": [{"date": {"order": "desc"}}],
                "_source": {"includes": ["date", "price"]}, "size": 1}}}}}}),
    );
    let hat = &got["top_tags"]["buckets"][0];
    assert_eq!(hat["key"], json!("hat"));
    let hits = &hat["top_sales_hits"]["hits"];
    assert_eq!(hits["total"], json!({"value": 3, "relation": "eq"}));
    assert_eq!(hits["max_score"], Value::Null);
    let hit = &hits["hits"][0];
    assert_eq!(hit["_index"], json!("sales"));
    assert_eq!(hit["_id"], json!("6"));
    assert_eq!(hit["_score"], Value::Null);
    assert_eq!(
        hit["_source"],
        json!({"date": "2015/03/01 00:00:00", "price": 200})
    );
    assert_eq!(hit["sort"], json!([1425168000000i64]));
    // By score (the default), three hits.
    let by_score = aggs(
        &f,
        json!({"size": 0, "aggs": {"t": {"top_hits": {"_source": false}}}}),
    );
    let hits = by_score["t"]["hits"]["hits"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(hits.len(), 3);
    assert_eq!(hits[0]["_score"], json!(1.0));
    assert!(hits[0].get("_source").is_none());
    assert_eq!(by_score["t"]["hits"]["max_score"], json!(1.0));
}

#[test]
fn filters_named_anonymous_and_other_bucket() {
    let f = sales_fixture();
    let got = aggs(
        &f,
        json!({"size": 0, "aggs": {
            "named": {"filters": {"other_bucket_key": "other_types", "filters": {
                "t-shirts": {"term": {"type": "t-shirt"}}, "hats": {"term": {"type": "hat"}}}}},
            "listed": {"filters": {"filters": [{"term": {"type": "t-shirt"}}, {"term": {"type": "hat"}}]}},
            "unkeyed": {"filters": {"keyed": false, "filters": {"b": {"term": {"type": "bag"}}}}},
            "cheap": {"filter": {"range": {"price": {"lt": 100}}}, "aggs": {"avg": {"avg": {"field": "price"}}}},
            "no_rating": {"missing": {"field": "color"}}
        }}),
    );
    assert_eq!(
        got,
        json!({
            "named": {"buckets": {"hats": {"doc_count": 3}, "t-shirts": {"doc_count": 3}, "other_types": {"doc_count": 1}}},
            "listed": {"buckets": [{"doc_count": 3}, {"doc_count": 3}]},
            "unkeyed": {"buckets": [{"key": "b", "doc_count": 1}]},
            "cheap": {"doc_count": 2, "avg": {"value": 30.0}},
            "no_rating": {"doc_count": 7}
        })
    );
}

#[test]
fn composite_pages_with_after_key() {
    let f = sales_fixture();
    let first = aggs(
        &f,
        json!({"size": 0, "aggs": {"c": {"composite": {"size": 2, "sources": [
            {"type": {"terms": {"field": "type"}}},
            {"month": {"date_histogram": {"field": "date", "calendar_interval": "month"}}}
        ]}}}}),
    );
    assert_eq!(
        first,
        json!({"c": {"after_key": {"type": "hat", "month": 1420070400000i64}, "buckets": [
            {"key": {"type": "bag", "month": 1420070400000i64}, "doc_count": 1},
            {"key": {"type": "hat", "month": 1420070400000i64}, "doc_count": 1}
        ]}})
    );
    let next = aggs(
        &f,
        json!({"size": 0, "aggs": {"c": {"composite": {"size": 10, "after": {"type": "hat", "month": 1420070400000i64}, "sources": [
            {"type": {"terms": {"field": "type"}}},
            {"month": {"date_histogram": {"field": "date", "calendar_interval": "month"}}}
        ]}}}}),
    );
    let keys: Vec<Value> = next["c"]["buckets"]
        .as_array()
        .map(|b| b.iter().map(|x| x["key"].clone()).collect())
        .unwrap_or_default();
    assert_eq!(
        keys,
        vec![
            json!({"type": "hat", "month": 1422748800000i64}),
            json!({"type": "hat", "month": 1425168000000i64}),
            json!({"type": "t-shirt", "month": 1420070400000i64}),
            json!({"type": "t-shirt", "month": 1422748800000i64}),
            json!({"type": "t-shirt", "month": 1425168000000i64}),
        ]
    );
}

#[test]
fn multi_terms_keys_and_strings() {
    let f = sales_fixture();
    let got = aggs(
        &f,
        json!({"size": 0, "aggs": {"mt": {"multi_terms": {"terms": [{"field": "type"}, {"field": "rating"}], "size": 2}}}}),
    );
    assert_eq!(
        got,
        json!({"mt": {"doc_count_error_upper_bound": 0, "sum_other_doc_count": 3, "buckets": [
            {"key": ["hat", 1], "key_as_string": "hat|1", "doc_count": 3},
            {"key": ["bag", 5], "key_as_string": "bag|5", "doc_count": 1}
        ]}})
    );
}

#[test]
fn typed_keys_and_meta() {
    let f = sales_fixture();
    let got = search(
        &f,
        &["sales"],
        json!({"size": 0, "aggs": {
            "months": {"date_histogram": {"field": "date", "calendar_interval": "month"}, "meta": {"owner": "me"},
                       "aggs": {"s": {"sum": {"field": "price"}}}},
            "types": {"terms": {"field": "type", "size": 1}},
            "ratings": {"terms": {"field": "rating", "size": 1}},
            "p": {"percentiles": {"field": "price", "percents": [50]}},
            "best": {"max_bucket": {"buckets_path": "months>s"}}
        }}),
        &[("typed_keys", "true")],
    )
    .expect("search");
    let keys: Vec<&String> = got
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    assert_eq!(
        keys,
        vec![
            "date_histogram#months",
            "sterms#types",
            "lterms#ratings",
            "tdigest_percentiles#p",
            "bucket_metric_value#best"
        ]
    );
    let months = &got["date_histogram#months"];
    assert_eq!(months["meta"], json!({"owner": "me"}));
    assert!(months["buckets"][0].get("sum#s").is_some());
}

#[test]
fn date_histogram_time_zone_offset_and_fixed_intervals() {
    let docs = vec![
        json!({"@timestamp": "2015-10-01T00:30:00Z"}),
        json!({"@timestamp": "2015-10-01T01:30:00Z"}),
        json!({"@timestamp": "2015-10-02T06:00:00Z"}),
    ];
    let f = fixture(&[("tz", docs)], &[("@timestamp", iso_date)], &[], 1);
    let got = search(
        &f,
        &["tz"],
        json!({"size": 0, "aggs": {
            "local": {"date_histogram": {"field": "@timestamp", "calendar_interval": "day", "time_zone": "-01:00"}},
            "shifted": {"date_histogram": {"field": "@timestamp", "calendar_interval": "day", "offset": "+6h"}},
            "fixed": {"date_histogram": {"field": "@timestamp", "fixed_interval": "12h", "format": "yyyy-MM-dd HH:mm", "min_doc_count": 1}}
        }}),
        &[],
    )
    .expect("search");
    assert_eq!(
        got["local"],
        json!({"buckets": [
            {"key_as_string": "2015-09-30T00:00:00.000-01:00", "key": 1443574800000i64, "doc_count": 1},
            {"key_as_string": "2015-10-01T00:00:00.000-01:00", "key": 1443661200000i64, "doc_count": 1},
            {"key_as_string": "2015-10-02T00:00:00.000-01:00", "key": 1443747600000i64, "doc_count": 1}
        ]})
    );
    assert_eq!(
        got["shifted"],
        json!({"buckets": [
            {"key_as_string": "2015-09-30T06:00:00.000Z", "key": 1443592800000i64, "doc_count": 2},
            {"key_as_string": "2015-10-01T06:00:00.000Z", "key": 1443679200000i64, "doc_count": 0},
            {"key_as_string": "2015-10-02T06:00:00.000Z", "key": 1443765600000i64, "doc_count": 1}
        ]})
    );
    assert_eq!(
        got["fixed"],
        json!({"buckets": [
            {"key_as_string": "2015-10-01 00:00", "key": 1443657600000i64, "doc_count": 2},
            {"key_as_string": "2015-10-02 00:00", "key": 1443744000000i64, "doc_count": 1}
        ]})
    );
}

#[test]
fn date_range_formats_its_bounds() {
    let f = sales_fixture();
    let got = aggs(
        &f,
        json!({"size": 0, "aggs": {"range": {"date_range": {"field": "date", "format": "MM-yyyy",
            "ranges": [{"to": "02-2015"}, {"from": "02-2015"}]}}}}),
    );
    assert_eq!(
        got,
        json!({"range": {"buckets": [
            {"key": "*-02-2015", "to": 1422748800000.0, "to_as_string": "02-2015", "doc_count": 3},
            {"key": "02-2015-*", "from": 1422748800000.0, "from_as_string": "02-2015", "doc_count": 4}
        ]}})
    );
}

#[test]
fn shard_errors_name_the_index() {
    let f = fixture(
        &[("docs", vec![json!({"title": "a b", "n": 1})])],
        &[],
        &[],
        1,
    );
    let mut types = f.types.clone();
    types.insert(
        "docs",
        "title",
        FieldInfo {
            kind: FieldKind::Text,
            indexed: true,
            doc_values: false,
            format: None,
        },
    );
    let f = Fixture { types, ..f };
    let err = search(
        &f,
        &["docs"],
        json!({"aggs": {"t": {"terms": {"field": "title"}}}}),
        &[],
    )
    .expect_err("text");
    let body = err.to_exception().to_body(false);
    assert_eq!(
        body["error"]["type"],
        json!("search_phase_execution_exception")
    );
    assert_eq!(
        body["error"]["root_cause"][0]["reason"],
        json!(
            "Fielddata is disabled on [title] in [docs]. Text fields are not optimised for operations that require per-document field data like aggregations and sorting, so these operations are disabled by default. Please use a keyword field instead. Alternatively, set fielddata=true on [title] in order to load field data by uninverting the inverted index. Note that this can use significant memory."
        )
    );
    let err = search(
        &f,
        &["docs"],
        json!({"aggs": {"t": {"avg": {"field": "n"}, "aggs": {}}, "u": {"sum": {"field": "title.keyword"}}}}),
        &[],
    );
    // `title.keyword` is unmapped here: an unmapped field sums to 0.
    assert_eq!(err.expect("unmapped")["u"], json!({"value": 0.0}));
}

#[test]
// The documentation's own values, which happen to look like pi and e.
#[allow(clippy::approx_constant)]
fn top_metrics_as_the_docs_show() {
    let f = fixture(
        &[(
            "test",
            vec![
                json!({"s": 1, "m": 3.1415}),
                json!({"s": 2, "m": 1.0}),
                json!({"s": 3, "m": 2.71828}),
            ],
        )],
        &[],
        &[],
        2,
    );
    let got = search(
        &f,
        &["test"],
        json!({"aggs": {"tm": {"top_metrics": {"metrics": {"field": "m"}, "sort": {"s": "desc"}}}}}),
        &[],
    )
    .expect("search");
    assert_eq!(
        got,
        json!({"tm": {"top": [{"sort": [3], "metrics": {"m": 2.71828}}]}})
    );
    let got = search(
        &f,
        &["test"],
        json!({"aggs": {"tm": {"top_metrics": {"metrics": [{"field": "m"}, {"field": "s"}], "sort": {"s": "asc"}, "size": 2}}}}),
        &[],
    )
    .expect("search");
    assert_eq!(
        got,
        json!({"tm": {"top": [
            {"sort": [1], "metrics": {"m": 3.1415, "s": 1}},
            {"sort": [2], "metrics": {"m": 1.0, "s": 2}}
        ]}})
    );
}

#[test]
fn keyed_date_histogram_and_extended_bounds() {
    let f = sales_fixture();
    let got = aggs(
        &f,
        json!({"size": 0, "aggs": {"m": {"date_histogram": {"field": "date", "calendar_interval": "1M",
            "format": "yyyy-MM-dd", "keyed": true,
            "extended_bounds": {"min": "2014-12-01", "max": "2015-04-01"}}}}}),
    );
    assert_eq!(
        got,
        json!({"m": {"buckets": {
            "2014-12-01": {"key_as_string": "2014-12-01", "key": 1417392000000i64, "doc_count": 0},
            "2015-01-01": {"key_as_string": "2015-01-01", "key": 1420070400000i64, "doc_count": 3},
            "2015-02-01": {"key_as_string": "2015-02-01", "key": 1422748800000i64, "doc_count": 2},
            "2015-03-01": {"key_as_string": "2015-03-01", "key": 1425168000000i64, "doc_count": 2},
            "2015-04-01": {"key_as_string": "2015-04-01", "key": 1427846400000i64, "doc_count": 0}
        }}})
    );
}

#[test]
fn limits_fail_the_search_with_elasticsearchs_errors() {
    let f = fixture(
        &[("wide", vec![json!({"n": 0}), json!({"n": 70_000})])],
        &[],
        &[],
        1,
    );
    // 70,001 buckets once the empty ones are filled in.
    let err = search(
        &f,
        &["wide"],
        json!({"size": 0, "aggs": {"h": {"histogram": {"field": "n", "interval": 1}}}}),
        &[],
    )
    .expect_err("too many buckets");
    let body = err.to_exception().to_body(false);
    assert_eq!(body["status"], 400, "{body}");
    assert_eq!(
        body["error"]["root_cause"][0]["type"],
        "too_many_buckets_exception"
    );
    assert_eq!(
        body["error"]["root_cause"][0]["reason"],
        "Trying to create too many buckets. Must be less than or equal to: [65536] but this number of buckets was exceeded. This limit can be set by changing the [search.max_buckets] cluster level setting."
    );
    let ok = search(
        &f,
        &["wide"],
        json!({"size": 0, "aggs": {"h": {"histogram": {"field": "n", "interval": 2}}}}),
        &[],
    )
    .expect("35,001 buckets fit");
    assert_eq!(ok["h"]["buckets"].as_array().map(Vec::len), Some(35_001));

    let err = search(
        &f,
        &["wide"],
        json!({"size": 0, "aggs": {"t": {"top_hits": {"from": 95, "size": 6}}}}),
        &[],
    )
    .expect_err("window");
    let body = err.to_exception().to_body(false);
    assert_eq!(
        body["error"]["type"], "search_phase_execution_exception",
        "{body}"
    );
    assert_eq!(
        body["error"]["root_cause"][0]["reason"],
        "Top hits result window is too large, the top hits aggregator [t]'s from + size must be less than or equal to: [100] but was [101]. This limit can be set by changing the [index.max_inner_result_window] index level setting."
    );
}
