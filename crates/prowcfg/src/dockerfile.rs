//! The images' Dockerfiles (`containers/<name>/Dockerfile`), checked:
//! every base pinned, every binary copied into `/usr/local/bin/` one the
//! workspace builds, every image listed in `containers/README.md`. This is
//! `make check-containers` (`check-prow --dockerfiles`), the only place the
//! rules live; `containers/build.sh` reads the same lines to build.
//!
//! Lines are read one at a time, split on whitespace, as `build.sh` reads
//! them: the project's Dockerfiles use no line continuations.

use std::path::{Path, PathBuf};

/// What a Dockerfile builds from and copies in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dockerfile {
    /// Whether it has a `FROM` line at all.
    pub has_from: bool,
    /// The base image of each `FROM`, earlier stages (`AS name`) left out.
    pub bases: Vec<String>,
    /// The files copied from the build context into `/usr/local/bin/`.
    pub bins: Vec<String>,
}

/// Reads the `FROM` and `COPY` lines of a Dockerfile's text.
pub fn parse(text: &str) -> Dockerfile {
    let mut d = Dockerfile::default();
    let mut stages: Vec<String> = Vec::new();
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some(first) = words.first() else {
            continue;
        };
        if first.eq_ignore_ascii_case("FROM") {
            d.has_from = true;
            // Flags such as --platform come before the image.
            let mut rest = words[1..].iter().skip_while(|w| w.starts_with("--"));
            if let Some(image) = rest.next()
                && !stages.iter().any(|s| s == image)
            {
                d.bases.push((*image).to_owned());
            }
            let rest: Vec<&&str> = rest.collect();
            if let [as_kw, name, ..] = rest.as_slice()
                && as_kw.eq_ignore_ascii_case("AS")
            {
                stages.push((**name).to_owned());
            }
        } else if first.eq_ignore_ascii_case("COPY") {
            // COPY --from=<stage> copies from another image, not the context.
            if words[1..].iter().any(|w| w.starts_with("--from=")) {
                continue;
            }
            let args: Vec<&str> = words[1..]
                .iter()
                .copied()
                .filter(|w| !w.starts_with("--"))
                .collect();
            if let [sources @ .., dest] = args.as_slice()
                && !sources.is_empty()
                && (*dest == "/usr/local/bin" || dest.starts_with("/usr/local/bin/"))
            {
                d.bins.extend(sources.iter().map(|s| (*s).to_owned()));
            }
        }
    }
    d
}

/// Why a `FROM` image is not pinned, or `None` when it is: a digest, or a
/// tag with a date or version in it (a moving tag such as `bookworm-slim`
/// changes under the same name).
pub fn unpinned(image: &str) -> Option<String> {
    if image == "scratch" {
        return None;
    }
    if image.contains('$') {
        return Some("uses a build argument; write the pinned reference".into());
    }
    if image.contains("@sha256:") {
        return None;
    }
    let name = image.rsplit('/').next().unwrap_or(image);
    let Some((_, tag)) = name.split_once(':') else {
        return Some("has no tag (it would mean :latest)".into());
    };
    if tag == "latest" {
        Some("uses :latest".into())
    } else if !tag.bytes().any(|b| b.is_ascii_digit()) {
        Some(format!(
            "uses the moving tag :{tag}; pin a dated or versioned tag (e.g. bookworm-20251117-slim) or a digest"
        ))
    } else {
        None
    }
}

/// The outcome of [`check_dir`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checked {
    /// The Dockerfiles read, in name order.
    pub dockerfiles: Vec<PathBuf>,
    /// One line per problem, `file: message`.
    pub problems: Vec<String>,
}

/// Checks every `<containers>/<name>/Dockerfile` against the rules of the
/// module documentation; `workspace_bins` are the binaries the workspace
/// builds. A folder that cannot be read is a problem, not a panic.
pub fn check_dir(containers: &Path, workspace_bins: &[String]) -> Checked {
    let mut out = Checked::default();
    let mut names: Vec<String> = match std::fs::read_dir(containers) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .filter(|e| e.path().join("Dockerfile").is_file())
            .filter_map(|e| e.file_name().to_str().map(str::to_owned))
            .collect(),
        Err(e) => {
            out.problems
                .push(format!("{}: cannot read: {e}", containers.display()));
            return out;
        }
    };
    names.sort();
    if names.is_empty() {
        out.problems.push(format!(
            "{}: no <name>/Dockerfile: every image is built from containers/<name>/Dockerfile",
            containers.display()
        ));
    }
    let readme_path = containers.join("README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap_or_default();
    for name in names {
        let path = containers.join(&name).join("Dockerfile");
        let shown = path.display();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                out.problems.push(format!("{shown}: cannot read: {e}"));
                continue;
            }
        };
        let d = parse(&text);
        if !d.has_from {
            out.problems.push(format!("{shown}: no FROM line"));
        }
        for base in &d.bases {
            if let Some(why) = unpinned(base) {
                out.problems.push(format!("{shown}: FROM {base} {why}"));
            }
        }
        if d.bins.is_empty() {
            out.problems.push(format!(
                "{shown}: copies no binary to /usr/local/bin/ (write COPY <binary> /usr/local/bin/)"
            ));
        }
        for b in &d.bins {
            if !workspace_bins.contains(b) {
                out.problems.push(format!(
                    "{shown}: copies {b}, which is not a binary of this workspace (it builds: {})",
                    workspace_bins.join(" ")
                ));
            }
        }
        if !readme.contains(&format!("`{name}`")) {
            out.problems.push(format!(
                "{}: the image {name} is not listed",
                readme_path.display()
            ));
        }
        out.dockerfiles.push(path);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bases_skip_flags_and_earlier_stages() {
        let d = parse(
            "# a comment\nFROM --platform=linux/amd64 docker.io/library/rust:1.90 AS build\n\
             from build as test\nFROM debian:bookworm-20251117-slim\n\
             COPY --from=build /out/x /usr/local/bin/\nCOPY --chown=0:0 version-gen repo-tagger /usr/local/bin/\n\
             copy notes.txt /etc/\n",
        );
        assert!(d.has_from);
        assert_eq!(
            d.bases,
            [
                "docker.io/library/rust:1.90",
                "debian:bookworm-20251117-slim"
            ]
        );
        assert_eq!(d.bins, ["version-gen", "repo-tagger"]);
        assert_eq!(parse("RUN true\n"), Dockerfile::default());
    }

    #[test]
    fn pinned_and_unpinned_bases() {
        for ok in [
            "scratch",
            "docker.io/library/debian:bookworm-20251117-slim",
            "docker.io/rockylinux/rockylinux:9.6.20250531",
            "localhost:5000/x:1.2",
            "debian@sha256:0123",
        ] {
            assert_eq!(unpinned(ok), None, "{ok}");
        }
        for (bad, why) in [
            ("debian", "has no tag (it would mean :latest)"),
            (
                "localhost:5000/debian",
                "has no tag (it would mean :latest)",
            ),
            ("debian:latest", "uses :latest"),
            (
                "debian:bookworm-slim",
                "uses the moving tag :bookworm-slim;",
            ),
            ("debian:${SUITE}", "uses a build argument"),
            ("$BASE@sha256:0123", "uses a build argument"),
        ] {
            let got = unpinned(bad).unwrap_or_default();
            assert!(got.starts_with(why), "{bad}: {got}");
        }
    }

    #[test]
    fn every_rule_is_one_problem_line() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            std::fs::create_dir_all(dir.path().join(name)).unwrap();
            std::fs::write(dir.path().join(name).join("Dockerfile"), text).unwrap();
        };
        write(
            "good",
            "FROM debian:bookworm-20251117-slim\nCOPY good /usr/local/bin/\n",
        );
        write(
            "moving",
            "FROM debian:bookworm-slim\nCOPY good /usr/local/bin/\n",
        );
        write("nofrom", "COPY other /usr/local/bin/\n");
        write("nobin", "FROM scratch\n");
        std::fs::write(dir.path().join("README.md"), "`good`, `moving`, `nofrom`\n").unwrap();
        let c = check_dir(dir.path(), &["good".to_owned()]);
        assert_eq!(c.dockerfiles.len(), 4);
        let d = dir.path().display();
        assert_eq!(
            c.problems,
            [
                format!(
                    "{d}/moving/Dockerfile: FROM debian:bookworm-slim uses the moving tag :bookworm-slim; pin a dated or versioned tag (e.g. bookworm-20251117-slim) or a digest"
                ),
                format!(
                    "{d}/nobin/Dockerfile: copies no binary to /usr/local/bin/ (write COPY <binary> /usr/local/bin/)"
                ),
                format!("{d}/README.md: the image nobin is not listed"),
                format!("{d}/nofrom/Dockerfile: no FROM line"),
                format!(
                    "{d}/nofrom/Dockerfile: copies other, which is not a binary of this workspace (it builds: good)"
                ),
            ]
        );
        let missing = check_dir(&dir.path().join("none"), &[]);
        assert!(missing.problems[0].contains("cannot read"), "{missing:?}");
    }
}
