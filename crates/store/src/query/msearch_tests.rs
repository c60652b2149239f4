//! Tests of `_msearch` framing and header lines.

use proptest::prelude::*;

use super::*;
use crate::query::{ExpandWildcards, Query};

fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn pairs_of_header_and_body() {
    let body = b"{\"index\":\"logs\"}\n{\"query\":{\"match_all\":{}},\"size\":0}\n{}\n{\"query\":{\"term\":{\"a\":\"b\"}}}\n";
    let parsed = parse_msearch(body, &[]).unwrap();
    assert_eq!(parsed.items.len(), 2);
    assert_eq!(
        parsed.items[0].header.indices,
        Some(vec!["logs".to_string()])
    );
    assert_eq!(parsed.items[0].request.size, 0);
    assert_eq!(parsed.items[1].header.indices, None);
    assert!(matches!(parsed.items[1].request.query, Query::Term { .. }));
    // An empty header line keeps the URL's defaults; CRLF line ends are whitespace.
    let parsed = parse_msearch(b"\r\n{\"size\":1}\r\n", &[]).unwrap();
    assert_eq!(parsed.items[0].request.size, 1);
}

#[test]
fn the_final_newline_is_required() {
    assert_eq!(
        parse_msearch(b"{}\n{\"size\":1}", &[]).unwrap_err(),
        StoreError::IllegalArgument(
            "The msearch request must be terminated by a newline [\n]".into()
        )
    );
    assert_eq!(
        parse_msearch(b"", &[]).unwrap_err(),
        StoreError::Validation(vec!["no requests added".into()])
    );
    // A header without its body is dropped.
    assert_eq!(
        parse_msearch(b"{}\n", &[]).unwrap_err(),
        StoreError::Validation(vec!["no requests added".into()])
    );
    assert_eq!(
        parse_msearch(b"{}\n\n", &[]).unwrap_err().to_string(),
        "Expected [START_OBJECT] but found [null]"
    );
}

#[test]
fn header_keys() {
    let body = b"{\"index\":[\"a\",\"b\"],\"search_type\":\"dfs_query_then_fetch\",\"preference\":\"_local\",\"routing\":\"r\",\"request_cache\":\"true\",\"allow_partial_search_results\":false,\"expand_wildcards\":\"all\",\"ignore_unavailable\":true,\"allow_no_indices\":\"false\",\"ccs_minimize_roundtrips\":true}\n{}\n";
    let header = &parse_msearch(body, &[]).unwrap().items[0].header;
    assert_eq!(header.indices, Some(vec!["a".to_string(), "b".to_string()]));
    assert_eq!(header.search_type, SearchType::DfsQueryThenFetch);
    assert_eq!(header.preference.as_deref(), Some("_local"));
    assert_eq!(header.routing.as_deref(), Some("r"));
    assert_eq!(header.request_cache, Some(true));
    assert_eq!(header.allow_partial_search_results, Some(false));
    assert_eq!(header.ccs_minimize_roundtrips, Some(true));
    assert!(header.indices_options.ignore_unavailable);
    assert!(!header.indices_options.allow_no_indices);
    assert_eq!(
        header.indices_options.expand_wildcards,
        ExpandWildcards {
            open: true,
            closed: true,
            hidden: true
        }
    );
    let header = &parse_msearch(b"{\"index\":\"a, b\"}\n{}\n", &[])
        .unwrap()
        .items[0]
        .header;
    assert_eq!(header.indices, Some(vec!["a".to_string(), "b".to_string()]));
    assert_eq!(
        parse_msearch(b"{\"size\":1}\n{}\n", &[]).unwrap_err(),
        StoreError::IllegalArgument("key [size] is not supported in the metadata section".into())
    );
    assert_eq!(
        parse_msearch(b"{\"request_cache\":\"maybe\"}\n{}\n", &[]).unwrap_err(),
        StoreError::IllegalArgument("Could not convert [request_cache] to boolean".into())
    );
    assert_eq!(
        parse_msearch(b"{\"search_type\":\"scan\"}\n{}\n", &[]).unwrap_err(),
        StoreError::IllegalArgument("No search type for [scan]".into())
    );
    assert!(matches!(
        parse_msearch(b"[]\n{}\n", &[]).unwrap_err(),
        StoreError::XContentParse(_)
    ));
}

#[test]
fn url_parameters_are_defaults() {
    let params = p(&[
        ("search_type", "dfs_query_then_fetch"),
        ("routing", "r0"),
        ("max_concurrent_searches", "3"),
        ("rest_total_hits_as_int", "true"),
        ("typed_keys", ""),
    ]);
    let parsed = parse_msearch(b"{}\n{\"size\":1}\n{\"routing\":\"r1\"}\n{}\n", &params).unwrap();
    assert_eq!(parsed.max_concurrent_searches, Some(3));
    assert!(parsed.rest_total_hits_as_int && parsed.typed_keys);
    assert_eq!(
        parsed.items[0].header.search_type,
        SearchType::DfsQueryThenFetch
    );
    assert_eq!(parsed.items[0].header.routing.as_deref(), Some("r0"));
    assert_eq!(parsed.items[1].header.routing.as_deref(), Some("r1"));
    assert_eq!(
        parsed.items[0].request.track_total_hits,
        crate::query::TrackTotalHits::Exact
    );
    assert_eq!(
        parse_msearch(b"{}\n{\"track_total_hits\":10}\n", &params)
            .unwrap_err()
            .to_string(),
        "[rest_total_hits_as_int] cannot be used if the tracking of total hits is not accurate, got 10"
    );
    assert_eq!(
        parse_msearch(b"{}\n{}\n", &p(&[("max_concurrent_searches", "0")])).unwrap_err(),
        StoreError::IllegalArgument("maxConcurrentSearches must be positive".into())
    );
}

#[test]
fn body_errors_fail_the_whole_request() {
    let e = parse_msearch(b"{}\n{\"query\":{\"foo\":{}}}\n", &[]).unwrap_err();
    assert_eq!(
        e,
        StoreError::Parsing {
            reason: "unknown query [foo]".into(),
            line: Some(1),
            col: Some(17),
        }
    );
}

proptest! {
    #[test]
    fn arbitrary_bodies_never_panic(bytes in proptest::collection::vec(
        prop_oneof![Just(b'\n'), Just(b'{'), Just(b'}'), Just(b'"'), Just(b':'), any::<u8>()],
        0..96,
    )) {
        let _ = parse_msearch(&bytes, &[]);
    }

    #[test]
    fn framed_lines_never_panic(lines in proptest::collection::vec("[ -~]{0,24}", 0..6)) {
        let mut body = lines.join("\n");
        body.push('\n');
        let _ = parse_msearch(body.as_bytes(), &[]);
    }
}
