//! Mapping `sources` to package paths: the intended behaviour of
//! googet.md, each of goopack's mapping faults fixed, the file-tree errors.

use googet::{DiskTree, Error, FileTree, MemoryTree, check_files, map_sources, parse_spec};

fn spec(sources: &str) -> googet::Spec {
    parse_spec(&format!(
        r#"{{"name":"p","version":"1","arch":"noarch","sources":{sources}}}"#
    ))
    .unwrap_or_else(|e| panic!("{sources}: {e}"))
}

fn paths(sources: &str, tree: &dyn FileTree) -> Vec<String> {
    map_sources(&spec(sources), tree)
        .unwrap_or_else(|e| panic!("{sources}: {e}"))
        .into_iter()
        .map(|e| e.path)
        .collect()
}

fn tree() -> MemoryTree {
    MemoryTree::new([
        "README.md",
        "install.ps1",
        "stage/a.exe",
        "stage/a.pdb",
        "stage/lib/b.dll",
        "stage/lib/deep/c.dll",
        "outer/o.txt",
        "out/x.txt",
        ".git/config",
        "src/.git/HEAD",
    ])
}

/// Whether an error is the expected one.
type Check = fn(&Error) -> bool;

#[test]
fn a_glob_at_the_working_folder_works_with_any_spelling_of_it() {
    // goopack fails outright on a glob with an empty root or root ".".
    for root in [r#""""#, r#"".""#, r#""./""#] {
        let got = paths(
            &format!(r#"[{{"root":{root},"include":["*.ps1"]}}]"#),
            &tree(),
        );
        assert_eq!(got, ["install.ps1"], "root {root}");
    }
    // `**` from the top skips .git folders.
    let got = paths(r#"[{"include":["**"]}]"#, &tree());
    assert!(!got.iter().any(|p| p.contains(".git")), "{got:?}");
    assert!(got.contains(&"stage/lib/deep/c.dll".to_string()));
}

#[test]
fn roots_are_normalised() {
    // goopack keeps a `stage/` prefix for top-level files of "stage/" or "./stage".
    for root in ["stage", "stage/", "./stage", "stage/.", "x/../stage"] {
        let got = paths(
            &format!(r#"[{{"root":"{root}","include":["*.exe"]}}]"#),
            &tree(),
        );
        assert_eq!(got, ["a.exe"], "root {root}");
    }
}

#[test]
fn star_stays_in_a_folder_double_star_crosses_folders() {
    let t = tree();
    assert_eq!(
        paths(r#"[{"root":"stage","include":["*"]}]"#, &t),
        ["a.exe", "a.pdb"]
    );
    assert_eq!(
        paths(r#"[{"root":"stage","include":["lib/*.dll"]}]"#, &t),
        ["lib/b.dll"]
    );
    assert_eq!(
        paths(r#"[{"root":"stage","include":["**.dll"]}]"#, &t),
        ["lib/b.dll", "lib/deep/c.dll"]
    );
    // As in goopack, `**/` needs at least one folder.
    assert_eq!(
        paths(r#"[{"root":"stage","include":["**/*.dll"]}]"#, &t),
        ["lib/b.dll", "lib/deep/c.dll"]
    );
    assert_eq!(
        paths(r#"[{"root":"stage","include":["l*/**"]}]"#, &t),
        ["lib/b.dll", "lib/deep/c.dll"]
    );
    assert_eq!(
        paths(r#"[{"include":["stage/*/*/c.dll"]}]"#, &t),
        ["stage/lib/deep/c.dll"]
    );
}

#[test]
fn excludes_remove_glob_matches_and_targets_prefix() {
    let t = tree();
    assert_eq!(
        paths(
            r#"[{"root":"stage","include":["**"],"exclude":["**.pdb","lib/deep/*"],"target":"bin/x"}]"#,
            &t
        ),
        ["bin/x/a.exe", "bin/x/lib/b.dll"]
    );
    // A literal include is kept even if an exclude matches it (goopack).
    assert_eq!(
        paths(
            r#"[{"root":"stage","include":["a.pdb"],"exclude":["*.pdb"]}]"#,
            &t
        ),
        ["a.pdb"]
    );
}

#[test]
fn overlapping_includes_give_each_file_once_sorted() {
    // goopack writes duplicate entries here, in map order.
    let got = paths(
        r#"[{"root":"stage","include":["**","*.exe","lib/**"]},{"root":"stage","include":["a.exe"]},{"include":["README.md"]}]"#,
        &tree(),
    );
    assert_eq!(
        got,
        ["README.md", "a.exe", "a.pdb", "lib/b.dll", "lib/deep/c.dll"]
    );
    // A symlink and its target at one path are the same file.
    let t = tree().alias("stage/link.exe", "stage/a.exe");
    let got = paths(
        r#"[{"root":"stage","include":["a.exe"],"target":"bin"},{"root":"stage","include":["link.exe"],"target":"bin"}]"#,
        &t,
    );
    assert_eq!(got, ["bin/a.exe", "bin/link.exe"]);
}

fn map_err(sources: &str, t: &dyn FileTree) -> Error {
    map_sources(&spec(sources), t).expect_err(sources)
}

#[test]
fn mapping_errors() {
    let t = tree();
    let mut all = String::new();
    let cases: Vec<(&str, &str, Check)> = vec![
        (
            "literal include missing",
            r#"[{"root":"stage","include":["nope.exe"]}]"#,
            |e| matches!(e, Error::IncludeMatchesNothing { .. }),
        ),
        ("glob matches nothing", r#"[{"include":["*.msi"]}]"#, |e| {
            matches!(e, Error::IncludeMatchesNothing { .. })
        }),
        (
            "glob under a missing folder",
            r#"[{"root":"build/out","include":["**"]}]"#,
            |e| matches!(e, Error::IncludeMatchesNothing { .. }),
        ),
        (
            "literal include is a folder",
            r#"[{"include":["stage"]}]"#,
            |e| matches!(e, Error::IncludeIsFolder { .. }),
        ),
        (
            "two files at one path",
            r#"[{"root":"x86","include":["*.dll"],"target":"bin"},{"root":"x64","include":["*.dll"],"target":"bin"}]"#,
            |e| matches!(e, Error::DuplicatePath { .. }),
        ),
        (
            "payload ending in .pkgspec",
            r#"[{"include":["**"]}]"#,
            |e| matches!(e, Error::PkgspecPayload { .. }),
        ),
    ];
    for (name, sources, check) in cases {
        let t2 = tree().alias("sneaky.pkgspec", "sneaky.pkgspec");
        let t3 = MemoryTree::new(["x86/a.dll", "x64/a.dll"]);
        let use_tree: &dyn FileTree = if name.contains("pkgspec") {
            &t2
        } else if name.contains("one path") {
            &t3
        } else {
            &t
        };
        let e = map_err(sources, use_tree);
        assert!(check(&e), "{name}: {e:?}");
        all.push_str(&format!("## {name}\n{e}\n"));
    }
    // Not in the package: `files` keys.
    let s = parse_spec(
        r#"{"name":"p","version":"1","arch":"noarch","files":{"a.exe":"x","b.txt":"y","lib":"z","lib/deep":"w","li":"v"},
           "sources":[{"root":"stage","include":["a.exe","lib/deep/c.dll"]}]}"#,
    )
    .unwrap();
    let entries = map_sources(&s, &t).unwrap();
    let e = check_files(&s, &entries).unwrap_err();
    assert!(
        matches!(&e, Error::FilesNotInPackage { missing } if missing == &["b.txt", "li"]),
        "{e:?}"
    );
    all.push_str(&format!("## files not in package\n{e}\n"));
    insta::assert_snapshot!(all);
}

#[cfg(unix)]
mod disk {
    use super::*;
    use std::os::unix::fs::symlink;
    use std::path::Path;

    fn write(root: &Path, rel: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, rel).unwrap();
    }

    #[test]
    fn symlinks_inside_the_tree_are_followed_outside_refused() {
        let d = tempfile::tempdir().unwrap();
        let repo = d.path().join("repo");
        let outside = d.path().join("outside");
        write(&repo, "stage/a.exe");
        write(&repo, "shared/common.dll");
        write(&outside, "secret.txt");
        symlink("../shared/common.dll", repo.join("stage/common.dll")).unwrap();
        symlink("../shared", repo.join("stage/shared-dir")).unwrap();
        let t = DiskTree::new(&repo, &repo).unwrap();
        assert_eq!(
            paths(r#"[{"root":"stage","include":["**"]}]"#, &t),
            ["a.exe", "common.dll", "shared-dir/common.dll"]
        );

        symlink(outside.join("secret.txt"), repo.join("stage/secret.txt")).unwrap();
        let e = map_err(r#"[{"root":"stage","include":["**"]}]"#, &t);
        assert!(
            matches!(&e, Error::OutsideTree { path, .. } if path == "stage/secret.txt"),
            "{e:?}"
        );
        let e = map_err(r#"[{"root":"stage","include":["secret.txt"]}]"#, &t);
        assert!(matches!(e, Error::OutsideTree { .. }), "{e:?}");
        std::fs::remove_file(repo.join("stage/secret.txt")).unwrap();

        // A folder link out of the tree, used as a root.
        symlink(&outside, repo.join("out-link")).unwrap();
        let e = map_err(r#"[{"root":"out-link","include":["*.txt"]}]"#, &t);
        assert!(matches!(e, Error::OutsideTree { .. }), "{e:?}");
        let e = map_err(r#"[{"include":["out-link/secret.txt"]}]"#, &t);
        assert!(matches!(e, Error::OutsideTree { .. }), "{e:?}");
        std::fs::remove_file(repo.join("out-link")).unwrap();

        // A loop is an error, not a hang.
        symlink("..", repo.join("stage/loop")).unwrap();
        let e = map_err(r#"[{"root":"stage","include":["**"]}]"#, &t);
        assert!(e.to_string().contains("loop"), "{e}");
        std::fs::remove_file(repo.join("stage/loop")).unwrap();

        // A dangling link.
        symlink("nowhere", repo.join("stage/dangling")).unwrap();
        let e = map_err(r#"[{"root":"stage","include":["dangling"]}]"#, &t);
        assert!(e.to_string().contains("dangling"), "{e}");
    }

    #[test]
    fn the_working_folder_may_be_below_the_tree_root() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "agent/bin/x.exe");
        write(d.path(), "common/y.dll");
        symlink("../../common/y.dll", d.path().join("agent/bin/y.dll")).unwrap();
        let t = DiskTree::new(&d.path().join("agent"), d.path()).unwrap();
        assert_eq!(
            paths(r#"[{"root":"bin","include":["*"]}]"#, &t),
            ["x.exe", "y.dll"]
        );
    }

    #[test]
    fn special_files_are_refused() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "stage/a.exe");
        let fifo = d.path().join("stage/pipe");
        let st = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(
            st.is_ok_and(|s| s.success()),
            "mkfifo (coreutils) is needed"
        );
        let t = DiskTree::new(d.path(), d.path()).unwrap();
        let e = map_err(r#"[{"root":"stage","include":["**"]}]"#, &t);
        assert!(matches!(e, Error::NotRegularFile { .. }), "{e:?}");
        let e = map_err(r#"[{"root":"stage","include":["pipe"]}]"#, &t);
        assert!(matches!(e, Error::NotRegularFile { .. }), "{e:?}");
    }
}
