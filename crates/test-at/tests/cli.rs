//! test-at's command line: help and usage errors (which stop before
//! anything is built or run).

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_test-at");

fn run(args: &[&str]) -> std::process::Output {
    Command::new(BIN).args(args).output().unwrap()
}

#[test]
fn help() {
    let o = run(&["--help"]);
    assert!(o.status.success());
    insta::assert_snapshot!(String::from_utf8_lossy(&o.stdout));
}

#[test]
fn usage_errors_say_what_to_do() {
    let mut all = String::new();
    for (name, args) in [
        ("no instant", vec![]),
        ("not a UTC instant", vec!["--at", "2027-02-29 12:00:00"]),
        (
            "unknown zone",
            vec!["--at", "2028-02-29 12:00:00", "--tz", "Mars/Olympus_Mons"],
        ),
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{name}");
        assert!(o.stdout.is_empty(), "{name}: nothing ran");
        all.push_str(&format!(
            "## {name}\n{}",
            String::from_utf8_lossy(&o.stderr)
        ));
    }
    insta::assert_snapshot!(all);
}
