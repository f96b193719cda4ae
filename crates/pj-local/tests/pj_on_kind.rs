//! prow/pj-on-kind.sh without kind or a Docker engine: it says what is
//! missing and prints the equivalent pj-local command.

use std::path::Path;
use std::process::Command;

#[test]
fn without_kind_it_prints_the_pj_local_command() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // A PATH with the basics only: no kind, kubectl or docker.
    let bin = testsupport::cli::path_with_only(&[
        "bash", "env", "dirname", "cat", "grep", "sed", "awk", "tr", "head", "git", "mktemp", "rm",
        "mkdir", "basename", "printf",
    ]);
    let o = Command::new(root.join("prow/pj-on-kind.sh"))
        .args([
            "guest-agent-release",
            "main",
            "0123456789abcdef0123456789abcdef01234567",
        ])
        .current_dir(&root)
        .env("PATH", bin.path())
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(o.status.code(), Some(1), "{all}");
    assert!(all.contains("kind"), "names what is missing: {all}");
    assert!(
        all.contains("pj-local --job guest-agent-release")
            && all.contains("--base-ref main")
            && all.contains("--base-sha 0123456789abcdef0123456789abcdef01234567"),
        "{all}"
    );
}
