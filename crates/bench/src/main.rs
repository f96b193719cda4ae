//! `release-bench`: side-by-side measurements, printed as tables. Every
//! figure is measured in this run, ours beside a baseline; nothing fails on
//! speed.
//!
//! 1. version-gen (the real binary) against the fake GitHub holding 10,
//!    1,000 and 10,000 tags, beside a naive but correct client that lists
//!    every tag, 100 per page.
//! 2. packagebuild-deb and packagebuild-rpm on the shell-tool example
//!    against bare dpkg-buildpackage / rpmbuild on the same prepared tree,
//!    alternating runs: our overhead as a ratio of medians.
//! 3. our orig tarball against `tar czf` of the same tree.
//! 4. packagebuild-googet on ~500 MB against `tar -c | gzip -6`.
//! 5. the emulated release (pj-local, all containers at once) against its
//!    steps run one after another, for examples/shell-tool and the Go example
//!    examples/go-agent; the Go module prefetch warm against cold.
//! 6. repo-tagger --publish of a 2 GiB .deb beside a 20 MiB one: peak
//!    resident memory side by side (publishing streams).

mod builds;
mod chain;
mod googet;
mod publish;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::bail;
use testsupport::github::{FakeConfig, FakeGitHub, FakeRepo, fake_sha};

const TOKEN: &str = "bench-token";
const OWNER: &str = "bench";
const REPO: &str = "repo";
/// Runs per measurement; the median is reported.
const RUNS: usize = 5;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // `release-bench [versions|builds|googet|chain|publish]...`: some sections only.
    let only: Vec<String> = std::env::args().skip(1).collect();
    let want = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    if want("versions") {
        versions().await?;
    }
    if want("builds") {
        builds::run()?;
    }
    if want("googet") {
        googet::run()?;
    }
    if want("chain") {
        chain::run()?;
    }
    if want("publish") {
        publish::run()?;
    }
    Ok(())
}

/// version-gen against the naive client.
async fn versions() -> anyhow::Result<()> {
    let version_gen = sibling_binary("version-gen")?;
    let today = calver::Day::parse("20261127").expect("fixed day");
    println!(
        "version-gen vs a naive client listing every tag (fake GitHub on loopback, median of {RUNS} runs)\n"
    );
    println!(
        "{:>8} | {:>10} {:>12} | {:>10} {:>12} | {:>8} | same answer",
        "tags", "vg reqs", "vg time", "naive reqs", "naive time", "speedup"
    );
    println!("{}", "-".repeat(86));
    let token_dir = tempfile::tempdir()?;
    let token_file = token_dir.path().join("token");
    std::fs::write(&token_file, TOKEN)?;
    for count in [10usize, 1_000, 10_000] {
        let fake = FakeGitHub::start(config(count, today)).await?;
        let mut vg_times = Vec::new();
        let mut vg_out = (String::new(), 0);
        for _ in 0..RUNS {
            fake.reset_requests();
            let start = Instant::now();
            let out = tokio::process::Command::new(&version_gen)
                .args([
                    "--forge",
                    "github",
                    "--owner",
                    OWNER,
                    "--repo",
                    REPO,
                    "--api-url",
                    &fake.url(),
                ])
                .arg("--token-file")
                .arg(&token_file)
                .args(["--date", &today.to_string(), "-q"])
                .output()
                .await?;
            vg_times.push(start.elapsed());
            if !out.status.success() {
                bail!(
                    "version-gen failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            vg_out = (
                String::from_utf8_lossy(&out.stdout).trim().to_owned(),
                fake.requests(),
            );
        }
        let mut naive_times = Vec::new();
        let mut naive_out = (String::new(), 0);
        for _ in 0..RUNS {
            fake.reset_requests();
            let start = Instant::now();
            let v = naive_next_version(&fake.url(), today).await?;
            naive_times.push(start.elapsed());
            naive_out = (v, fake.requests());
        }
        let (vg, naive) = (median(&mut vg_times), median(&mut naive_times));
        println!(
            "{:>8} | {:>10} {:>12} | {:>10} {:>12} | {:>7.1}x | {}",
            count,
            vg_out.1,
            format!("{:.1} ms", vg.as_secs_f64() * 1e3),
            naive_out.1,
            format!("{:.1} ms", naive.as_secs_f64() * 1e3),
            naive.as_secs_f64() / vg.as_secs_f64(),
            if vg_out.0 == naive_out.0 {
                format!("yes ({})", vg_out.0)
            } else {
                format!("NO: {} vs {}", vg_out.0, naive_out.0)
            }
        );
    }
    println!("\nvg time includes starting the process; the naive client runs in-process.");
    Ok(())
}

/// `count` version tags spread over many days before `today`, some on today.
fn config(count: usize, today: calver::Day) -> FakeConfig {
    let commit = fake_sha("bench");
    let per_day = 10;
    let days = count.div_ceil(per_day);
    let mut tags = Vec::with_capacity(count);
    for i in 0..count {
        let back = (days - 1 - i / per_day) as u64;
        let day = today.date() - chrono::Days::new(back);
        tags.push((
            format!("{}.{:02}", day.format("%Y%m%d"), i % per_day),
            commit.clone(),
        ));
    }
    FakeConfig {
        token: TOKEN.into(),
        repos: vec![FakeRepo {
            owner: OWNER.into(),
            repo: REPO.into(),
            commits: vec![commit],
            tags,
        }],
    }
}

/// The original's approach done right: every page of `GET /tags`.
async fn naive_next_version(base: &str, today: calver::Day) -> anyhow::Result<String> {
    let client = reqwest::Client::new();
    let mut url = format!("{base}/repos/{OWNER}/{REPO}/tags?per_page=100");
    let mut names = Vec::new();
    loop {
        let resp = client
            .get(&url)
            .bearer_auth(TOKEN)
            .header("user-agent", "naive-bench")
            .header("accept", "application/vnd.github+json")
            .send()
            .await?
            .error_for_status()?;
        let next = resp
            .headers()
            .get("link")
            .and_then(|l| l.to_str().ok())
            .and_then(next_link);
        let page: Vec<serde_json::Value> = resp.json().await?;
        names.extend(
            page.into_iter()
                .filter_map(|t| t["name"].as_str().map(str::to_owned)),
        );
        match next {
            Some(n) => url = n,
            None => break,
        }
    }
    let next = calver::next_version(names.iter().map(String::as_str), today)?;
    Ok(next.version.to_string())
}

fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (url, rel) = part.split_once(';')?;
        rel.contains("rel=\"next\"").then(|| {
            url.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned()
        })
    })
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn sibling_binary(name: &str) -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let p = exe.with_file_name(name);
    if !p.exists() {
        bail!(
            "{} not found: build it first (cargo build --release --workspace --bins)",
            p.display()
        );
    }
    Ok(p)
}

/// Runs a bash script in `dir`; fails with the script when it fails.
fn sh(dir: &std::path::Path, script: &str) -> anyhow::Result<()> {
    let st = std::process::Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .status()?;
    if !st.success() {
        bail!("`{script}` failed in {}", dir.display());
    }
    Ok(())
}
