//! Rendering JSON the way Elasticsearch does: `?filter_path` (with `*`, `**` and `-`
//! exclusions) and `?pretty` (Jackson's default pretty printer: `"key" : value`, two-space
//! indent, `[ ]`/`{ }` for empties, trailing newline).

use ironstack_types::EsException;
// Elasticsearch's `Glob.globMatch` (`*` only) is the workspace's one wildcard matcher.
use ironstack_types::wildcard::simple_match as glob_match;
use serde_json::{Map, Value};

/// Most path segments a `filter_path` may have, over all its comma-separated paths. Matching
/// costs at most this many pattern checks per key, so the cap bounds the work of one request;
/// Elasticsearch has no such cap, and a 4kb request line leaves room for about 2000 segments.
pub(crate) const MAX_FILTER_PATH_SEGMENTS: usize = 1024;

/// How a path segment matches a key: Elasticsearch's `Glob.globMatch` (`*` only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Exact,
    /// Only stars: matches every key.
    Any,
    Glob,
}

impl Kind {
    fn of(segment: &str) -> Self {
        if !segment.contains('*') {
            Self::Exact
        } else if segment.bytes().all(|b| b == b'*') {
            Self::Any
        } else {
            Self::Glob
        }
    }
}

/// One node of the compiled filter tree, as Elasticsearch's `FilterPath` builds it: paths
/// sharing a prefix share nodes, and a node that ends a path (`is_final`) matches its whole
/// subtree, so longer paths below it are dropped.
#[derive(Debug, Clone)]
struct Node {
    segment: String,
    kind: Kind,
    /// The segment is exactly `**`: once entered, it also stays for every deeper key.
    double_wildcard: bool,
    is_final: bool,
    children: Vec<u32>,
}

/// The compiled include or exclude paths; node 0 is the root.
#[derive(Debug, Clone)]
struct Tree {
    nodes: Vec<Node>,
}

/// What one key does to a set of filter states.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    /// A path ends at this key: the whole value under it is matched.
    Matched,
    /// Some paths continue below this key, from these states (deduplicated).
    Continue,
    /// No path goes through this key.
    Unmatched,
}

impl Node {
    fn matches(&self, key: &str) -> bool {
        match self.kind {
            Kind::Exact => self.segment == key,
            Kind::Any => true,
            Kind::Glob => glob_match(&self.segment, key),
        }
    }
}

impl Tree {
    fn new() -> Self {
        Self {
            nodes: vec![Node {
                segment: String::new(),
                kind: Kind::Exact,
                double_wildcard: false,
                is_final: false,
                children: Vec::new(),
            }],
        }
    }

    fn child(&self, parent: usize, segment: &str) -> Option<usize> {
        self.nodes[parent]
            .children
            .iter()
            .map(|&c| c as usize)
            .find(|&c| self.nodes[c].segment == segment)
    }

    fn add_child(&mut self, parent: usize, segment: String, is_final: bool) -> usize {
        let id = self.nodes.len();
        self.nodes.push(Node {
            double_wildcard: segment == "**",
            kind: Kind::of(&segment),
            segment,
            is_final,
            children: Vec::new(),
        });
        self.nodes[parent].children.push(id as u32);
        id
    }

    /// Adds one path the way Elasticsearch's `FilterPathBuilder` splits it: at the first `.`
    /// that is not escaped as `\.` and not the first character; what follows the last split
    /// is one final segment, dots included. Returns how many segments it took, counting
    /// against `budget`; `None` once the budget is exhausted (the tree is then discarded).
    fn insert(&mut self, path: &str, budget: usize) -> Option<usize> {
        let mut node = 0;
        let mut rest = path;
        let mut used = 0;
        loop {
            used += 1;
            if used > budget {
                return None;
            }
            let (split, escaped) = split_point(rest);
            match split {
                Some(at) if at > 0 => {
                    let segment = unescape(&rest[..at], escaped);
                    let child = match self.child(node, &segment) {
                        Some(c) => c,
                        None => self.add_child(node, segment, false),
                    };
                    if self.nodes[child].is_final {
                        return Some(used);
                    }
                    node = child;
                    rest = &rest[at + 1..];
                }
                _ => {
                    let segment = unescape(rest, escaped);
                    match self.child(node, &segment) {
                        Some(c) => {
                            self.nodes[c].is_final = true;
                            self.nodes[c].children.clear();
                        }
                        None => {
                            self.add_child(node, segment, true);
                        }
                    }
                    return Some(used);
                }
            }
        }
    }

    /// Elasticsearch's `FilterPath.matches` over a whole state set: each state's children
    /// that match `key` (a final one ends the search), plus each `**` state itself. `next`
    /// receives the deduplicated states, so it never holds more than the tree's nodes and
    /// the work per key is bounded by the tree's size, however many `**` there are.
    fn step(&self, states: &[u32], key: &str, next: &mut Vec<u32>) -> Step {
        next.clear();
        for &state in states {
            let node = &self.nodes[state as usize];
            for &c in &node.children {
                let child = &self.nodes[c as usize];
                if child.matches(key) {
                    if child.is_final {
                        return Step::Matched;
                    }
                    next.push(c);
                }
            }
            if node.double_wildcard {
                next.push(state);
            }
        }
        if next.is_empty() {
            return Step::Unmatched;
        }
        next.sort_unstable();
        next.dedup();
        Step::Continue
    }
}

/// The first `.` that splits a path, and whether `\.` escapes were skipped before it.
fn split_point(path: &str) -> (Option<usize>, bool) {
    let bytes = path.as_bytes();
    let mut escaped = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'.' => return (Some(i), escaped),
            b'\\' if bytes.get(i + 1) == Some(&b'.') => {
                escaped = true;
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    (None, escaped)
}

fn unescape(segment: &str, escaped: bool) -> String {
    if escaped {
        segment.replace("\\.", ".")
    } else {
        segment.to_string()
    }
}

/// A parsed `filter_path` parameter.
#[derive(Debug, Clone, Default)]
pub(crate) struct FilterPath {
    includes: Option<Tree>,
    excludes: Option<Tree>,
    /// Set when the parameter has more than [`MAX_FILTER_PATH_SEGMENTS`] segments: the
    /// request is answered with a 400 instead.
    too_many_segments: bool,
}

impl FilterPath {
    /// Parses `a.b,-c.*,**.d` (comma-separated, trimmed, `-` for exclusions); `None` when the
    /// parameter is absent or empty.
    pub(crate) fn parse(param: &str) -> Option<Self> {
        let mut fp = Self::default();
        let mut budget = MAX_FILTER_PATH_SEGMENTS;
        for part in param.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (tree, path) = match part.strip_prefix('-') {
                Some(ex) => (&mut fp.excludes, ex),
                None => (&mut fp.includes, part),
            };
            match tree.get_or_insert_with(Tree::new).insert(path, budget) {
                Some(used) => budget -= used,
                None => {
                    return Some(Self {
                        too_many_segments: true,
                        ..Self::default()
                    });
                }
            }
        }
        (fp.includes.is_some() || fp.excludes.is_some()).then_some(fp)
    }

    /// The error to answer instead of a response, for a parameter over the segment cap.
    pub(crate) fn rejection(&self) -> Option<EsException> {
        self.too_many_segments.then(|| {
            EsException::illegal_argument(format!(
                "[filter_path] has more than [{MAX_FILTER_PATH_SEGMENTS}] path segments"
            ))
        })
    }

    /// Applies the includes, then the excludes (Elasticsearch chains its two filtering
    /// generators that way). Objects and arrays that a filter descends into and leaves empty
    /// are dropped; the root object stays, so a body with nothing left is `{}`.
    pub(crate) fn apply(&self, value: Value) -> Value {
        let included = match &self.includes {
            Some(tree) if !self.too_many_segments => include(tree, value, &[0]),
            _ => Some(value),
        };
        let result = match (included, &self.excludes) {
            (Some(v), Some(tree)) if !self.too_many_segments => exclude(tree, v, &[0]),
            (other, _) => other,
        };
        result.unwrap_or_else(|| Value::Object(Map::new()))
    }
}

fn include(tree: &Tree, value: Value, states: &[u32]) -> Option<Value> {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            let mut next = Vec::new();
            for (k, v) in map {
                match tree.step(states, &k, &mut next) {
                    Step::Matched => {
                        out.insert(k, v);
                    }
                    Step::Continue => {
                        if let Some(v) = include(tree, v, &next) {
                            out.insert(k, v);
                        }
                    }
                    Step::Unmatched => {}
                }
            }
            (!out.is_empty()).then_some(Value::Object(out))
        }
        // Array elements are at the same depth as the array.
        Value::Array(items) => {
            let out: Vec<Value> = items
                .into_iter()
                .filter_map(|v| include(tree, v, states))
                .collect();
            (!out.is_empty()).then_some(Value::Array(out))
        }
        // A scalar reached by a path that does not end here is not included.
        _ => None,
    }
}

fn exclude(tree: &Tree, value: Value, states: &[u32]) -> Option<Value> {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            let mut next = Vec::new();
            for (k, v) in map {
                match tree.step(states, &k, &mut next) {
                    Step::Matched => {}
                    Step::Continue => {
                        if let Some(v) = exclude(tree, v, &next) {
                            out.insert(k, v);
                        }
                    }
                    Step::Unmatched => {
                        out.insert(k, v);
                    }
                }
            }
            (!out.is_empty()).then_some(Value::Object(out))
        }
        Value::Array(items) => {
            let out: Vec<Value> = items
                .into_iter()
                .filter_map(|v| exclude(tree, v, states))
                .collect();
            (!out.is_empty()).then_some(Value::Array(out))
        }
        // A scalar is only excluded by a path that ends at its key.
        other => Some(other),
    }
}

/// Serialises like Jackson's default pretty printer, which Elasticsearch uses for `?pretty`.
pub(crate) fn to_pretty(value: &Value) -> String {
    let mut out = String::new();
    write_pretty(value, 0, &mut out);
    out.push('\n');
    out
}

fn write_pretty(value: &Value, depth: usize, out: &mut String) {
    let indent = |n: usize, out: &mut String| out.extend(std::iter::repeat_n("  ", n));
    match value {
        Value::Object(map) if map.is_empty() => out.push_str("{ }"),
        Value::Array(items) if items.is_empty() => out.push_str("[ ]"),
        Value::Object(map) => {
            out.push_str("{\n");
            for (i, (k, v)) in map.iter().enumerate() {
                indent(depth + 1, out);
                out.push_str(&Value::String(k.clone()).to_string());
                out.push_str(" : ");
                write_pretty(v, depth + 1, out);
                if i + 1 < map.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            indent(depth, out);
            out.push('}');
        }
        Value::Array(items) => {
            out.push_str("[\n");
            for (i, v) in items.iter().enumerate() {
                indent(depth + 1, out);
                write_pretty(v, depth + 1, out);
                if i + 1 < items.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            indent(depth, out);
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn sample() -> Value {
        json!({
            "name": "n1",
            "cluster_name": "c",
            "version": {"number": "9.1.0", "build_flavor": "default"},
            "nodes": [{"id": "a", "ip": "1"}, {"id": "b", "ip": "2"}],
            "tagline": "You Know, for Search"
        })
    }

    #[test]
    fn includes_with_wildcards_and_any_depth() {
        let f = FilterPath::parse("name,version.num*").unwrap();
        assert_eq!(
            f.apply(sample()),
            json!({"name": "n1", "version": {"number": "9.1.0"}})
        );
        let f = FilterPath::parse("**.ip").unwrap();
        assert_eq!(
            f.apply(sample()),
            json!({"nodes": [{"ip": "1"}, {"ip": "2"}]})
        );
        let f = FilterPath::parse("*name").unwrap();
        assert_eq!(
            f.apply(sample()),
            json!({"name": "n1", "cluster_name": "c"})
        );
        assert_eq!(
            FilterPath::parse("nothing").unwrap().apply(sample()),
            json!({})
        );
    }

    #[test]
    fn double_wildcard_spans_one_or_more_levels() {
        // As Elasticsearch's FilterPath: entering `**` consumes a key, so `**.name` does not
        // match a top-level `name` and `a.**.b` does not match `a.b`.
        let f = FilterPath::parse("**.name").unwrap();
        assert_eq!(f.apply(sample()), json!({}));
        let doc = json!({"a": {"b": 1, "x": {"b": 2, "y": {"b": 3}}}});
        let f = FilterPath::parse("a.**.b").unwrap();
        assert_eq!(
            f.apply(doc.clone()),
            json!({"a": {"x": {"b": 2, "y": {"b": 3}}}})
        );
        assert_eq!(FilterPath::parse("a.**").unwrap().apply(doc.clone()), doc);
        assert_eq!(FilterPath::parse("**").unwrap().apply(doc.clone()), doc);
    }

    /// Elasticsearch's own generator-filtering cases (FilterPathGeneratorFilteringTests).
    #[test]
    fn elasticsearch_generator_cases() {
        let doc = json!({"a": 0, "b": true, "c": "c_value", "d": [0, 1, 2],
            "e": [{"f1": "f1_value", "f2": "f2_value"}, {"g1": "g1_value", "g2": "g2_value"}],
            "h": {"i": {"j": {"k": {"l": "l_value"}}}}});
        let h = json!({"h": {"i": {"j": {"k": {"l": "l_value"}}}}});
        let include = |f: &str| FilterPath::parse(f).unwrap().apply(doc.clone());
        let exclude = |f: &str| {
            let f: Vec<String> = f.split(',').map(|p| format!("-{p}")).collect();
            FilterPath::parse(&f.join(",")).unwrap().apply(doc.clone())
        };
        assert_eq!(include("d"), json!({"d": [0, 1, 2]}));
        assert_eq!(include("z"), json!({}));
        assert_eq!(
            include("e.f*"),
            json!({"e": [{"f1": "f1_value", "f2": "f2_value"}]})
        );
        assert_eq!(
            include("e.*2"),
            json!({"e": [{"f2": "f2_value"}, {"g2": "g2_value"}]})
        );
        for f in [
            "h.i.j.k.l",
            "h.*",
            "*.i.j",
            "h.*.j.*.l",
            "**.l",
            "h.i.j.k.l,h.i.j.k.l.m",
        ] {
            assert_eq!(include(f), h, "{f}");
        }
        assert_eq!(
            include("**.*2"),
            json!({"e": [{"f2": "f2_value"}, {"g2": "g2_value"}]})
        );
        assert_eq!(include("a,b,c,d,e.f1,e.f2,e.g1,e.g2,h.i.j.k.l"), doc);

        let mut without_h = doc.clone();
        without_h.as_object_mut().unwrap().remove("h");
        // Excluding the only leaf under h leaves nothing there: h goes too.
        for f in ["h", "h.i.j.k.l", "*.i", "h.i.*.k.l", "**.l"] {
            assert_eq!(exclude(f), without_h, "{f}");
        }
        let mut e_excluded = doc.clone();
        e_excluded["e"] = json!([{"g1": "g1_value", "g2": "g2_value"}]);
        assert_eq!(
            exclude("e.f*"),
            e_excluded,
            "an emptied array element is dropped"
        );
        e_excluded["e"] = json!([{"f1": "f1_value"}, {"g1": "g1_value"}]);
        assert_eq!(exclude("**.*2"), e_excluded);
        assert_eq!(exclude("z"), doc);
        assert_eq!(exclude("a,b,c,d,e.f1,e.f2,e.g1,e.g2,h.i.j.k.l"), json!({}));
        // Scalars under a path that continues are kept by exclusions.
        assert_eq!(exclude("d.x"), doc);
    }

    #[test]
    fn escaped_dots_and_elasticsearch_splitting() {
        let doc = json!({"a": 0, "b.c": "value", "b": {"c": "c_value"}, ".x.y": 1, "p": {"": 2}});
        let f = |s: &str| FilterPath::parse(s).unwrap().apply(doc.clone());
        assert_eq!(f("b.c"), json!({"b": {"c": "c_value"}}));
        assert_eq!(f("b\\.c"), json!({"b.c": "value"}));
        assert_eq!(
            f("-b\\.c"),
            json!({"a": 0, "b": {"c": "c_value"}, ".x.y": 1, "p": {"": 2}})
        );
        // A leading dot does not split: the rest is one field name.
        assert_eq!(f(".x.y"), json!({".x.y": 1}));
        assert_eq!(f("p."), json!({"p": {"": 2}}));
    }

    #[test]
    fn exclusions_and_mixed() {
        let f = FilterPath::parse("-version,-nodes.ip,-tagline").unwrap();
        assert_eq!(
            f.apply(sample()),
            json!({"name": "n1", "cluster_name": "c", "nodes": [{"id": "a"}, {"id": "b"}]})
        );
        let f = FilterPath::parse("version,-version.build_flavor").unwrap();
        assert_eq!(f.apply(sample()), json!({"version": {"number": "9.1.0"}}));
        assert!(FilterPath::parse(" , ").is_none());
    }

    #[test]
    fn glob_matching() {
        for (p, t, m) in [
            ("*", "", true),
            ("a*", "abc", true),
            ("*c", "abc", true),
            ("a*c", "ac", true),
            ("a*bc", "abc", true),
            ("ab*bc", "abc", false),
            ("*b*", "abc", true),
            ("*x*", "abc", false),
            ("a**c", "abbc", true),
            ("el*ic*", "elastic", true),
            ("*a*a", "aa", true),
            ("*a*a", "a", false),
            ("a?c", "abc", false),
        ] {
            assert_eq!(glob_match(p, t), m, "{p} ~ {t}");
        }
    }

    /// A document `depth` objects deep, each level keyed `k` with a sibling `x` leaf.
    fn deep(depth: usize) -> Value {
        let mut v = json!({"x": depth});
        for level in (0..depth).rev() {
            v = json!({"k": v, "x": level});
        }
        v
    }

    /// Something shaped like `_nodes/stats`: a few hundred keys, eight levels deep.
    fn stats_like() -> Value {
        let leaf =
            |i: usize| json!({"count": i, "time_in_millis": i, "bytes": {"used": i, "max": i}});
        let section: Map<String, Value> = (0..20).map(|i| (format!("s{i}"), leaf(i))).collect();
        let node: Map<String, Value> = (0..12)
            .map(|i| (format!("area{i}"), json!({"inner": section.clone()})))
            .collect();
        json!({"_nodes": {"total": 1}, "cluster_name": "c", "nodes": {"id1": node}})
    }

    #[test]
    fn double_wildcard_bombs_are_linear() {
        let started = std::time::Instant::now();
        // 60 `**` (which used to take a node past 15 GB): `x` at depth d is matched when the
        // `**`s can span the d keys above it, one key each at least.
        let param = vec!["**"; 60].join(".") + ".x";
        let f = FilterPath::parse(&param).unwrap();
        let out = f.apply(deep(80));
        let mut v = &out;
        let mut found = Vec::new();
        while let Some(obj) = v.as_object() {
            if let Some(x) = obj.get("x") {
                found.push(x.as_u64().unwrap());
            }
            match obj.get("k") {
                Some(k) => v = k,
                None => break,
            }
        }
        assert_eq!(found, (60..=80).collect::<Vec<u64>>());
        assert_eq!(f.apply(stats_like()), json!({}));

        // 1000 `**` over a realistic body, and over one deeper than the chain.
        let param = vec!["**"; 1000].join(".");
        let f = FilterPath::parse(&param).unwrap();
        assert!(f.rejection().is_none());
        assert_eq!(f.apply(stats_like()), json!({}));
        let param = param + ",nodes.*.area1.inner.s1.bytes.used";
        let f = FilterPath::parse(&param).unwrap();
        assert_eq!(
            f.apply(stats_like()),
            json!({"nodes": {"id1": {"area1": {"inner": {"s1": {"bytes": {"used": 1}}}}}}})
        );
        // Generous for a debug build on a loaded machine; the unbounded matcher never ends.
        assert!(started.elapsed() < std::time::Duration::from_secs(20));

        // The state set never holds more than the tree's nodes, at any depth: after d keys
        // it is the first min(d, 1000) `**` nodes.
        let f = FilterPath::parse(&(vec!["**"; 1000].join(".") + ".x")).unwrap();
        let tree = f.includes.as_ref().unwrap();
        let (mut states, mut next) = (vec![0u32], Vec::new());
        for depth in 1..=1100 {
            assert_eq!(tree.step(&states, "k", &mut next), Step::Continue);
            assert_eq!(next.len(), depth.min(1000), "states after {depth} keys");
            std::mem::swap(&mut states, &mut next);
        }
    }

    #[test]
    fn too_many_segments_is_a_400() {
        let at_cap = vec!["a"; MAX_FILTER_PATH_SEGMENTS].join(".");
        assert!(FilterPath::parse(&at_cap).unwrap().rejection().is_none());
        let over = vec!["a"; MAX_FILTER_PATH_SEGMENTS + 1].join(".");
        let e = FilterPath::parse(&over).unwrap().rejection().unwrap();
        assert_eq!(e.status, 400);
        assert_eq!(e.error_type, "illegal_argument_exception");
        // Spread over many paths, including exclusions, counts the same.
        let paths = vec!["-a.b"; MAX_FILTER_PATH_SEGMENTS / 2 + 1].join(",");
        assert!(FilterPath::parse(&paths).unwrap().rejection().is_some());
    }

    /// The obvious matcher: every path kept separately, `**` expanded by backtracking and
    /// never deduplicated. Exponential, but a reference for small inputs.
    mod reference {
        use serde_json::{Map, Value};

        #[derive(Debug, Clone)]
        pub(super) enum Seg {
            Name(String),
            Double,
        }

        fn glob(p: &[u8], t: &[u8]) -> bool {
            match p.split_first() {
                None => t.is_empty(),
                Some((b'*', rest)) => (0..=t.len()).any(|i| glob(rest, &t[i..])),
                Some((c, rest)) => t.first() == Some(c) && glob(rest, &t[1..]),
            }
        }

        /// Whether a path ends at `key`, else the paths that continue below it.
        fn advance(paths: &[Vec<Seg>], key: &str) -> Result<Vec<Vec<Seg>>, ()> {
            let mut next = Vec::new();
            for p in paths {
                let Some((first, rest)) = p.split_first() else {
                    continue;
                };
                let consumes = match first {
                    Seg::Double => true,
                    Seg::Name(n) => glob(n.as_bytes(), key.as_bytes()),
                };
                if !consumes {
                    continue;
                }
                if rest.is_empty() {
                    return Err(());
                }
                if matches!(first, Seg::Double) {
                    next.push(p.clone());
                }
                next.push(rest.to_vec());
            }
            Ok(next)
        }

        pub(super) fn filter(value: Value, paths: &[Vec<Seg>], inclusive: bool) -> Option<Value> {
            match value {
                Value::Object(map) => {
                    let mut out = Map::new();
                    for (k, v) in map {
                        match advance(paths, &k) {
                            Err(()) if inclusive => {
                                out.insert(k, v);
                            }
                            Err(()) => {}
                            Ok(next) if next.is_empty() => {
                                if !inclusive {
                                    out.insert(k, v);
                                }
                            }
                            Ok(next) => {
                                if let Some(v) = filter(v, &next, inclusive) {
                                    out.insert(k, v);
                                }
                            }
                        }
                    }
                    (!out.is_empty()).then_some(Value::Object(out))
                }
                Value::Array(items) => {
                    let out: Vec<Value> = items
                        .into_iter()
                        .filter_map(|v| filter(v, paths, inclusive))
                        .collect();
                    (!out.is_empty()).then_some(Value::Array(out))
                }
                other => (!inclusive).then_some(other),
            }
        }
    }

    fn json_strategy() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let key = prop::sample::select(vec!["a", "b", "c", "ab", "ba"]);
        let leaf = prop_oneof![Just(json!(1)), Just(json!("s")), Just(json!(null))];
        leaf.prop_recursive(5, 40, 4, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                prop::collection::vec((key.clone(), inner), 0..4).prop_map(|kv| Value::Object(
                    kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
                )),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn matches_the_reference(
            doc in json_strategy(),
            paths in proptest::collection::vec(
                (proptest::bool::ANY, proptest::collection::vec(
                    proptest::sample::select(vec!["a", "b", "c", "*", "**", "a*", "*b", "x"]),
                    1..5,
                )),
                1..4,
            ),
        ) {
            use reference::Seg;
            let param: Vec<String> = paths
                .iter()
                .map(|(ex, segs)| format!("{}{}", if *ex { "-" } else { "" }, segs.join(".")))
                .collect();
            let compiled = FilterPath::parse(&param.join(",")).unwrap();
            let to_ref = |exclusions: bool| -> Vec<Vec<Seg>> {
                paths
                    .iter()
                    .filter(|(ex, _)| *ex == exclusions)
                    .map(|(_, segs)| {
                        segs.iter()
                            .map(|s| if *s == "**" { Seg::Double } else { Seg::Name(s.to_string()) })
                            .collect()
                    })
                    .collect()
            };
            let (includes, excludes) = (to_ref(false), to_ref(true));
            let mut expected = Some(doc.clone());
            if !includes.is_empty() {
                expected = expected.and_then(|v| reference::filter(v, &includes, true));
            }
            if !excludes.is_empty() {
                expected = expected.and_then(|v| reference::filter(v, &excludes, false));
            }
            let expected = expected.unwrap_or_else(|| json!({}));
            proptest::prop_assert_eq!(compiled.apply(doc), expected, "{}", param.join(","));
        }
    }

    #[test]
    fn pretty_matches_jackson() {
        let v = json!({"a": 1, "b": {"c": [1, "x"]}, "d": [], "e": {}});
        assert_eq!(
            to_pretty(&v),
            "{\n  \"a\" : 1,\n  \"b\" : {\n    \"c\" : [\n      1,\n      \"x\"\n    ]\n  },\n  \"d\" : [ ],\n  \"e\" : { }\n}\n"
        );
    }
}
