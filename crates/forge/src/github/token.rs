//! The GitHub token: a secret that never prints.

use std::io::ErrorKind;
use std::path::Path;

use crate::ForgeError;

/// A GitHub token. `Debug` and `Display` print `Token(***)`; the secret is
/// only ever read to build the `Authorization` header.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// A token from its value (e.g. `GITHUB_TOKEN`), as given.
    pub fn new(secret: String) -> Token {
        Token(secret)
    }

    /// Reads the token from a file (a mounted secret), trimming surrounding
    /// whitespace and the trailing newline.
    ///
    /// [`ForgeError::TokenFile`] when the file does not exist, cannot be read
    /// or holds only whitespace.
    pub fn from_file(path: &Path) -> Result<Token, ForgeError> {
        let problem = |problem: String| ForgeError::TokenFile {
            path: path.to_owned(),
            problem,
        };
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Err(problem("does not exist".into()));
            }
            Err(e) if e.kind() == ErrorKind::InvalidData => {
                return Err(problem("cannot be read: it is not UTF-8 text".into()));
            }
            // The kind only: the io error of a read can carry no file content,
            // but the kind is all the reader needs.
            Err(e) => return Err(problem(format!("cannot be read: {}", e.kind()))),
        };
        let secret = text.trim();
        if secret.is_empty() {
            return Err(problem("is empty".into()));
        }
        Ok(Token(secret.to_owned()))
    }

    /// The secret itself, for the `Authorization` header only.
    pub(crate) fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(***)")
    }
}

impl std::fmt::Display for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(***)")
    }
}
