//! Elasticsearch's `standard` analyzer as a tantivy tokenizer: Unicode word segmentation
//! after UAX #29's rules (letters and digits joined across `_`, `'` and `.` inside words and
//! `,` `.` inside numbers; ideographs and hiragana one character each), lower-cased, tokens
//! longer than 255 characters split as Lucene's `StandardTokenizer` splits them. The same
//! function analyses `match` queries, so indexing and searching agree.

use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};

/// The tokenizer's registered name.
pub(crate) const STANDARD: &str = "es_standard";

/// `max_token_length` of the standard tokenizer.
const MAX_TOKEN_CHARS: usize = 255;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Letter,
    Numeric,
    /// `_` and its kin: joins letters and digits (WB13a/b).
    ExtendNumLet,
    /// `:` and its kin: between letters only (WB6/7).
    MidLetter,
    /// `.` `'` and their kin: between letters or between digits.
    MidNumLet,
    /// `,` `;` and their kin: between digits only (WB11/12).
    MidNum,
    /// Each one a word on its own (Han ideographs, hiragana).
    Single,
    Other,
}

fn classify(c: char) -> Class {
    match c {
        '_' | '\u{203F}' | '\u{2040}' | '\u{2054}' | '\u{FE33}' | '\u{FE34}' | '\u{FE4D}'
        | '\u{FE4E}' | '\u{FE4F}' | '\u{FF3F}' => Class::ExtendNumLet,
        ':' | '\u{00B7}' | '\u{0387}' | '\u{05F4}' | '\u{2027}' | '\u{FE13}' | '\u{FE55}'
        | '\u{FF1A}' => Class::MidLetter,
        '.' | '\'' | '\u{2018}' | '\u{2019}' | '\u{2024}' | '\u{FE52}' | '\u{FF07}'
        | '\u{FF0E}' => Class::MidNumLet,
        ',' | ';' | '\u{037E}' | '\u{0589}' | '\u{060C}' | '\u{060D}' | '\u{066C}' | '\u{07F8}'
        | '\u{2044}' | '\u{FE10}' | '\u{FE14}' | '\u{FE50}' | '\u{FE54}' | '\u{FF0C}'
        | '\u{FF1B}' => Class::MidNum,
        '\u{3040}'..='\u{309F}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2FA1F}' => Class::Single,
        c if c.is_numeric() => Class::Numeric,
        c if c.is_alphabetic() => Class::Letter,
        // Combining marks stay with the letter before them (WB4).
        '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{20D0}'..='\u{20FF}' => {
            Class::Letter
        }
        _ => Class::Other,
    }
}

fn is_word(class: Class) -> bool {
    matches!(class, Class::Letter | Class::Numeric | Class::ExtendNumLet)
}

/// The standard analyzer's tokens: `(text, byte offset from, byte offset to)`, in order.
pub(crate) fn standard_tokens(text: &str) -> Vec<(String, usize, usize)> {
    let chars: Vec<(usize, char, Class)> = text
        .char_indices()
        .map(|(i, c)| (i, c, classify(c)))
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (start, _, class) = chars[i];
        if class == Class::Single {
            let end = chars.get(i + 1).map_or(text.len(), |c| c.0);
            push_token(&mut out, text, start, end);
            i += 1;
            continue;
        }
        if !is_word(class) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < chars.len() {
            let next = chars[j].2;
            let prev = chars[j - 1].2;
            if is_word(next) {
                j += 1;
                continue;
            }
            // A separator joins only when the same kind of character sits on both sides.
            let after = chars.get(j + 1).map(|c| c.2);
            let joins = matches!(
                (prev, next, after),
                (
                    Class::Letter,
                    Class::MidLetter | Class::MidNumLet,
                    Some(Class::Letter)
                ) | (
                    Class::Numeric,
                    Class::MidNum | Class::MidNumLet,
                    Some(Class::Numeric)
                )
            );
            if joins {
                j += 2;
            } else {
                break;
            }
        }
        let end = chars.get(j).map_or(text.len(), |c| c.0);
        // A run of underscores alone is no word.
        if chars[i..j]
            .iter()
            .any(|c| matches!(c.2, Class::Letter | Class::Numeric))
        {
            push_token(&mut out, text, start, end);
        }
        i = j;
    }
    out
}

fn push_token(out: &mut Vec<(String, usize, usize)>, text: &str, start: usize, end: usize) {
    let word = &text[start..end];
    let mut chunk_start = start;
    let mut count = 0;
    for (offset, _) in word.char_indices() {
        if count == MAX_TOKEN_CHARS {
            let at = start + offset;
            out.push((text[chunk_start..at].to_lowercase(), chunk_start, at));
            chunk_start = at;
            count = 0;
        }
        count += 1;
    }
    out.push((text[chunk_start..end].to_lowercase(), chunk_start, end));
}

/// The analysed terms of `text`, as a `match` query looks them up.
pub(crate) fn analyze(text: &str) -> Vec<String> {
    standard_tokens(text).into_iter().map(|t| t.0).collect()
}

/// The tokenizer tantivy indexes `text` values with.
#[derive(Clone, Default)]
pub(crate) struct StandardTokenizer;

/// The tokens of one value.
pub(crate) struct StandardTokenStream {
    tokens: Vec<Token>,
    current: usize,
    empty: Token,
}

impl Tokenizer for StandardTokenizer {
    type TokenStream<'a> = StandardTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> StandardTokenStream {
        let tokens = standard_tokens(text)
            .into_iter()
            .enumerate()
            .map(|(position, (text, from, to))| Token {
                offset_from: from,
                offset_to: to,
                position,
                text,
                position_length: 1,
            })
            .collect();
        StandardTokenStream {
            tokens,
            current: 0,
            empty: Token::default(),
        }
    }
}

impl TokenStream for StandardTokenStream {
    fn advance(&mut self) -> bool {
        if self.current < self.tokens.len() {
            self.current += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        match self.current.checked_sub(1).and_then(|i| self.tokens.get(i)) {
            Some(token) => token,
            None => &self.empty,
        }
    }

    fn token_mut(&mut self) -> &mut Token {
        match self.current.checked_sub(1) {
            Some(i) if i < self.tokens.len() => &mut self.tokens[i],
            _ => &mut self.empty,
        }
    }
}

/// The analyzer to register on every index.
pub(crate) fn standard_analyzer() -> TextAnalyzer {
    TextAnalyzer::from(StandardTokenizer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_numbers_and_joiners_follow_uax29() {
        assert_eq!(
            analyze("The QUICK brown-fox's jumped over 3.14 and 1,000 U.S.A. foo_bar"),
            vec![
                "the", "quick", "brown", "fox's", "jumped", "over", "3.14", "and", "1,000",
                "u.s.a", "foo_bar"
            ]
        );
        assert_eq!(analyze("error: disk full!"), vec!["error", "disk", "full"]);
        assert_eq!(analyze("a:b"), vec!["a:b"]);
        assert_eq!(analyze("1:2"), vec!["1", "2"]);
        assert_eq!(analyze("___ ..."), Vec::<String>::new());
        assert_eq!(analyze("东京都"), vec!["东", "京", "都"]);
        assert_eq!(analyze("Émile café"), vec!["émile", "café"]);
    }

    #[test]
    fn long_tokens_are_split_at_255_characters() {
        let long = "x".repeat(600);
        let tokens = analyze(&long);
        assert_eq!(
            tokens.iter().map(|t| t.len()).collect::<Vec<_>>(),
            vec![255, 255, 90]
        );
    }

    #[test]
    fn the_token_stream_numbers_positions() {
        let mut tokenizer = StandardTokenizer;
        let mut stream = tokenizer.token_stream("Hello, World");
        let mut seen = Vec::new();
        while stream.advance() {
            let t = stream.token();
            seen.push((t.text.clone(), t.position, t.offset_from, t.offset_to));
        }
        assert_eq!(
            seen,
            vec![("hello".into(), 0, 0, 5), ("world".into(), 1, 7, 12)]
        );
    }
}
