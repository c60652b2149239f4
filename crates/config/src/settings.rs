//! The flat settings map: `ironstack.yml` and `-E` overrides after flattening nested maps into
//! dotted keys (as Elasticsearch does) and resolving `${VAR}` placeholders, with the origin of
//! every value kept for error messages. No validation of names or values happens here.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::options::{DuplicateKeyPolicy, Options};
use serde_saphyr::{MessageFormatter as _, Spanned, UserMessageFormatter};

use crate::{Error, Origin, Result};

/// A setting's value: Elasticsearch keeps scalars as strings and lists as lists of strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingValue {
    /// A single value (numbers and booleans as their YAML text).
    Scalar(String),
    /// A YAML sequence of scalars.
    List(Vec<String>),
}

impl SettingValue {
    /// The value as the user wrote it, for messages (`[a, b]` for lists).
    pub fn display(&self) -> String {
        match self {
            SettingValue::Scalar(s) => s.clone(),
            SettingValue::List(items) => format!("[{}]", items.join(", ")),
        }
    }

    /// List view: a list as is, a scalar split on commas (Elasticsearch accepts both
    /// `[a, b]` and `"a,b"` for list settings), blank items dropped.
    pub fn as_list(&self) -> Vec<String> {
        let items: Vec<String> = match self {
            SettingValue::Scalar(s) => s.split(',').map(|p| p.trim().to_string()).collect(),
            SettingValue::List(items) => items.iter().map(|p| p.trim().to_string()).collect(),
        };
        items.into_iter().filter(|p| !p.is_empty()).collect()
    }
}

/// One setting with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The value.
    pub value: SettingValue,
    /// The file or the command line.
    pub origin: Origin,
}

/// Flat, dotted-key settings in key order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    map: BTreeMap<String, Setting>,
}

impl Settings {
    /// The setting under `key`, if given.
    pub fn get(&self, key: &str) -> Option<&Setting> {
        self.map.get(key)
    }

    /// A scalar setting's text. A list given for a scalar setting is an error in
    /// [`crate::NodeConfig`] validation; here it is simply `None`.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        match &self.map.get(key)?.value {
            SettingValue::Scalar(s) => Some(s),
            SettingValue::List(_) => None,
        }
    }

    /// Every key, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
    }

    /// Every setting, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Setting)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Number of settings.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when nothing is set.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Parses YAML text (the content of `path`) into flat settings. An empty document is
    /// empty settings. Placeholders are not resolved yet.
    ///
    /// Values keep the text they have in the file, as Elasticsearch's settings loader does:
    /// `yes` stays `yes` (and is then refused where a boolean is expected) rather than
    /// becoming YAML 1.1's `true`. A key given twice, in one map or once flat and once nested,
    /// is [`Error::DuplicateSetting`] with its full dotted name and line.
    pub fn from_yaml(text: &str, path: &Path) -> Result<Self> {
        let origin = Origin::File(path.to_path_buf());
        if text.trim().is_empty() {
            return Ok(Settings::default());
        }
        // Duplicates are passed through to be reported below with their dotted key, not as
        // the parser's bare "duplicate mapping key: port".
        let mut options = Options::default();
        options.duplicate_keys = DuplicateKeyPolicy::PassThrough;
        let root: Spanned<YamlNode> = serde_saphyr::from_str_with_options(text, options)
            .map_err(|e| syntax_error(path, &e))?;
        let mut settings = Settings::default();
        match root.value {
            YamlNode::Null => {}
            YamlNode::Map(entries) => {
                for (key, value) in entries {
                    let line = key.referenced.line();
                    settings.flatten_into(key.value, line, value, text, &origin)?;
                }
            }
            other => {
                return Err(Error::Yaml {
                    path: path.to_path_buf(),
                    message: format!(
                        "expected a map of settings at the top level, found {}",
                        other.kind()
                    ),
                });
            }
        }
        Ok(settings)
    }

    fn flatten_into(
        &mut self,
        key: String,
        line: u64,
        node: Spanned<YamlNode>,
        text: &str,
        origin: &Origin,
    ) -> Result<()> {
        let invalid = |key: &str, value: String, reason: &str| Error::InvalidValue {
            key: key.to_string(),
            value,
            reason: reason.to_string(),
            origin: origin.clone(),
        };
        if let Some(value) = scalar_value(text, &node) {
            return self.insert_new(key, SettingValue::Scalar(value), origin.clone(), Some(line));
        }
        let value = match node.value {
            // Elasticsearch treats `key:` (null) as "not set".
            YamlNode::Null => return Ok(()),
            YamlNode::Map(entries) => {
                for (sub, sub_value) in entries {
                    let sub_line = sub.referenced.line();
                    self.flatten_into(
                        format!("{key}.{}", sub.value),
                        sub_line,
                        sub_value,
                        text,
                        origin,
                    )?;
                }
                return Ok(());
            }
            YamlNode::List(items) => {
                let mut list = Vec::with_capacity(items.len());
                for item in &items {
                    match scalar_value(text, item) {
                        Some(value) => list.push(value),
                        None => {
                            let shown = source_text(text, item).unwrap_or_default().to_string();
                            return Err(invalid(
                                &key,
                                shown,
                                "lists may only hold plain values (strings, numbers, booleans)",
                            ));
                        }
                    }
                }
                SettingValue::List(list)
            }
            YamlNode::Text(_) | YamlNode::Typed(_) => {
                return Err(invalid(&key, String::new(), "unsupported value"));
            }
        };
        self.insert_new(key, value, origin.clone(), Some(line))
    }

    fn insert_new(
        &mut self,
        key: String,
        value: SettingValue,
        origin: Origin,
        line: Option<u64>,
    ) -> Result<()> {
        if self.map.contains_key(&key) {
            return Err(Error::DuplicateSetting { key, origin, line });
        }
        self.map.insert(key, Setting { value, origin });
        Ok(())
    }

    /// Parses `-E key=value` arguments (without the `-E`) into settings with the
    /// command-line origin. The same key twice is an error, as in Elasticsearch.
    pub fn from_overrides<S: AsRef<str>>(arguments: &[S]) -> Result<Self> {
        let mut settings = Settings::default();
        for argument in arguments {
            let argument = argument.as_ref();
            let Some((key, value)) = argument.split_once('=') else {
                return Err(Error::InvalidOverride {
                    argument: argument.to_string(),
                });
            };
            let key = key.trim();
            if key.is_empty() {
                return Err(Error::InvalidOverride {
                    argument: argument.to_string(),
                });
            }
            settings.insert_new(
                key.to_string(),
                SettingValue::Scalar(value.to_string()),
                Origin::CommandLine,
                None,
            )?;
        }
        Ok(settings)
    }

    /// Text settings read from a keystore at `path` (a console's or a shipper's secure
    /// settings), each named as coming from that file.
    pub fn from_keystore(
        entries: impl IntoIterator<Item = (String, String)>,
        path: &Path,
    ) -> Result<Self> {
        let mut settings = Settings::default();
        for (key, value) in entries {
            settings.insert_new(
                key,
                SettingValue::Scalar(value),
                Origin::File(path.to_path_buf()),
                None,
            )?;
        }
        Ok(settings)
    }

    /// Layers `overrides` on top: a key in both takes the override's value (CLI wins).
    pub fn merge_overrides(&mut self, overrides: Settings) {
        for (key, setting) in overrides.map {
            self.map.insert(key, setting);
        }
    }

    /// Replaces `${VAR}` and `${VAR:default}` in every value from `env`. An unset variable
    /// without a default is an error naming the variable and the setting.
    pub fn resolve_placeholders(&mut self, env: &HashMap<String, String>) -> Result<()> {
        for (key, setting) in &mut self.map {
            let resolve = |text: &str| {
                substitute(text, env).map_err(|variable| Error::UnresolvedPlaceholder {
                    variable,
                    key: key.clone(),
                    origin: setting.origin.clone(),
                })
            };
            setting.value = match &setting.value {
                SettingValue::Scalar(s) => SettingValue::Scalar(resolve(s)?),
                SettingValue::List(items) => SettingValue::List(
                    items
                        .iter()
                        .map(|item| resolve(item))
                        .collect::<Result<_>>()?,
                ),
            };
        }
        Ok(())
    }
}

/// Substitutes placeholders in one value; `Err(variable)` for an unresolvable one. Values
/// from the environment are inserted literally (not scanned again), so a variable cannot
/// smuggle in further placeholders. An unclosed `${` is kept as text, as Elasticsearch does.
fn substitute(text: &str, env: &HashMap<String, String>) -> std::result::Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            break;
        };
        out.push_str(&rest[..start]);
        let placeholder = &after[..end];
        let (name, default) = match placeholder.split_once(':') {
            Some((name, default)) => (name, Some(default)),
            None => (placeholder, None),
        };
        match (env.get(name), default) {
            (Some(value), _) => out.push_str(value),
            (None, Some(default)) => out.push_str(default),
            (None, None) => return Err(name.to_string()),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// One node of `ironstack.yml`, before flattening.
enum YamlNode {
    /// `key:`, `~` or `null`: not set.
    Null,
    /// A string: quoted, or plain text that YAML reads as a string.
    Text(String),
    /// A plain scalar that YAML reads as a boolean or a number, with the parser's reading of
    /// it (`yes` → `true`, `0x1F` → `31`); the text in the file is used instead.
    Typed(String),
    /// A sequence.
    List(Vec<Spanned<YamlNode>>),
    /// A mapping, in file order, duplicates included.
    Map(Vec<(Spanned<String>, Spanned<YamlNode>)>),
}

impl YamlNode {
    fn kind(&self) -> &'static str {
        match self {
            YamlNode::Null => "nothing",
            YamlNode::Text(_) => "a string",
            YamlNode::Typed(_) => "a plain value",
            YamlNode::List(_) => "a list",
            YamlNode::Map(_) => "a map",
        }
    }
}

/// A scalar's value as the file spells it; `None` for nulls, lists and maps.
fn scalar_value(text: &str, node: &Spanned<YamlNode>) -> Option<String> {
    match &node.value {
        YamlNode::Text(s) => Some(s.clone()),
        YamlNode::Typed(parsed) => Some(
            source_text(text, node)
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .unwrap_or(parsed)
                .to_string(),
        ),
        YamlNode::Null | YamlNode::List(_) | YamlNode::Map(_) => None,
    }
}

/// The text a node was defined with (for an alias, the anchored value), when the parser
/// recorded its byte span.
fn source_text<'t, T>(text: &'t str, node: &Spanned<T>) -> Option<&'t str> {
    let span = node.defined.span();
    let start = usize::try_from(span.byte_offset()?).ok()?;
    let len = usize::try_from(span.byte_len()?).ok()?;
    text.get(start..start.checked_add(len)?)
}

impl<'de> Deserialize<'de> for YamlNode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        deserializer.deserialize_any(YamlNodeVisitor)
    }
}

struct YamlNodeVisitor;

impl<'de> Visitor<'de> for YamlNodeVisitor {
    type Value = YamlNode;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_unit<E>(self) -> std::result::Result<YamlNode, E> {
        Ok(YamlNode::Null)
    }
    fn visit_none<E>(self) -> std::result::Result<YamlNode, E> {
        Ok(YamlNode::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> std::result::Result<YamlNode, D::Error> {
        YamlNode::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> std::result::Result<YamlNode, E> {
        Ok(YamlNode::Typed(v.to_string()))
    }
    fn visit_i64<E>(self, v: i64) -> std::result::Result<YamlNode, E> {
        Ok(YamlNode::Typed(v.to_string()))
    }
    fn visit_u64<E>(self, v: u64) -> std::result::Result<YamlNode, E> {
        Ok(YamlNode::Typed(v.to_string()))
    }
    fn visit_i128<E>(self, v: i128) -> std::result::Result<YamlNode, E> {
        Ok(YamlNode::Typed(v.to_string()))
    }
    fn visit_u128<E>(self, v: u128) -> std::result::Result<YamlNode, E> {
        Ok(YamlNode::Typed(v.to_string()))
    }
    fn visit_f64<E>(self, v: f64) -> std::result::Result<YamlNode, E> {
        Ok(YamlNode::Typed(v.to_string()))
    }
    fn visit_str<E>(self, v: &str) -> std::result::Result<YamlNode, E> {
        Ok(YamlNode::Text(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> std::result::Result<YamlNode, E> {
        Ok(YamlNode::Text(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<YamlNode, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(YamlNode::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<YamlNode, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(YamlNode::Map(entries))
    }
}

/// The parser's message without its source snippet, located like the other errors.
fn syntax_error(path: &Path, error: &serde_saphyr::Error) -> Error {
    let message = UserMessageFormatter.format_message(error);
    let message = message.lines().next().unwrap_or("invalid YAML").trim();
    let message = match error.location().filter(|l| l.line() > 0) {
        Some(at) => format!("line {}, column {}: {message}", at.line(), at.column()),
        None => message.to_string(),
    };
    Error::Yaml {
        path: path.to_path_buf(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn parse(text: &str) -> Result<Settings> {
        Settings::from_yaml(text, &PathBuf::from("/conf/ironstack.yml"))
    }

    fn scalar(settings: &Settings, key: &str) -> String {
        settings.get_str(key).unwrap().to_string()
    }

    #[test]
    fn nested_and_flat_keys_are_the_same_setting() {
        let nested =
            parse("xpack.security.http.ssl:\n  enabled: true\n  keystore.path: certs/http.p12\n")
                .unwrap();
        let flat = parse("xpack.security.http.ssl.enabled: true\nxpack.security.http.ssl.keystore.path: certs/http.p12\n").unwrap();
        let deep = parse("xpack:\n  security:\n    http:\n      ssl:\n        enabled: true\n        keystore:\n          path: certs/http.p12\n").unwrap();
        assert_eq!(nested, flat);
        assert_eq!(deep, flat);
        assert_eq!(scalar(&flat, "xpack.security.http.ssl.enabled"), "true");
    }

    #[test]
    fn flow_map_as_written_by_auto_configuration() {
        let s = parse("xpack.security.http.ssl: {enabled: true, keystore.path: certs/http.p12}\n")
            .unwrap();
        assert_eq!(
            scalar(&s, "xpack.security.http.ssl.keystore.path"),
            "certs/http.p12"
        );
    }

    #[test]
    fn key_given_flat_and_nested_is_an_error() {
        let err = parse("http.port: 9200\nhttp:\n  port: 9201\n").unwrap_err();
        assert!(
            matches!(err, Error::DuplicateSetting { ref key, .. } if key == "http.port"),
            "{err}"
        );
        assert!(err.to_string().contains("/conf/ironstack.yml"), "{err}");
    }

    #[test]
    fn same_key_twice_in_one_map_is_an_error_naming_the_key_file_and_line() {
        let err = parse("http.port: 9200\nhttp.port: 9201\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "setting [http.port] is given more than once in [/conf/ironstack.yml] (line 2)"
        );
        // Inside a nested map the message names the whole dotted key, not just `port`.
        let err = parse("x: 1\nhttp:\n  port: 1\n  port: 2\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "setting [http.port] is given more than once in [/conf/ironstack.yml] (line 4)"
        );
        let err = parse("http.port: 9200\nhttp:\n  port: 9201\n").unwrap_err();
        assert!(err.to_string().ends_with("(line 3)"), "{err}");
    }

    #[test]
    fn values_keep_the_text_of_the_file() {
        let s = parse(
            "a: yes\nb: 0x1F\nc: 1.50\nd: True\ne: on\nf: [yes, 1.0, 'quoted']\ng: &v no\nh: *v\ni: \"yes\"\n",
        )
        .unwrap();
        for (key, text) in [
            ("a", "yes"),
            ("b", "0x1F"),
            ("c", "1.50"),
            ("d", "True"),
            ("e", "on"),
            ("g", "no"),
            ("h", "no"),
            ("i", "yes"),
        ] {
            assert_eq!(scalar(&s, key), text, "{key}");
        }
        assert_eq!(
            s.get("f").unwrap().value,
            SettingValue::List(vec!["yes".into(), "1.0".into(), "quoted".into()])
        );
    }

    #[test]
    fn syntax_errors_are_one_located_line() {
        let err = parse("a: b: c\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot parse [/conf/ironstack.yml]: line 1, column 5: mapping values are not allowed in this context"
        );
        let err = parse("a:\n  - b\n c: d\n").unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("cannot parse [/conf/ironstack.yml]: line 3, column 2: "),
            "{text}"
        );
        assert!(!text.contains('|') && !text.contains("-->"), "{text}");
    }

    #[test]
    fn numbers_booleans_lists_and_nulls() {
        let s = parse("http.port: 9200\na.b: false\nc: [x, 2, true]\nd:\n").unwrap();
        assert_eq!(scalar(&s, "http.port"), "9200");
        assert_eq!(scalar(&s, "a.b"), "false");
        assert_eq!(
            s.get("c").unwrap().value,
            SettingValue::List(vec!["x".into(), "2".into(), "true".into()])
        );
        assert!(s.get("d").is_none());
    }

    #[test]
    fn empty_and_comment_only_files_are_empty_settings() {
        assert!(parse("").unwrap().is_empty());
        assert!(parse("# only a comment\n").unwrap().is_empty());
    }

    #[test]
    fn top_level_scalar_and_bad_yaml_are_errors() {
        assert!(matches!(
            parse("just text").unwrap_err(),
            Error::Yaml { .. }
        ));
        let err = parse("a: b: c\n").unwrap_err();
        assert!(matches!(err, Error::Yaml { .. }), "{err}");
        assert!(!err.to_string().contains('\n'), "{err}");
    }

    #[test]
    fn maps_inside_lists_are_rejected() {
        let err = parse("a:\n  - b: 1\n").unwrap_err();
        assert!(
            matches!(err, Error::InvalidValue { ref key, .. } if key == "a"),
            "{err}"
        );
    }

    #[test]
    fn placeholders_resolve_from_the_given_env() {
        let mut s = parse(
            "node.name: ${NODE}-x\ncluster.name: ${CLUSTER:default-cluster}\nl: [\"${NODE}\", b]\n",
        )
        .unwrap();
        let env = HashMap::from([("NODE".to_string(), "n1".to_string())]);
        s.resolve_placeholders(&env).unwrap();
        assert_eq!(scalar(&s, "node.name"), "n1-x");
        assert_eq!(scalar(&s, "cluster.name"), "default-cluster");
        assert_eq!(
            s.get("l").unwrap().value,
            SettingValue::List(vec!["n1".into(), "b".into()])
        );
    }

    #[test]
    fn unset_placeholder_names_the_variable() {
        let mut s = parse("node.name: ${MISSING_VAR}\n").unwrap();
        let err = s.resolve_placeholders(&HashMap::new()).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("[MISSING_VAR]") && text.contains("[node.name]"),
            "{text}"
        );
    }

    #[test]
    fn substituted_values_are_not_rescanned_and_unclosed_is_literal() {
        let env = HashMap::from([("A".to_string(), "${B}".to_string())]);
        assert_eq!(substitute("${A}", &env).unwrap(), "${B}");
        assert_eq!(substitute("x${A", &env).unwrap(), "x${A");
        assert_eq!(substitute("${A}${A}", &env).unwrap(), "${B}${B}");
    }

    #[test]
    fn overrides_parse_and_win() {
        let mut s = parse("http.port: 9200\nnode.name: file\n").unwrap();
        let o = Settings::from_overrides(&["http.port=9300", "cluster.name=a=b"]).unwrap();
        s.merge_overrides(o);
        assert_eq!(scalar(&s, "http.port"), "9300");
        assert_eq!(s.get("http.port").unwrap().origin, Origin::CommandLine);
        assert_eq!(scalar(&s, "cluster.name"), "a=b");
        assert_eq!(scalar(&s, "node.name"), "file");
    }

    #[test]
    fn bad_overrides_are_errors() {
        assert!(matches!(
            Settings::from_overrides(&["novalue"]).unwrap_err(),
            Error::InvalidOverride { .. }
        ));
        assert!(matches!(
            Settings::from_overrides(&["=x"]).unwrap_err(),
            Error::InvalidOverride { .. }
        ));
        assert!(matches!(
            Settings::from_overrides(&["a=1", "a=2"]).unwrap_err(),
            Error::DuplicateSetting { .. }
        ));
    }

    #[test]
    fn list_view_splits_commas() {
        assert_eq!(
            SettingValue::Scalar("TLSv1.2, TLSv1.3".into()).as_list(),
            vec!["TLSv1.2", "TLSv1.3"]
        );
        assert_eq!(SettingValue::List(vec!["a".into()]).as_list(), vec!["a"]);
    }
}
