//! Relation fields: `Depends`, `Build-Depends`, `Pre-Depends`, ...

use crate::{ParseError, quote};

/// One comma-separated entry: any one of its alternatives satisfies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// The `|`-separated alternatives, in order.
    pub alternatives: Vec<Dependency>,
}

/// One alternative: `name (op version) [arch list] <profiles>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    /// Package name as written, with any `:arch` qualifier
    /// (`python3:any`), or a substitution variable (`${misc:Depends}`).
    pub name: String,
    /// Operator (`<<`, `<=`, `=`, `>=`, `>>`, or the obsolete `<`, `>`) and
    /// version.
    pub constraint: Option<(String, String)>,
    /// The architecture list without its brackets, spaces normalized:
    /// `amd64 !i386`.
    pub arch: Option<String>,
    /// The build-profile restriction groups with their angle brackets,
    /// spaces normalized, as there can be several: `<!nocheck> <!cross>`.
    pub profiles: Option<String>,
}

/// Operators, longest first so that `<<` is not read as `<`.
const OPERATORS: [&str; 7] = ["<<", "<=", ">=", ">>", "=", "<", ">"];

/// Parses a relation field's value. Empty entries (a trailing comma, or
/// `a, , b`) are skipped as dpkg does; an empty alternative (`a | | b`) is an
/// error.
pub fn parse_relations(value: &str) -> Result<Vec<Relation>, ParseError> {
    let mut relations = Vec::new();
    for (rel_start, rel) in pieces(value, 0, ',') {
        if rel.trim().is_empty() {
            continue;
        }
        let mut alternatives = Vec::new();
        for (start, alt) in pieces(rel, rel_start, '|') {
            if alt.trim().is_empty() {
                return Err(error(
                    value,
                    start,
                    format!("empty alternative in {}", quote(rel.trim())),
                ));
            }
            alternatives.push(dependency(value, start, alt)?);
        }
        relations.push(Relation { alternatives });
    }
    Ok(relations)
}

/// Splits `s` (which starts at byte `base` of the whole value) on `sep`,
/// giving each piece with its start in the whole value.
fn pieces(s: &str, base: usize, sep: char) -> impl Iterator<Item = (usize, &str)> {
    let mut start = base;
    s.split(sep).map(move |piece| {
        let at = start;
        start += piece.len() + sep.len_utf8();
        (at, piece)
    })
}

/// An error at byte `at` of `value`, with the line counted within it.
fn error(value: &str, at: usize, message: String) -> ParseError {
    let before = value.get(..at).unwrap_or(value);
    ParseError::new(1 + before.matches('\n').count(), message)
}

fn normalize(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_name_char(c: char) -> bool {
    // Package name characters, plus `:` for arch qualifiers and `${}` for
    // substitution variables.
    c.is_ascii_alphanumeric() || "+-._:${}".contains(c)
}

/// Parses one alternative, `text`, found at byte `base` of `value`.
fn dependency(value: &str, base: usize, text: &str) -> Result<Dependency, ParseError> {
    let lead = text.len() - text.trim_start().len();
    let mut rest = text.trim_start();
    let at = |rest: &str| base + text.len() - rest.len();

    let name_len = rest
        .find(|c: char| c.is_whitespace() || "([<".contains(c))
        .unwrap_or(rest.len());
    let name = &rest[..name_len];
    if name.is_empty() {
        return Err(error(
            value,
            base + lead,
            format!("missing package name before {}", quote(rest)),
        ));
    }
    if !name.chars().all(is_name_char) {
        return Err(error(
            value,
            base + lead,
            format!("invalid package name {}", quote(name)),
        ));
    }
    rest = rest[name_len..].trim_start();
    let mut dep = Dependency {
        name: name.to_string(),
        constraint: None,
        arch: None,
        profiles: None,
    };

    if let Some(after) = rest.strip_prefix('(') {
        let (inner, tail) = bracketed(value, at(rest), after, ')', name)?;
        let inner = inner.trim();
        let Some(op) = OPERATORS.iter().find(|op| inner.starts_with(**op)) else {
            return Err(error(
                value,
                at(rest),
                format!(
                    "expected an operator (<<, <=, =, >=, >>) in {}",
                    quote(&format!("({inner})"))
                ),
            ));
        };
        let version = inner[op.len()..].trim();
        if version.is_empty() || version.contains(char::is_whitespace) {
            return Err(error(
                value,
                at(rest),
                format!("invalid version in {}", quote(&format!("({inner})"))),
            ));
        }
        dep.constraint = Some((op.to_string(), version.to_string()));
        rest = tail.trim_start();
    }

    if let Some(after) = rest.strip_prefix('[') {
        let (inner, tail) = bracketed(value, at(rest), after, ']', name)?;
        let list = normalize(inner);
        if list.is_empty() {
            return Err(error(
                value,
                at(rest),
                format!("empty architecture list after `{name}`"),
            ));
        }
        dep.arch = Some(list);
        rest = tail.trim_start();
    }

    let mut groups = Vec::new();
    while let Some(after) = rest.strip_prefix('<') {
        let (inner, tail) = bracketed(value, at(rest), after, '>', name)?;
        let group = normalize(inner);
        if group.is_empty() {
            return Err(error(
                value,
                at(rest),
                format!("empty build profile list after `{name}`"),
            ));
        }
        groups.push(format!("<{group}>"));
        rest = tail.trim_start();
    }
    if !groups.is_empty() {
        dep.profiles = Some(groups.join(" "));
    }

    if !rest.is_empty() {
        return Err(error(
            value,
            at(rest),
            format!("unexpected {} after `{name}`", quote(rest)),
        ));
    }
    Ok(dep)
}

/// Splits `after` (the text following an opening bracket at byte `open` of
/// `value`) at `close`, refusing any other bracket inside (but `<` and `>`
/// are operators inside parentheses).
fn bracketed<'a>(
    value: &str,
    open: usize,
    after: &'a str,
    close: char,
    name: &str,
) -> Result<(&'a str, &'a str), ParseError> {
    let forbidden = if close == ')' { "()[]" } else { "()[]<>" };
    let Some(end) = after.find(close) else {
        return Err(error(
            value,
            open,
            format!("missing `{close}` after `{name}`"),
        ));
    };
    let inner = &after[..end];
    if let Some(bad) = inner.chars().find(|c| forbidden.contains(*c)) {
        return Err(error(
            value,
            open,
            format!("unexpected `{bad}` before `{close}` after `{name}`"),
        ));
    }
    Ok((inner, &after[end + close.len_utf8()..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dep(s: &str) -> Dependency {
        let mut rels = parse_relations(s).unwrap();
        assert_eq!(rels.len(), 1);
        rels.remove(0).alternatives.remove(0)
    }

    #[test]
    fn all_parts() {
        let d = dep("foo:any (>> 1:2.0~rc1-3) [amd64  !i386] <!nocheck> <cross !pkg.foo.bar>");
        assert_eq!(d.name, "foo:any");
        assert_eq!(d.constraint, Some((">>".into(), "1:2.0~rc1-3".into())));
        assert_eq!(d.arch.as_deref(), Some("amd64 !i386"));
        assert_eq!(
            d.profiles.as_deref(),
            Some("<!nocheck> <cross !pkg.foo.bar>")
        );
    }

    #[test]
    fn no_spaces_inside_constraint() {
        let d = dep("foo(>=1.0)");
        assert_eq!(d.constraint, Some((">=".into(), "1.0".into())));
    }

    #[test]
    fn obsolete_operators_are_kept_as_written() {
        assert_eq!(dep("a (< 1)").constraint, Some(("<".into(), "1".into())));
        assert_eq!(dep("a (<< 1)").constraint, Some(("<<".into(), "1".into())));
    }

    #[test]
    fn substvars_as_names_and_versions() {
        let d = dep("foo (= ${binary:Version})");
        assert_eq!(d.constraint, Some(("=".into(), "${binary:Version}".into())));
    }

    #[test]
    fn empty_entries_are_skipped() {
        assert_eq!(parse_relations("a, , b,\n").unwrap().len(), 2);
        assert!(parse_relations("").unwrap().is_empty());
        assert!(parse_relations(" \n ").unwrap().is_empty());
    }

    #[test]
    fn errors_name_what_is_wrong_and_where() {
        let msg = |s: &str| parse_relations(s).unwrap_err().to_string();
        assert_eq!(msg("a | | b"), "line 1: empty alternative in \"a | | b\"");
        assert_eq!(
            msg("a,\n b (1.0)"),
            "line 2: expected an operator (<<, <=, =, >=, >>) in \"(1.0)\""
        );
        assert_eq!(msg("a (>= 1.0"), "line 1: missing `)` after `a`");
        assert_eq!(msg("a (>= )"), "line 1: invalid version in \"(>=)\"");
        assert_eq!(msg("a >= 1.0"), "line 1: unexpected \">= 1.0\" after `a`");
        assert_eq!(
            msg("(>= 1)"),
            "line 1: missing package name before \"(>= 1)\""
        );
        assert_eq!(msg("a [ ]"), "line 1: empty architecture list after `a`");
        assert_eq!(msg("a <>"), "line 1: empty build profile list after `a`");
        assert_eq!(
            msg("a [amd64 (x)]"),
            "line 1: unexpected `(` before `]` after `a`"
        );
        assert_eq!(msg("fo/o"), "line 1: invalid package name \"fo/o\"");
        assert_eq!(
            msg("a <x> [amd64]"),
            "line 1: unexpected \"[amd64]\" after `a`"
        );
    }
}
