//! Every parser and request-validation error of aggregations, with Elasticsearch's type,
//! status, reason, cause and position.

use serde_json::{Value, json};

use crate::query::{SearchBody, parse_search};

/// The error body of a `_search` with `body`, or `null` when it parses.
fn error(body: Value) -> Value {
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    match parse_search("/_search", SearchBody::Bytes(&bytes), &[]) {
        Ok(_) => Value::Null,
        Err(e) => e.to_exception().to_body(false),
    }
}

/// Checks the outer error's type and reason, and the status.
fn check(body: Value, status: u16, kind: &str, reason: &str) -> Value {
    let got = error(body.clone());
    assert_eq!(got["status"], json!(status), "{body} => {got}");
    assert_eq!(got["error"]["type"], json!(kind), "{body} => {got}");
    assert_eq!(got["error"]["reason"], json!(reason), "{body} => {got}");
    got
}

#[test]
fn unknown_types_suggest_the_closest_names() {
    let got = check(
        json!({"aggs": {"x": {"term": {"field": "a"}}}}),
        400,
        "parsing_exception",
        "Unknown aggregation type [term] did you mean [terms]?",
    );
    assert_eq!(got["error"]["line"], 1);
    assert_eq!(got["error"]["col"], 22);
    assert_eq!(got["error"]["root_cause"][0]["type"], "parsing_exception");
    check(
        json!({"aggs": {"x": {"date_histo": {"field": "a"}}}}),
        400,
        "parsing_exception",
        "Unknown aggregation type [date_histo] did you mean any of [date_histogram, auto_date_histogram]?",
    );
}

#[test]
fn shape_errors() {
    check(
        json!({"aggs": {"x": {"terms": {"field": "a"}, "avg": {"field": "b"}}}}),
        400,
        "parsing_exception",
        "Found two aggregation type definitions in [x]: [terms] and [avg]",
    );
    check(
        json!({"aggs": {"x": {"meta": {"a": 1}}}}),
        400,
        "parsing_exception",
        "Missing definition for aggregation [x]",
    );
    check(
        json!({"aggs": {"x": 1}}),
        400,
        "parsing_exception",
        "Aggregation definition for [x starts with a [VALUE_NUMBER], expected a [START_OBJECT].",
    );
    check(
        json!({"aggs": {"x[": {"avg": {"field": "n"}}}}),
        400,
        "parsing_exception",
        "Invalid aggregation name [x[]. Aggregation names can contain any character except '[', ']', and '>'",
    );
    check(
        json!({"aggs": {"x": {"terms": {"field": "t", "sise": 1}}}}),
        400,
        "x_content_parse_exception",
        "[1:36] [terms] unknown field [sise] did you mean [size]?",
    );
    check(
        json!({"aggs": {"x": {"avg": {"field": "n"}, "aggs": {"y": {"max": {"field": "n"}}}}}}),
        500,
        "aggregation_initialization_exception",
        "Aggregator [x] of type [avg] cannot accept sub-aggregations",
    );
}

#[test]
fn a_values_source_needs_a_field() {
    for agg in [
        "avg",
        "terms",
        "cardinality",
        "percentiles",
        "date_histogram",
    ] {
        let mut body = json!({"aggs": {"x": {}}});
        body["aggs"]["x"][agg] = json!({});
        if agg == "date_histogram" {
            body["aggs"]["x"][agg] = json!({"calendar_interval": "day"});
        }
        check(
            body,
            400,
            "illegal_argument_exception",
            "Required one of fields [field, script], but none were specified. ",
        );
    }
}

#[test]
fn interval_errors() {
    let got = check(
        json!({"aggs": {"x": {"date_histogram": {"field": "t", "calendar_interval": "2d"}}}}),
        400,
        "x_content_parse_exception",
        "[1:65] [date_histogram] failed to parse field [calendar_interval]",
    );
    assert_eq!(
        got["error"]["caused_by"],
        json!({"type": "illegal_argument_exception", "reason": "The supplied interval [2d] could not be parsed as a calendar interval."})
    );
    let got = check(
        json!({"aggs": {"x": {"date_histogram": {"field": "t", "fixed_interval": "2w"}}}}),
        400,
        "x_content_parse_exception",
        "[1:62] [date_histogram] failed to parse field [fixed_interval]",
    );
    assert_eq!(
        got["error"]["caused_by"]["reason"],
        "failed to parse setting [date_histogram.fixedInterval] with value [2w] as a time value: unit is missing or unrecognized"
    );
    // The cause is an Elasticsearch exception, so it is the root cause.
    assert_eq!(got["error"]["root_cause"][0]["type"], "parse_exception");
    let got =
        error(json!({"aggs": {"x": {"date_histogram": {"field": "t", "fixed_interval": "1.5h"}}}}));
    assert_eq!(
        got["error"]["caused_by"]["reason"],
        "failed to parse [1.5h], fractional time values are not supported"
    );
    check(
        json!({"aggs": {"x": {"date_histogram": {"field": "t"}}}}),
        400,
        "illegal_argument_exception",
        "Invalid interval specified, must be non-null and non-empty",
    );
    let got = error(
        json!({"aggs": {"x": {"date_histogram": {"field": "t", "calendar_interval": "1d", "fixed_interval": "1d"}}}}),
    );
    assert_eq!(
        got["error"]["caused_by"]["reason"],
        "Cannot use [fixed_interval] with [calendar_interval] configuration option."
    );
    let got = check(
        json!({"aggs": {"x": {"histogram": {"field": "t", "interval": 0}}}}),
        400,
        "x_content_parse_exception",
        "[1:51] [histogram] failed to parse field [interval]",
    );
    assert_eq!(
        got["error"]["caused_by"]["reason"],
        "[interval] must be >0 for histogram aggregation [x]"
    );
    // Every calendar unit in both spellings parses.
    for unit in [
        "minute", "1m", "hour", "1h", "day", "1d", "week", "1w", "month", "1M", "quarter", "1q",
        "year", "1y",
    ] {
        let got = error(
            json!({"aggs": {"x": {"date_histogram": {"field": "t", "calendar_interval": unit}}}}),
        );
        assert_eq!(got, Value::Null, "{unit}");
    }
}

#[test]
fn pipeline_path_errors_are_request_validation_errors() {
    check(
        json!({"aggs": {"x": {"max_bucket": {"buckets_path": "nope>y"}}}}),
        400,
        "action_request_validation_exception",
        "Validation Failed: 1: No aggregation found for path [nope>y];",
    );
    // Elasticsearch 7.x and later word a parent pipeline at the top level this way (6.x said
    // "Only sibling pipeline aggregations are allowed at the top level").
    check(
        json!({"aggs": {"x": {"derivative": {"buckets_path": "_count"}}}}),
        400,
        "action_request_validation_exception",
        "Validation Failed: 1: derivative aggregation [x] must have a histogram, date_histogram or auto_date_histogram as parent but doesn't have a parent;",
    );
    check(
        json!({"aggs": {"x": {"bucket_script": {"buckets_path": {"a": "_count"}, "script": "params.a"}}}}),
        400,
        "action_request_validation_exception",
        "Validation Failed: 1: bucket_script aggregation [x] must be declared inside of another aggregation;",
    );
}

#[test]
fn bucket_script_refuses_what_it_cannot_evaluate() {
    check(
        json!({"aggs": {"h": {"histogram": {"field": "n", "interval": 1}, "aggs": {"x": {"bucket_script": {"buckets_path": {"a": "_count"}, "script": "Math.log(params.a)"}}}}}}),
        400,
        "illegal_argument_exception",
        "cannot run script [Math.log(params.a)]: unknown name [Math]; bucket_script supports arithmetic over params only (numbers, params.<name>, + - * / %, parentheses)",
    );
}

#[test]
fn percents_out_of_range() {
    let got = check(
        json!({"aggs": {"x": {"percentiles": {"field": "n", "percents": [101]}}}}),
        400,
        "x_content_parse_exception",
        "[1:57] [percentiles] failed to parse field [percents]",
    );
    assert_eq!(
        got["error"]["caused_by"]["reason"],
        "percent must be in [0,100], got [101.0]: [x]"
    );
}
