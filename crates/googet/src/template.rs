//! Rendering a goospec: the whole file is a Go `text/template` executed
//! over a map of string variables, before any JSON parsing.

use std::collections::BTreeMap;
use std::sync::Arc;

use gotmpl::parse::{Expr, ListNode, Node, PipeNode};
use gotmpl::{MissingKey, Template, TemplateError, Value};

use crate::Error;

/// The largest goospec accepted.
pub const MAX_SPEC_BYTES: usize = 1 << 20;
/// The largest rendered text accepted.
pub const MAX_RENDERED_BYTES: usize = 16 << 20;
/// The largest value a function may be asked to build from.
const MAX_VALUE_BYTES: usize = 1 << 20;
/// `{{range}}` iterations allowed in one rendering (goospecs use none).
const MAX_RANGE_ITERS: u64 = 10_000;
/// The functions that can make a string longer than their input; they get
/// a size check in front.
const GROWING: [&str; 6] = ["printf", "print", "println", "html", "js", "urlquery"];
/// The template's name, so that its tree can be looked up.
const NAME: &str = "goospec";

/// Renders a goospec's text with `vars` as Go's `text/template` does, with
/// one difference from goopack: a variable nobody gave a value is an error
/// naming it (goopack renders it as an empty string). Values are inserted
/// raw, without JSON escaping.
///
/// Goospecs use variables, `printf`, pipelines, `if` and the `{{-`/`-}}`
/// trimming; `{{define}}`, `{{block}}` and `{{template}}` are refused. The
/// spec, the output and every intermediate string are size-capped and
/// `{{range}}` is bounded, so no input makes this run away.
///
/// ```
/// use std::collections::BTreeMap;
/// let vars = BTreeMap::from([("version".to_string(), "20240101.00".to_string())]);
/// let text = "{{$v := printf \"%s.0+win@1\" .version -}}\n{\"version\": \"{{$v}}\"}";
/// assert_eq!(googet::render(text, &vars).unwrap(), "{\"version\": \"20240101.00.0+win@1\"}");
/// let err = googet::render("{\n\"a\": \"{{.nope}}\"}", &vars).unwrap_err();
/// assert_eq!(err.to_string().lines().next().unwrap(),
///     "line 2: undefined variable .nope: pass a value for it (packagebuild-googet --var nope=VALUE)");
/// ```
pub fn render(text: &str, vars: &BTreeMap<String, String>) -> Result<String, Error> {
    if text.len() > MAX_SPEC_BYTES {
        return Err(Error::SpecTooLarge {
            size: text.len(),
            limit: MAX_SPEC_BYTES,
        });
    }
    let mut tmpl = Template::new(NAME)
        .missing_key(MissingKey::Error)
        .max_range_iters(MAX_RANGE_ITERS);
    for name in GROWING {
        tmpl = tmpl.func(name, move |args: &[Value]| guarded(name, args));
    }
    let tmpl = tmpl.parse(text).map_err(|e| syntax(e, text))?;
    let tree = tmpl.lookup(NAME);
    if let Some(tree) = tree {
        check_supported(tree)?;
    }
    if let Some(other) = tmpl.templates().into_iter().find(|t| *t != NAME) {
        return Err(Error::TemplateUnsupported {
            line: tmpl.lookup(other).map_or(1, |l| l.pos.line),
            what: "{{define}}/{{block}}",
        });
    }
    let data = Value::from(
        vars.iter()
            .map(|(k, v)| (k.clone(), Value::String(Arc::from(v.as_str()))))
            .collect::<BTreeMap<String, Value>>(),
    );
    let mut out = Capped::default();
    match tmpl.execute_fmt(&mut out, &data) {
        Ok(()) => Ok(out.buf),
        Err(_) if out.exceeded => Err(Error::RenderedTooLarge {
            limit: MAX_RENDERED_BYTES,
        }),
        Err(e) => Err(exec_error(e, tree)),
    }
}

/// Output with a size cap.
#[derive(Default)]
struct Capped {
    buf: String,
    exceeded: bool,
}

impl std::fmt::Write for Capped {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        if self.buf.len() + s.len() > MAX_RENDERED_BYTES {
            self.exceeded = true;
            return Err(std::fmt::Error);
        }
        self.buf.push_str(s);
        Ok(())
    }
}

/// Calls the built-in `name` after checking that its result stays small:
/// without the check, `{{$x = printf "%s%s" $x $x}}` doubles a string per
/// line.
fn guarded(name: &'static str, args: &[Value]) -> gotmpl::Result<Value> {
    let input: usize = args.iter().map(value_len).sum();
    let padding = match (name, args.first()) {
        // Each verb may pad to Go's (and gotmpl's) 65535 width limit.
        ("printf", Some(Value::String(f))) => f.matches('%').count().saturating_mul(65_536),
        _ => 0,
    };
    let bound = input
        .saturating_mul(6)
        .saturating_add(padding)
        .saturating_add(args.len().saturating_mul(32));
    if bound > MAX_VALUE_BYTES {
        return Err(TemplateError::Exec(format!(
            "{name}: the result could exceed {MAX_VALUE_BYTES} bytes; a goospec builds short strings"
        )));
    }
    let mut src = format!("{{{{{name}");
    for i in 0..args.len() {
        src.push_str(&format!(" (index .a {i})"));
    }
    src.push_str("}}");
    let data = Value::from_entries([("a".to_string(), Value::List(Arc::from(args.to_vec())))]);
    let s = Template::new("").parse(&src)?.execute_to_string(&data)?;
    Ok(Value::String(Arc::from(s)))
}

/// An upper bound of a value's printed size.
fn value_len(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len(),
        Value::List(l) => l.iter().map(value_len).sum::<usize>() + 2 * l.len() + 2,
        Value::Map(m) => {
            m.iter()
                .map(|(k, v)| k.len() + value_len(v) + 2)
                .sum::<usize>()
                + 5
        }
        _ => 32,
    }
}

fn syntax(e: TemplateError, text: &str) -> Error {
    match e {
        TemplateError::Parse {
            line, col, message, ..
        }
        | TemplateError::Lex {
            line, col, message, ..
        } => Error::TemplateSyntax {
            line,
            column: col,
            message,
        },
        other => Error::TemplateSyntax {
            line: 1,
            column: 1,
            message: format!("{other} (in a spec of {} lines)", text.lines().count()),
        },
    }
}

fn exec_error(e: TemplateError, tree: Option<&ListNode>) -> Error {
    match e {
        TemplateError::MissingKey { key } => {
            let line = tree.and_then(|t| find_line(t, &|x| field_named(x, &key)));
            Error::UndefinedVariable {
                hint: format!("pass a value for it (packagebuild-googet --var {key}=VALUE)"),
                name: format!(".{key}"),
                line,
            }
        }
        TemplateError::UndefinedVariable(name) => {
            let line = tree.and_then(|t| find_line(t, &|x| variable_named(x, &name)));
            Error::UndefinedVariable {
                hint: format!("declare it first with {{{{{name} := ...}}}}"),
                name,
                line,
            }
        }
        TemplateError::RangeIterLimit => Error::TemplateExec {
            line: None,
            message: format!("{{{{range}}}} ran more than {MAX_RANGE_ITERS} times in total"),
        },
        other => Error::TemplateExec {
            line: None,
            message: other.to_string(),
        },
    }
}

fn field_named(e: &Expr, key: &str) -> bool {
    match e {
        Expr::Field(_, fields) => fields.first().is_some_and(|f| f.as_str() == key),
        Expr::Variable(_, name, fields) => {
            name.as_str() == "$" && fields.first().is_some_and(|f| f.as_str() == key)
        }
        _ => false,
    }
}

fn variable_named(e: &Expr, name: &str) -> bool {
    matches!(e, Expr::Variable(_, n, _) if n.as_str() == name)
}

/// The line of the first expression in `list` (in source order) that `hit`
/// accepts.
fn find_line(list: &ListNode, hit: &dyn Fn(&Expr) -> bool) -> Option<usize> {
    list.nodes.iter().find_map(|n| node_line(n, hit))
}

fn node_line(n: &Node, hit: &dyn Fn(&Expr) -> bool) -> Option<usize> {
    match n {
        Node::List(l) => find_line(l, hit),
        Node::Action(a) => pipe_line(&a.pipe, hit),
        Node::If(b) | Node::Range(b) | Node::With(b) => pipe_line(&b.pipe, hit)
            .or_else(|| find_line(&b.body, hit))
            .or_else(|| b.else_body.as_ref().and_then(|e| find_line(e, hit))),
        Node::Template(t) => t.pipe.as_ref().and_then(|p| pipe_line(p, hit)),
        Node::Define(d) => find_line(&d.body, hit),
        Node::Text(_) | Node::Break(_) | Node::Continue(_) => None,
    }
}

fn pipe_line(p: &PipeNode, hit: &dyn Fn(&Expr) -> bool) -> Option<usize> {
    p.commands
        .iter()
        .flat_map(|c| c.args.iter())
        .find_map(|e| expr_line(e, hit))
}

fn expr_line(e: &Expr, hit: &dyn Fn(&Expr) -> bool) -> Option<usize> {
    if hit(e) {
        return Some(e.pos().line);
    }
    match e {
        Expr::Pipe(_, p) => pipe_line(p, hit),
        Expr::Chain(_, inner, _) => expr_line(inner, hit),
        _ => None,
    }
}

/// Refuses `{{template}}`, whose calls could fan out without bound.
fn check_supported(list: &ListNode) -> Result<(), Error> {
    for n in &list.nodes {
        match n {
            Node::Template(t) => {
                return Err(Error::TemplateUnsupported {
                    line: t.pos.line,
                    what: "{{template}}",
                });
            }
            Node::List(l) => check_supported(l)?,
            Node::If(b) | Node::Range(b) | Node::With(b) => {
                check_supported(&b.body)?;
                if let Some(e) = &b.else_body {
                    check_supported(e)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}
