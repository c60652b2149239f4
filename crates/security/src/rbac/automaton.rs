//! Wildcard patterns (`*`, `?`, `\` escapes) over action and index names, and the exact
//! language checks authorization needs: membership, and "is every name one pattern list
//! accepts also accepted by another" (Elasticsearch's `Operations.subsetOf` on automata).
//!
//! Why not a general automaton library: the patterns in roles and privileges are short
//! wildcard strings, so we run the product of their NFAs directly. A check explores the
//! reachable tuples of state sets (a lazy subset construction) over the characters the
//! patterns mention plus one "any other character" symbol; that is exact for wildcard
//! languages. The exploration is capped like Elasticsearch's
//! `xpack.security.automata.max_determinized_states`; past the cap a check answers "not
//! covered", which can only deny, never grant.

use std::collections::{BTreeSet, HashSet, VecDeque};

use ironstack_types::wildcard::{self, Syntax};

/// Most product states one language check may visit before it gives up (and denies).
pub const MAX_STATES: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Token {
    Lit(char),
    One,
    Star,
}

/// One wildcard pattern: `*` any sequence, `?` one character, `\x` the literal `x`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Wildcard {
    source: String,
    tokens: Vec<Token>,
}

impl Wildcard {
    /// Compiles `pattern`.
    pub fn new(pattern: &str) -> Self {
        let mut tokens = Vec::with_capacity(pattern.len());
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            match c {
                '*' => {
                    // Consecutive stars mean the same as one; collapsing them keeps NFAs small.
                    if tokens.last() != Some(&Token::Star) {
                        tokens.push(Token::Star);
                    }
                }
                '?' => tokens.push(Token::One),
                '\\' => match chars.next() {
                    Some(n) => tokens.push(Token::Lit(n)),
                    None => tokens.push(Token::Lit('\\')),
                },
                c => tokens.push(Token::Lit(c)),
            }
        }
        Self {
            source: pattern.to_string(),
            tokens,
        }
    }

    /// The text the pattern was compiled from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the pattern has no wildcard (it names exactly one string).
    pub fn is_literal(&self) -> bool {
        self.tokens.iter().all(|t| matches!(t, Token::Lit(_)))
    }

    /// Whether the whole of `text` matches: the workspace's one wildcard matcher, in
    /// Lucene's syntax (`\` escapes), which is this pattern's.
    pub fn matches(&self, text: &str) -> bool {
        wildcard::matches_with(&self.source, text, Syntax::LUCENE)
    }

    fn closure_into(&self, mut pos: usize, out: &mut BTreeSet<usize>) {
        loop {
            out.insert(pos);
            if self.tokens.get(pos) == Some(&Token::Star) {
                pos += 1;
            } else {
                return;
            }
        }
    }

    fn step_into(&self, pos: usize, c: char, out: &mut BTreeSet<usize>) {
        match self.tokens.get(pos) {
            Some(Token::Lit(l)) if *l == c => self.closure_into(pos + 1, out),
            Some(Token::One) => self.closure_into(pos + 1, out),
            Some(Token::Star) => self.closure_into(pos, out),
            _ => {}
        }
    }

    /// Sample names the pattern matches: wildcards filled with nothing, and with a character
    /// no pattern is likely to name.
    fn witnesses(&self) -> [String; 2] {
        let fill = |star: &str| {
            self.tokens
                .iter()
                .map(|t| match t {
                    Token::Lit(c) => c.to_string(),
                    Token::One => "\u{E000}".to_string(),
                    Token::Star => star.to_string(),
                })
                .collect::<String>()
        };
        [fill(""), fill("\u{E000}")]
    }

    /// The literal characters before the first wildcard.
    fn literal_prefix(&self) -> String {
        self.tokens
            .iter()
            .map_while(|t| match t {
                Token::Lit(c) => Some(*c),
                _ => None,
            })
            .collect()
    }

    /// Whether `self` is `L*` (literals then one trailing star) with `L` a prefix of
    /// `prefix`, the literal prefix of some pattern: then `self` matches all it does.
    fn is_prefix_star_of(&self, prefix: &str) -> bool {
        let Some((Token::Star, lits)) = self.tokens.split_last() else {
            return false;
        };
        if !lits.iter().all(|t| matches!(t, Token::Lit(_))) {
            return false;
        }
        prefix.starts_with(&self.literal_prefix())
    }

    fn literal_chars(&self, out: &mut BTreeSet<char>) {
        for t in &self.tokens {
            if let Token::Lit(c) = t {
                out.insert(*c);
            }
        }
    }
}

/// A union of wildcard patterns: a name belongs when any pattern matches it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PatternSet {
    patterns: Vec<Wildcard>,
}

impl PatternSet {
    /// The empty language.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The union of `patterns`.
    pub fn new<S: AsRef<str>>(patterns: impl IntoIterator<Item = S>) -> Self {
        Self {
            patterns: patterns
                .into_iter()
                .map(|p| Wildcard::new(p.as_ref()))
                .collect(),
        }
    }

    /// Whether some pattern matches `text`.
    pub fn matches(&self, text: &str) -> bool {
        self.patterns.iter().any(|p| p.matches(text))
    }

    /// Whether the set has no pattern at all.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The patterns.
    pub fn patterns(&self) -> &[Wildcard] {
        &self.patterns
    }

    /// Adds the patterns of `other`.
    pub fn extend(&mut self, other: &PatternSet) {
        self.patterns.extend(other.patterns.iter().cloned());
    }
}

/// A language built as Elasticsearch builds privilege automata: a union of terms, each
/// "names matching `include` but not `exclude`" (`manage` is `cluster:*` minus security).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Automaton {
    terms: Vec<(PatternSet, PatternSet)>,
}

impl Automaton {
    /// Nothing.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The union of `patterns`.
    pub fn patterns<S: AsRef<str>>(patterns: impl IntoIterator<Item = S>) -> Self {
        Self::minus(patterns, std::iter::empty::<&str>())
    }

    /// `include` minus `exclude`.
    pub fn minus<S: AsRef<str>, T: AsRef<str>>(
        include: impl IntoIterator<Item = S>,
        exclude: impl IntoIterator<Item = T>,
    ) -> Self {
        let include = PatternSet::new(include);
        if include.is_empty() {
            return Self::empty();
        }
        Self {
            terms: vec![(include, PatternSet::new(exclude))],
        }
    }

    /// Adds every name of `other`.
    pub fn union_with(&mut self, other: &Automaton) {
        for t in &other.terms {
            if !self.terms.contains(t) {
                self.terms.push(t.clone());
            }
        }
    }

    /// Whether `text` belongs.
    pub fn matches(&self, text: &str) -> bool {
        self.terms
            .iter()
            .any(|(inc, exc)| inc.matches(text) && !exc.matches(text))
    }

    /// Whether nothing belongs (exact, not just "no patterns").
    pub fn is_empty(&self) -> bool {
        if self
            .terms
            .iter()
            .any(|(inc, exc)| !inc.is_empty() && exc.is_empty())
        {
            return false;
        }
        if self
            .terms
            .iter()
            .any(|(inc, exc)| !inc.is_empty() && exc.is_empty())
        {
            return false;
        }
        let sets = self.sets();
        let n = self.terms.len();
        for_all(&sets, |m| !term_member(m, 0, n)).unwrap_or(false)
    }

    /// Whether every name of `self` also belongs to `other`.
    pub fn subset_of(&self, other: &Automaton) -> bool {
        // Most pairs are not subsets and a few sample names prove it; only the rest pay for
        // the exact product exploration.
        for (inc, _) in &self.terms {
            for p in &inc.patterns {
                for w in p.witnesses() {
                    if self.matches(&w) && !other.matches(&w) {
                        return false;
                    }
                }
            }
        }
        if self.covered_syntactically(other) {
            return true;
        }
        let mut sets = self.sets();
        let left = self.terms.len();
        sets.extend(other.sets());
        let right = other.terms.len();
        for_all(&sets, |m| {
            !term_member(m, 0, left) || term_member(&m[2 * left..], 0, right)
        })
        .unwrap_or(false)
    }

    /// The common shape answered without exploring: every pattern of `self` (without
    /// exclusions) lies under some `prefix*` pattern of `other` whose exclusions start
    /// somewhere else entirely.
    fn covered_syntactically(&self, other: &Automaton) -> bool {
        self.terms.iter().all(|(inc, exc)| {
            exc.is_empty()
                && inc.patterns.iter().all(|p| {
                    let prefix = p.literal_prefix();
                    other.terms.iter().any(|(oinc, oexc)| {
                        oinc.patterns
                            .iter()
                            .any(|q| q == p || q.is_prefix_star_of(&prefix))
                            && oexc.patterns.iter().all(|e| {
                                let ep = e.literal_prefix();
                                !ep.starts_with(&prefix) && !prefix.starts_with(&ep)
                            })
                    })
                })
        })
    }

    fn sets(&self) -> Vec<&PatternSet> {
        self.terms.iter().flat_map(|(i, e)| [i, e]).collect()
    }
}

/// Given membership flags for `[inc0, exc0, inc1, exc1, ...]`, whether the union holds.
fn term_member(m: &[bool], from: usize, terms: usize) -> bool {
    (from..from + terms).any(|t| m[2 * t] && !m[2 * t + 1])
}

/// Whether `pred`, given for each set whether it accepts a string, holds for every string.
/// `None` when the exploration needed more than [`MAX_STATES`] states.
pub fn for_all(sets: &[&PatternSet], pred: impl Fn(&[bool]) -> bool) -> Option<bool> {
    // Global NFA state: (set, pattern, position).
    let mut alphabet = BTreeSet::new();
    for s in sets {
        for p in &s.patterns {
            p.literal_chars(&mut alphabet);
        }
    }
    // One representative for every character no pattern names: they all behave alike.
    let other = ('\u{E000}'..='\u{F8FF}')
        .find(|c| !alphabet.contains(c))
        .unwrap_or('\u{10FFFF}');
    alphabet.insert(other);

    type State = Vec<(u32, u32, u32)>;
    let mut start = BTreeSet::new();
    for (si, s) in sets.iter().enumerate() {
        for (pi, p) in s.patterns.iter().enumerate() {
            let mut pos = BTreeSet::new();
            p.closure_into(0, &mut pos);
            for q in pos {
                start.insert((si as u32, pi as u32, q as u32));
            }
        }
    }
    let start: State = start.into_iter().collect();
    let mut seen: HashSet<State> = HashSet::new();
    let mut queue = VecDeque::new();
    seen.insert(start.clone());
    queue.push_back(start);
    let mut flags = vec![false; sets.len()];
    while let Some(state) = queue.pop_front() {
        flags.iter_mut().for_each(|f| *f = false);
        for &(si, pi, q) in &state {
            if sets[si as usize].patterns[pi as usize].tokens.len() == q as usize {
                flags[si as usize] = true;
            }
        }
        if !pred(&flags) {
            return Some(false);
        }
        for &c in &alphabet {
            let mut next = BTreeSet::new();
            for &(si, pi, q) in &state {
                let mut out = BTreeSet::new();
                sets[si as usize].patterns[pi as usize].step_into(q as usize, c, &mut out);
                for o in out {
                    next.insert((si, pi, o as u32));
                }
            }
            let next: State = next.into_iter().collect();
            if seen.insert(next.clone()) {
                if seen.len() > MAX_STATES {
                    return None;
                }
                queue.push_back(next);
            }
        }
    }
    Some(true)
}

#[cfg(test)]
#[path = "automaton_tests.rs"]
mod tests;
