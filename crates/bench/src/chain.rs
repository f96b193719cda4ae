//! The emulated release (pj-local, every container at once) against the sum
//! of its steps run one after another: the chain's parallel speedup.

use super::sh;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::bail;

const ROUNDS: usize = 3;

pub fn run() -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let bin = super::sibling_binary("pj-local")?
        .parent()
        .expect("bin dir")
        .to_owned();
    let (mut par, mut seq) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        par.push(parallel(&root, &bin)?);
        seq.push(sequential(&root, &bin)?);
    }
    let (p, s) = (super::median(&mut par), super::median(&mut seq));
    println!(
        "\nthe release chain of examples/shell-tool (deb12, el9, goo), {ROUNDS} alternating runs, median\n"
    );
    println!("{:>34} | {:>9}", "", "time");
    println!("{}", "-".repeat(48));
    println!(
        "{:>34} | {:>6.2} s",
        "pj-local, every container at once",
        p.as_secs_f64()
    );
    println!(
        "{:>34} | {:>6.2} s",
        "the same steps one after another",
        s.as_secs_f64()
    );
    println!(
        "{:>34} | {:>6.2}x",
        "speedup",
        s.as_secs_f64() / p.as_secs_f64()
    );
    Ok(())
}

/// A fresh repository (a clone of the example with a remote) in `dir`.
fn repo(root: &Path, dir: &Path) -> anyhow::Result<PathBuf> {
    let work = dir.join("work");
    sh(
        dir,
        &format!(
            "mkdir -p work && cp -a {ex}/. work/ && cd work && git init -q -b master && git add -A && \
         git -c user.name=b -c user.email=b@x commit -qm bench && cd .. && git clone -q --bare work remote.git",
            ex = root.join("examples/shell-tool").display()
        ),
    )?;
    Ok(work)
}

fn parallel(root: &Path, bin: &Path) -> anyhow::Result<Duration> {
    let d = tempfile::tempdir()?;
    repo(root, d.path())?;
    let token = d.path().join("token");
    std::fs::write(&token, "unused")?;
    let remote = d.path().join("remote.git");
    let start = Instant::now();
    let out = Command::new(bin.join("pj-local"))
        .args(["--config"])
        .arg(root.join("examples/prow"))
        .args(["--job", "guest-hello-release", "--repo"])
        .arg(&remote)
        .arg("--forge-remote")
        .arg(&remote)
        .arg("--bucket")
        .arg(d.path().join("bucket"))
        .arg("--out")
        .arg(d.path().join("runs"))
        .arg("--bin-dir")
        .arg(bin)
        .arg("--secret")
        .arg(format!("github-access-token={}", token.display()))
        .arg("--secret")
        .arg(format!("release-service-account={}", token.display()))
        .output()?;
    let t = start.elapsed();
    if !out.status.success() {
        bail!("pj-local failed: {}", String::from_utf8_lossy(&out.stdout));
    }
    Ok(t)
}

fn sequential(root: &Path, bin: &Path) -> anyhow::Result<Duration> {
    let d = tempfile::tempdir()?;
    let work = repo(root, d.path())?;
    sh(&work, "git remote add origin ../remote.git")?;
    let ws = d.path().join("ws");
    let w = ws.display().to_string();
    let stage = d.path().join("bucket/staging");
    let s = |t: &str| stage.join(t).display().to_string();
    let steps: Vec<(&str, Vec<String>)> = vec![
        ("version-gen", vec!["--workspace".into(), w.clone()]),
        (
            "packagebuild-deb",
            vec![
                "--workspace".into(),
                w.clone(),
                "--target".into(),
                "deb12".into(),
                "--stage".into(),
                s("deb12"),
            ],
        ),
        (
            "packagebuild-rpm",
            vec![
                "--workspace".into(),
                w.clone(),
                "--target".into(),
                "el9".into(),
                "--dist".into(),
                "el9".into(),
                "--stage".into(),
                s("el9"),
            ],
        ),
        (
            "packagebuild-googet",
            vec![
                "--workspace".into(),
                w.clone(),
                "--target".into(),
                "goo".into(),
                "--stage".into(),
                s("goo"),
            ],
        ),
        (
            "repo-tagger",
            vec![
                "--workspace".into(),
                w.clone(),
                "--expect".into(),
                "deb12,el9,goo".into(),
                "--verify-next".into(),
                "--publish".into(),
                d.path().join("bucket/release").display().to_string(),
            ],
        ),
    ];
    let start = Instant::now();
    for (tool, args) in steps {
        let out = Command::new(bin.join(tool))
            .args(&args)
            .arg("-q")
            .current_dir(&work)
            .output()?;
        if !out.status.success() {
            bail!("{tool} failed: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
    Ok(start.elapsed())
}
