//! `bucket_script`'s script: the arithmetic subset of Painless that monitoring charts use
//! (`params.a / params.b * 100`): numbers, `params.<name>` and `params['<name>']`, unary
//! minus, `+ - * / %` and parentheses, with Java's typing (integer literals stay `int`, so
//! `1 / 2` is 0; anything with a bucket value is `double`). Anything else is refused when
//! the request is parsed: Painless itself is not available.

use std::collections::BTreeMap;

use crate::StoreError;

/// A parsed script expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// An `int` literal.
    Int(i32),
    /// A `double` literal.
    Double(f64),
    /// `params.<name>`.
    Param(String),
    /// Unary minus.
    Neg(Box<Expr>),
    /// A binary operation: `+ - * / %`.
    Op(char, Box<Expr>, Box<Expr>),
}

/// A value during evaluation.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Num {
    Int(i32),
    Double(f64),
}

impl Num {
    fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => f64::from(i),
            Num::Double(d) => d,
        }
    }
}

struct Parser<'a> {
    text: &'a [u8],
    pos: usize,
    source: &'a str,
}

fn refuse(source: &str, why: &str) -> StoreError {
    StoreError::IllegalArgument(format!(
        "cannot run script [{source}]: {why}; bucket_script supports arithmetic over params only (numbers, params.<name>, + - * / %, parentheses)"
    ))
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.text.get(self.pos).is_some_and(u8::is_ascii_whitespace) {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.text.get(self.pos).copied()
    }

    fn expr(&mut self, depth: usize) -> Result<Expr, StoreError> {
        if depth > 64 {
            return Err(refuse(self.source, "the expression nests too deeply"));
        }
        let mut left = self.term(depth)?;
        while let Some(op @ (b'+' | b'-')) = self.peek() {
            self.pos += 1;
            let right = self.term(depth)?;
            left = Expr::Op(char::from(op), Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn term(&mut self, depth: usize) -> Result<Expr, StoreError> {
        let mut left = self.unary(depth)?;
        while let Some(op @ (b'*' | b'/' | b'%')) = self.peek() {
            self.pos += 1;
            let right = self.unary(depth)?;
            left = Expr::Op(char::from(op), Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self, depth: usize) -> Result<Expr, StoreError> {
        match self.peek() {
            Some(b'-') => {
                self.pos += 1;
                Ok(Expr::Neg(Box::new(self.unary(depth + 1)?)))
            }
            Some(b'+') => {
                self.pos += 1;
                self.unary(depth + 1)
            }
            Some(b'(') => {
                self.pos += 1;
                let e = self.expr(depth + 1)?;
                if self.peek() != Some(b')') {
                    return Err(refuse(self.source, "a parenthesis is not closed"));
                }
                self.pos += 1;
                Ok(e)
            }
            Some(c) if c.is_ascii_digit() || c == b'.' => self.number(),
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => self.param(),
            Some(c) => Err(refuse(
                self.source,
                &format!("unexpected character [{}]", char::from(c)),
            )),
            None => Err(refuse(self.source, "the expression ends too early")),
        }
    }

    fn number(&mut self) -> Result<Expr, StoreError> {
        let start = self.pos;
        while self
            .text
            .get(self.pos)
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E'))
        {
            if matches!(self.text[self.pos], b'e' | b'E')
                && matches!(self.text.get(self.pos + 1), Some(b'+' | b'-'))
            {
                self.pos += 1;
            }
            self.pos += 1;
        }
        let mut text = std::str::from_utf8(&self.text[start..self.pos]).unwrap_or("");
        let mut double = text.contains(['.', 'e', 'E']);
        // Java's type suffixes.
        if let Some(c @ (b'd' | b'D' | b'f' | b'F' | b'l' | b'L')) = self.text.get(self.pos) {
            double |= matches!(c, b'd' | b'D' | b'f' | b'F');
            self.pos += 1;
        }
        text = text.trim();
        if double {
            text.parse::<f64>()
                .map(Expr::Double)
                .map_err(|_| refuse(self.source, &format!("invalid number [{text}]")))
        } else {
            text.parse::<i32>()
                .map(Expr::Int)
                .map_err(|_| refuse(self.source, &format!("invalid int [{text}]")))
        }
    }

    fn ident(&mut self) -> String {
        let start = self.pos;
        while self
            .text
            .get(self.pos)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            self.pos += 1;
        }
        String::from_utf8_lossy(&self.text[start..self.pos]).into_owned()
    }

    fn param(&mut self) -> Result<Expr, StoreError> {
        let word = self.ident();
        if word != "params" {
            return Err(refuse(self.source, &format!("unknown name [{word}]")));
        }
        match self.text.get(self.pos) {
            Some(b'.') => {
                self.pos += 1;
                let name = self.ident();
                if name.is_empty() {
                    return Err(refuse(self.source, "a parameter name is missing"));
                }
                if self.peek() == Some(b'(') || self.text.get(self.pos) == Some(&b'.') {
                    return Err(refuse(self.source, "method calls are not supported"));
                }
                Ok(Expr::Param(name))
            }
            Some(b'[') => {
                self.pos += 1;
                let quote = match self.peek() {
                    Some(q @ (b'\'' | b'"')) => q,
                    _ => return Err(refuse(self.source, "a parameter name must be quoted")),
                };
                self.pos += 1;
                let start = self.pos;
                while self.text.get(self.pos).is_some_and(|c| *c != quote) {
                    self.pos += 1;
                }
                let name = String::from_utf8_lossy(&self.text[start..self.pos]).into_owned();
                self.pos += 1;
                if self.peek() != Some(b']') {
                    return Err(refuse(self.source, "a bracket is not closed"));
                }
                self.pos += 1;
                Ok(Expr::Param(name))
            }
            _ => Err(refuse(self.source, "[params] alone is not a number")),
        }
    }
}

impl Expr {
    /// Parses a script's source.
    pub fn parse(source: &str) -> Result<Expr, StoreError> {
        let trimmed = source.trim().trim_end_matches(';').trim();
        let trimmed = trimmed.strip_prefix("return ").unwrap_or(trimmed);
        let mut p = Parser {
            text: trimmed.as_bytes(),
            pos: 0,
            source,
        };
        let e = p.expr(0)?;
        if p.peek().is_some() {
            return Err(refuse(source, "unexpected text after the expression"));
        }
        Ok(e)
    }

    /// The `params.x` names it reads.
    pub fn params(&self, out: &mut Vec<String>) {
        match self {
            Expr::Param(p) => out.push(p.clone()),
            Expr::Neg(e) => e.params(out),
            Expr::Op(_, a, b) => {
                a.params(out);
                b.params(out);
            }
            Expr::Int(_) | Expr::Double(_) => {}
        }
    }

    /// Evaluates with the values of `params`; an unknown parameter or an integer division by
    /// zero is an error, as in Painless.
    pub fn eval(&self, params: &BTreeMap<String, f64>) -> Result<f64, StoreError> {
        self.num(params).map(Num::as_f64)
    }

    fn num(&self, params: &BTreeMap<String, f64>) -> Result<Num, StoreError> {
        Ok(match self {
            Expr::Int(i) => Num::Int(*i),
            Expr::Double(d) => Num::Double(*d),
            Expr::Param(p) => Num::Double(*params.get(p).ok_or_else(|| {
                StoreError::IllegalArgument(format!(
                    "Cannot find parameter [{p}] in the script's params"
                ))
            })?),
            Expr::Neg(e) => match e.num(params)? {
                Num::Int(i) => Num::Int(i.wrapping_neg()),
                Num::Double(d) => Num::Double(-d),
            },
            Expr::Op(op, a, b) => {
                let (a, b) = (a.num(params)?, b.num(params)?);
                match (a, b) {
                    (Num::Int(x), Num::Int(y)) => Num::Int(match op {
                        '+' => x.wrapping_add(y),
                        '-' => x.wrapping_sub(y),
                        '*' => x.wrapping_mul(y),
                        '/' | '%' if y == 0 => {
                            return Err(StoreError::IllegalArgument("/ by zero".into()));
                        }
                        '/' => x.wrapping_div(y),
                        _ => x.wrapping_rem(y),
                    }),
                    _ => {
                        let (x, y) = (a.as_f64(), b.as_f64());
                        Num::Double(match op {
                            '+' => x + y,
                            '-' => x - y,
                            '*' => x * y,
                            '/' => x / y,
                            _ => x % y,
                        })
                    }
                }
            }
        })
    }
}
