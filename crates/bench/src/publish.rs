//! repo-tagger --publish of one staged .deb of 20 MiB, 200 MiB and 2 GiB,
//! from a file:// stage to a file:// release path: the real binary, its
//! peak resident memory side by side, and the 2 GiB / 20 MiB ratio.
//! Publishing streams (issue 14, item 7): the peak stops growing at the
//! store's bound of two 8 MiB parts plus the binary itself.
//!
//! The .deb is a real one as pkgread reads it back (debian-binary, a
//! control.tar with ./control, a data.tar), its data.tar a sparse run of
//! zeros: nothing is generated, and the stage takes no disk. The publisher's
//! copy (under TMPDIR, pointed inside the bench's folder) and the published
//! file do; everything is removed afterwards.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};
use testsupport::git::GitFixture;

const V: &str = "20261127.00";
const TARGET: &str = "deb12";
const MIB: u64 = 1024 * 1024;
/// The sizes compared: a small package and a multi-GB one, and one between
/// them to show where the peak stops growing.
const SIZES: [u64; 3] = [20 * MIB, 200 * MIB, 2048 * MIB];
/// Runs per size: the peak is the most, the time the median.
const ROUNDS: usize = 3;

pub fn run() -> anyhow::Result<()> {
    let bin = super::sibling_binary("repo-tagger")?;
    println!(
        "\npublishing one staged .deb with repo-tagger --publish (file:// stage and release path), {ROUNDS} runs per size: the most resident memory, the median time\n"
    );
    println!("{:>18} | {:>9} | {:>12}", "artifact", "time", "peak memory");
    println!("{}", "-".repeat(46));
    let mut peaks = Vec::new();
    for size in SIZES {
        // The most of a few runs: whether two parts are ever held at once
        // depends on timing for a file of a few parts.
        let (mut times, mut peak) = (Vec::new(), 0);
        for _ in 0..ROUNDS {
            let (t, p) = publish(&bin, size)?;
            times.push(t);
            peak = peak.max(p);
        }
        let time = super::median(&mut times);
        println!(
            "{:>18} | {:>7.2} s | {:>8.1} MiB",
            format!("{} MiB .deb", size / MIB),
            time.as_secs_f64(),
            peak as f64 / MIB as f64
        );
        peaks.push(peak);
    }
    println!(
        "{:>18} | {:>9} | {:>11.2}x",
        "2 GiB / 20 MiB",
        "",
        peaks[2] as f64 / peaks[0] as f64
    );
    println!(
        "\nthe whole step: tag, stream each staged file to TMPDIR while hashing it, read the package back, upload in parts, SHA256SUMS, manifest.json."
    );
    Ok(())
}

/// Stages a .deb of about `size` bytes, publishes it, checks the release
/// path holds it; the wall time and peak resident memory of repo-tagger.
fn publish(bin: &Path, size: u64) -> anyhow::Result<(Duration, u64)> {
    let git = GitFixture::new();
    let commit = git.commit_and_push("release me");
    let dir = tempfile::tempdir()?;
    let stage_root = dir.path().join("bucket/staging/bench");
    let stage = stage_root.join("7").join(TARGET);
    let release = dir.path().join("bucket/release");
    let ws = dir.path().join("ws");
    let tmp = dir.path().join("tmp");
    for d in [&stage, &ws.join("results"), &tmp] {
        std::fs::create_dir_all(d)?;
    }
    let file = format!("bench-big_{V}-g1_amd64.deb");
    let staged = stage.join(&file);
    write_deb(&staged, size)?;
    let (sha256, len) = sha256_file(&staged)?;
    std::fs::write(ws.join("version"), format!("{V}\n"))?;
    let record = serde_json::json!({
        "target": TARGET, "status": "ok", "version": V, "commit": commit,
        "artifacts": [{
            "file": file, "sha256": sha256, "size": len,
            "staged_url": format!("file://{}", staged.display()),
            "package": {"name": "bench-big", "version": format!("{V}-g1"), "arch": "amd64", "format": "deb"},
        }],
    });
    std::fs::write(
        ws.join(format!("results/{TARGET}.json")),
        record.to_string(),
    )?;

    let mut c = Command::new(bin);
    // The fixture's remote and commit, named: never a default taken from
    // wherever the bench runs.
    c.arg("--remote")
        .arg(git.remote())
        .args(["--sha", &commit, "--workspace"])
        .arg(&ws)
        .args(["--expect", TARGET, "--allow-future", "-q", "--publish"])
        .arg(format!("file://{}", release.display()))
        .arg("--stage-root")
        .arg(format!("file://{}", stage_root.display()))
        .current_dir(git.work())
        .env("TMPDIR", &tmp)
        .env("BUILD_ID", "7");
    for var in ["RELEASE_WORKSPACE", "PULL_BASE_SHA", "STAGE_ROOT"] {
        c.env_remove(var);
    }
    let measured = super::googet::measured(&mut c)?;

    let published = release.join(V).join(TARGET).join(&file);
    let got = std::fs::metadata(&published)
        .with_context(|| format!("{} was not published", published.display()))?
        .len();
    if got != len || !release.join(V).join("manifest.json").exists() {
        bail!(
            "{} is {got} bytes, not {len}, or has no manifest",
            published.display()
        );
    }
    if std::fs::read_dir(&tmp)?.next().is_some() {
        bail!("repo-tagger left files in its TMPDIR {}", tmp.display());
    }
    Ok(measured)
}

/// A .deb whose data.tar holds one file of `size` zero bytes, left sparse.
fn write_deb(path: &Path, size: u64) -> anyhow::Result<()> {
    let control = format!(
        "Package: bench-big\nVersion: {V}-g1\nArchitecture: amd64\nMaintainer: Bench <bench@example.com>\nDescription: benchmark\n a large package\n"
    );
    let control = tarball("./control", control.as_bytes())?;
    // The data tarball: a header, `size` zeros (a multiple of 512), the two
    // zero blocks that end an archive.
    let size = size.next_multiple_of(512);
    let mut header = tar::Header::new_gnu();
    header.set_path("./usr/share/bench-big/payload")?;
    header.set_size(size);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.set_cksum();
    let data_len = 512 + size + 1024;

    let mut f = std::fs::File::create(path)?;
    f.write_all(b"!<arch>\n")?;
    for (member, len, bytes) in [
        ("debian-binary", 4, Some(&b"2.0\n"[..])),
        ("control.tar", control.len() as u64, Some(&control[..])),
        ("data.tar", data_len, None),
    ] {
        // name, mtime, uid, gid, mode, size, then the header's end "`\n".
        writeln!(
            f,
            "{member:<16}{:<12}{:<6}{:<6}{:<8}{len:<10}`",
            0, 0, 0, 100644
        )?;
        match bytes {
            Some(b) => {
                f.write_all(b)?;
                if len % 2 == 1 {
                    f.write_all(b"\n")?;
                }
            }
            None => {
                f.write_all(header.as_bytes())?;
                // The zeros: a hole, extended to the member's end.
                let end = f.stream_position()? + size + 1024;
                f.set_len(end)?;
                f.seek(SeekFrom::Start(end))?;
            }
        }
    }
    f.sync_all()?;
    Ok(())
}

fn tarball(path: &str, bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(bytes.len() as u64);
    h.set_mode(0o644);
    h.set_mtime(0);
    h.set_cksum();
    b.append_data(&mut h, path, bytes)?;
    Ok(b.into_inner()?)
}

fn sha256_file(path: &Path) -> anyhow::Result<(String, u64)> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; MIB as usize];
    let mut n = 0u64;
    loop {
        let got = f.read(&mut buf)?;
        if got == 0 {
            break;
        }
        h.update(&buf[..got]);
        n += got as u64;
    }
    Ok((hex::encode(h.finalize()), n))
}
