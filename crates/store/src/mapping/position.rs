//! Where a value sits in a raw JSON `_source`: the `[line:col]` Jackson reports for the token
//! that failed, which Elasticsearch puts at the front of `document_parsing_exception` reasons.
//! Parsing works on a `serde_json::Value`, which has no positions; when an error needs one, the
//! raw bytes are walked again along the failing value's path. Errors are rare, so the second
//! walk costs nothing on the happy path.
//!
//! Lines are 1-based and counted on `\n`; columns are 1-based byte offsets within the line,
//! as Jackson's UTF-8 parser counts them.

/// One step of the path from the document root to a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step<'a> {
    /// A key of an object, as written in the source (dotted keys stay whole).
    Key(&'a str),
    /// An element of an array.
    Index(usize),
}

/// The `(line, column)` of the first byte of the value at `path`, if the source holds it.
pub(crate) fn locate(raw: &[u8], path: &[Step<'_>]) -> Option<(usize, usize)> {
    let mut cursor = Cursor::new(raw);
    cursor.skip_ws();
    for step in path {
        match step {
            Step::Key(key) => cursor.enter_key(key)?,
            Step::Index(index) => cursor.enter_index(*index)?,
        }
    }
    Some(cursor.position())
}

/// The position of the last token of the document (its closing brace), where the parser
/// stands when a whole-document check fails.
pub(crate) fn end(raw: &[u8]) -> Option<(usize, usize)> {
    let last = raw.iter().rposition(|b| !b.is_ascii_whitespace())?;
    let mut cursor = Cursor::new(raw);
    cursor.advance_to(last);
    Some(cursor.position())
}

struct Cursor<'a> {
    raw: &'a [u8],
    at: usize,
    line: usize,
    line_start: usize,
}

impl<'a> Cursor<'a> {
    fn new(raw: &'a [u8]) -> Self {
        Self {
            raw,
            at: 0,
            line: 1,
            line_start: 0,
        }
    }

    fn position(&self) -> (usize, usize) {
        (self.line, self.at - self.line_start + 1)
    }

    fn peek(&self) -> Option<u8> {
        self.raw.get(self.at).copied()
    }

    fn bump(&mut self) {
        if self.peek() == Some(b'\n') {
            self.line += 1;
            self.line_start = self.at + 1;
        }
        self.at += 1;
    }

    fn advance_to(&mut self, target: usize) {
        while self.at < target && self.at < self.raw.len() {
            self.bump();
        }
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.bump();
        }
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.skip_ws();
        (self.peek() == Some(byte)).then(|| self.bump())
    }

    /// Reads a string token (the cursor on its opening quote) and decodes its escapes.
    fn read_string(&mut self) -> Option<String> {
        if self.peek() != Some(b'"') {
            return None;
        }
        self.bump();
        let mut bytes = Vec::new();
        loop {
            let b = self.peek()?;
            self.bump();
            match b {
                b'"' => break,
                b'\\' => {
                    let escaped = self.peek()?;
                    self.bump();
                    match escaped {
                        b'n' => bytes.push(b'\n'),
                        b't' => bytes.push(b'\t'),
                        b'r' => bytes.push(b'\r'),
                        b'b' => bytes.push(0x08),
                        b'f' => bytes.push(0x0c),
                        b'u' => {
                            let unit = self.read_hex4()?;
                            let c = if (0xD800..0xDC00).contains(&unit) {
                                // A high surrogate must be followed by `\uDC00`-`\uDFFF`.
                                if self.peek() != Some(b'\\') {
                                    return None;
                                }
                                self.bump();
                                if self.peek() != Some(b'u') {
                                    return None;
                                }
                                self.bump();
                                let low = self.read_hex4()?;
                                let combined = 0x10000
                                    + ((u32::from(unit) - 0xD800) << 10)
                                    + (u32::from(low).checked_sub(0xDC00)?);
                                char::from_u32(combined)?
                            } else {
                                char::from_u32(u32::from(unit))?
                            };
                            let mut buf = [0u8; 4];
                            bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                        }
                        other => bytes.push(other),
                    }
                }
                other => bytes.push(other),
            }
        }
        String::from_utf8(bytes).ok()
    }

    fn read_hex4(&mut self) -> Option<u16> {
        let mut unit = 0u16;
        for _ in 0..4 {
            let digit = (self.peek()? as char).to_digit(16)?;
            self.bump();
            unit = unit * 16 + u16::try_from(digit).ok()?;
        }
        Some(unit)
    }

    /// Skips one value (the cursor on its first byte), without recursion: nesting is counted.
    fn skip_value(&mut self) -> Option<()> {
        self.skip_ws();
        let mut depth = 0usize;
        loop {
            match self.peek()? {
                b'"' => {
                    self.read_string()?;
                }
                b'{' | b'[' => {
                    depth += 1;
                    self.bump();
                }
                b'}' | b']' => {
                    depth = depth.checked_sub(1)?;
                    self.bump();
                }
                b',' | b':' if depth > 0 => self.bump(),
                b' ' | b'\t' | b'\r' | b'\n' => self.bump(),
                _ => {
                    // A scalar: runs until a delimiter.
                    while let Some(b) = self.peek() {
                        if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                            break;
                        }
                        self.bump();
                    }
                }
            }
            if depth == 0 {
                return Some(());
            }
        }
    }

    /// Moves onto the value of `key` in the object the cursor is on.
    fn enter_key(&mut self, key: &str) -> Option<()> {
        self.expect(b'{')?;
        loop {
            self.skip_ws();
            let name = self.read_string()?;
            self.expect(b':')?;
            self.skip_ws();
            if name == key {
                return Some(());
            }
            self.skip_value()?;
            self.skip_ws();
            match self.peek()? {
                b',' => self.bump(),
                _ => return None,
            }
        }
    }

    /// Moves onto element `index` of the array the cursor is on.
    fn enter_index(&mut self, index: usize) -> Option<()> {
        self.expect(b'[')?;
        for _ in 0..index {
            self.skip_ws();
            self.skip_value()?;
            self.expect(b',')?;
        }
        self.skip_ws();
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> Step<'_> {
        Step::Key(k)
    }

    #[test]
    fn finds_values_by_path_with_jackson_columns() {
        let raw = br#"{"price":"abc"}"#;
        assert_eq!(locate(raw, &[key("price")]), Some((1, 10)));
        let raw = b"{\n  \"a\": {\"b\": [1, {\"c\": \"x\"}]},\n  \"d\" : 5\n}";
        assert_eq!(locate(raw, &[key("d")]), Some((3, 9)));
        assert_eq!(
            locate(raw, &[key("a"), key("b"), Step::Index(1), key("c")]),
            Some((2, 24))
        );
        assert_eq!(
            locate(raw, &[key("a"), key("b"), Step::Index(0)]),
            Some((2, 15))
        );
        assert_eq!(locate(raw, &[key("missing")]), None);
        assert_eq!(end(raw), Some((4, 1)));
    }

    #[test]
    fn escaped_keys_and_skipped_strings_with_brackets() {
        let raw = br#"{"x":"]}\"{", "k\u00e9y":[[1],[2]], "n\"q":true}"#;
        assert_eq!(locate(raw, &[key("kéy"), Step::Index(1)]), Some((1, 31)));
        assert_eq!(locate(raw, &[key("n\"q")]), Some((1, 44)));
    }

    #[test]
    fn truncated_input_gives_none() {
        assert_eq!(locate(br#"{"a": [1, "#, &[key("a"), Step::Index(3)]), None);
        assert_eq!(locate(b"", &[key("a")]), None);
    }
}
