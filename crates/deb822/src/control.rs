//! Paragraphs and fields, and the byte-preserving insertion of a line.

use crate::{ParseError, quote};

/// One `Name: value` field. See the crate documentation for how `value` is
/// built from continuation lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The name as written (lookups ignore case).
    pub name: String,
    /// The value, continuation lines joined (see the crate documentation).
    pub value: String,
    /// 1-based line of the `Name:` line.
    pub line: usize,
}

/// A group of fields between blank lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paragraph {
    /// Its fields, in file order.
    pub fields: Vec<Field>,
    /// 1-based line of the paragraph's first field.
    pub line: usize,
}

impl Paragraph {
    /// The value of the field `name`, compared without regard to ASCII case.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.field(name).map(|f| f.value.as_str())
    }

    /// The field `name` itself (with its line), compared without regard to
    /// ASCII case.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }
}

/// Parses a whole control file into its paragraphs.
///
/// An empty file, or one holding only comments and blank lines, has no
/// paragraphs; that is not an error here; callers that need a paragraph
/// say so in their own terms.
pub fn parse(text: &str) -> Result<Vec<Paragraph>, ParseError> {
    Ok(scan(text)?.into_iter().map(|p| p.paragraph).collect())
}

/// Inserts `new_line` as a line of its own right after the field `field`
/// (and its continuation lines) of paragraph `paragraph_index` (0-based),
/// leaving every other byte of `text` as it was.
///
/// The line ending used is that of the field's last line (so CRLF files stay
/// CRLF). Refused, so that the result is still a valid control file: a
/// `new_line` that is not a single `Name: value` line, and a field name that
/// the paragraph already has.
pub fn insert_after_field(
    text: &str,
    paragraph_index: usize,
    field: &str,
    new_line: &str,
) -> Result<String, ParseError> {
    let paragraphs = scan(text)?;
    let Some(para) = paragraphs.get(paragraph_index) else {
        return Err(ParseError::new(
            0,
            format!(
                "no paragraph {paragraph_index} to insert into: the text has {}",
                paragraphs.len()
            ),
        ));
    };
    let Some(anchor) = para
        .spans
        .iter()
        .zip(&para.paragraph.fields)
        .find(|(_, f)| f.name.eq_ignore_ascii_case(field))
        .map(|(span, _)| span)
    else {
        return Err(ParseError::new(
            para.paragraph.line,
            format!("paragraph {paragraph_index} has no `{field}` field"),
        ));
    };

    // The new line must itself parse as exactly one field, or the edit could
    // silently corrupt the file (a stray newline would start a new paragraph).
    let inserted = match scan(new_line) {
        Ok(ps) if !new_line.contains(['\n', '\r']) && ps.len() == 1 => {
            ps.into_iter().next().map(|p| p.paragraph.fields)
        }
        _ => None,
    };
    let Some([new_field]) = inserted.as_deref() else {
        return Err(ParseError::new(
            0,
            format!(
                "the inserted line {} is not a single `Field: value` line",
                quote(new_line)
            ),
        ));
    };
    if let Some(existing) = para.paragraph.field(&new_field.name) {
        return Err(ParseError::new(
            existing.line,
            format!(
                "paragraph {paragraph_index} already has a `{}` field",
                existing.name
            ),
        ));
    }

    let mut out = String::with_capacity(text.len() + new_line.len() + 2);
    out.push_str(&text[..anchor.end]);
    match anchor.eol {
        // The field was the file's last line, with no newline: keep it so.
        "" => {
            out.push('\n');
            out.push_str(new_line);
        }
        eol => {
            out.push_str(new_line);
            out.push_str(eol);
        }
    }
    out.push_str(&text[anchor.end..]);
    Ok(out)
}

/// Where a field ends in the original text.
struct Span {
    /// Byte offset just past the field's last line, line ending included.
    end: usize,
    /// That line's ending: `"\n"`, `"\r\n"`, or `""` at the end of the text.
    eol: &'static str,
}

struct Scanned {
    paragraph: Paragraph,
    spans: Vec<Span>,
}

/// A line of input: its text without the line ending, and where it sits.
struct Line<'a> {
    number: usize,
    text: &'a str,
    end: usize,
    eol: &'static str,
}

fn split_lines(text: &str) -> Vec<Line<'_>> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut number = 0;
    while start < text.len() {
        number += 1;
        let (body, end, eol) = match text[start..].find('\n') {
            Some(i) => {
                let body = &text[start..start + i];
                match body.strip_suffix('\r') {
                    Some(b) => (b, start + i + 1, "\r\n"),
                    None => (body, start + i + 1, "\n"),
                }
            }
            None => (&text[start..], text.len(), ""),
        };
        lines.push(Line {
            number,
            text: body,
            end,
            eol,
        });
        start = end;
    }
    lines
}

const PGP_BEGIN: &str = "-----BEGIN PGP SIGNED MESSAGE-----";
const PGP_SIGNATURE: &str = "-----BEGIN PGP SIGNATURE-----";

fn is_blank(s: &str) -> bool {
    s.chars().all(|c| c == ' ' || c == '\t')
}

/// Drops a clear-signed PGP wrapper, if the text has one, keeping the
/// signed lines (unescaped) with their original line numbers.
fn unwrap_pgp(mut lines: Vec<Line<'_>>) -> Result<Vec<Line<'_>>, ParseError> {
    let Some(first) = lines.iter().position(|l| !is_blank(l.text)) else {
        return Ok(lines);
    };
    if lines[first].text.trim_end() != PGP_BEGIN {
        return Ok(lines);
    }
    let begin_line = lines[first].number;
    // Armor headers (`Hash: ...`) run up to the first blank line.
    let Some(body_start) = lines[first..]
        .iter()
        .position(|l| is_blank(l.text))
        .map(|i| first + i + 1)
    else {
        return Err(ParseError::new(
            begin_line,
            "PGP signed message has no blank line after its armor headers",
        ));
    };
    let Some(body_end) = lines[body_start..]
        .iter()
        .position(|l| l.text.trim_end() == PGP_SIGNATURE)
        .map(|i| body_start + i)
    else {
        return Err(ParseError::new(
            begin_line,
            "PGP signed message has no `-----BEGIN PGP SIGNATURE-----` line",
        ));
    };
    lines.truncate(body_end);
    let mut body: Vec<Line<'_>> = lines.drain(body_start..).collect();
    for line in &mut body {
        if let Some(rest) = line.text.strip_prefix("- ") {
            line.text = rest;
        }
    }
    Ok(body)
}

fn check_name(name: &str, line: &Line<'_>) -> Result<(), ParseError> {
    if name.is_empty() {
        return Err(ParseError::new(
            line.number,
            format!("empty field name in {}", quote(line.text)),
        ));
    }
    // Policy 5.1: printable US-ASCII without space or colon, not starting
    // with `-` (which PGP armor uses) nor `#` (comments, handled earlier).
    if name.starts_with('-') || !name.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ParseError::new(
            line.number,
            format!("invalid field name {}", quote(name)),
        ));
    }
    Ok(())
}

fn scan(text: &str) -> Result<Vec<Scanned>, ParseError> {
    let lines = unwrap_pgp(split_lines(text))?;
    let mut out: Vec<Scanned> = Vec::new();
    let mut current: Option<Scanned> = None;
    for line in &lines {
        if is_blank(line.text) {
            out.extend(current.take());
            continue;
        }
        if line.text.starts_with('#') {
            continue;
        }
        if line.text.starts_with([' ', '\t']) {
            let Some(cur) = current.as_mut() else {
                return Err(ParseError::new(
                    line.number,
                    format!("continuation line before any field: {}", quote(line.text)),
                ));
            };
            // A paragraph is only opened by a field, so both are non-empty.
            if let (Some(field), Some(span)) =
                (cur.paragraph.fields.last_mut(), cur.spans.last_mut())
            {
                field.value.push('\n');
                field.value.push_str(&line.text[1..]);
                span.end = line.end;
                span.eol = line.eol;
            }
            continue;
        }
        let Some((name, value)) = line.text.split_once(':') else {
            return Err(ParseError::new(
                line.number,
                format!("expected `Field: value`, found {}", quote(line.text)),
            ));
        };
        check_name(name, line)?;
        let cur = current.get_or_insert_with(|| Scanned {
            paragraph: Paragraph {
                fields: Vec::new(),
                line: line.number,
            },
            spans: Vec::new(),
        });
        if let Some(first) = cur.paragraph.field(name) {
            return Err(ParseError::new(
                line.number,
                format!("duplicate field `{name}` (first on line {})", first.line),
            ));
        }
        cur.paragraph.fields.push(Field {
            name: name.to_string(),
            value: value.trim_matches([' ', '\t']).to_string(),
            line: line.number,
        });
        cur.spans.push(Span {
            end: line.end,
            eol: line.eol,
        });
    }
    out.extend(current);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_lines_lose_their_carriage_return() {
        let p = &parse("Source: a\r\nDepends: b,\r\n c\r\n").unwrap()[0];
        assert_eq!(p.get("Source"), Some("a"));
        assert_eq!(p.get("Depends"), Some("b,\nc"));
    }

    #[test]
    fn crlf_is_kept_when_inserting() {
        let out = insert_after_field("Source: a\r\nB: c\r\n", 0, "Source", "X: y").unwrap();
        assert_eq!(out, "Source: a\r\nX: y\r\nB: c\r\n");
    }

    #[test]
    fn whitespace_only_lines_separate_paragraphs() {
        let ps = parse("A: 1\n \t\nB: 2\n").unwrap();
        assert_eq!(ps.len(), 2);
    }

    #[test]
    fn empty_and_comment_only_texts_have_no_paragraphs() {
        assert!(parse("").unwrap().is_empty());
        assert!(parse("# nothing\n\n\n").unwrap().is_empty());
    }

    #[test]
    fn value_keeps_inner_colons() {
        let p = &parse("Vcs-Git: https://x/y.git\n").unwrap()[0];
        assert_eq!(p.get("vcs-git"), Some("https://x/y.git"));
    }

    #[test]
    fn tab_continuation_is_accepted() {
        let p = &parse("A: 1\n\t2\n").unwrap()[0];
        assert_eq!(p.get("A"), Some("1\n2"));
    }

    #[test]
    fn long_lines_are_cut_in_messages() {
        let err = parse(&"x".repeat(500)).unwrap_err();
        assert!(err.to_string().len() < 120, "{err}");
    }

    #[test]
    fn multibyte_text_is_cut_on_a_char_boundary() {
        let err = parse(&"é".repeat(100)).unwrap_err();
        assert!(err.to_string().ends_with("...")); // no panic on slicing
    }
}
