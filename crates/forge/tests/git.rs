//! The git forge against real repositories in temporary folders.

use calver::Day;
use chrono::TimeZone;
use forge::{Forge, ForgeError, GitForge, NewTag, TagOutcome, Tagger};
use testsupport::git::GitFixture;

fn new_tag(name: &str, commit: &str) -> NewTag {
    NewTag {
        name: name.into(),
        commit: commit.into(),
        message: format!("Release {name}"),
        tagger: Tagger {
            name: "Release Bot".into(),
            email: "bot@example.com".into(),
        },
        date: chrono::Utc
            .with_ymd_and_hms(2026, 11, 27, 12, 0, 0)
            .unwrap(),
    }
}

fn day() -> Day {
    Day::parse("20261127").unwrap()
}

#[tokio::test]
async fn lists_every_tag_in_one_round_trip() {
    let f = GitFixture::new();
    let head = f.commit_and_push("second");
    let mut names: Vec<String> = (0..1500)
        .map(|i| {
            format!(
                "2026{:02}{:02}.{:02}",
                1 + i / 300,
                1 + (i / 10) % 28,
                i % 10
            )
        })
        .collect();
    names.extend(["v1.2.3".to_string(), "latest".to_string()]);
    names.sort();
    names.dedup();
    f.remote_tags(&names, &head);
    let forge = GitForge::open(Some(f.remote().to_str().unwrap()), f.root())
        .await
        .unwrap();
    let mut tags = forge.tags_for_day(day()).await.unwrap();
    tags.sort();
    assert_eq!(tags, names);
    assert_eq!(forge.requests(), 1);
}

#[tokio::test]
async fn default_remote_is_origin_of_the_current_repository() {
    let f = GitFixture::new();
    let head = f.commit_and_push("second");
    f.remote_tags(&["20261127.04".into()], &head);
    let forge = GitForge::open(None, &f.work()).await.unwrap();
    assert_eq!(
        forge.remote_display(),
        f.remote().canonicalize().unwrap().to_str().unwrap()
    );
    assert_eq!(forge.tags_for_day(day()).await.unwrap(), ["20261127.04"]);
}

#[tokio::test]
async fn without_origin_the_current_repository_is_the_remote() {
    let f = GitFixture::new();
    testsupport::git::git(&f.work(), &["remote", "remove", "origin"]);
    testsupport::git::git(&f.work(), &["tag", "20261127.00"]);
    let forge = GitForge::open(None, &f.work().join(".git")).await.unwrap();
    assert_eq!(forge.tags_for_day(day()).await.unwrap(), ["20261127.00"]);
}

#[tokio::test]
async fn remote_that_is_not_a_repository_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let forge = GitForge::open(Some(dir.path().to_str().unwrap()), dir.path())
        .await
        .unwrap();
    let e = forge.tags_for_day(day()).await.unwrap_err();
    assert!(matches!(e, ForgeError::NotARepository { .. }), "{e:?}");
    assert!(e.to_string().contains(dir.path().to_str().unwrap()), "{e}");
}

#[tokio::test]
async fn no_remote_outside_a_repository_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let e = GitForge::open(None, dir.path()).await.unwrap_err();
    assert!(e.to_string().contains("not inside a git repository"), "{e}");
}

#[tokio::test]
async fn annotated_tag_is_pushed_and_rerun_is_idempotent() {
    let f = GitFixture::new();
    let head = f.commit_and_push("second");
    // From an unrelated folder: the tag must end up in the remote.
    let elsewhere = tempfile::tempdir().unwrap();
    let forge = GitForge::open(Some(f.remote().to_str().unwrap()), elsewhere.path())
        .await
        .unwrap();
    let commit = forge.resolve_commit(&head).await.unwrap();
    let out = forge
        .create_tag(&new_tag("20261127.00", &commit))
        .await
        .unwrap();
    assert!(matches!(out, TagOutcome::Created { .. }));
    assert_eq!(
        f.remote_tag_commit("20261127.00").as_deref(),
        Some(head.as_str())
    );
    assert_eq!(f.remote_tag_type("20261127.00"), "tag");
    let msg = testsupport::git::git(
        &f.remote(),
        &[
            "tag",
            "-l",
            "--format=%(contents)%(taggername) %(taggeremail)",
            "20261127.00",
        ],
    );
    assert_eq!(
        msg.trim(),
        "Release 20261127.00\nRelease Bot <bot@example.com>"
    );
    // Re-running is a success that changes nothing.
    let again = forge
        .create_tag(&new_tag("20261127.00", &commit))
        .await
        .unwrap();
    assert_eq!(again, TagOutcome::AlreadyExists);
    // The user's working repository got no tag.
    assert!(testsupport::git::git(&f.work(), &["tag", "--list"]).is_empty());
}

#[tokio::test]
async fn existing_tag_on_another_commit_is_a_conflict_naming_both() {
    let f = GitFixture::new();
    let first = f.commit_and_push("first");
    let second = f.commit_and_push("second");
    f.remote_tags(&["20261127.00".into()], &first);
    let forge = GitForge::open(Some(f.remote().to_str().unwrap()), f.root())
        .await
        .unwrap();
    let e = forge
        .create_tag(&new_tag("20261127.00", &second))
        .await
        .unwrap_err();
    assert!(e.is_conflict());
    let text = e.to_string();
    assert!(text.contains(&first) && text.contains(&second), "{text}");
    assert_eq!(
        f.remote_tag_commit("20261127.00").as_deref(),
        Some(first.as_str())
    );
}

#[tokio::test]
async fn rejected_push_of_an_existing_tag_is_a_conflict() {
    // The tag appears between our look and our push: the push itself is
    // rejected by git and reported as a conflict.
    let f = GitFixture::new();
    let first = f.commit_and_push("first");
    let second = f.commit_and_push("second");
    let forge = GitForge::open(Some(f.remote().to_str().unwrap()), f.root())
        .await
        .unwrap();
    forge.resolve_commit(&second).await.unwrap();
    let hook = f.remote().join("hooks/update");
    // The update hook creates the tag just before our ref update runs,
    // which is exactly the race.
    std::fs::write(
        &hook,
        format!("#!/bin/sh\ngit update-ref refs/tags/20261127.05 {first}\nexit 0\n"),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    let e = forge
        .create_tag(&new_tag("20261127.05", &second))
        .await
        .unwrap_err();
    assert!(e.is_conflict(), "{e}");
    assert_eq!(
        f.remote_tag_commit("20261127.05").as_deref(),
        Some(first.as_str())
    );
}

#[tokio::test]
async fn unknown_commit_is_an_error_and_nothing_is_tagged() {
    let f = GitFixture::new();
    f.commit_and_push("pushed");
    let unpushed = f.commit("not pushed");
    let forge = GitForge::open(Some(f.remote().to_str().unwrap()), &f.work())
        .await
        .unwrap();
    let e = forge.resolve_commit(&unpushed).await.unwrap_err();
    assert!(matches!(e, ForgeError::UnknownCommit { .. }), "{e:?}");
    let e = forge
        .resolve_commit("0123456789012345678901234567890123456789")
        .await
        .unwrap_err();
    assert!(matches!(e, ForgeError::UnknownCommit { .. }), "{e:?}");
    let e = forge.resolve_commit("no-such-branch").await.unwrap_err();
    assert!(matches!(e, ForgeError::UnknownCommit { .. }), "{e:?}");
    let e = forge
        .create_tag(&new_tag("20261127.00", &unpushed))
        .await
        .unwrap_err();
    assert!(matches!(e, ForgeError::UnknownCommit { .. }), "{e:?}");
    assert!(f.remote_tag_names().is_empty());
}

#[tokio::test]
async fn head_resolves_in_the_current_checkout() {
    let f = GitFixture::new();
    let head = f.commit_and_push("second");
    let forge = GitForge::open(None, &f.work()).await.unwrap();
    assert_eq!(forge.resolve_commit("HEAD").await.unwrap(), head);
    assert_eq!(forge.resolve_commit(&head[..10]).await.unwrap(), head);
}

/// The way out of a mistaken tag names the exact command for this remote,
/// and the command works.
#[tokio::test]
async fn delete_tag_hint_is_the_command_for_this_remote() {
    let f = GitFixture::new();
    let head = f.commit_and_push("second");
    f.remote_tags(&["20261302.00".into(), "20271127.00".into()], &head);

    // The default remote, `origin`: push the deletion from the checkout.
    let forge = GitForge::open(None, &f.work()).await.unwrap();
    let hint = forge.delete_tag_hint("20261302.00");
    assert_eq!(
        hint,
        "`git push --delete origin refs/tags/20261302.00` in this repository, and \
         `git tag -d 20261302.00` in every clone that fetched it"
    );
    testsupport::git::git(
        &f.work(),
        &["push", "--delete", "origin", "refs/tags/20261302.00"],
    );
    assert_eq!(f.remote_tag_commit("20261302.00"), None);

    // A remote given as a folder: delete the tag in it, from anywhere.
    let remote = f.remote().canonicalize().unwrap();
    let forge = GitForge::open(Some(remote.to_str().unwrap()), f.root())
        .await
        .unwrap();
    let hint = forge.delete_tag_hint("20271127.00");
    assert_eq!(
        hint,
        format!("`git -C {} tag -d 20271127.00`", remote.display())
    );
    testsupport::git::git(
        f.root(),
        &["-C", remote.to_str().unwrap(), "tag", "-d", "20271127.00"],
    );
    assert_eq!(f.remote_tag_commit("20271127.00"), None);

    // A URL: named, credentials never.
    let forge = GitForge::open(Some("https://user:s3cret@git.example.com/r.git"), f.root())
        .await
        .unwrap();
    let hint = forge.delete_tag_hint("20261302.00");
    assert!(!hint.contains("s3cret"), "{hint}");
    assert!(
        hint.starts_with(
            "`git push --delete 'https://***@git.example.com/r.git' refs/tags/20261302.00` from a clone"
        ),
        "{hint}"
    );
}
