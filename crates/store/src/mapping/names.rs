//! Index name rules, as `MetadataCreateIndexService.validateIndexName` applies them: the
//! static checks shared with aliases (`validateIndexOrAliasName`), in Elasticsearch's order
//! and with its `Invalid index name [<name>], <why>` reasons, then the lower-case rule that
//! only index names have. Whether the name is already taken (an index, an alias) depends on
//! the node's metadata and is checked by the caller. The dot-prefix deprecation is separate
//! because Elasticsearch checks it after templates decided whether the index is hidden.

use crate::{Result, StoreError};

/// The longest index name, in UTF-8 bytes.
pub const MAX_INDEX_NAME_BYTES: usize = 255;

/// `Strings.INVALID_FILENAME_CHARS`, sorted by code point as Elasticsearch prints them.
const INVALID_FILENAME_CHARS: [char; 10] = [' ', '"', '*', ',', '/', '<', '>', '?', '\\', '|'];

/// Whether `c` is one of `Strings.INVALID_FILENAME_CHARS`.
pub fn invalid_filename_char(c: char) -> bool {
    INVALID_FILENAME_CHARS.contains(&c)
}

/// `Strings.INVALID_FILENAME_CHARS` as Elasticsearch prints it: `[' ','"',...]`.
pub fn invalid_filename_chars_listed() -> String {
    let listed = INVALID_FILENAME_CHARS
        .iter()
        .map(|c| format!("'{c}'"))
        .collect::<Vec<_>>()
        .join(",");
    format!("[{listed}]")
}

/// Checks an index name: every static rule, then lower case.
pub fn validate_index_name(name: &str) -> Result<()> {
    validate_index_or_alias_name(name)?;
    if name.to_lowercase() != name {
        return Err(invalid(name, "must be lowercase"));
    }
    Ok(())
}

/// The static rules index and alias names share (`validateIndexOrAliasName`), in
/// Elasticsearch's order, as `invalid_index_name_exception`s.
pub fn validate_index_or_alias_name(name: &str) -> Result<()> {
    check_index_or_alias_name(name, |n, reason| invalid(n, &reason))
}

/// The same rules, reported through `error(name, why)` (aliases and data streams have their
/// own exception types).
pub fn check_index_or_alias_name(
    name: &str,
    error: impl Fn(&str, String) -> StoreError,
) -> Result<()> {
    if name.is_empty() {
        return Err(error(name, "must not be empty".into()));
    }
    if name.contains(INVALID_FILENAME_CHARS) {
        return Err(error(
            name,
            format!(
                "must not contain the following characters {}",
                invalid_filename_chars_listed()
            ),
        ));
    }
    if name.contains('#') {
        return Err(error(name, "must not contain '#'".into()));
    }
    if name.contains(':') {
        return Err(error(name, "must not contain ':'".into()));
    }
    if name.starts_with(['_', '-', '+']) {
        return Err(error(name, "must not start with '_', '-', or '+'".into()));
    }
    let bytes = name.len();
    if bytes > MAX_INDEX_NAME_BYTES {
        return Err(error(
            name,
            format!("index name is too long, ({bytes} > {MAX_INDEX_NAME_BYTES})"),
        ));
    }
    if name == "." || name == ".." {
        return Err(error(name, "must not be '.' or '..'".into()));
    }
    Ok(())
}

/// The deprecation warning Elasticsearch logs (and returns as a `Warning` header) when a
/// non-hidden index gets a name starting with a dot. System indices are exempt; ironstack
/// keeps its own (`.security-7`) hidden, so `hidden` covers them.
pub fn dot_prefix_warning(name: &str, hidden: bool) -> Option<String> {
    (name.starts_with('.') && !hidden).then(|| {
        format!(
            "index name [{name}] starts with a dot '.', in the next major version, index names \
             starting with a dot are reserved for hidden indices and system indices"
        )
    })
}

fn invalid(name: &str, reason: &str) -> StoreError {
    StoreError::InvalidIndexName {
        index: name.to_string(),
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(name: &str) -> String {
        validate_index_name(name).unwrap_err().to_string()
    }

    #[test]
    fn each_rule_with_elasticsearch_text() {
        assert_eq!(reason(""), "Invalid index name [], must not be empty");
        assert_eq!(
            reason("a b"),
            "Invalid index name [a b], must not contain the following characters \
             [' ','\"','*',',','/','<','>','?','\\','|']"
        );
        for c in ['"', '*', ',', '/', '<', '>', '?', '\\', '|'] {
            assert!(
                reason(&format!("x{c}y")).contains("following characters"),
                "{c}"
            );
        }
        assert_eq!(
            reason("a#b"),
            "Invalid index name [a#b], must not contain '#'"
        );
        assert_eq!(
            reason("a:b"),
            "Invalid index name [a:b], must not contain ':'"
        );
        for start in ["_a", "-a", "+a"] {
            assert_eq!(
                reason(start),
                format!("Invalid index name [{start}], must not start with '_', '-', or '+'")
            );
        }
        let long = "é".repeat(128);
        assert_eq!(
            reason(&long),
            format!("Invalid index name [{long}], index name is too long, (256 > 255)")
        );
        assert!(validate_index_name(&"a".repeat(255)).is_ok());
        assert_eq!(
            reason("."),
            "Invalid index name [.], must not be '.' or '..'"
        );
        assert_eq!(
            reason(".."),
            "Invalid index name [..], must not be '.' or '..'"
        );
        assert_eq!(
            reason("Logs"),
            "Invalid index name [Logs], must be lowercase"
        );
        assert!(validate_index_name("metricbeat-2026.01.01").is_ok());
        assert!(validate_index_or_alias_name("MixedAlias").is_ok());
    }

    #[test]
    fn checks_run_in_elasticsearch_order() {
        // Characters before '#', '#' before ':', ':' before the leading '_', all before case.
        assert!(reason("_A#b c").contains("following characters"));
        assert!(reason("_A#b").ends_with("must not contain '#'"));
        assert!(reason("_A:b").ends_with("must not contain ':'"));
        assert!(reason("_A").ends_with("must not start with '_', '-', or '+'"));
    }

    #[test]
    fn error_body_carries_the_index() {
        let body = validate_index_name("A")
            .unwrap_err()
            .to_exception()
            .to_body(false);
        assert_eq!(body["error"]["type"], "invalid_index_name_exception");
        assert_eq!(body["error"]["index"], "A");
        assert_eq!(body["error"]["index_uuid"], "_na_");
        assert_eq!(body["status"], 400);
    }

    #[test]
    fn dot_prefix_warns_unless_hidden() {
        assert_eq!(
            dot_prefix_warning(".mine", false).as_deref(),
            Some(
                "index name [.mine] starts with a dot '.', in the next major version, index \
                 names starting with a dot are reserved for hidden indices and system indices"
            )
        );
        assert_eq!(dot_prefix_warning(".mine", true), None);
        assert_eq!(dot_prefix_warning("mine", false), None);
    }
}
