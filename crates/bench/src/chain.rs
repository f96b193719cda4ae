//! The emulated release (pj-local, every container at once) against the sum
//! of its steps run one after another: the chain's parallel speedup, for the
//! shell example and the Go example (real Go builds, modules from a file
//! proxy); and the Go module prefetch warm against cold.

use super::sh;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::bail;

const ROUNDS: usize = 3;

/// One example's release: its job, its repository and what the Go example
/// adds (the extra repository, the module proxy and cache).
struct Case {
    example: &'static str,
    job: &'static str,
    /// The extra repository's example, beside the repository.
    extra: Option<&'static str>,
}

const CASES: &[Case] = &[
    Case {
        example: "shell-tool",
        job: "guest-hello-release",
        extra: None,
    },
    Case {
        example: "go-agent",
        job: "go-agent-release",
        extra: Some("go-agent-plugins"),
    },
];

pub fn run() -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let bin = super::sibling_binary("pj-local")?
        .parent()
        .expect("bin dir")
        .to_owned();
    for case in CASES {
        let (mut par, mut seq) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            par.push(parallel(&root, &bin, case)?);
            seq.push(sequential(&root, &bin, case)?);
        }
        let (p, s) = (super::median(&mut par), super::median(&mut seq));
        println!(
            "\nthe release chain of examples/{} (deb12, el9, goo), {ROUNDS} alternating runs, median\n",
            case.example
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
            "{:>34} | {:>6.2}x  (parallel/sequential {:.2}; goal for Go: at most 0.75)",
            "speedup",
            s.as_secs_f64() / p.as_secs_f64(),
            p.as_secs_f64() / s.as_secs_f64()
        );
    }
    prefetch(&root, &bin)
}

/// The Go module prefetch, cold (an empty module cache) against warm (the
/// same cache again), as the builder records it (`go.prefetch_ms`).
fn prefetch(root: &Path, bin: &Path) -> anyhow::Result<()> {
    let (mut cold, mut warm) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let d = tempfile::tempdir()?;
        repo(root, d.path(), &CASES[1])?;
        let proxy = go_proxy(root, d.path())?;
        let cache = d.path().join("modcache");
        for (i, out) in [&mut cold, &mut warm].into_iter().enumerate() {
            let ws = d.path().join(format!("ws{i}"));
            let status = Command::new(bin.join("packagebuild-googet"))
                .args(["--version", "20261127.00", "-q", "--workspace"])
                .arg(&ws)
                .arg("--extra-repo")
                .arg(d.path().join("go-agent-plugins"))
                .arg("--go-mod-cache")
                .arg(&cache)
                .env("GOPROXY", format!("file://{}", proxy.display()))
                .env("GOTOOLCHAIN", "local")
                .current_dir(d.path().join("work"))
                .stdout(std::process::Stdio::null())
                .status()?;
            if !status.success() {
                bail!("packagebuild-googet failed");
            }
            let r: serde_json::Value =
                serde_json::from_slice(&std::fs::read(ws.join("results/goo.json"))?)?;
            let ms = r["go"]["prefetch_ms"].as_u64().unwrap_or_default();
            out.push(Duration::from_millis(ms));
        }
    }
    let (c, w) = (super::median(&mut cold), super::median(&mut warm));
    println!(
        "\nthe Go module prefetch of examples/go-agent and its extra repository (file module proxy), {ROUNDS} runs, median\n"
    );
    println!("{:>34} | {:>9}", "", "time");
    println!("{}", "-".repeat(48));
    println!(
        "{:>34} | {:>6} ms",
        "cold (empty module cache)",
        c.as_millis()
    );
    println!(
        "{:>34} | {:>6} ms",
        "warm (the same cache again)",
        w.as_millis()
    );
    println!(
        "{:>34} | {:>6.2}x",
        "warm / cold",
        w.as_secs_f64() / c.as_secs_f64().max(1e-9)
    );
    Ok(())
}

/// The file module proxy of examples/go-modules, in `dir/goproxy`.
fn go_proxy(root: &Path, dir: &Path) -> anyhow::Result<PathBuf> {
    let proxy = dir.join("goproxy");
    gomodproxy::write_proxy(&root.join("examples/go-modules"), &proxy)?;
    Ok(proxy)
}

/// A fresh repository (a clone of the example with a remote) in `dir`, and
/// the case's extra repository beside it (`dir/<extra>`, branch master).
fn repo(root: &Path, dir: &Path, case: &Case) -> anyhow::Result<PathBuf> {
    let work = dir.join("work");
    sh(
        dir,
        &format!(
            "mkdir -p work && cp -a {ex}/. work/ && cd work && git init -q -b master && git add -A && \
         git -c user.name=b -c user.email=b@x commit -qm bench && cd .. && git clone -q --bare work remote.git",
            ex = root.join("examples").join(case.example).display()
        ),
    )?;
    if let Some(extra) = case.extra {
        sh(
            dir,
            &format!(
                "mkdir -p {extra} && cp -a {ex}/. {extra}/ && cd {extra} && git init -q -b master && git add -A && \
             git -c user.name=b -c user.email=b@x commit -qm bench",
                ex = root.join("examples").join(extra).display()
            ),
        )?;
    }
    Ok(work)
}

fn parallel(root: &Path, bin: &Path, case: &Case) -> anyhow::Result<Duration> {
    let d = tempfile::tempdir()?;
    repo(root, d.path(), case)?;
    let token = d.path().join("token");
    std::fs::write(&token, "unused")?;
    let remote = d.path().join("remote.git");
    let runs = d.path().join("runs");
    let mut cmd = Command::new(bin.join("pj-local"));
    cmd.args(["--config"])
        .arg(root.join("examples/prow"))
        .args(["--job", case.job, "--repo"])
        .arg(&remote)
        .arg("--forge-remote")
        .arg(&remote)
        .arg("--bucket")
        .arg(d.path().join("bucket"))
        .arg("--out")
        .arg(&runs)
        .arg("--bin-dir")
        .arg(bin);
    for secret in [
        "github-access-token",
        "release-service-account",
        "release-staging-service-account",
    ] {
        cmd.arg("--secret")
            .arg(format!("{secret}={}", token.display()));
    }
    if let Some(extra) = case.extra {
        cmd.arg("--repo").arg(format!(
            "GoogleCloudPlatform/{extra}={}",
            d.path().join(extra).display()
        ));
        // The job's go-proxy hostPath, as pj-local backs it.
        let proxy = runs.join("host-paths/var/cache/gcp-guest/demo-go-proxy");
        gomodproxy::write_proxy(&root.join("examples/go-modules"), &proxy)?;
    }
    let start = Instant::now();
    let out = cmd.output()?;
    let t = start.elapsed();
    if !out.status.success() {
        bail!("pj-local failed: {}", String::from_utf8_lossy(&out.stdout));
    }
    Ok(t)
}

fn sequential(root: &Path, bin: &Path, case: &Case) -> anyhow::Result<Duration> {
    let d = tempfile::tempdir()?;
    let work = repo(root, d.path(), case)?;
    // The Go example's builders, as its job runs them.
    let mut go_args: Vec<String> = Vec::new();
    let mut go_env: Vec<(String, String)> = Vec::new();
    if let Some(extra) = case.extra {
        let proxy = go_proxy(root, d.path())?;
        go_args = vec![
            "--extra-repo".into(),
            d.path().join(extra).display().to_string(),
            "--go-mod-cache".into(),
            d.path().join("modcache").display().to_string(),
        ];
        go_env = vec![
            ("GOPROXY".into(), format!("file://{}", proxy.display())),
            ("GOTOOLCHAIN".into(), "local".into()),
        ];
    }
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
                "--stage-root".into(),
                stage.display().to_string(),
            ],
        ),
    ];
    let start = Instant::now();
    for (tool, args) in steps {
        let go = tool.starts_with("packagebuild-");
        let out = Command::new(bin.join(tool))
            .args(&args)
            .args(if go { &go_args[..] } else { &[] })
            .envs(if go { go_env.clone() } else { vec![] })
            .arg("-q")
            .current_dir(&work)
            .output()?;
        if !out.status.success() {
            bail!("{tool} failed: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
    Ok(start.elapsed())
}
