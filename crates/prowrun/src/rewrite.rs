//! Pure string rewrites applied to a container's command, args and env:
//! Kubernetes' `$(VAR)` expansion, mount paths to host folders (runtime
//! `local`), `gs://` URLs to a local bucket folder, and the GitHub forge to a
//! git remote.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Kubernetes' expansion of `$(NAME)` in `command`, `args` and env values:
/// a defined variable is replaced by its value, an undefined one is left as
/// written, and `$$` is a literal `$` (so `$$(NAME)` stays `$(NAME)`).
pub fn expand_vars(s: &str, vars: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(inner) = after.strip_prefix('(')
            && let Some(end) = inner.find(')')
        {
            let name = &inner[..end];
            match vars.get(name) {
                Some(v) => out.push_str(v),
                None => {
                    out.push_str("$(");
                    out.push_str(name);
                    out.push(')');
                }
            }
            rest = &inner[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// A folder of the pod's file system and where it is on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathMap {
    /// The path inside the pod, e.g. `/workspace`.
    pub pod: String,
    /// The host folder.
    pub host: PathBuf,
}

fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

/// Replaces every pod path of `maps` that appears as a whole path (or a
/// path's leading folders) in `s` by its host folder: `/workspace`,
/// `/workspace/version`, `--workspace=/workspace` and `file:///workspace`
/// are rewritten,
/// `/workspaces`, `gs://b/workspace` and `/a/workspace` are not. The longest
/// pod path wins.
pub fn map_paths(s: &str, maps: &[PathMap]) -> String {
    let mut sorted: Vec<&PathMap> = maps.iter().collect();
    sorted.sort_by_key(|m| std::cmp::Reverse(m.pod.len()));
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    'outer: while i < s.len() {
        let prev = s[..i].chars().next_back();
        // A path starts after a separator, or as a file:// URL's path
        // (GOPROXY=file:///go-proxy names the pod's folder too).
        let starts_path =
            prev.is_none_or(|c| !is_path_char(c) && c != '/') || s[..i].ends_with("file://");
        if starts_path && s[i..].starts_with('/') {
            for m in &sorted {
                let pod = m.pod.trim_end_matches('/');
                if pod.is_empty() || !s[i..].starts_with(pod) {
                    continue;
                }
                let next = s[i + pod.len()..].chars().next();
                if next.is_none_or(|c| c == '/' || !is_path_char(c)) {
                    out.push_str(&m.host.to_string_lossy());
                    i += pod.len();
                    continue 'outer;
                }
            }
        }
        let c = s[i..].chars().next().unwrap_or_default();
        out.push(c);
        i += c.len_utf8().max(1);
    }
    out
}

/// Rewrites every `gs://<bucket>/<path>` in `s` to `<dir>/<bucket>/<path>`.
pub fn map_buckets(s: &str, dir: &Path) -> String {
    let dir = dir.to_string_lossy();
    let dir = dir.trim_end_matches('/');
    s.replace("gs://", &format!("{dir}/"))
}

/// Rewrites `--forge github` (or `--forge=github`) to `--forge git --remote
/// <remote>`: the job's tagging and version listing go to a git remote
/// instead of GitHub. Returns whether anything changed.
pub fn map_forge(args: &[String], remote: &str) -> (Vec<String>, bool) {
    let mut out = Vec::with_capacity(args.len() + 2);
    let mut changed = false;
    let mut it = args.iter().peekable();
    while let Some(a) = it.next() {
        if a == "--forge" && it.peek().is_some_and(|v| *v == "github") {
            it.next();
        } else if a != "--forge=github" {
            out.push(a.clone());
            continue;
        }
        out.extend([
            "--forge".to_owned(),
            "git".to_owned(),
            "--remote".to_owned(),
            remote.to_owned(),
        ]);
        changed = true;
    }
    (out, changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(v: &[(&str, &str)]) -> HashMap<String, String> {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn kubernetes_expansion() {
        let v = vars(&[("BUILD_ID", "42"), ("A", "x")]);
        assert_eq!(
            expand_vars("gs://s/r/$(BUILD_ID)/deb12", &v),
            "gs://s/r/42/deb12"
        );
        assert_eq!(expand_vars("$(A)$(A)-$(NOPE)", &v), "xx-$(NOPE)");
        assert_eq!(expand_vars("$$(A) $$ $x $(", &v), "$(A) $ $x $(");
        assert_eq!(expand_vars("plain", &v), "plain");
    }

    fn maps() -> Vec<PathMap> {
        vec![
            PathMap {
                pod: "/workspace".into(),
                host: "/tmp/run/volumes/workspace".into(),
            },
            PathMap {
                pod: "/home/prow/go".into(),
                host: "/tmp/run/go".into(),
            },
            PathMap {
                pod: "/home/prow/go/src/github.com/o/r".into(),
                host: "/tmp/clone".into(),
            },
        ]
    }

    #[test]
    fn whole_paths_only() {
        let m = maps();
        assert_eq!(map_paths("/workspace", &m), "/tmp/run/volumes/workspace");
        assert_eq!(
            map_paths("/workspace/version", &m),
            "/tmp/run/volumes/workspace/version"
        );
        assert_eq!(
            map_paths("--workspace=/workspace", &m),
            "--workspace=/tmp/run/volumes/workspace"
        );
        assert_eq!(
            map_paths("PATH=/bin:/workspace/bin", &m),
            "PATH=/bin:/tmp/run/volumes/workspace/bin"
        );
        assert_eq!(
            map_paths("file:///workspace/p", &m),
            "file:///tmp/run/volumes/workspace/p"
        );
        assert_eq!(map_paths("file:///a/workspace", &m), "file:///a/workspace");
        assert_eq!(map_paths("/workspaces", &m), "/workspaces");
        assert_eq!(map_paths("gs://b/workspace", &m), "gs://b/workspace");
        assert_eq!(map_paths("/a/workspace", &m), "/a/workspace");
        assert_eq!(
            map_paths("/home/prow/go/src/github.com/o/r/x", &m),
            "/tmp/clone/x"
        );
        assert_eq!(map_paths("/home/prow/go/bin", &m), "/tmp/run/go/bin");
        assert_eq!(
            map_paths("née /workspace", &m),
            "née /tmp/run/volumes/workspace"
        );
    }

    #[test]
    fn buckets() {
        assert_eq!(
            map_buckets("gs://gcp-guest-releases/guest-agent", Path::new("/tmp/b/")),
            "/tmp/b/gcp-guest-releases/guest-agent"
        );
    }

    #[test]
    fn forge() {
        let a = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (out, changed) = map_forge(&a(&["--forge", "github", "--workspace", "/w"]), "/r.git");
        assert!(changed);
        assert_eq!(
            out,
            a(&["--forge", "git", "--remote", "/r.git", "--workspace", "/w"])
        );
        let (out, _) = map_forge(&a(&["--forge=github"]), "/r.git");
        assert_eq!(out, a(&["--forge", "git", "--remote", "/r.git"]));
        let (out, changed) = map_forge(&a(&["--forge", "git", "--dev"]), "/r.git");
        assert!(!changed);
        assert_eq!(out, a(&["--forge", "git", "--dev"]));
    }
}
