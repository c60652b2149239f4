//! `minimum_should_match` resolved as Elasticsearch's `Queries.calculateMinShouldMatch` does
//! (`3`, `-2`, `75%`, `-25%`, `3<90%`, `2<-25% 9<-3`), and `fuzziness` (`0`, `1`, `2`, `AUTO`,
//! `AUTO:low,high`) read as `Fuzziness` reads it, with the edits `AUTO` allows a term.

use crate::StoreError;
use crate::query::node::{java_int, number_format};
use crate::query::{Fuzziness, MinimumShouldMatch};

/// Why a specification cannot be computed: Java's exception, as `(type, reason)`.
type JavaError = (&'static str, String);

impl MinimumShouldMatch {
    /// A specification, refused as Elasticsearch refuses it when it builds the query: a
    /// `query_shard_exception` `failed to create query: ..` (see
    /// [`StoreError::QueryCreation`]).
    pub fn parse(spec: impl Into<String>) -> Result<Self, StoreError> {
        let spec = Self(spec.into());
        spec.validate()?;
        Ok(spec)
    }

    /// Checks every part of the specification, whatever the number of clauses.
    pub fn validate(&self) -> Result<(), StoreError> {
        check(&self.0).map_err(creation_error)
    }

    /// How many of `optional_clauses` should clauses must match. The result may exceed
    /// `optional_clauses` (then nothing matches), as in Elasticsearch. A specification that
    /// [`MinimumShouldMatch::validate`] refuses resolves to 0.
    pub fn resolve(&self, optional_clauses: usize) -> usize {
        self.try_resolve(optional_clauses).unwrap_or(0)
    }

    /// [`MinimumShouldMatch::resolve`], with Elasticsearch's error for a specification it
    /// cannot compute.
    pub fn try_resolve(&self, optional_clauses: usize) -> Result<usize, StoreError> {
        let count = i32::try_from(optional_clauses).unwrap_or(i32::MAX);
        calculate(count, &self.0)
            .map(|n| usize::try_from(n).unwrap_or(0))
            .map_err(creation_error)
    }
}

fn creation_error((error_type, reason): JavaError) -> StoreError {
    StoreError::QueryCreation {
        reason: format!("failed to create query: {reason}"),
        cause: Some((error_type.to_string(), reason)),
        index: String::new(),
        uuid: String::new(),
    }
}

fn parse_int(s: &str) -> Result<i32, JavaError> {
    java_int(s).map_err(|e| match e {
        StoreError::NumberFormat(reason) => ("number_format_exception", reason),
        other => ("number_format_exception", other.to_string()),
    })
}

/// `Queries.calculateMinShouldMatch`, step for step (Java `int` and `float` arithmetic).
fn calculate(optional: i32, spec: &str) -> Result<i32, JavaError> {
    let mut result = optional;
    let spec = spec.trim_matches(|c: char| c <= ' ');
    if spec.contains('<') {
        for part in conditional_parts(spec) {
            let pieces = java_split(&part, '<');
            let upper = parse_int(pieces.first().copied().unwrap_or(""))?;
            if optional <= upper {
                return Ok(result);
            }
            let Some(then) = pieces.get(1) else {
                return Err(out_of_bounds(pieces.len()));
            };
            result = calculate(optional, then)?;
        }
        return Ok(result);
    }
    if spec.contains('%') {
        // Java drops the last character, assuming it is the '%'.
        let mut chars = spec.chars();
        chars.next_back();
        let percent = parse_int(chars.as_str())?;
        let calc = result.wrapping_mul(percent) as f32 * (1.0f32 / 100.0f32);
        result = if calc < 0.0 {
            result.wrapping_add(calc as i32)
        } else {
            calc as i32
        };
    } else {
        let calc = parse_int(spec)?;
        result = if calc < 0 {
            result.wrapping_add(calc)
        } else {
            calc
        };
    }
    Ok(result.max(0))
}

fn out_of_bounds(length: usize) -> JavaError {
    (
        "array_index_out_of_bounds_exception",
        format!("Index 1 out of bounds for length {length}"),
    )
}

/// Java's `String.split`/`Pattern.split(s, 0)` on one character: trailing empty parts are
/// dropped (an empty input still gives one empty part).
fn java_split(s: &str, separator: char) -> Vec<&str> {
    let mut parts: Vec<&str> = s.split(separator).collect();
    while parts.len() > 1 && parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    parts
}

/// The conditional parts of `2<-25% 9<-3`: spaces around `<` removed, then split on single
/// spaces as Java's `Pattern.split` does (trailing empty parts dropped).
fn conditional_parts(spec: &str) -> Vec<String> {
    let mut joined = String::with_capacity(spec.len());
    let chars: Vec<char> = spec.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            let mut j = i;
            while j < chars.len() && chars[j].is_whitespace() {
                j += 1;
            }
            if chars.get(j) == Some(&'<') {
                i = j;
                continue;
            }
        }
        if chars[i] == '<' {
            joined.push('<');
            i += 1;
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            continue;
        }
        joined.push(chars[i]);
        i += 1;
    }
    java_split(&joined, ' ')
        .into_iter()
        .map(str::to_string)
        .collect()
}

/// Every path of the specification computes.
fn check(spec: &str) -> Result<(), JavaError> {
    let spec = spec.trim_matches(|c: char| c <= ' ');
    if spec.contains('<') {
        for part in conditional_parts(spec) {
            let pieces = java_split(&part, '<');
            parse_int(pieces.first().copied().unwrap_or(""))?;
            let then = pieces.get(1).ok_or_else(|| out_of_bounds(pieces.len()))?;
            check(then)?;
        }
        return Ok(());
    }
    calculate(0, spec).map(|_| ())
}

impl Default for Fuzziness {
    /// `AUTO` (`AUTO:3,6`).
    fn default() -> Self {
        Fuzziness::Auto { low: 3, high: 6 }
    }
}

impl Fuzziness {
    /// A `fuzziness` value as Elasticsearch's `Fuzziness.parse` reads it: `0`, `1`, `2`,
    /// `AUTO`, `AUTO:low,high`; larger or fractional distances are truncated and capped at 2
    /// as `asDistance` does.
    pub fn parse(text: &str) -> Result<Fuzziness, StoreError> {
        if text.eq_ignore_ascii_case("AUTO") {
            return Ok(Fuzziness::default());
        }
        if let Some(rest) = text
            .get(..5)
            .filter(|p| p.eq_ignore_ascii_case("AUTO:"))
            .and_then(|_| text.get(5..))
        {
            return custom_auto(text, rest);
        }
        if text.is_empty() {
            return Err(StoreError::IllegalArgument(
                "fuzziness can't be null!".to_string(),
            ));
        }
        let distance = match java_int(text) {
            Ok(n) => n as f64,
            Err(_) => {
                let upper = text.to_uppercase();
                crate::query::node::java_float(&upper).ok_or_else(|| number_format(&upper))?
            }
        };
        if distance.is_nan() || distance < 0.0 {
            return Err(StoreError::IllegalArgument(format!(
                "Valid edit distances are [0, 1, 2] but was [{text}]"
            )));
        }
        Ok(Fuzziness::Edits(distance.min(2.0) as u8))
    }

    /// The edits allowed for `term` (`asDistance`): fixed distances as they are; `AUTO`
    /// gives 0 below `low` characters, 1 below `high`, 2 from `high`.
    pub fn edits_for(&self, term: &str) -> u8 {
        match *self {
            Fuzziness::Edits(n) => n.min(2),
            Fuzziness::Auto { low, high } => {
                let len = term.chars().count();
                if len < low as usize {
                    0
                } else if len < high as usize {
                    1
                } else {
                    2
                }
            }
        }
    }
}

fn custom_auto(text: &str, limits: &str) -> Result<Fuzziness, StoreError> {
    let limits = java_split(limits, ',');
    let [low, high] = limits.as_slice() else {
        return Err(StoreError::Parse(
            "failed to find low and high distance values".to_string(),
        ));
    };
    let (Ok(low), Ok(high)) = (java_int(low), java_int(high)) else {
        return Err(StoreError::Parse(format!(
            "failed to parse [{text}] as a \"auto:int,int\""
        )));
    };
    if low < 0 || high < 0 || low > high {
        return Err(StoreError::IllegalArgument(
            "fuzziness wrongly configured, must be: lowDistance > 0, highDistance > 0 and lowDistance <= highDistance ".to_string(),
        ));
    }
    Ok(Fuzziness::Auto {
        low: low as u32,
        high: high as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msm(spec: &str, n: usize) -> usize {
        MinimumShouldMatch(spec.to_string()).try_resolve(n).unwrap()
    }

    #[test]
    fn integers_and_negative_integers() {
        assert_eq!(msm("3", 5), 3);
        assert_eq!(msm("3", 2), 3);
        assert_eq!(msm("-2", 5), 3);
        assert_eq!(msm("-7", 5), 0);
        assert_eq!(msm(" 2 ", 5), 2);
        assert_eq!(msm("+2", 5), 2);
    }

    #[test]
    fn percentages_round_down_in_java_float() {
        assert_eq!(msm("75%", 4), 3);
        assert_eq!(msm("75%", 3), 2);
        assert_eq!(msm("-25%", 4), 3);
        assert_eq!(msm("-25%", 3), 3);
        assert_eq!(msm("100%", 7), 7);
        assert_eq!(msm("50%", 1), 0);
    }

    #[test]
    fn conditional_specifications() {
        // Elasticsearch's documented example: 2<-25% 9<-3.
        let spec = "2<-25% 9<-3";
        assert_eq!(msm(spec, 1), 1);
        assert_eq!(msm(spec, 2), 2);
        assert_eq!(msm(spec, 4), 3);
        assert_eq!(msm(spec, 9), 7);
        assert_eq!(msm(spec, 12), 9);
        assert_eq!(msm("3<90%", 3), 3);
        assert_eq!(msm("3<90%", 10), 9);
        assert_eq!(msm("3 < 90%", 10), 9);
    }

    #[test]
    fn invalid_specifications_are_query_creation_errors() {
        let e = MinimumShouldMatch::parse("abc").unwrap_err();
        assert_eq!(
            e,
            StoreError::QueryCreation {
                reason: "failed to create query: For input string: \"abc\"".into(),
                cause: Some((
                    "number_format_exception".into(),
                    "For input string: \"abc\"".into()
                )),
                index: String::new(),
                uuid: String::new(),
            }
        );
        assert!(MinimumShouldMatch::parse("3<").is_err());
        assert!(MinimumShouldMatch::parse("75%%").is_err());
        assert!(MinimumShouldMatch::parse("2<-25% 9<-3").is_ok());
        assert_eq!(MinimumShouldMatch("x".into()).resolve(4), 0);
    }

    #[test]
    fn fuzziness_values() {
        assert_eq!(Fuzziness::parse("auto").unwrap(), Fuzziness::default());
        assert_eq!(
            Fuzziness::parse("AUTO:2,5").unwrap(),
            Fuzziness::Auto { low: 2, high: 5 }
        );
        assert_eq!(Fuzziness::parse("1").unwrap(), Fuzziness::Edits(1));
        assert_eq!(Fuzziness::parse("5").unwrap(), Fuzziness::Edits(2));
        assert_eq!(Fuzziness::parse("1.5").unwrap(), Fuzziness::Edits(1));
        assert_eq!(
            Fuzziness::parse("AUTO:3").unwrap_err(),
            StoreError::Parse("failed to find low and high distance values".into())
        );
        assert_eq!(
            Fuzziness::parse("AUTO:a,b").unwrap_err(),
            StoreError::Parse("failed to parse [AUTO:a,b] as a \"auto:int,int\"".into())
        );
        assert!(matches!(
            Fuzziness::parse("AUTO:6,3").unwrap_err(),
            StoreError::IllegalArgument(m) if m.starts_with("fuzziness wrongly configured")
        ));
        assert_eq!(
            Fuzziness::parse("abc").unwrap_err(),
            StoreError::NumberFormat("For input string: \"ABC\"".into())
        );
    }

    #[test]
    fn auto_edits_by_term_length() {
        let auto = Fuzziness::default();
        assert_eq!(auto.edits_for("ab"), 0);
        assert_eq!(auto.edits_for("abc"), 1);
        assert_eq!(auto.edits_for("abcde"), 1);
        assert_eq!(auto.edits_for("abcdef"), 2);
        assert_eq!(auto.edits_for("ééé"), 1);
        assert_eq!(Fuzziness::Edits(1).edits_for("a"), 1);
    }
}
