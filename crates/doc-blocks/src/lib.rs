//! The shell blocks of a Markdown document, for running them as written.
//!
//! Every fenced block whose language is `sh`, `bash` or `shell` is a command
//! block. An HTML comment right before it may say how to run it:
//!
//! - `<!-- doc-test: skip: REASON -->`: not run; the reason is required, so
//!   a skipped block says why (it needs a Docker engine, it is a recipe with
//!   placeholders...).
//! - `<!-- doc-test: in the project -->`: run from the project's checkout
//!   (commands such as `pj-local`, whose defaults are relative to it),
//!   instead of from the user's repository.
//!
//! Any other `doc-test:` comment is an error, so a typo never skips a block
//! silently. Markdown is read with pulldown-cmark: fences inside lists and
//! block quotes are found as a renderer finds them.

use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};

/// Where a command block runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Run {
    /// From the user's repository (the docs' "your repository").
    InRepository,
    /// From the project's checkout.
    InProject,
    /// Not run, for this reason.
    Skip(String),
}

/// One command block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The line of the opening fence (1-based).
    pub line: usize,
    /// The commands.
    pub text: String,
    /// How to run it.
    pub run: Run,
}

/// A `doc-test:` comment that says nothing this crate understands.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "line {line}: unknown directive {directive:?}: write `<!-- doc-test: skip: REASON -->` or `<!-- doc-test: in the project -->` right before a shell block"
)]
pub struct DirectiveError {
    /// The comment's line (1-based).
    pub line: usize,
    /// What it said after `doc-test:`.
    pub directive: String,
}

const MARKER: &str = "doc-test:";

/// The command blocks of `markdown`, in order.
pub fn command_blocks(markdown: &str) -> Result<Vec<Block>, DirectiveError> {
    let line_of = |offset: usize| markdown[..offset].matches('\n').count() + 1;
    let mut blocks = Vec::new();
    // The directive of the last HTML block, consumed by the next event.
    let mut pending: Option<Run> = None;
    let mut current: Option<Block> = None;
    for (event, range) in Parser::new(markdown).into_offset_iter() {
        match event {
            Event::Html(html) => {
                if let Some(run) = directive(&html, line_of(range.start))? {
                    pending = Some(run);
                }
                continue;
            }
            Event::Start(Tag::HtmlBlock) | Event::End(TagEnd::HtmlBlock) => continue,
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang))) => {
                let run = pending.take();
                let lang = lang.split_whitespace().next().unwrap_or("");
                if matches!(lang, "sh" | "bash" | "shell") {
                    current = Some(Block {
                        line: line_of(range.start),
                        text: String::new(),
                        run: run.unwrap_or(Run::InRepository),
                    });
                }
                continue;
            }
            Event::Text(text) => {
                if let Some(b) = current.as_mut() {
                    b.text.push_str(&text);
                    continue;
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                blocks.extend(current.take());
                continue;
            }
            _ => {}
        }
        // Anything else between a directive and its block detaches it.
        pending = None;
    }
    Ok(blocks)
}

/// The directive of an HTML comment, if it is one.
fn directive(html: &str, line: usize) -> Result<Option<Run>, DirectiveError> {
    let Some(body) = html
        .trim()
        .strip_prefix("<!--")
        .and_then(|s| s.strip_suffix("-->"))
    else {
        return Ok(None);
    };
    let Some(rest) = body.trim().strip_prefix(MARKER) else {
        return Ok(None);
    };
    let rest = rest.trim();
    if rest == "in the project" {
        return Ok(Some(Run::InProject));
    }
    if let Some(reason) = rest.strip_prefix("skip:").map(str::trim)
        && !reason.is_empty()
    {
        return Ok(Some(Run::Skip(reason.to_owned())));
    }
    Err(DirectiveError {
        line,
        directive: rest.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_shell_blocks_with_their_lines_and_directives() {
        let md = "# T\n\n```sh\necho a\n```\n\n```\nnot a command\n```\n\n\
                  <!-- doc-test: skip: needs a Docker engine -->\n```bash\nmake images\n```\n\n\
                  <!-- doc-test: in the project -->\n\n```shell\npj-local --help\n```\n\n\
                  - a list\n\n  ```sh\n  echo in a list\n  ```\n";
        let blocks = command_blocks(md).unwrap();
        assert_eq!(
            blocks,
            vec![
                Block {
                    line: 3,
                    text: "echo a\n".into(),
                    run: Run::InRepository
                },
                Block {
                    line: 12,
                    text: "make images\n".into(),
                    run: Run::Skip("needs a Docker engine".into())
                },
                Block {
                    line: 18,
                    text: "pj-local --help\n".into(),
                    run: Run::InProject
                },
                Block {
                    line: 24,
                    text: "echo in a list\n".into(),
                    run: Run::InRepository
                },
            ]
        );
    }

    #[test]
    fn a_directive_applies_to_the_next_block_only_and_not_across_text() {
        let md = "<!-- doc-test: skip: x -->\n\nSome text.\n\n```sh\necho run\n```\n";
        assert_eq!(command_blocks(md).unwrap()[0].run, Run::InRepository);
        let md = "<!-- doc-test: skip: x -->\n```sh\na\n```\n\n```sh\nb\n```\n";
        let runs: Vec<Run> = command_blocks(md)
            .unwrap()
            .into_iter()
            .map(|b| b.run)
            .collect();
        assert_eq!(runs, [Run::Skip("x".into()), Run::InRepository]);
        // Other comments are not directives.
        let md = "<!-- a note -->\n```sh\na\n```\n";
        assert_eq!(command_blocks(md).unwrap()[0].run, Run::InRepository);
    }

    #[test]
    fn an_unknown_or_reasonless_directive_is_an_error() {
        for (md, directive) in [
            ("<!-- doc-test: skp: typo -->\n```sh\na\n```\n", "skp: typo"),
            ("\n<!-- doc-test: skip: -->\n```sh\na\n```\n", "skip:"),
        ] {
            let e = command_blocks(md).unwrap_err();
            assert_eq!(e.directive, directive);
            assert!(e.to_string().contains("doc-test: skip: REASON"), "{e}");
        }
        assert_eq!(
            command_blocks("\n<!-- doc-test: skip: -->\n```sh\na\n```\n")
                .unwrap_err()
                .line,
            2
        );
    }
}
