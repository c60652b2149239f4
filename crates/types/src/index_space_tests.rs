use super::*;

#[test]
fn expand_wildcards_parses_like_elasticsearch() {
    assert_eq!(
        ExpandWildcards::parse("open").unwrap(),
        ExpandWildcards::OPEN
    );
    assert_eq!(
        ExpandWildcards::parse("open,closed").unwrap(),
        ExpandWildcards::OPEN_CLOSED
    );
    assert_eq!(ExpandWildcards::parse("all").unwrap(), ExpandWildcards::ALL);
    assert_eq!(
        ExpandWildcards::parse("none").unwrap(),
        ExpandWildcards::NONE
    );
    assert!(ExpandWildcards::parse("open,hidden").unwrap().hidden);
    let e = EsException::from_code(&ExpandWildcards::parse("open,bogus").unwrap_err());
    assert_eq!(e.reason, "No valid expand wildcard value [bogus]");
    assert_eq!(e.status, 400);
}

#[test]
fn options_take_request_parameters() {
    let params = [("ignore_unavailable", "true"), ("expand_wildcards", "all")];
    let lookup = |k: &str| params.iter().find(|(n, _)| *n == k).map(|(_, v)| *v);
    let o = IndicesOptions::STRICT_EXPAND_OPEN
        .with_params(lookup)
        .unwrap();
    assert!(o.ignore_unavailable && o.allow_no_indices);
    assert_eq!(o.expand_wildcards, ExpandWildcards::ALL);
    let bad = |k: &str| (k == "allow_no_indices").then_some("yes");
    let e = IndicesOptions::STRICT_EXPAND_OPEN
        .with_params(bad)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Could not convert [allow_no_indices] to boolean"
    );
}

#[test]
fn index_not_found_has_elasticsearch_metadata() {
    let e = index_not_found("nope");
    assert_eq!(e.status, 404);
    assert_eq!(e.error_type, "index_not_found_exception");
    assert_eq!(e.reason, "no such index [nope]");
    assert_eq!(e.metadata["resource.type"], "index_or_alias");
    assert_eq!(e.metadata["index_uuid"], "_na_");
}

#[test]
fn wildcards_reach_visible_names_in_the_requested_states() {
    let open = IndexAbstraction::index("logs");
    let closed = IndexAbstraction::index("old").closed(true);
    let hidden = IndexAbstraction::index(".ds-m-2024.01.01-000001")
        .hidden(true)
        .in_data_stream("m");
    let alias = IndexAbstraction::alias("a", vec!["logs".into()], None);
    let o = IndicesOptions::STRICT_EXPAND_OPEN;
    assert!(wildcard_reaches("*", &open, &o));
    assert!(!wildcard_reaches("*", &closed, &o));
    assert!(wildcard_reaches(
        "*",
        &closed,
        &IndicesOptions::STRICT_EXPAND_OPEN_CLOSED
    ));
    assert!(!wildcard_reaches("*", &hidden, &o));
    assert!(wildcard_reaches(".ds-*", &hidden, &o));
    let all = IndicesOptions {
        expand_wildcards: ExpandWildcards::ALL,
        ..o
    };
    assert!(wildcard_reaches("*", &hidden, &all));
    assert!(wildcard_reaches("*", &alias, &o));
    let no_aliases = IndicesOptions {
        ignore_aliases: true,
        ..o
    };
    assert!(!wildcard_reaches("*", &alias, &no_aliases));
}

#[test]
fn the_space_maps_names_to_concrete_indices() {
    let space = IndexSpace::new([
        IndexAbstraction::index("a"),
        IndexAbstraction::index("b"),
        IndexAbstraction::alias("both", vec!["a".into(), "b".into()], Some("b".into())),
        IndexAbstraction::data_stream("m", vec![".ds-m-1".into(), ".ds-m-2".into()]),
        IndexAbstraction::index(".ds-m-1")
            .hidden(true)
            .in_data_stream("m"),
        IndexAbstraction::index(".ds-m-2")
            .hidden(true)
            .in_data_stream("m"),
    ]);
    assert_eq!(space.concrete_indices(&["both", "a", "zz"]), ["a", "b"]);
    assert_eq!(space.concrete_indices(&["m"]), [".ds-m-1", ".ds-m-2"]);
    assert_eq!(
        space.get("m").unwrap().write_index.as_deref(),
        Some(".ds-m-2")
    );
    assert_eq!(space.parent_data_stream(".ds-m-1"), Some("m"));
    assert_eq!(space.parent_data_stream("a"), None);
    assert!(is_all_indices::<&str>(&[]));
    assert!(is_all_indices(&["_all"]));
    assert!(!is_all_indices(&["*"]));
}
