//! The GitHub forge: tags through the GitHub REST API.
//!
//! - Listing: `GET /repos/{o}/{r}/git/matching-refs/tags/{D}.` and the same
//!   for the day after, every page (`per_page=100`, `Link: rel="next"`), so
//!   the next version costs two requests however many tags the repository
//!   has, plus one for each further 100 tags of day D or D+1.
//! - Tagging: `POST git/tags` (the annotated tag object), then
//!   `POST git/refs` (`refs/tags/<name>`), which GitHub answers with 422 when
//!   the ref exists: that is the atomic commit point.
//!
//! [`Client`] does the HTTP: headers, pagination, retries, rate limits. The
//! [`Token`] never appears in any output.

mod client;
mod token;

use async_trait::async_trait;
use calver::Day;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

pub use client::{Answer, Client, ClientConfig, DEFAULT_API_URL, RetryPolicy};
pub use token::Token;

use crate::{Forge, ForgeError, ForgeKind, NewTag, TagOutcome, tag_outcome};

/// How many annotated tags deep a ref is followed to its commit.
const MAX_PEEL: usize = 8;

/// The tags of one GitHub repository.
#[derive(Debug)]
pub struct GitHubForge {
    client: Client,
    owner: String,
    repo: String,
}

#[derive(Debug, Deserialize)]
struct GitRef {
    #[serde(rename = "ref")]
    name: String,
    object: GitObject,
}

#[derive(Debug, Deserialize)]
struct GitObject {
    sha: String,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Debug, Deserialize)]
struct TagObject {
    sha: String,
    object: GitObject,
}

#[derive(Debug, Deserialize)]
struct Commit {
    sha: String,
}

impl GitHubForge {
    /// The repository `owner/repo` through `client`. Both names must be
    /// GitHub-legal (`[A-Za-z0-9_.-]+`); nothing is requested yet.
    pub fn new(client: Client, owner: &str, repo: &str) -> Result<Self, ForgeError> {
        for (what, value) in [("owner", owner), ("repository", repo)] {
            let legal = !value.is_empty()
                && value != "."
                && value != ".."
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
            if !legal {
                return Err(ForgeError::InvalidInput(format!(
                    "GitHub {what} {value:?} is not a valid name: use letters, digits, '_', '.' and '-' \
                     (check --owner/--repo or REPO_OWNER/REPO_NAME)"
                )));
            }
        }
        Ok(GitHubForge {
            client,
            owner: owner.to_owned(),
            repo: repo.to_owned(),
        })
    }

    /// The client, e.g. to read its request count.
    pub fn client(&self) -> &Client {
        &self.client
    }

    fn path(&self, rest: &str) -> String {
        format!("/repos/{}/{}/{rest}", self.owner, self.repo)
    }

    /// The ref `refs/tags/<name>` as GitHub stores it, or `None`.
    async fn tag_ref(&self, name: &str) -> Result<Option<GitObject>, ForgeError> {
        let path = self.path(&format!("git/ref/tags/{name}"));
        // GitHub answers 404 both for a missing ref and a missing
        // repository; the listing and the tag creation tell the latter.
        let answer = self.client.get_json(&path, &[404]).await?;
        if answer.status == 404 {
            return Ok(None);
        }
        let r: GitRef = parse("GET", &path, answer.body)?;
        Ok(Some(r.object))
    }

    /// The commit `object` finally names, through annotated tags.
    async fn peel(&self, mut object: GitObject) -> Result<String, ForgeError> {
        for _ in 0..MAX_PEEL {
            if object.kind != "tag" {
                // A commit, or (rarely) a tree or blob: its sha either way.
                return Ok(object.sha.to_ascii_lowercase());
            }
            let path = self.path(&format!("git/tags/{}", object.sha));
            let answer = self.client.get_json(&path, &[404]).await?;
            if answer.status == 404 {
                return Err(ForgeError::InvalidResponse {
                    method: "GET".into(),
                    path,
                    detail: format!(
                        "a tag ref points at tag object {} that GitHub does not have",
                        object.sha
                    ),
                });
            }
            object = parse::<TagObject>("GET", &path, answer.body)?.object;
        }
        Err(ForgeError::InvalidResponse {
            method: "GET".into(),
            path: self.path("git/tags"),
            detail: format!("annotated tags nested more than {MAX_PEEL} deep"),
        })
    }
}

#[async_trait]
impl Forge for GitHubForge {
    fn kind(&self) -> ForgeKind {
        ForgeKind::Github
    }

    fn describe(&self) -> String {
        format!("github {}/{}", self.owner, self.repo)
    }

    fn delete_tag_hint(&self, tag: &str) -> String {
        let path = self.path(&format!("git/refs/tags/{tag}"));
        let api = self.client.api_url();
        // gh talks to github.com unless told the Enterprise host.
        let host = url::Url::parse(api)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .filter(|h| h != "api.github.com")
            .map(|h| format!(" --hostname {h}"))
            .unwrap_or_default();
        format!(
            "the API call `DELETE {api}{path}` with a token that may write the repository, e.g. \
             `gh api{host} -X DELETE {}`",
            path.trim_start_matches('/')
        )
    }

    async fn tags_for_day(&self, day: Day) -> Result<Vec<String>, ForgeError> {
        let mut names = Vec::new();
        // Day D decides the version; day D+1 catches the usual clock skew.
        // Each listing follows every page: a day may have more than 100
        // tags.
        for d in [day, day.succ()] {
            let path = self.path(&format!("git/matching-refs/tags/{d}."));
            for item in self.client.get_all_pages(&path).await? {
                let r: GitRef = parse("GET", &path, item)?;
                if let Some(name) = r.name.strip_prefix("refs/tags/") {
                    names.push(name.to_owned());
                }
            }
        }
        Ok(names)
    }

    async fn resolve_commit(&self, rev: &str) -> Result<String, ForgeError> {
        let unknown = || ForgeError::UnknownCommit {
            rev: rev.to_owned(),
            forge: self.describe(),
        };
        if rev.is_empty()
            || rev
                .split('/')
                .any(|s| s.is_empty() || s == "." || s == "..")
        {
            return Err(unknown());
        }
        let path = self.path(&format!("commits/{}", encode_path(rev)));
        let answer = self.client.get_json(&path, &[404, 422]).await?;
        match answer.status {
            // 422 "No commit found for SHA: x"; 404 "No commit found for the
            // ref x" (a plain "Not Found" is the repository).
            422 => Err(unknown()),
            404 if answer.message().starts_with("No commit found") => Err(unknown()),
            404 => Err(ForgeError::NotFound {
                method: "GET".into(),
                path,
                repo: format!("{}/{}", self.owner, self.repo),
            }),
            _ => {
                let sha = parse::<Commit>("GET", &path, answer.body)?.sha;
                if !is_full_sha(&sha) {
                    return Err(ForgeError::InvalidResponse {
                        method: "GET".into(),
                        path,
                        detail: format!("{sha:?} is not a commit sha"),
                    });
                }
                Ok(sha.to_ascii_lowercase())
            }
        }
    }

    async fn tag_commit(&self, name: &str) -> Result<Option<String>, ForgeError> {
        check_tag_name(name)?;
        match self.tag_ref(name).await? {
            Some(object) => Ok(Some(self.peel(object).await?)),
            None => Ok(None),
        }
    }

    async fn create_tag(&self, tag: &NewTag) -> Result<TagOutcome, ForgeError> {
        check_tag_name(&tag.name)?;
        if !is_full_sha(&tag.commit) {
            return Err(ForgeError::InvalidInput(format!(
                "{:?} is not a full commit sha (40 hex digits); resolve it first",
                tag.commit
            )));
        }
        let commit = tag.commit.to_ascii_lowercase();
        if let Some(existing) = self.tag_commit(&tag.name).await? {
            return tag_outcome(&tag.name, &existing, &tag.commit);
        }

        let path = self.path("git/tags");
        let body = json!({
            "tag": tag.name,
            "message": tag.message,
            "object": commit,
            "type": "commit",
            "tagger": {
                "name": tag.tagger.name,
                "email": tag.tagger.email,
                "date": tag.date.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            },
        });
        let answer = self.client.post_json(&path, &body, &[422]).await?;
        if answer.status == 422 {
            if answer.message().contains("Object does not exist") {
                return Err(ForgeError::UnknownCommit {
                    rev: commit,
                    forge: self.describe(),
                });
            }
            return Err(http_422("POST", path, &answer));
        }
        let object = parse::<TagObject>("POST", &path, answer.body)?.sha;

        let path = self.path("git/refs");
        let body = json!({"ref": format!("refs/tags/{}", tag.name), "sha": object});
        let answer = self.client.post_json(&path, &body, &[422]).await?;
        if answer.status != 422 {
            return Ok(TagOutcome::Created { tag_object: object });
        }
        // 422: the ref exists. Another run won, or an earlier attempt of
        // ours got through but its answer was lost (then it points at our
        // own tag object).
        match self.tag_ref(&tag.name).await? {
            Some(existing) if existing.sha.eq_ignore_ascii_case(&object) => {
                Ok(TagOutcome::Created { tag_object: object })
            }
            Some(existing) => {
                let existing = self.peel(existing).await?;
                tag_outcome(&tag.name, &existing, &tag.commit)
            }
            None => Err(http_422("POST", path, &answer)),
        }
    }

    fn requests(&self) -> u64 {
        self.client.requests()
    }
}

fn parse<T: DeserializeOwned>(method: &str, path: &str, body: Value) -> Result<T, ForgeError> {
    serde_json::from_value(body).map_err(|e| ForgeError::InvalidResponse {
        method: method.into(),
        path: path.into(),
        detail: e.to_string(),
    })
}

fn http_422(method: &str, path: String, answer: &Answer) -> ForgeError {
    ForgeError::Http {
        status: answer.status,
        method: method.into(),
        path,
        attempts: answer.attempts,
        message: answer.message().to_owned(),
    }
}

fn is_full_sha(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Tag names go into URL paths as they are, so only plain ref names are
/// taken: `[A-Za-z0-9._+-]` in `/`-separated parts, as git allows them.
fn check_tag_name(name: &str) -> Result<(), ForgeError> {
    let part_ok = |p: &str| {
        !p.is_empty()
            && !p.starts_with('.')
            && !p.ends_with(".lock")
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'+' | b'-'))
    };
    if name.starts_with('-')
        || name.contains("..")
        || !name.split('/').all(part_ok)
        || name.ends_with('.')
    {
        return Err(ForgeError::InvalidInput(format!(
            "{name:?} is not a tag name this tool creates or looks up (letters, digits, '.', '_', '+', '-')"
        )));
    }
    Ok(())
}

/// Percent-encodes everything but unreserved characters and `/`.
fn encode_path(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_names_are_checked() {
        for ok in ["20261127.00", "v1.2.3", "release/1.0", "a+b"] {
            assert!(check_tag_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "a..b", ".x", "x.", "a b", "a?b", "a#b", "-x", "x/", "/x", "x.lock", "a%2e",
        ] {
            assert!(check_tag_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn revisions_are_encoded() {
        assert_eq!(encode_path("main"), "main");
        assert_eq!(encode_path("feature/x y?"), "feature/x%20y%3F");
    }
}
