use proptest::prelude::*;

use super::*;

#[test]
fn restricted_indices() {
    for name in [
        ".security",
        ".security-7",
        ".security-tokens-7",
        ".security-profile-8",
        ".kibana_8.0.0",
        ".tasks",
        ".fleet-agents",
    ] {
        assert!(is_restricted(name), "{name}");
    }
    for name in [
        ".monitoring-beats-8-2024",
        ".ds-logs-1",
        "metricbeat-8",
        "security",
    ] {
        assert!(!is_restricted(name), "{name}");
    }
}

#[test]
fn star_never_reaches_restricted_without_the_flag() {
    let plain = IndexMatcher::new(["*"], false).unwrap();
    assert!(plain.matches("logs"));
    assert!(!plain.matches(".security-7"));
    let sys = IndexMatcher::new(["*"], true).unwrap();
    assert!(sys.matches(".security-7"));
    let explicit = IndexMatcher::new([".security*"], false).unwrap();
    assert!(!explicit.matches(".security-7"));
}

#[test]
fn regex_patterns() {
    let stack = NamePattern::new("/~(([.]|ilm-history-).*)/").unwrap();
    assert!(stack.matches("logs-app"));
    assert!(!stack.matches(".kibana"));
    assert!(!stack.matches("ilm-history-5"));
    let metrics = NamePattern::new("/metrics-(beats|elasticsearch|kibana|logstash).*/").unwrap();
    assert!(metrics.matches("metrics-beats.stack"));
    assert!(!metrics.matches("metrics-apm"));
    assert!(NamePattern::new("/@/").unwrap().matches("anything"));
    assert!(NamePattern::new("/\"a.b\"/").unwrap().matches("a.b"));
    assert!(!NamePattern::new("/\"a.b\"/").unwrap().matches("axb"));
    let err = NamePattern::new("/unclosed").unwrap_err();
    assert_eq!(
        err.error_type,
        ironstack_types::EsErrorType::IllegalArgument
    );
    assert!(NamePattern::new("/a&b/").is_err());
    assert!(NamePattern::new("/a~b/").is_err());
    // Case-sensitive, whole-name.
    assert!(!NamePattern::new("Logs").unwrap().matches("logs"));
    assert!(!NamePattern::new("/log/").unwrap().matches("logs"));
}

#[test]
fn covers_is_an_automaton_subset() {
    let g = IndexMatcher::new(["metricbeat-*"], false).unwrap();
    assert!(g.covers("metricbeat-*", false));
    assert!(g.covers("metricbeat-8.0.0", false));
    assert!(!g.covers("*", false));
    assert!(!g.covers("metric*", false));
    let a = IndexMatcher::new(["index-a"], false).unwrap();
    assert!(!a.covers("*", false));
    let all = IndexMatcher::new(["*"], false).unwrap();
    assert!(all.covers("*", false));
    // With restricted names in the checked set, a non-restricted group no longer covers `*`.
    assert!(!all.covers("*", true));
    assert!(IndexMatcher::new(["*"], true).unwrap().covers("*", true));
    // A restricted concrete name outside the checked set is vacuously covered.
    assert!(a.covers(".security-7", false));
    assert!(request_is_empty(".security", false));
    assert!(!request_is_empty(".security", true));
    assert!(request_is_empty(".security-*", false));
    assert!(!request_is_empty("logs-*", false));
}

fn name() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![Just('a'), Just('b'), Just('-'), Just('.')],
        0..6,
    )
    .prop_map(|v| v.into_iter().collect::<String>())
}

fn pattern() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![Just('a'), Just('b'), Just('-'), Just('.'), Just('*')],
        0..5,
    )
    .prop_map(|v| v.into_iter().collect::<String>())
}

proptest! {
    // A group that covers a request pattern must match every name the pattern matches.
    #[test]
    fn covers_agrees_with_matching(group in pattern(), request in pattern(), names in proptest::collection::vec(name(), 0..20)) {
        let m = IndexMatcher::new([group.as_str()], false).unwrap();
        if m.covers(&request, false) {
            let req = Wildcard::new(&request);
            for n in names.iter().filter(|n| req.matches(n) && !is_restricted(n)) {
                prop_assert!(m.matches(n), "{n} matched by {request} but not by {group}");
            }
        }
    }
}
