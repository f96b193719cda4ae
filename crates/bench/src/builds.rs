//! Our package builders against the bare build tools, and our orig tarball
//! against `tar czf`.

use super::sh;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

const V: &str = "20261127.00";
/// Alternating runs per side.
const ROUNDS: usize = 5;

pub fn run() -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let example = root.join("examples/shell-tool");
    let work = tempfile::tempdir()?;
    let repo = work.path().join("repo");
    copy_tree(&example, &repo)?;
    sh(
        &repo,
        "git init -q && git add -A && git -c user.name=b -c user.email=b@x commit -qm bench",
    )?;

    println!("\npackage builds on examples/shell-tool ({ROUNDS} alternating runs each, median)\n");
    println!(
        "{:>18} | {:>12} | {:>12} | {:>9}",
        "builder", "ours", "bare tool", "overhead"
    );
    println!("{}", "-".repeat(62));
    let deb = super::sibling_binary("packagebuild-deb")?;
    let rpm = super::sibling_binary("packagebuild-rpm")?;

    let deb_tree = prepare_deb(&repo, work.path())?;
    let (ours, bare) = alternate(
        || {
            let out = tempfile::tempdir()?;
            timed(
                Command::new(&deb)
                    .args(["--version", V, "-q", "--out"])
                    .arg(out.path())
                    .current_dir(&repo),
            )
        },
        || {
            let scratch = tempfile::tempdir()?;
            sh(scratch.path(), &format!("cp -a {}/. .", deb_tree.display()))?;
            timed(
                Command::new("dpkg-buildpackage")
                    .args(["-us", "-uc"])
                    .env("DEB_BUILD_OPTIONS", "noautodbgsym nocheck")
                    .env("VERSION", V)
                    .env("RELEASE", "g1")
                    .current_dir(scratch.path().join(format!("guest-hello-{V}"))),
            )
        },
    )?;
    row("packagebuild-deb", ours, bare);

    let rpm_top = prepare_rpm(&repo, work.path())?;
    let (ours, bare) = alternate(
        || {
            let out = tempfile::tempdir()?;
            timed(
                Command::new(&rpm)
                    .args(["--version", V, "-q", "--out"])
                    .arg(out.path())
                    .current_dir(&repo),
            )
        },
        || {
            let scratch = tempfile::tempdir()?;
            sh(scratch.path(), &format!("cp -a {}/. .", rpm_top.display()))?;
            let top = scratch.path();
            let mut c = Command::new("rpmbuild");
            c.args(["-ba", "--nodeps", "--load"])
                .arg(top.join("macros.guest-compat"));
            for d in [
                format!("_topdir {}", top.display()),
                format!("_version {V}"),
                "_go UNSET".into(),
                "_gopath UNSET".into(),
                "has_extra_source 0".into(),
                "_buildshell /bin/bash".into(),
                format!("_tmppath {}/tmp", top.display()),
                "dist .el9".into(),
            ] {
                c.arg("--define").arg(d);
            }
            c.arg(top.join("SPECS/guest-hello.spec")).current_dir(top);
            timed(&mut c)
        },
    )?;
    row("packagebuild-rpm", ours, bare);
    println!(
        "\nours = the whole step (version check, tarball, build, read-back verification, sha256, copies);"
    );
    println!(
        "bare = the build tool alone on a tree prepared beforehand. Goal: overhead at most 1.10x."
    );

    tarball_vs_tar(work.path())
}

fn row(name: &str, ours: Duration, bare: Duration) {
    println!(
        "{:>18} | {:>9.0} ms | {:>9.0} ms | {:>8.2}x",
        name,
        ours.as_secs_f64() * 1e3,
        bare.as_secs_f64() * 1e3,
        ours.as_secs_f64() / bare.as_secs_f64()
    );
}

/// Runs `a` and `b` alternately, `ROUNDS` times each, and returns their
/// medians: alternating spreads machine noise over both sides.
fn alternate(
    mut a: impl FnMut() -> anyhow::Result<Duration>,
    mut b: impl FnMut() -> anyhow::Result<Duration>,
) -> anyhow::Result<(Duration, Duration)> {
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        ta.push(a()?);
        tb.push(b()?);
    }
    Ok((super::median(&mut ta), super::median(&mut tb)))
}

fn timed(cmd: &mut Command) -> anyhow::Result<Duration> {
    let start = Instant::now();
    let out = cmd.output().with_context(|| format!("running {cmd:?}"))?;
    let t = start.elapsed();
    if !out.status.success() {
        bail!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(t)
}

/// The tree dpkg-buildpackage gets from our builder, made by hand.
fn prepare_deb(repo: &Path, work: &Path) -> anyhow::Result<PathBuf> {
    let dir = work.join("deb-tree");
    std::fs::create_dir_all(&dir)?;
    let top = format!("guest-hello-{V}");
    sourcetree::write_orig_tarball(
        repo,
        &dir.join(format!("guest-hello_{V}.orig.tar.gz")),
        &top,
        0,
    )?;
    sh(
        &dir,
        &format!(
            "tar xzf guest-hello_{V}.orig.tar.gz && cp -a {}/packaging/debian {top}/debian",
            repo.display()
        ),
    )?;
    std::fs::write(
        dir.join(&top).join("debian/changelog"),
        format!(
            "guest-hello (1:{V}-g1) stable; urgency=medium\n\n  * Debian packaging for guest-hello\n\n -- Bench <b@example.com>  Thu, 01 Jan 1970 00:00:00 +0000\n"
        ),
    )?;
    Ok(dir)
}

/// The rpmbuild top folder our builder prepares, made by hand.
fn prepare_rpm(repo: &Path, work: &Path) -> anyhow::Result<PathBuf> {
    let top = work.join("rpm-top");
    for d in ["SPECS", "SOURCES", "tmp"] {
        std::fs::create_dir_all(top.join(d))?;
    }
    std::fs::copy(
        repo.join("packaging/guest-hello.spec"),
        top.join("SPECS/guest-hello.spec"),
    )?;
    std::fs::write(
        top.join("macros.guest-compat"),
        packagebuild_rpm::COMPAT_MACROS,
    )?;
    sourcetree::write_orig_tarball(
        repo,
        &top.join(format!("SOURCES/guest-hello_{V}.orig.tar.gz")),
        &format!("guest-hello-{V}"),
        0,
    )?;
    Ok(top)
}

/// Our orig tarball against `tar czf` on a generated tree of mixed files.
fn tarball_vs_tar(work: &Path) -> anyhow::Result<()> {
    let tree = work.join("tree");
    let mut seed = 0x2545F4914F6CDD1Du64;
    let mut total = 0u64;
    for i in 0..2000u32 {
        let dir = tree.join(format!("d{:02}", i % 40));
        std::fs::create_dir_all(&dir)?;
        // Mixed compressibility: text-like and random-like files.
        let len = 2_000 + (i as usize * 37) % 30_000;
        let bytes: Vec<u8> = if i % 3 == 0 {
            (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect()
        } else {
            format!("line {i} of a fairly ordinary source file\n")
                .into_bytes()
                .into_iter()
                .cycle()
                .take(len)
                .collect()
        };
        total += bytes.len() as u64;
        std::fs::write(dir.join(format!("f{i}.txt")), bytes)?;
    }
    let (mut ours, mut tar) = (Vec::new(), Vec::new());
    let (ours_file, tar_file) = (work.join("ours.tar.gz"), work.join("tar.tar.gz"));
    for _ in 0..ROUNDS {
        let start = Instant::now();
        sourcetree::write_orig_tarball(&tree, &ours_file, "x-1", 0)?;
        ours.push(start.elapsed());
        tar.push(timed(
            Command::new("tar")
                .arg("czf")
                .arg(&tar_file)
                .arg("-C")
                .arg(&tree)
                .arg("."),
        )?);
    }
    let (o, t) = (super::median(&mut ours), super::median(&mut tar));
    let (os, ts) = (
        std::fs::metadata(&ours_file)?.len(),
        std::fs::metadata(&tar_file)?.len(),
    );
    println!(
        "\norig tarball of 2,000 files ({:.1} MB), {ROUNDS} alternating runs, median\n",
        total as f64 / 1e6
    );
    println!("{:>14} | {:>10} | {:>12}", "", "time", "size");
    println!("{}", "-".repeat(44));
    println!(
        "{:>14} | {:>7.0} ms | {:>9} B",
        "ours",
        o.as_secs_f64() * 1e3,
        os
    );
    println!(
        "{:>14} | {:>7.0} ms | {:>9} B",
        "tar czf",
        t.as_secs_f64() * 1e3,
        ts
    );
    println!(
        "{:>14} | {:>9.2}x | {:>11.3}x",
        "ours / tar",
        o.as_secs_f64() / t.as_secs_f64(),
        os as f64 / ts as f64
    );
    println!(
        "\nours also sorts entries, zeroes owners and times, and is byte-for-byte reproducible."
    );
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    sh(to, &format!("cp -a {}/. .", from.display()))
}
