//! The reproducible orig tarball: the same tree and time give the same
//! bytes, and the selection decides what is packed.

use std::path::Path;

use sha2::{Digest, Sha256};
use sourcetree::{SourceTree, write_orig_tarball};

fn sha(p: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(p).unwrap()))
}

fn tree(root: &Path) {
    for (p, body) in [
        ("src/main.sh", "#!/bin/sh\necho hi\n"),
        ("README.md", "readme\n"),
        ("packaging/debian/control", "Source: x\n"),
        ("docs/packaging/note.txt", "nested packaging folders stay\n"),
        (".git/HEAD", "ref: refs/heads/master\n"),
        ("sub/.git", "gitdir: ../.git/modules/sub\n"),
        ("sub/file", "f\n"),
    ] {
        let p = root.join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        root.join("src/main.sh"),
        std::fs::Permissions::from_mode(0o775),
    )
    .unwrap();
    std::os::unix::fs::symlink("main.sh", root.join("src/link")).unwrap();
}

fn list(tgz: &Path) -> Vec<(String, u32, u64, u64, u64)> {
    let f = std::fs::File::open(tgz).unwrap();
    let mut a = tar::Archive::new(flate2::read::GzDecoder::new(f));
    a.entries()
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let h = e.header();
            (
                e.path().unwrap().to_string_lossy().into_owned(),
                h.mode().unwrap(),
                h.mtime().unwrap(),
                h.uid().unwrap(),
                h.gid().unwrap(),
            )
        })
        .collect()
}

#[test]
fn content_rule_and_normalised_headers() {
    let d = tempfile::tempdir().unwrap();
    let src = d.path().join("src");
    tree(&src);
    let out = d.path().join("x_1.0.orig.tar.gz");
    let stats = write_orig_tarball(&src, &out, "x-1.0", 1_700_000_000).unwrap();
    assert_eq!(stats.files, 4);
    let entries = list(&out);
    let names: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "x-1.0/",
            "x-1.0/README.md",
            "x-1.0/docs/",
            "x-1.0/docs/packaging/",
            "x-1.0/docs/packaging/note.txt",
            "x-1.0/src/",
            "x-1.0/src/link",
            "x-1.0/src/main.sh",
            "x-1.0/sub/",
            "x-1.0/sub/file",
        ]
    );
    for (name, mode, mtime, uid, gid) in &entries {
        assert_eq!((*mtime, *uid, *gid), (1_700_000_000, 0, 0), "{name}");
        let want = if name.ends_with('/') || name.ends_with("main.sh") {
            0o755
        } else if name.ends_with("link") {
            0o777
        } else {
            0o644
        };
        assert_eq!(*mode, want, "{name}");
    }
    // tar(1) reads it.
    let st = std::process::Command::new("tar")
        .arg("-tzf")
        .arg(&out)
        .output()
        .unwrap();
    assert!(st.status.success());
}

#[test]
fn same_tree_gives_same_bytes() {
    let d = tempfile::tempdir().unwrap();
    let a = d.path().join("a");
    let b = d.path().join("b");
    tree(&a);
    tree(&b);
    // Different times on disk must not matter.
    let f = std::fs::File::options()
        .write(true)
        .open(b.join("README.md"))
        .unwrap();
    f.set_modified(std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(12345))
        .unwrap();
    let (ta, tb) = (d.path().join("a.tar.gz"), d.path().join("b.tar.gz"));
    write_orig_tarball(&a, &ta, "x-1.0", 42).unwrap();
    write_orig_tarball(&b, &tb, "x-1.0", 42).unwrap();
    assert_eq!(sha(&ta), sha(&tb));
    let tc = d.path().join("c.tar.gz");
    write_orig_tarball(&a, &tc, "x-1.0", 43).unwrap();
    assert_ne!(sha(&ta), sha(&tc), "the timestamp is part of the content");
}

#[test]
fn failure_leaves_nothing_behind() {
    let d = tempfile::tempdir().unwrap();
    let out_dir = d.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let e = write_orig_tarball(&d.path().join("missing"), &out_dir.join("x.tar.gz"), "x", 0)
        .unwrap_err();
    assert!(e.to_string().contains("missing"), "{e}");
    assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), 0);
}

#[tokio::test]
async fn tree_from_a_git_checkout_knows_its_commit_and_time() {
    let f = testsupport::git::GitFixture::new();
    let head = f.head();
    let t = SourceTree::from_dir(&f.work(), None).await.unwrap();
    assert_eq!(t.commit(), Some(head.as_str()));
    // The fixture commits at 2026-01-01T00:00:00Z.
    assert_eq!(t.source_date_epoch(None).unwrap(), 1_767_225_600);
    assert_eq!(t.source_date_epoch(Some("99")).unwrap(), 99);
    assert!(t.source_date_epoch(Some("yesterday")).is_err());
    assert!(
        t.packaging()
            .unwrap_err()
            .to_string()
            .contains("no packaging/ folder")
    );
}

#[tokio::test]
async fn clone_at_a_ref() {
    let f = testsupport::git::GitFixture::new();
    let first = f.commit_and_push("first");
    f.commit_and_push("second");
    let url = f.remote().to_str().unwrap().to_owned();
    let t = SourceTree::clone_at(&url, &first, None).await.unwrap();
    assert_eq!(t.commit(), Some(first.as_str()));
    let t = SourceTree::clone_at(&url, "master", None).await.unwrap();
    assert_eq!(t.commit(), Some(f.head().as_str()));
    let e = SourceTree::clone_at(&url, "no-such-ref", None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("no-such-ref"), "{e}");
}

/// A token in the clone URL (or in a checkout's origin) is never kept: the
/// origin is what the builders log and derive records from.
#[tokio::test]
async fn the_origin_of_a_credentialed_url_is_redacted() {
    let f = testsupport::git::GitFixture::new();
    let url = format!(
        "file://x-access-token:ghp_h7secret@localhost{}",
        f.remote().display()
    );
    let t = SourceTree::clone_at(&url, "master", None).await.unwrap();
    assert_eq!(t.commit(), Some(f.head().as_str()));
    assert_eq!(
        t.origin(),
        Some(format!("file://***@localhost{}", f.remote().display()).as_str())
    );
    let e = SourceTree::clone_at(&url, "no-such-ref", None)
        .await
        .unwrap_err();
    assert!(!e.to_string().contains("ghp_h7secret"), "{e}");
    assert!(e.to_string().contains("file://***@localhost"), "{e}");

    testsupport::git::git(&f.work(), &["remote", "set-url", "origin", &url]);
    let t = SourceTree::from_dir(&f.work(), None).await.unwrap();
    assert_eq!(
        t.origin(),
        Some(format!("file://***@localhost{}", f.remote().display()).as_str())
    );
}
