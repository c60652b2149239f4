use ironstack_types::index_space::{ExpandWildcards, IndexAbstraction};

use super::*;
use crate::rbac::IndexAccess;

fn space() -> IndexSpace {
    IndexSpace::new([
        IndexAbstraction::index("logs-a"),
        IndexAbstraction::index("logs-b"),
        IndexAbstraction::index("logs-closed").closed(true),
        IndexAbstraction::index("secret"),
        IndexAbstraction::index(".hidden-x").hidden(true),
        IndexAbstraction::alias("logs", vec!["logs-a".into(), "logs-b".into()], None),
        IndexAbstraction::data_stream("metrics-x", vec![".ds-metrics-x-2024.01.01-000001".into()]),
        IndexAbstraction::index(".ds-metrics-x-2024.01.01-000001")
            .hidden(true)
            .in_data_stream("metrics-x"),
        IndexAbstraction::index("logs-2024.03.22"),
    ])
}

fn now() -> Timestamp {
    "2024-03-22T10:00:00Z".parse().unwrap()
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn resolve(
    expr: &[&str],
    options: IndicesOptions,
    allowed: &[&str],
) -> Result<ResolvedIndices, Box<EsException>> {
    let allowed: Vec<String> = names(allowed);
    resolve_indices(
        &names(expr),
        &options,
        &space(),
        |n| allowed.iter().any(|p| simple_match(p, n)),
        now(),
    )
}

const OPEN: IndicesOptions = IndicesOptions::STRICT_EXPAND_OPEN;

#[test]
fn wildcards_reach_only_authorized_visible_names() {
    let r = resolve(&["logs-*"], OPEN, &["logs-a", "logs-closed"]).unwrap();
    assert_eq!(r.names, ["logs-a"]);
    let r = resolve(&["*"], OPEN, &["*"]).unwrap();
    assert!(!r.names.contains(&".hidden-x".to_string()));
    assert!(!r.names.contains(&"logs-closed".to_string()));
    assert!(r.names.contains(&"logs".to_string()), "aliases are reached");
    assert!(
        r.names.contains(&"metrics-x".to_string()),
        "data streams are reached"
    );
    let r = resolve(&[".h*"], OPEN, &["*"]).unwrap();
    assert_eq!(
        r.names,
        [".hidden-x"],
        "a dot pattern reaches dot hidden names"
    );
    let all = IndicesOptions {
        expand_wildcards: ExpandWildcards::ALL,
        ..OPEN
    };
    let r = resolve(&["_all"], all, &["*"]).unwrap();
    assert!(r.names.contains(&".hidden-x".to_string()));
    assert!(r.names.contains(&"logs-closed".to_string()));
}

#[test]
fn empty_expressions_and_all_mean_every_authorized_name() {
    let r = resolve(&[], OPEN, &["logs-b", "secret"]).unwrap();
    assert_eq!(r.names, ["logs-b", "secret"]);
    let r = resolve(&["_all"], OPEN, &["nothing-*"]).unwrap();
    assert!(r.no_indices && r.names.is_empty());
}

#[test]
fn explicit_names_stay_for_the_authorization_check() {
    let r = resolve(&["secret", "missing"], OPEN, &["logs-*"]).unwrap();
    assert_eq!(r.names, ["secret", "missing"]);
    let lenient = IndicesOptions {
        ignore_unavailable: true,
        ..OPEN
    };
    let r = resolve(
        &["secret", "missing", "logs-a"],
        lenient,
        &["logs-*", "missing"],
    )
    .unwrap();
    assert_eq!(
        r.names,
        ["logs-a"],
        "unauthorized and missing names are skipped"
    );
}

#[test]
fn exclusions_apply_after_a_wildcard_only() {
    let r = resolve(&["logs-*", "-logs-b"], OPEN, &["*"]).unwrap();
    assert_eq!(r.names, ["logs-2024.03.22", "logs-a"]);
    let r = resolve(&["logs-*", "-*-a"], OPEN, &["*"]).unwrap();
    assert_eq!(r.names, ["logs-2024.03.22", "logs-b"]);
    let r = resolve(&["-logs-a"], OPEN, &["*"]).unwrap();
    assert_eq!(r.names, ["-logs-a"], "a leading exclusion is a name");
}

#[test]
fn nothing_reached_follows_allow_no_indices() {
    let r = resolve(&["nope-*"], OPEN, &["*"]).unwrap();
    assert!(r.no_indices);
    let strict = IndicesOptions {
        allow_no_indices: false,
        ..OPEN
    };
    let e = resolve(&["nope-*"], strict, &["*"]).unwrap_err();
    assert_eq!(e.reason, "no such index [nope-*]");
    assert_eq!(e.status, 404);
    let e = resolve(
        &["a", "b"],
        IndicesOptions {
            ignore_unavailable: true,
            ..strict
        },
        &["x"],
    )
    .unwrap_err();
    assert_eq!(e.reason, "no such index [[a, b]]");
}

#[test]
fn date_math_names_resolve_before_authorization() {
    let r = resolve(&["<logs-{now/d}>"], OPEN, &["logs-*"]).unwrap();
    assert_eq!(r.names, ["logs-2024.03.22"]);
    let e = resolve(&["<logs-{now/d}>"], OPEN, &["other"]).unwrap_err();
    assert_eq!(e.reason, "no such index [logs-2024.03.22]");
    let e = resolve(&["<logs-{now/d>"], OPEN, &["*"]).unwrap_err();
    assert_eq!(e.error_type, "parse_exception");
}

#[test]
fn forbidden_wildcards_and_underscore_names_are_refused() {
    let destructive = IndicesOptions {
        forbid_wildcards: true,
        ..IndicesOptions::STRICT_EXPAND_OPEN_CLOSED
    };
    for expr in [&["logs-*"][..], &["_all"], &[]] {
        let e = resolve(expr, destructive, &["*"]).unwrap_err();
        assert_eq!(
            e.reason,
            "Wildcard expressions or all indices are not allowed"
        );
    }
    let e = resolve(&["_bogus"], OPEN, &["*"]).unwrap_err();
    assert_eq!(e.error_type, "invalid_index_name_exception");
    assert_eq!(
        e.reason,
        "Invalid index name [_bogus], must not start with '_'."
    );
}

struct Grants(Vec<String>);

impl Permission for Grants {
    fn check_cluster(&self, _: &str, _: ClusterContext) -> bool {
        false
    }
    fn check_index(&self, _: &str, index: &str) -> bool {
        self.0.iter().any(|p| simple_match(p, index))
    }
    fn check_index_action_name(&self, _: &str) -> bool {
        !self.0.is_empty()
    }
    fn index_access(&self, _: &str, _: &[&str]) -> IndexAccess {
        IndexAccess::unrestricted()
    }
    fn check_auto_put_mapping(&self, index: &str, data_stream: Option<&str>) -> MappingUpdate {
        // Records what the space told it: granted only when the data stream is named.
        match data_stream {
            Some(stream) if self.check_index("", stream) => MappingUpdate::Granted,
            _ if self.check_index("", index) => MappingUpdate::Granted,
            _ => MappingUpdate::Denied,
        }
    }
}

#[test]
fn a_data_stream_grant_covers_its_backing_indices() {
    let space = space();
    let grants = Grants(names(&["metrics-*"]));
    let p = SpacePermission::new(&grants, &space);
    assert!(p.check_index(
        "indices:data/read/search",
        ".ds-metrics-x-2024.01.01-000001"
    ));
    assert!(p.check_index("indices:data/read/search", "metrics-x"));
    assert!(!p.check_index("indices:data/read/search", "logs-a"));
    // Mapping updates of a backing index are checked with its data stream named.
    let streams = Grants(names(&["metrics-x"]));
    let p = SpacePermission::new(&streams, &space);
    assert_eq!(
        p.check_auto_put_mapping(".ds-metrics-x-2024.01.01-000001", None),
        MappingUpdate::Granted
    );
    assert_eq!(
        p.check_auto_put_mapping("logs-a", None),
        MappingUpdate::Denied
    );
}

proptest::proptest! {
    #[test]
    fn arbitrary_expressions_never_panic(expr in proptest::collection::vec("[-_a-z*<>{}/.,0-9]{0,12}", 0..4)) {
        let refs: Vec<&str> = expr.iter().map(String::as_str).collect();
        let _ = resolve(&refs, OPEN, &["*"]);
    }
}
