//! A minimal HTML builder: every piece of text and every attribute value goes through one
//! escaping function, so pages cannot be built by pasting unescaped strings together.

/// An HTML document under construction.
#[derive(Debug, Default)]
pub(crate) struct Html {
    out: String,
}

/// Escapes text and attribute values (`& < > " '`).
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

impl Html {
    /// An empty document.
    pub(crate) fn new() -> Self {
        Html::default()
    }

    /// The markup.
    pub(crate) fn finish(self) -> String {
        self.out
    }

    /// Trusted markup known at compile time (doctype, fixed fragments).
    pub(crate) fn raw(&mut self, markup: &'static str) -> &mut Self {
        self.out.push_str(markup);
        self
    }

    fn start_tag(&mut self, tag: &'static str, attributes: &[(&str, &str)]) {
        self.out.push('<');
        self.out.push_str(tag);
        for (name, value) in attributes {
            self.out.push(' ');
            self.out.push_str(&escape(name));
            self.out.push_str("=\"");
            self.out.push_str(&escape(value));
            self.out.push('"');
        }
        self.out.push('>');
    }

    /// `<tag attributes…>`; close it with [`Html::close`].
    pub(crate) fn open(&mut self, tag: &'static str, attributes: &[(&str, &str)]) -> &mut Self {
        self.start_tag(tag, attributes);
        self
    }

    /// `</tag>`.
    pub(crate) fn close(&mut self, tag: &'static str) -> &mut Self {
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
        self
    }

    /// A void element (`input`, `meta`, `link`).
    pub(crate) fn void(&mut self, tag: &'static str, attributes: &[(&str, &str)]) -> &mut Self {
        self.start_tag(tag, attributes);
        self
    }

    /// Escaped text.
    pub(crate) fn text(&mut self, text: &str) -> &mut Self {
        self.out.push_str(&escape(text));
        self
    }

    /// `<tag attributes…>text</tag>`.
    pub(crate) fn element(
        &mut self,
        tag: &'static str,
        attributes: &[(&str, &str)],
        text: &str,
    ) -> &mut Self {
        self.open(tag, attributes).text(text).close(tag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_are_escaped() {
        let mut h = Html::new();
        h.element(
            "a",
            &[("href", "/x?a=1&b=\"2\"")],
            "<script>alert('x')</script>",
        );
        assert_eq!(
            h.finish(),
            "<a href=\"/x?a=1&amp;b=&quot;2&quot;\">&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;</a>"
        );
    }

    #[test]
    fn void_and_raw() {
        let mut h = Html::new();
        h.raw("<!DOCTYPE html>")
            .void("input", &[("name", "u"), ("required", "")]);
        assert_eq!(
            h.finish(),
            "<!DOCTYPE html><input name=\"u\" required=\"\">"
        );
    }
}
