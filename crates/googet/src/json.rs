//! JSON as googet's Go code sees it: objects keep their keys in document
//! order (Go's decoder applies them in order, so the last of two keys that
//! differ only in case wins), and the encoder writes what Go's
//! `json.MarshalIndent(v, "", "  ")` writes.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::Error;

/// A JSON number as parsed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Num {
    I(i64),
    U(u64),
    F(f64),
}

/// A JSON value whose objects keep their key order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    Number(Num),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// The JSON type's name, for messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Number(Num::I(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Number(Num::U(v)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
        Ok(Json::Number(Num::F(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut v = Vec::new();
        while let Some(x) = seq.next_element()? {
            v.push(x);
        }
        Ok(Json::Array(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut v = Vec::new();
        while let Some((k, x)) = map.next_entry::<String, Json>()? {
            v.push((k, x));
        }
        Ok(Json::Object(v))
    }
}

/// Parses `text`; a syntax error gives its line and column and the lines
/// around it with a caret.
pub(crate) fn parse(text: &str) -> Result<Json, Error> {
    serde_json::from_str::<Json>(text).map_err(|e| {
        let (line, column) = (e.line(), e.column());
        let full = e.to_string();
        let message = match full.rfind(" at line ") {
            Some(i) => full[..i].to_owned(),
            None => full,
        };
        Error::Json {
            line,
            column,
            message,
            context: context(text, line, column),
        }
    })
}

/// Up to two lines before line `line` (1-based), the line, and a caret
/// under `column`.
fn context(text: &str, line: usize, column: usize) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    if line == 0 || line > lines.len() {
        return String::new();
    }
    let width = line.to_string().len();
    let mut out = String::new();
    for (i, l) in lines
        .iter()
        .enumerate()
        .take(line)
        .skip(line.saturating_sub(3))
    {
        let shown: String = l.chars().take(200).collect();
        out.push_str(&format!(
            "{:>width$} | {}\n",
            i + 1,
            shown.trim_end_matches('\r')
        ));
    }
    let caret_at = lines[line - 1]
        .char_indices()
        .take_while(|(i, _)| *i < column.saturating_sub(1))
        .count()
        .min(200);
    out.push_str(&format!("{:>width$} | {}^", "", " ".repeat(caret_at)));
    out
}

/// Writes `s` as a JSON string the way Go's encoder does: `<`, `>` and `&`
/// as `\u003c`, `\u003e`, `\u0026`; U+2028 and U+2029 escaped; control
/// characters as `\n`, `\r`, `\t`, `\b`, `\f` or `\u00XX`; everything else
/// raw.
pub(crate) fn write_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{0}'..='\u{1f}' => {
                let b = c as u8;
                out.push_str("\\u00");
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 0xf) as usize] as char);
            }
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A writer of Go's indented JSON: two spaces per level, `{}` and `[]`
/// for empty containers, `"key": value`.
pub(crate) struct Indented {
    pub(crate) out: String,
    depth: usize,
    /// Whether the current container already has a member.
    first: Vec<bool>,
}

impl Indented {
    pub(crate) fn new() -> Indented {
        Indented {
            out: String::new(),
            depth: 0,
            first: Vec::new(),
        }
    }

    fn newline(&mut self) {
        self.out.push('\n');
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    /// Starts a member (or array element) of the current container.
    fn member(&mut self) {
        if let Some(first) = self.first.last_mut() {
            if !*first {
                self.out.push(',');
            }
            *first = false;
            self.newline();
        }
    }

    /// `"key": ` inside an object.
    pub(crate) fn key(&mut self, k: &str) {
        self.member();
        write_string(&mut self.out, k);
        self.out.push_str(": ");
    }

    /// An array element's position.
    pub(crate) fn element(&mut self) {
        self.member();
    }

    pub(crate) fn open(&mut self, c: char) {
        self.out.push(c);
        self.depth += 1;
        self.first.push(true);
    }

    pub(crate) fn close(&mut self, c: char) {
        self.depth -= 1;
        let empty = self.first.pop().unwrap_or(true);
        if !empty {
            self.newline();
        }
        self.out.push(c);
    }

    pub(crate) fn string(&mut self, s: &str) {
        write_string(&mut self.out, s);
    }

    pub(crate) fn raw(&mut self, s: &str) {
        self.out.push_str(s);
    }

    /// A `[]string`: `null` for nil, else the elements.
    pub(crate) fn strings(&mut self, v: Option<&[String]>) {
        match v {
            None => self.raw("null"),
            Some(v) => {
                self.open('[');
                for s in v {
                    self.element();
                    self.string(s);
                }
                self.close(']');
            }
        }
    }
}
