//! `test_at::run` against small scripts standing in for test executables,
//! under the real faketime.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use test_at::{Clock, TestExe};

fn script(dir: &Path, body: &str) -> TestExe {
    let path = dir.join("fake-test");
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    TestExe {
        package_dir: dir.to_owned(),
        target: "fake".into(),
        kind: "test".into(),
        path,
    }
}

fn faketime() -> PathBuf {
    test_at::find_faketime().expect("faketime is installed by `make deps`")
}

#[test]
fn the_wall_clock_moves_and_the_zone_is_applied() {
    let dir = tempfile::tempdir().unwrap();
    let exe = script(
        dir.path(),
        "date +%s; date '+%Y-%m-%d %Z'; pwd; echo \"$CARGO_MANIFEST_DIR $INSTA_UPDATE\"; echo \"$@\"",
    );
    let clock = Clock {
        at: Clock::parse_utc("2027-02-28 23:59:50").unwrap(),
        tz: "Pacific/Kiritimati".into(),
    };
    let args = vec!["--exact".to_owned(), "x".to_owned()];
    let o = test_at::run(&faketime(), &exe, &clock, dir.path(), &args).unwrap();
    assert!(o.passed, "{}", o.output);
    let lines: Vec<&str> = o.output.lines().collect();
    // The UTC instant is the one asked for, not shifted by the zone...
    assert_eq!(lines[0], clock.at.timestamp().to_string());
    // ...and the local clock, 14 hours ahead, is already on the next day.
    assert_eq!(lines[1], "2027-03-01 +14");
    let cwd = Path::new(lines[2]).canonicalize().unwrap();
    assert_eq!(cwd, dir.path().canonicalize().unwrap());
    assert_eq!(lines[3], format!("{} no", dir.path().display()));
    assert_eq!(lines[4], "--exact x");
}

#[test]
fn timeouts_keep_real_time() {
    // With the monotonic clock left alone, a one-second sleep takes about a
    // second of real time and the moved wall clock advances with it.
    let dir = tempfile::tempdir().unwrap();
    let exe = script(dir.path(), "date -u +%s; sleep 1; date -u +%s");
    let clock = Clock {
        at: Clock::parse_utc("2028-02-29 12:00:00").unwrap(),
        tz: "UTC".into(),
    };
    let o = test_at::run(&faketime(), &exe, &clock, dir.path(), &[]).unwrap();
    assert!(o.passed, "{}", o.output);
    let secs: Vec<i64> = o.output.lines().map(|l| l.parse().unwrap()).collect();
    // Each `date` is a new process and starts at the instant again.
    assert_eq!(secs, [1_835_438_400, 1_835_438_400]);
    assert!(o.elapsed >= std::time::Duration::from_secs(1));
}

#[test]
fn a_failing_executable_is_reported_with_its_output() {
    let dir = tempfile::tempdir().unwrap();
    let exe = script(dir.path(), "echo 'test x ... FAILED' >&2; exit 101");
    let clock = Clock {
        at: Clock::parse_utc("2027-12-31 23:59:50").unwrap(),
        tz: "America/Adak".into(),
    };
    let o = test_at::run(&faketime(), &exe, &clock, dir.path(), &[]).unwrap();
    assert!(!o.passed);
    assert!(o.output.contains("test x ... FAILED"), "{}", o.output);
}
