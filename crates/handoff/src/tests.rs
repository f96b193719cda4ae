use super::*;
use std::time::Duration;

fn v(text: &str) -> calver::BuildVersion {
    calver::BuildVersion::parse(text).unwrap()
}

fn ws() -> (tempfile::TempDir, Workspace) {
    let dir = tempfile::tempdir().unwrap();
    let ws =
        Workspace::new(dir.path()).with_polling(Duration::from_millis(5), Duration::from_secs(60));
    (dir, ws)
}

fn ok_result(target: &str) -> BuildResult {
    BuildResult {
        target: target.into(),
        status: Status::Ok,
        version: Some(v("20261127.00")),
        commit: None,
        artifacts: vec![],
        error: None,
        host: None,
        local_changes: vec![],
        extra_repo: None,
        go: None,
        run: None,
    }
}

#[tokio::test]
async fn version_written_as_file_and_record() {
    let (_d, ws) = ws();
    let mut rec = VersionRecord::ok_plain(v("20261127.03"));
    rec.build_number = Some(3);
    ws.write_version(&rec).await.unwrap();
    assert_eq!(
        std::fs::read_to_string(ws.folder().unwrap().join("version")).unwrap(),
        "20261127.03\n"
    );
    assert_eq!(ws.read_version().await.unwrap(), Some(rec));
    // No temporary files remain.
    let names: Vec<_> = std::fs::read_dir(ws.folder().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[tokio::test]
async fn failed_version_writes_no_version_file() {
    let (_d, ws) = ws();
    ws.write_version(&VersionRecord::failed("boom"))
        .await
        .unwrap();
    assert!(!ws.folder().unwrap().join("version").exists());
    assert_eq!(
        ws.read_version().await.unwrap().unwrap().status,
        Status::Failed
    );
}

#[tokio::test]
async fn wait_version_reads_hand_written_file() {
    let (_d, ws) = ws();
    std::fs::write(ws.folder().unwrap().join("version"), "20261127.01\n").unwrap();
    assert_eq!(
        ws.wait_version(Duration::from_secs(1)).await.unwrap(),
        v("20261127.01")
    );
}

/// The version is parsed once, where it is read: a hand-written file that
/// holds no version is an error naming the file, not a string passed on.
#[tokio::test]
async fn a_version_file_that_holds_no_version_is_invalid() {
    let (_d, ws) = ws();
    std::fs::write(ws.folder().unwrap().join("version"), "20261327.00\n").unwrap();
    let e = ws.read_version().await.unwrap_err().to_string();
    assert!(
        e.contains("version is not a valid record") && e.contains("not a real calendar date"),
        "{e}"
    );
}

#[tokio::test]
async fn wait_version_fails_at_once_on_failed_record() {
    let (_d, ws) = ws();
    ws.write_version(&VersionRecord::failed("GitHub answered 401"))
        .await
        .unwrap();
    let e = ws
        .wait_version(Duration::from_secs(3600))
        .await
        .unwrap_err();
    assert!(matches!(e, HandoffError::VersionFailed { .. }));
    assert!(e.to_string().contains("GitHub answered 401"));
}

#[tokio::test]
async fn wait_version_times_out_naming_the_file() {
    let (_d, ws) = ws();
    let e = ws
        .wait_version(Duration::from_millis(30))
        .await
        .unwrap_err();
    let HandoffError::WaitTimeout { missing, .. } = &e else {
        panic!("{e}")
    };
    assert!(missing[0].ends_with("/version"), "{missing:?}");
}

#[tokio::test]
async fn wait_results_sees_a_result_written_while_waiting() {
    let (_d, ws) = ws();
    ws.write_result(&ok_result("deb12")).await.unwrap();
    let writer = ws.clone();
    let targets = vec!["deb12".to_string(), "el9".to_string()];
    let wait = tokio::spawn({
        let ws = ws.clone();
        async move {
            ws.wait_results(&targets, None, Duration::from_secs(30))
                .await
        }
    });
    // The waiter is blocked on el9 until we write it; no timing is assumed.
    writer.write_result(&ok_result("el9")).await.unwrap();
    let got = wait.await.unwrap().unwrap();
    assert_eq!(
        got.iter().map(|r| r.target.as_str()).collect::<Vec<_>>(),
        ["deb12", "el9"]
    );
}

#[tokio::test]
async fn wait_results_returns_a_failure_without_waiting_for_the_rest() {
    let (_d, ws) = ws();
    let mut r = ok_result("el9");
    r.status = Status::Failed;
    r.error = Some("rpmbuild failed".into());
    ws.write_result(&r).await.unwrap();
    let got = ws
        .wait_results(
            &["deb12".into(), "el9".into()],
            None,
            Duration::from_secs(3600),
        )
        .await
        .unwrap();
    assert_eq!(got, vec![r]);
}

#[tokio::test]
async fn wait_results_timeout_lists_missing() {
    let (_d, ws) = ws();
    ws.write_result(&ok_result("deb12")).await.unwrap();
    let e = ws
        .wait_results(
            &["deb12".into(), "el9".into(), "goo".into()],
            None,
            Duration::from_millis(20),
        )
        .await
        .unwrap_err();
    let HandoffError::WaitTimeout { missing, .. } = &e else {
        panic!("{e}")
    };
    assert_eq!(missing, &["results/el9.json", "results/goo.json"]);
}

#[tokio::test]
async fn targets_cannot_escape_the_results_folder() {
    let (_d, ws) = ws();
    for bad in ["../x", "a/b", "", "Deb12", ".hidden", "x y"] {
        assert!(
            matches!(ws.result_path(bad), Err(HandoffError::InvalidTarget(_))),
            "{bad:?}"
        );
    }
    assert!(ws.result_path("deb12").is_ok());
    assert!(ws.result_path("el9-arm64").is_ok());
}

#[tokio::test]
async fn damaged_record_is_an_error_naming_the_file() {
    let (_d, ws) = ws();
    std::fs::create_dir_all(ws.folder().unwrap().join("results")).unwrap();
    std::fs::write(ws.folder().unwrap().join("results/deb12.json"), "{not json").unwrap();
    let e = ws.read_result("deb12").await.unwrap_err();
    assert!(e.to_string().contains("results/deb12.json"), "{e}");
}

#[tokio::test]
async fn junit_escapes_and_counts() {
    insta::assert_snapshot!(junit_summary("repo-tagger", Some("tag <x> & \"y\"\nsecond line")), @r#"
    <?xml version="1.0" encoding="UTF-8"?>
    <testsuites>
      <testsuite name="repo-tagger" tests="1" failures="1">
        <testcase classname="release" name="repo-tagger">
          <failure message="tag &lt;x&gt; &amp; &quot;y&quot;">tag &lt;x&gt; &amp; &quot;y&quot;
    second line</failure>
        </testcase>
      </testsuite>
    </testsuites>
    "#);
    assert!(junit_summary("version-gen", None).contains("failures=\"0\""));
}

#[tokio::test]
async fn write_atomic_into_missing_folder_creates_it() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("a/b/c.json");
    write_atomic(&p, b"x").unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), b"x");
}

#[tokio::test]
async fn a_claim_is_written_once_and_the_newest_is_read() {
    let (_d, ws) = ws();
    assert_eq!(ws.latest_claim().await.unwrap(), None);
    let claim = |v: &str, run: &str| Claim {
        version: calver::Version::parse(v).unwrap(),
        commit: "c0ffee".into(),
        run: Some(run.into()),
        record: VersionRecord::ok_plain(super::tests::v(v)),
    };
    assert!(
        ws.create_claim(0, &claim("20261127.00", "a"))
            .await
            .unwrap()
    );
    // The loser of a race keeps nothing of its own: the winner's stays.
    assert!(
        !ws.create_claim(0, &claim("20261127.00", "b"))
            .await
            .unwrap()
    );
    assert_eq!(
        ws.latest_claim().await.unwrap(),
        Some((0, claim("20261127.00", "a")))
    );
    assert!(
        ws.create_claim(1, &claim("20261127.01", "c"))
            .await
            .unwrap()
    );
    assert_eq!(
        ws.latest_claim()
            .await
            .unwrap()
            .map(|(n, c)| (n, c.version.to_string())),
        Some((1, "20261127.01".to_string()))
    );
    let names: Vec<_> = std::fs::read_dir(ws.folder().unwrap().join("claims"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "no temporary files remain: {names:?}");
}
