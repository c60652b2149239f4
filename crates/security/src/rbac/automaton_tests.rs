use proptest::prelude::*;

use super::*;

#[test]
fn wildcard_matching() {
    assert!(Wildcard::new("a*c").matches("abbbc"));
    assert!(Wildcard::new("a?c").matches("abc"));
    assert!(!Wildcard::new("a?c").matches("abbc"));
    assert!(Wildcard::new("*").matches(""));
    assert!(Wildcard::new("a\\*").matches("a*"));
    assert!(!Wildcard::new("a\\*").matches("ab"));
    assert!(Wildcard::new("indices:data/write/index[*").matches("indices:data/write/index[s]"));
    // Backtracking past an earlier star, multi-byte characters, trailing stars.
    assert!(Wildcard::new("a*b*c").matches("axbybbc"));
    assert!(!Wildcard::new("a*b*c").matches("axbybcd"));
    assert!(Wildcard::new("m?*é").matches("mäxé"));
    assert!(Wildcard::new("ab**").matches("ab"));
    assert!(!Wildcard::new("").matches("a"));
}

#[test]
fn subset_of_wildcards() {
    let monitor = Automaton::patterns(["cluster:monitor/*"]);
    let all = Automaton::patterns(["cluster:*"]);
    assert!(monitor.subset_of(&all));
    assert!(!all.subset_of(&monitor));
    let main = Automaton::patterns(["cluster:monitor/main*"]);
    assert!(main.subset_of(&monitor));
    let union = Automaton::patterns(["a*", "b*"]);
    assert!(Automaton::patterns(["a?", "bc*"]).subset_of(&union));
    assert!(!Automaton::patterns(["*"]).subset_of(&union));
    assert!(Automaton::empty().subset_of(&Automaton::empty()));
    assert!(Automaton::empty().is_empty());
    assert!(!monitor.is_empty());
}

#[test]
fn minus_terms() {
    let manage = Automaton::minus(["cluster:*"], ["cluster:admin/xpack/security/*"]);
    assert!(manage.matches("cluster:monitor/main"));
    assert!(!manage.matches("cluster:admin/xpack/security/user/put"));
    let security = Automaton::patterns(["cluster:admin/xpack/security/*"]);
    assert!(!security.subset_of(&manage));
    assert!(Automaton::patterns(["cluster:admin/ilm/*"]).subset_of(&manage));
    // Only part of the requested range is excluded: not a subset.
    assert!(!Automaton::patterns(["cluster:admin/*"]).subset_of(&manage));
    let empty = Automaton::minus(["a*"], ["*"]);
    assert!(empty.is_empty());
}

fn pattern() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![Just('a'), Just('b'), Just('/'), Just('*'), Just('?')],
        0..6,
    )
    .prop_map(|v| v.into_iter().collect::<String>())
}

fn word() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![Just('a'), Just('b'), Just('/'), Just('c')],
        0..7,
    )
    .prop_map(|v| v.into_iter().collect::<String>())
}

proptest! {
    // A subset answer must agree with membership: if A ⊆ B then every word of A is in B.
    #[test]
    fn subset_agrees_with_membership(a in pattern(), b in pattern(), c in pattern(), words in proptest::collection::vec(word(), 0..30)) {
        let left = Automaton::patterns([a.as_str()]);
        let right = Automaton::patterns([b.as_str(), c.as_str()]);
        if left.subset_of(&right) {
            for w in &words {
                prop_assert!(!left.matches(w) || right.matches(w), "{w} in {a} but not in {b}|{c}");
            }
        }
        prop_assert!(left.subset_of(&left));
    }

    #[test]
    fn wildcard_equals_regex(p in pattern(), w in word()) {
        let re = format!(
            "^{}$",
            p.chars().map(|c| match c { '*' => ".*".to_string(), '?' => ".".to_string(), c => regex::escape(&c.to_string()) }).collect::<String>()
        );
        let re = regex::Regex::new(&re).unwrap();
        prop_assert_eq!(Wildcard::new(&p).matches(&w), re.is_match(&w));
    }
}
