//! The one wildcard matcher of the workspace: `*` (any sequence) and, unless turned off, `?`
//! (one character) over whole strings, optionally with `\` escapes (Lucene's `WildcardQuery`
//! syntax) and optionally case-insensitive. Matching walks both strings once with a single
//! backtrack point and never allocates, because it runs on every request (route filters,
//! privilege patterns, audit ignore policies, query DSL `wildcard` clauses).
//!
//! Elasticsearch uses three dialects, each one call here: [`matches`] (`*` and `?`, action
//! and name patterns), [`simple_match`] (`Regex.simpleMatch`: `*` only, field and node-name
//! filters) and [`matches_with`] for the query DSL (escapes, `case_insensitive`).

/// Which wildcard dialect a pattern is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Syntax {
    /// `?` matches exactly one character (otherwise it is literal).
    pub question_mark: bool,
    /// `\x` is the literal `x` (a trailing `\` is a literal backslash).
    pub escapes: bool,
    /// Characters compare equal when their lower-case forms are equal.
    pub case_insensitive: bool,
}

impl Syntax {
    /// `*` and `?`, case-sensitive, no escapes.
    pub const STANDARD: Syntax = Syntax {
        question_mark: true,
        escapes: false,
        case_insensitive: false,
    };
    /// Elasticsearch's `Regex.simpleMatch`: `*` only.
    pub const SIMPLE: Syntax = Syntax {
        question_mark: false,
        escapes: false,
        case_insensitive: false,
    };
    /// Lucene's `WildcardQuery`: `*`, `?` and `\` escapes.
    pub const LUCENE: Syntax = Syntax {
        question_mark: true,
        escapes: true,
        case_insensitive: false,
    };

    /// The same dialect, case-insensitive.
    pub const fn ignore_case(self) -> Syntax {
        Syntax {
            case_insensitive: true,
            ..self
        }
    }
}

/// `*`/`?` match of the whole of `text`, case-sensitive.
pub fn matches(pattern: &str, text: &str) -> bool {
    matches_with(pattern, text, Syntax::STANDARD)
}

/// `*`/`?` match of the whole of `text`, ignoring case.
pub fn matches_ignore_case(pattern: &str, text: &str) -> bool {
    matches_with(pattern, text, Syntax::STANDARD.ignore_case())
}

/// Elasticsearch's `Regex.simpleMatch`: only `*` is special.
pub fn simple_match(pattern: &str, text: &str) -> bool {
    matches_with(pattern, text, Syntax::SIMPLE)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Star,
    One,
    Literal(char),
}

/// The token starting at byte `at` of `pattern` and the byte after it.
fn token_at(pattern: &str, at: usize, syntax: Syntax) -> Option<(Token, usize)> {
    let c = pattern.get(at..)?.chars().next()?;
    let next = at + c.len_utf8();
    Some(match c {
        '*' => (Token::Star, next),
        '?' if syntax.question_mark => (Token::One, next),
        '\\' if syntax.escapes => match pattern[next..].chars().next() {
            Some(escaped) => (Token::Literal(escaped), next + escaped.len_utf8()),
            None => (Token::Literal('\\'), next),
        },
        other => (Token::Literal(other), next),
    })
}

fn same_char(a: char, b: char, case_insensitive: bool) -> bool {
    a == b || (case_insensitive && a.to_lowercase().eq(b.to_lowercase()))
}

/// Whether the whole of `text` matches `pattern` in `syntax`.
pub fn matches_with(pattern: &str, text: &str, syntax: Syntax) -> bool {
    if pattern == "*" {
        return true;
    }
    let (mut p, mut t) = (0usize, 0usize);
    // After the last star seen: where the pattern resumes, and where in `text` the star's
    // match currently ends. A mismatch lets that star swallow one more character.
    let mut backtrack: Option<(usize, usize)> = None;
    loop {
        let current = text[t..].chars().next();
        match (token_at(pattern, p, syntax), current) {
            (Some((Token::Star, next)), _) => {
                p = next;
                backtrack = Some((p, t));
                continue;
            }
            (Some((Token::One, next)), Some(c)) => {
                p = next;
                t += c.len_utf8();
                continue;
            }
            (Some((Token::Literal(l), next)), Some(c))
                if same_char(l, c, syntax.case_insensitive) =>
            {
                p = next;
                t += c.len_utf8();
                continue;
            }
            (None, None) => return true,
            _ => {}
        }
        let Some((resume, star_end)) = backtrack else {
            return false;
        };
        let Some(swallowed) = text[star_end..].chars().next() else {
            return false;
        };
        let star_end = star_end + swallowed.len_utf8();
        backtrack = Some((resume, star_end));
        p = resume;
        t = star_end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn stars_and_question_marks() {
        assert!(matches("a*c", "abbbc"));
        assert!(matches("a?c", "abc"));
        assert!(!matches("a?c", "abbc"));
        assert!(matches("*", ""));
        assert!(matches("**", ""));
        assert!(!matches("a", "ab"));
        assert!(!matches("", "a"));
        assert!(matches("", ""));
        assert!(matches("a*b*c", "axbybbc"));
        assert!(!matches("a*b*c", "axbybcd"));
        assert!(matches("m?*é", "mäxé"));
        assert!(matches("cluster:monitor/*", "cluster:monitor/main"));
    }

    #[test]
    fn dialects() {
        assert!(simple_match("a?c", "a?c"));
        assert!(!simple_match("a?c", "abc"));
        assert!(simple_match("node-*", "node-1"));
        assert!(matches_with("a\\*", "a*", Syntax::LUCENE));
        assert!(!matches_with("a\\*", "ab", Syntax::LUCENE));
        assert!(matches_with("a\\", "a\\", Syntax::LUCENE));
        assert!(matches("a\\*", "a\\bc"));
        assert!(matches_ignore_case("KiM*", "kimberly"));
        assert!(matches_ignore_case("ÉTÉ?", "étés"));
        assert!(!matches("KiM*", "kimberly"));
        assert!(matches_with("A\\?", "a?", Syntax::LUCENE.ignore_case()));
    }

    /// The reference: the same dialect as a regular expression.
    fn as_regex(pattern: &str, syntax: Syntax) -> regex::Regex {
        let mut re = String::from(if syntax.case_insensitive {
            "(?is)^"
        } else {
            "(?s)^"
        });
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            match c {
                '*' => re.push_str(".*"),
                '?' if syntax.question_mark => re.push('.'),
                '\\' if syntax.escapes => match chars.next() {
                    Some(e) => re.push_str(&regex::escape(&e.to_string())),
                    None => re.push_str("\\\\"),
                },
                other => re.push_str(&regex::escape(&other.to_string())),
            }
        }
        re.push('$');
        regex::Regex::new(&re).unwrap()
    }

    proptest! {
        #[test]
        fn agrees_with_a_regex(p in "[ab*?\\\\]{0,8}", t in "[ab*?\\\\]{0,10}") {
            for syntax in [Syntax::STANDARD, Syntax::SIMPLE, Syntax::LUCENE] {
                prop_assert_eq!(matches_with(&p, &t, syntax), as_regex(&p, syntax).is_match(&t));
            }
        }

        #[test]
        fn case_insensitive_agrees_with_a_regex(p in "[aAbB*?]{0,8}", t in "[aAbB]{0,10}") {
            let syntax = Syntax::STANDARD.ignore_case();
            prop_assert_eq!(matches_with(&p, &t, syntax), as_regex(&p, syntax).is_match(&t));
        }

        #[test]
        fn never_panics(p in ".*", t in ".*") {
            let _ = matches_with(&p, &t, Syntax::LUCENE.ignore_case());
            let _ = matches(&p, &t);
        }
    }
}
