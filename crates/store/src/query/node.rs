//! JSON as the request parsers read it: a tree that keeps object keys in order (repeats
//! included) and, when it was read from bytes, the line and column of every token, so that
//! errors carry the `line`/`col` (and `[line:col]` prefixes) Elasticsearch reports. Also the
//! value accessors of Elasticsearch's `XContentParser` (`text`, `intValue`, `floatValue`,
//! `booleanValue`, `objectText`) with the errors Java gives for values of the wrong kind, and
//! the error constructors the parsers share.

use serde_json::Value;

use crate::StoreError;
use crate::query::Scalar;

/// Where a token starts: 1-based line and column (bytes, as Jackson counts them over UTF-8
/// input). Line 0 means unknown (the tree was built from a [`Value`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Loc {
    pub(crate) line: usize,
    pub(crate) col: usize,
}

impl Loc {
    /// No position.
    pub(crate) const UNKNOWN: Loc = Loc { line: 0, col: 0 };

    pub(crate) fn known(self) -> bool {
        self.line > 0
    }
}

impl std::fmt::Display for Loc {
    /// Elasticsearch's `XContentLocation.toString()`: `line:col`, `-1:-1` when unknown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.known() {
            write!(f, "{}:{}", self.line, self.col)
        } else {
            f.write_str("-1:-1")
        }
    }
}

/// A number as written: its text (what Java's `text()` returns) and its value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Number {
    pub(crate) text: String,
    pub(crate) value: Num,
}

/// The value of a JSON number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Num {
    /// An integer that fits `i64`.
    Int(i64),
    /// Anything else (a fraction, an exponent, or an integer beyond `i64`).
    Float(f64),
}

/// One JSON value with its position.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) kind: Kind,
    /// Where the value starts.
    pub(crate) at: Loc,
    /// Where it ends: the closing bracket of an object or array, `at` otherwise.
    pub(crate) end: Loc,
}

/// A JSON value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Node>),
    Object(Vec<Field>),
}

/// One key of an object, in document order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Field {
    pub(crate) key: String,
    pub(crate) key_at: Loc,
    pub(crate) value: Node,
}

impl Node {
    /// The tree of a [`Value`], without positions.
    pub(crate) fn from_value(value: &Value) -> Node {
        let kind = match value {
            Value::Null => Kind::Null,
            Value::Bool(b) => Kind::Bool(*b),
            Value::Number(n) => Kind::Number(number_of(n)),
            Value::String(s) => Kind::String(s.clone()),
            Value::Array(items) => Kind::Array(items.iter().map(Node::from_value).collect()),
            Value::Object(map) => Kind::Object(
                map.iter()
                    .map(|(k, v)| Field {
                        key: k.clone(),
                        key_at: Loc::UNKNOWN,
                        value: Node::from_value(v),
                    })
                    .collect(),
            ),
        };
        Node {
            kind,
            at: Loc::UNKNOWN,
            end: Loc::UNKNOWN,
        }
    }

    /// The tree of a JSON text, with positions. Refuses what Elasticsearch's JSON parser
    /// refuses (syntax errors, repeated keys, trailing content) as `x_content_parse_exception`.
    pub(crate) fn from_slice(bytes: &[u8]) -> Result<Node, StoreError> {
        // The strict parser validates (and words the errors); the walk below then only reads
        // well-formed JSON.
        let value = ironstack_types::json::from_slice(bytes)
            .map_err(|e| StoreError::XContentParse(e.to_string()))?;
        let mut reader = Reader {
            bytes,
            pos: 0,
            line: 1,
            line_start: 0,
        };
        reader.skip_ws();
        match reader.value(0) {
            Some(node) => Ok(node),
            // Unreachable for validated input; keep the tree without positions rather than fail.
            None => Ok(Node::from_value(&value)),
        }
    }

    /// Back to a [`Value`] (for parts kept as JSON: aggregations, highlight, `search_after`).
    pub(crate) fn to_value(&self) -> Value {
        match &self.kind {
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Number(n) => match n.value {
                Num::Int(i) => Value::from(i),
                Num::Float(f) => n
                    .text
                    .parse::<serde_json::Number>()
                    .ok()
                    .or_else(|| serde_json::Number::from_f64(f))
                    .map_or(Value::Null, Value::Number),
            },
            Kind::String(s) => Value::String(s.clone()),
            Kind::Array(items) => Value::Array(items.iter().map(Node::to_value).collect()),
            Kind::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|f| (f.key.clone(), f.value.to_value()))
                    .collect(),
            ),
        }
    }

    /// Jackson's token name for this value (`START_OBJECT`, `VALUE_STRING`, ...).
    pub(crate) fn token(&self) -> &'static str {
        match self.kind {
            Kind::Null => "VALUE_NULL",
            Kind::Bool(_) => "VALUE_BOOLEAN",
            Kind::Number(_) => "VALUE_NUMBER",
            Kind::String(_) => "VALUE_STRING",
            Kind::Array(_) => "START_ARRAY",
            Kind::Object(_) => "START_OBJECT",
        }
    }

    /// `Token.isValue()`: a scalar or `null`.
    pub(crate) fn is_value(&self) -> bool {
        !matches!(self.kind, Kind::Array(_) | Kind::Object(_))
    }

    pub(crate) fn as_object(&self) -> Option<&[Field]> {
        match &self.kind {
            Kind::Object(fields) => Some(fields),
            _ => None,
        }
    }

    pub(crate) fn as_array(&self) -> Option<&[Node]> {
        match &self.kind {
            Kind::Array(items) => Some(items),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::String(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null)
    }

    /// `parser.text()`: the text of a scalar. `null` reads as `null` like Jackson's text;
    /// arrays and objects are refused as Elasticsearch refuses them.
    pub(crate) fn text(&self) -> Result<String, StoreError> {
        match &self.kind {
            Kind::String(s) => Ok(s.clone()),
            Kind::Number(n) => Ok(n.text.clone()),
            Kind::Bool(b) => Ok(b.to_string()),
            Kind::Null => Ok("null".to_string()),
            _ => Err(StoreError::IllegalArgument(format!(
                "Expected text at {} but found {}",
                self.at,
                self.token()
            ))),
        }
    }

    /// `parser.textOrNull()`.
    pub(crate) fn text_or_null(&self) -> Result<Option<String>, StoreError> {
        if self.is_null() {
            Ok(None)
        } else {
            self.text().map(Some)
        }
    }

    /// `parser.objectText()`/`objectBytes()` as a query value: strings, numbers and booleans;
    /// `None` for `null`.
    pub(crate) fn scalar(&self) -> Result<Option<Scalar>, StoreError> {
        Ok(match &self.kind {
            Kind::Null => None,
            Kind::Bool(b) => Some(Scalar::Bool(*b)),
            Kind::String(s) => Some(Scalar::String(s.clone())),
            Kind::Number(n) => Some(match n.value {
                Num::Int(i) => Scalar::Long(i),
                Num::Float(f) => Scalar::Double(f),
            }),
            _ => {
                return Err(StoreError::IllegalArgument(format!(
                    "Expected text at {} but found {}",
                    self.at,
                    self.token()
                )));
            }
        })
    }

    /// `parser.floatValue()`: numbers, and strings Java's `Float.parseFloat` reads.
    pub(crate) fn float_value(&self) -> Result<f32, StoreError> {
        match &self.kind {
            Kind::Number(n) => Ok(match n.value {
                Num::Int(i) => i as f32,
                Num::Float(f) => f as f32,
            }),
            Kind::String(s) => java_float(s)
                .map(|f| f as f32)
                .ok_or_else(|| number_format(s)),
            _ => Err(self.not_numeric()),
        }
    }

    /// `parser.intValue()` (coercing): fractions are truncated, strings parsed as numbers.
    pub(crate) fn int_value(&self) -> Result<i32, StoreError> {
        let long = self.long_value_in("int", i32::MIN as i64, i32::MAX as i64)?;
        Ok(long as i32)
    }

    fn long_value_in(&self, java: &str, min: i64, max: i64) -> Result<i64, StoreError> {
        let out_of_range = |text: &str| {
            x_content(
                self.at,
                format!("Numeric value ({text}) out of range of {java} ({min} - {max})"),
            )
        };
        match &self.kind {
            Kind::Number(n) => match n.value {
                Num::Int(i) if (min..=max).contains(&i) => Ok(i),
                Num::Int(_) => Err(out_of_range(&n.text)),
                Num::Float(f) if f.is_finite() && f >= min as f64 && f <= max as f64 => {
                    Ok(f.trunc() as i64)
                }
                Num::Float(_) => Err(out_of_range(&n.text)),
            },
            Kind::String(s) => {
                let trimmed = s.trim();
                if let Ok(i) = trimmed.parse::<i64>() {
                    return if (min..=max).contains(&i) {
                        Ok(i)
                    } else {
                        Err(StoreError::IllegalArgument(format!(
                            "Value [{s}] is out of range for {}",
                            if java == "int" {
                                "an integer"
                            } else {
                                "a long"
                            }
                        )))
                    };
                }
                let f = java_float(s).ok_or_else(|| number_format(s))?;
                if f.is_finite() && f >= min as f64 && f <= max as f64 {
                    Ok(f.trunc() as i64)
                } else {
                    Err(StoreError::IllegalArgument(format!(
                        "Value [{s}] is out of range for {}",
                        if java == "int" {
                            "an integer"
                        } else {
                            "a long"
                        }
                    )))
                }
            }
            _ => Err(self.not_numeric()),
        }
    }

    /// `parser.booleanValue()`: JSON booleans, and the strings `true` and `false`.
    pub(crate) fn bool_value(&self) -> Result<bool, StoreError> {
        match &self.kind {
            Kind::Bool(b) => Ok(*b),
            Kind::String(s) => parse_boolean(s),
            _ => Err(x_content(
                self.at,
                format!(
                    "Current token ({}) not of boolean type",
                    self.jackson_token()
                ),
            )),
        }
    }

    fn not_numeric(&self) -> StoreError {
        x_content(
            self.at,
            format!(
                "Current token ({}) not numeric, can not use numeric value accessors",
                self.jackson_token()
            ),
        )
    }

    /// Jackson's own token names, as its messages print them.
    fn jackson_token(&self) -> &'static str {
        match &self.kind {
            Kind::Null => "VALUE_NULL",
            Kind::Bool(true) => "VALUE_TRUE",
            Kind::Bool(false) => "VALUE_FALSE",
            Kind::Number(n) => match n.value {
                Num::Int(_) => "VALUE_NUMBER_INT",
                Num::Float(_) => "VALUE_NUMBER_FLOAT",
            },
            Kind::String(_) => "VALUE_STRING",
            Kind::Array(_) => "START_ARRAY",
            Kind::Object(_) => "START_OBJECT",
        }
    }
}

fn number_of(n: &serde_json::Number) -> Number {
    let value = match n.as_i64() {
        Some(i) => Num::Int(i),
        None => Num::Float(n.as_f64().unwrap_or(f64::NAN)),
    };
    Number {
        text: n.to_string(),
        value,
    }
}

/// Java's `Float.parseFloat`/`Double.parseDouble` over a string: surrounding whitespace and
/// a trailing `f`/`d` type suffix are accepted, as are `NaN` and `Infinity`.
pub(crate) fn java_float(s: &str) -> Option<f64> {
    let t = s.trim();
    let t = t
        .strip_suffix(['f', 'F', 'd', 'D'])
        .filter(|rest| !rest.is_empty() && !rest.ends_with(['e', 'E', '+', '-']))
        .unwrap_or(t);
    match t {
        "NaN" | "+NaN" | "-NaN" => return Some(f64::NAN),
        "Infinity" | "+Infinity" => return Some(f64::INFINITY),
        "-Infinity" => return Some(f64::NEG_INFINITY),
        _ => {}
    }
    // Rust also reads `inf`/`nan` spellings Java refuses.
    if t.chars()
        .any(|c| !(c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-')))
    {
        return None;
    }
    t.parse::<f64>().ok()
}

/// Java's `Integer.parseInt`: an optional sign and decimal digits, nothing else.
pub(crate) fn java_int(s: &str) -> Result<i32, StoreError> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(number_format(s));
    }
    s.parse::<i32>().map_err(|_| number_format(s))
}

/// Elasticsearch's `Booleans.parseBoolean`: exactly `true` or `false`.
pub(crate) fn parse_boolean(s: &str) -> Result<bool, StoreError> {
    match s {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(StoreError::IllegalArgument(format!(
            "Failed to parse value [{s}] as only [true] or [false] are allowed."
        ))),
    }
}

/// Java's `NumberFormatException` for an unreadable number.
pub(crate) fn number_format(s: &str) -> StoreError {
    StoreError::NumberFormat(format!("For input string: \"{s}\""))
}

/// `parsing_exception` at a position.
pub(crate) fn parsing(at: Loc, reason: impl Into<String>) -> StoreError {
    StoreError::Parsing {
        reason: reason.into(),
        line: at.known().then_some(at.line),
        col: at.known().then_some(at.col),
    }
}

/// `x_content_parse_exception` at a position: its reason starts with `[line:col] `.
pub(crate) fn x_content(at: Loc, reason: impl Into<String>) -> StoreError {
    let reason = reason.into();
    StoreError::XContentParse(if at.known() {
        format!("[{at}] {reason}")
    } else {
        reason
    })
}

/// `ObjectParser`'s wrapper around the failure of one field: `[<parser>] failed to parse
/// field [<field>]`.
pub(crate) fn field_failed(at: Loc, parser: &str, field: &str, cause: StoreError) -> StoreError {
    let reason = format!("[{parser}] failed to parse field [{field}]");
    StoreError::FieldParse {
        reason: if at.known() {
            format!("[{at}] {reason}")
        } else {
            reason
        },
        cause: Box::new(cause),
    }
}

/// `ObjectParser`'s refusal of a key it does not declare, with Elasticsearch's suggestions.
pub(crate) fn unknown_field(at: Loc, parser: &str, field: &str, candidates: &[&str]) -> StoreError {
    x_content(
        at,
        format!(
            "[{parser}] unknown field [{field}]{}",
            suggest(field, candidates)
        ),
    )
}

/// `ObjectParser`'s refusal of a value of the wrong JSON type.
pub(crate) fn unsupported_type(at: Loc, parser: &str, field: &str, node: &Node) -> StoreError {
    x_content(
        at,
        format!(
            "[{parser}] {field} doesn't support values of type: {}",
            node.token()
        ),
    )
}

/// `illegal_argument_exception`.
pub(crate) fn illegal(reason: impl Into<String>) -> StoreError {
    StoreError::IllegalArgument(reason.into())
}

/// Elasticsearch's `SuggestingErrorOnUnknown.suggest`: the candidates whose Levenshtein
/// similarity (Lucene's `1 - distance / max length`) is above 0.5, best first, as ` did you
/// mean [x]?` or ` did you mean any of [a, b]?`; empty when none is close.
pub(crate) fn suggest(unknown: &str, candidates: &[&str]) -> String {
    let mut scored: Vec<(f32, &str)> = candidates
        .iter()
        .map(|c| (similarity(unknown, c), *c))
        .filter(|(score, _)| *score > 0.5)
        .collect();
    if scored.is_empty() {
        return String::new();
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    if let [(_, only)] = scored.as_slice() {
        format!(" did you mean [{only}]?")
    } else {
        let names: Vec<&str> = scored.iter().map(|(_, n)| *n).collect();
        format!(" did you mean any of [{}]?", names.join(", "))
    }
}

/// Lucene's `LevenshteinDistance.getDistance` over UTF-16 units.
fn similarity(a: &str, b: &str) -> f32 {
    let a: Vec<u16> = a.encode_utf16().collect();
    let b: Vec<u16> = b.encode_utf16().collect();
    if a.is_empty() || b.is_empty() {
        return if a.len() == b.len() { 1.0 } else { 0.0 };
    }
    let mut prev: Vec<usize> = (0..=a.len()).collect();
    let mut cur = vec![0; a.len() + 1];
    for (j, cb) in b.iter().enumerate() {
        cur[0] = j + 1;
        for (i, ca) in a.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[i + 1] = (cur[i] + 1).min(prev[i + 1] + 1).min(prev[i] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    1.0 - prev[a.len()] as f32 / a.len().max(b.len()) as f32
}

/// A walk over JSON already validated by the strict parser, noting positions.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
    line_start: usize,
}

/// serde_json refuses deeper input before this walk runs; the bound keeps the recursion safe
/// whatever happens.
const MAX_DEPTH: usize = 256;

impl Reader<'_> {
    fn loc(&self) -> Loc {
        Loc {
            line: self.line,
            col: self.pos - self.line_start + 1,
        }
    }

    fn skip_ws(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            match b {
                b'\n' => {
                    self.pos += 1;
                    self.line += 1;
                    self.line_start = self.pos;
                }
                b' ' | b'\t' | b'\r' => self.pos += 1,
                _ => break,
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn value(&mut self, depth: usize) -> Option<Node> {
        if depth > MAX_DEPTH {
            return None;
        }
        let at = self.loc();
        let kind = match self.peek()? {
            b'{' => {
                self.pos += 1;
                let mut fields = Vec::new();
                loop {
                    self.skip_ws();
                    match self.peek()? {
                        b'}' => break,
                        b',' => {
                            self.pos += 1;
                            continue;
                        }
                        _ => {}
                    }
                    let key_at = self.loc();
                    let key = self.string()?;
                    self.skip_ws();
                    if self.peek()? != b':' {
                        return None;
                    }
                    self.pos += 1;
                    self.skip_ws();
                    let value = self.value(depth + 1)?;
                    fields.push(Field { key, key_at, value });
                }
                let end = self.loc();
                self.pos += 1;
                return Some(Node {
                    kind: Kind::Object(fields),
                    at,
                    end,
                });
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    match self.peek()? {
                        b']' => break,
                        b',' => {
                            self.pos += 1;
                            continue;
                        }
                        _ => {}
                    }
                    items.push(self.value(depth + 1)?);
                }
                let end = self.loc();
                self.pos += 1;
                return Some(Node {
                    kind: Kind::Array(items),
                    at,
                    end,
                });
            }
            b'"' => Kind::String(self.string()?),
            b't' => {
                self.pos += 4;
                Kind::Bool(true)
            }
            b'f' => {
                self.pos += 5;
                Kind::Bool(false)
            }
            b'n' => {
                self.pos += 4;
                Kind::Null
            }
            _ => {
                let start = self.pos;
                while let Some(b) = self.peek() {
                    if b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E') {
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                let text = std::str::from_utf8(&self.bytes[start..self.pos]).ok()?;
                let value = match text.parse::<i64>() {
                    Ok(i) => Num::Int(i),
                    Err(_) => Num::Float(text.parse::<f64>().ok()?),
                };
                Kind::Number(Number {
                    text: text.to_string(),
                    value,
                })
            }
        };
        Some(Node { kind, at, end: at })
    }

    /// A string token (escapes decoded by serde_json).
    fn string(&mut self) -> Option<String> {
        let start = self.pos;
        if self.peek()? != b'"' {
            return None;
        }
        self.pos += 1;
        loop {
            match self.peek()? {
                b'\\' => self.pos += 2,
                b'"' => {
                    self.pos += 1;
                    break;
                }
                _ => self.pos += 1,
            }
        }
        serde_json::from_slice::<String>(&self.bytes[start..self.pos]).ok()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn positions_are_those_of_the_token_starts() {
        let node = Node::from_slice(b"{\"query\":{\"foo\":{}},\n  \"size\": 5}").unwrap();
        let fields = node.as_object().unwrap();
        assert_eq!(fields[0].key_at, Loc { line: 1, col: 2 });
        let inner = fields[0].value.as_object().unwrap();
        assert_eq!(inner[0].value.at, Loc { line: 1, col: 17 });
        assert_eq!(fields[1].key_at, Loc { line: 2, col: 3 });
        assert_eq!(fields[1].value.at, Loc { line: 2, col: 11 });
        assert_eq!(node.end, Loc { line: 2, col: 12 });
    }

    #[test]
    fn bytes_and_values_give_the_same_tree_but_positions() {
        let text = br#"{"a":[1,-2.5e3,"x\u00e9\"",true,null,{"b":{}}],"c":18446744073709551616}"#;
        let from_bytes = Node::from_slice(text).unwrap();
        let value: Value = serde_json::from_slice(text).unwrap();
        assert_eq!(from_bytes.to_value(), value);
        assert_eq!(Node::from_value(&value).to_value(), value);
    }

    #[test]
    fn bad_json_and_repeated_keys_are_x_content_errors() {
        let e = Node::from_slice(br#"{"a":1,"a":2}"#).unwrap_err();
        assert_eq!(
            e,
            StoreError::XContentParse("[1:10] Duplicate field 'a'".into())
        );
        assert!(matches!(
            Node::from_slice(b"{\"a\":").unwrap_err(),
            StoreError::XContentParse(_)
        ));
    }

    #[test]
    fn accessors_read_values_as_elasticsearch_does() {
        let n = |v: Value| Node::from_value(&v);
        assert_eq!(n(json!("2.5")).float_value().unwrap(), 2.5);
        assert_eq!(n(json!(3)).float_value().unwrap(), 3.0);
        assert_eq!(
            n(json!("x")).float_value().unwrap_err(),
            StoreError::NumberFormat("For input string: \"x\"".into())
        );
        assert_eq!(n(json!(2.9)).int_value().unwrap(), 2);
        assert_eq!(n(json!("7")).int_value().unwrap(), 7);
        assert!(matches!(
            n(json!(3_000_000_000i64)).int_value().unwrap_err(),
            StoreError::XContentParse(m) if m.contains("out of range of int")
        ));
        assert!(n(json!("true")).bool_value().unwrap());
        assert_eq!(
            n(json!("yes")).bool_value().unwrap_err(),
            StoreError::IllegalArgument(
                "Failed to parse value [yes] as only [true] or [false] are allowed.".into()
            )
        );
        assert_eq!(
            n(json!([1])).text().unwrap_err(),
            StoreError::IllegalArgument("Expected text at -1:-1 but found START_ARRAY".into())
        );
        assert_eq!(n(json!(1.50)).text().unwrap(), "1.5");
    }

    #[test]
    fn suggestions_follow_lucene_levenshtein() {
        assert_eq!(
            suggest("matc", &["match", "match_all", "term"]),
            " did you mean [match]?"
        );
        assert_eq!(suggest("zzzz", &["match"]), "");
        assert_eq!(
            suggest("mus", &["must", "must_not", "should"]),
            " did you mean [must]?"
        );
        assert_eq!(
            suggest("filtr", &["filter", "filters"]),
            " did you mean any of [filter, filters]?"
        );
    }

    #[test]
    fn java_numbers() {
        assert_eq!(java_float(" 1.5f "), Some(1.5));
        assert_eq!(java_float("inf"), None);
        assert_eq!(java_float("1e3"), Some(1000.0));
        assert_eq!(java_int("+12").unwrap(), 12);
        assert!(java_int("1.0").is_err());
        assert!(java_int("").is_err());
    }
}
