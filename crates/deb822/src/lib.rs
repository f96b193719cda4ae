//! Debian control-format files ("deb822"): `debian/control` in a source
//! tree, `DEBIAN/control` inside a binary package, and `.dsc` source package
//! descriptions.
//!
//! # The format
//!
//! A file is a list of **paragraphs** separated by blank lines (empty, or
//! only spaces and tabs). A paragraph is a list of **fields** `Name: value`.
//! A line that starts with a space or a tab continues the value of the field
//! above it. Field names are matched without regard to case, but keep the
//! case they were written in.
//!
//! ```
//! let paragraphs = deb822::parse(
//!     "Source: hello\nMaintainer: Jane <jane@example.com>\n\nPackage: hello\n",
//! ).unwrap();
//! assert_eq!(paragraphs.len(), 2);
//! assert_eq!(paragraphs[0].get("source"), Some("hello"));
//! assert_eq!(paragraphs[0].fields[0].name, "Source");
//! assert_eq!(paragraphs[1].line, 4);
//! ```
//!
//! # Values and continuation lines
//!
//! The value of a field is the text after the colon, trimmed, then one line
//! per continuation line with its single leading space (or tab) removed and
//! the rest kept as written, joined with `\n`. A field whose first line is
//! empty (`Files:`) therefore has a value that starts with `\n`.
//!
//! ```
//! let p = &deb822::parse(
//!     "Package: hello\nDescription: says hello\n Longer text.\n .\n   indented\nFiles:\n 0123 5 a.tar\n",
//! ).unwrap()[0];
//! assert_eq!(p.get("Description"), Some("says hello\nLonger text.\n.\n  indented"));
//! assert_eq!(p.get("Files"), Some("\n0123 5 a.tar"));
//! ```
//!
//! # Comments
//!
//! A line starting with `#` is a comment (allowed in `debian/control`). It is
//! skipped without ending the paragraph or the field it sits in.
//!
//! ```
//! let p = &deb822::parse(
//!     "# generated\nSource: hello\nBuild-Depends: a,\n# b is gone\n c\n",
//! ).unwrap()[0];
//! assert_eq!(p.get("Build-Depends"), Some("a,\nc"));
//! ```
//!
//! # PGP-signed files
//!
//! A `.dsc` is often wrapped in a clear-signed PGP message. The wrapper is
//! removed (the signature is not checked) and dash-escaped lines (`- `) are
//! unescaped. Line numbers stay those of the whole file.
//!
//! ```
//! let text = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nSource: hello\n- Version: 1.0\n-----BEGIN PGP SIGNATURE-----\n\nabc\n-----END PGP SIGNATURE-----\n";
//! let p = &deb822::parse(text).unwrap()[0];
//! assert_eq!(p.get("Version"), Some("1.0"));
//! assert_eq!(p.line, 4);
//! ```
//!
//! # Errors
//!
//! Anything else is an error naming the line: a line without a colon, a
//! continuation line with no field above it, an empty or invalid field name,
//! a field given twice in one paragraph.
//!
//! ```
//! let err = deb822::parse("Source: a\nfoo\n").unwrap_err();
//! assert_eq!(err.to_string(), "line 2: expected `Field: value`, found \"foo\"");
//! let err = deb822::parse(" orphan\n").unwrap_err();
//! assert_eq!(err.to_string(), "line 1: continuation line before any field: \" orphan\"");
//! let err = deb822::parse("Source: a\nsource: b\n").unwrap_err();
//! assert_eq!(err.to_string(), "line 2: duplicate field `source` (first on line 1)");
//! ```
//!
//! # Relation fields
//!
//! [`parse_relations`] reads `Depends`, `Build-Depends` and the like: a
//! comma-separated list of relations, each a `|`-separated list of
//! alternatives `name (op version) [arch list] <profiles>`. Substitution
//! variables such as `${misc:Depends}` are accepted as names and versions.
//!
//! ```
//! let rels = deb822::parse_relations(
//!     "debhelper-compat (= 13), libfoo-dev (>= 1.2) | libbar-dev, baz [amd64] <!nocheck>, ${misc:Depends}",
//! ).unwrap();
//! assert_eq!(rels.len(), 4);
//! let foo = &rels[1].alternatives[0];
//! assert_eq!(foo.name, "libfoo-dev");
//! assert_eq!(foo.constraint, Some((">=".to_string(), "1.2".to_string())));
//! assert_eq!(rels[1].alternatives[1].name, "libbar-dev");
//! assert_eq!(rels[2].alternatives[0].arch.as_deref(), Some("amd64"));
//! assert_eq!(rels[2].alternatives[0].profiles.as_deref(), Some("<!nocheck>"));
//! assert_eq!(rels[3].alternatives[0].name, "${misc:Depends}");
//! ```
//!
//! # Editing without reformatting
//!
//! [`insert_after_field`] adds one line after a field (and its continuation
//! lines) and leaves every other byte alone, which is how the source builder
//! adds `XB-Git:` after `Source:`.
//!
//! ```
//! let text = "Source: hello\n# keep me\nSection: misc\n";
//! let out = deb822::insert_after_field(text, 0, "source", "XB-Git: https://example.com/x").unwrap();
//! assert_eq!(out, "Source: hello\nXB-Git: https://example.com/x\n# keep me\nSection: misc\n");
//! ```

mod control;
mod relation;

pub use control::{Field, Paragraph, insert_after_field, parse};
pub use relation::{Dependency, Relation, parse_relations};

/// A syntax error, with the 1-based line it was found on.
///
/// For [`parse`] and [`insert_after_field`] the line is that of the whole
/// text; `0` means the error is not about one line (for example a paragraph
/// index out of range) and is then left out of the message. For
/// [`parse_relations`] the line is counted within the value, starting at 1:
/// add the field's line minus one to get the line in the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", render(*.line, .message))]
pub struct ParseError {
    /// The line the error is about; `0` for none.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

fn render(line: usize, message: &str) -> String {
    if line == 0 {
        message.to_string()
    } else {
        format!("line {line}: {message}")
    }
}

impl ParseError {
    pub(crate) fn new(line: usize, message: impl Into<String>) -> Self {
        ParseError {
            line,
            message: message.into(),
        }
    }
}

/// Quotes `text` for an error message, cut to a readable length.
pub(crate) fn quote(text: &str) -> String {
    const MAX: usize = 60;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{:?}...", &text[..cut]),
        None => format!("{text:?}"),
    }
}
