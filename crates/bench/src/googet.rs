//! packagebuild-googet against `tar -c | gzip -6` on a generated payload of
//! about 500 MB: a few large files and thousands of small ones, of mixed
//! compressibility. Reports the wall-time ratio, the size ratio and our
//! peak memory, beside the goals of issue 4.

use super::sh;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

const V: &str = "20261127.00";
/// Alternating runs per side.
const ROUNDS: usize = 3;
const MIB: f64 = 1024.0 * 1024.0;

pub fn run() -> anyhow::Result<()> {
    let bin = super::sibling_binary("packagebuild-googet")?;
    let work = tempfile::tempdir()?;
    let repo = work.path().join("repo");
    let total = generate(&repo.join("stage"))?;
    std::fs::create_dir_all(repo.join("packaging/googet"))?;
    std::fs::write(
        repo.join("packaging/googet/bench-payload.goospec"),
        r#"{"name":"bench-payload","version":"{{.version}}@1","arch":"x86_64",
            "sources":[{"root":"stage","include":["**"]}]}"#,
    )?;
    // Warm the page cache so both sides read from memory.
    sh(&repo, "cat stage/*/* stage/* > /dev/null 2>&1 || true")?;

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "\n.goo packing: packagebuild-googet vs tar -c | gzip -6 on {:.0} MB ({} files), {cores} cores, {ROUNDS} alternating runs, median\n",
        total.0 as f64 / 1e6,
        total.1
    );
    let out = work.path().join("out");
    let tarball = work.path().join("payload.tar.gz");
    let (mut ours, mut base) = (Vec::new(), Vec::new());
    let (mut our_peak, mut base_peak) = (0u64, 0u64);
    for _ in 0..ROUNDS {
        let _ = std::fs::remove_dir_all(&out);
        let mut c = Command::new(&bin);
        c.args(["--version", V, "-q", "--source"])
            .arg(&repo)
            .arg("--out")
            .arg(&out)
            .env("SOURCE_DATE_EPOCH", "1700000000")
            .env_remove("RELEASE_WORKSPACE");
        let (t, peak) = measured(&mut c)?;
        ours.push(t);
        our_peak = our_peak.max(peak);
        let mut c = Command::new("bash");
        c.arg("-c").arg(format!(
            "set -o pipefail; tar -c -C {} . | gzip -6 > {}",
            repo.join("stage").display(),
            tarball.display()
        ));
        let (t, peak) = measured(&mut c)?;
        base.push(t);
        base_peak = base_peak.max(peak);
    }
    let goo = out.join(format!("bench-payload.x86_64.{V}@1.goo"));
    let (o, b) = (super::median(&mut ours), super::median(&mut base));
    let (os, bs) = (
        std::fs::metadata(&goo)
            .with_context(|| format!("{} was not written", goo.display()))?
            .len(),
        std::fs::metadata(&tarball)?.len(),
    );
    let time_ratio = o.as_secs_f64() / b.as_secs_f64();
    let size_ratio = os as f64 / bs as f64;
    println!(
        "{:>22} | {:>9} | {:>13} | {:>12}",
        "", "time", "size", "peak memory"
    );
    println!("{}", "-".repeat(66));
    println!(
        "{:>22} | {:>7.2} s | {:>11} B | {:>8.1} MiB",
        "packagebuild-googet",
        o.as_secs_f64(),
        os,
        our_peak as f64 / MIB
    );
    println!(
        "{:>22} | {:>7.2} s | {:>11} B | {:>8.1} MiB",
        "tar -c | gzip -6",
        b.as_secs_f64(),
        bs,
        base_peak as f64 / MIB
    );
    println!(
        "{:>22} | {:>8.2}x | {:>12.3}x |",
        "ours / baseline", time_ratio, size_ratio
    );
    let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
    println!(
        "\ngoals: time ratio <= 0.70 ({}), output at most 3% larger ({}), peak memory < 100 MiB ({})",
        verdict(time_ratio <= 0.70),
        verdict(size_ratio <= 1.03),
        verdict((our_peak as f64) < 100.0 * MIB)
    );
    println!(
        "ours = the whole step: render, map, pack, read back and verify, sha256, copy to --out."
    );
    Ok(())
}

/// A reproducible payload under `dir`: 4 large files (random, text, binary,
/// mixed; 80 MB each) and 6,000 small ones (1 to 60 KB). Returns its size
/// and file count.
fn generate(dir: &Path) -> anyhow::Result<(u64, usize)> {
    let mut rng = Rng(0x2545F4914F6CDD1D);
    let words: Vec<String> = (0..4000)
        .map(|i| {
            format!(
                "{}{}",
                ["get", "set", "run", "log", "io"][i % 5],
                i * 7919 % 4999
            )
        })
        .collect();
    let mut total = 0u64;
    let mut count = 0usize;
    std::fs::create_dir_all(dir)?;
    for (i, kind) in [Kind::Random, Kind::Text, Kind::Binary, Kind::Mixed]
        .into_iter()
        .enumerate()
    {
        let data = content(&mut rng, &words, kind, 80_000_000);
        total += data.len() as u64;
        count += 1;
        std::fs::write(dir.join(format!("large-{i}.bin")), data)?;
    }
    for i in 0..6000usize {
        let sub = dir.join(format!("d{:02}", i % 60));
        std::fs::create_dir_all(&sub)?;
        let kind = [Kind::Text, Kind::Binary, Kind::Random, Kind::Text][i % 4];
        let len = 1_000 + (rng.next() % 60_000) as usize;
        let data = content(&mut rng, &words, kind, len);
        total += data.len() as u64;
        count += 1;
        std::fs::write(sub.join(format!("f{i}.dat")), data)?;
    }
    Ok((total, count))
}

#[derive(Clone, Copy)]
enum Kind {
    Random,
    Text,
    Binary,
    Mixed,
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn content(rng: &mut Rng, words: &[String], kind: Kind, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 64);
    match kind {
        Kind::Random => {
            while out.len() < len {
                out.extend_from_slice(&rng.next().to_le_bytes());
            }
        }
        Kind::Text => {
            while out.len() < len {
                let w = &words[(rng.next() % words.len() as u64) as usize];
                out.extend_from_slice(w.as_bytes());
                out.push(if rng.next().is_multiple_of(12) {
                    b'\n'
                } else {
                    b' '
                });
            }
        }
        Kind::Binary => {
            // Small integers and repeated structures, like executables.
            while out.len() < len {
                let r = rng.next();
                if r.is_multiple_of(16) {
                    out.extend_from_slice(&r.to_le_bytes());
                } else {
                    out.extend_from_slice(&[(r % 7) as u8, 0, ((r >> 8) % 3) as u8, 0x48]);
                }
            }
        }
        Kind::Mixed => {
            while out.len() < len {
                let k = [Kind::Random, Kind::Text, Kind::Binary][(rng.next() % 3) as usize];
                let piece = content(rng, words, k, 1 << 20);
                out.extend_from_slice(&piece);
            }
        }
    }
    out.truncate(len);
    out
}

/// Runs `cmd` (output discarded) and returns its wall time and peak
/// resident memory: from `/usr/bin/time -v` when installed, else the
/// child's `VmHWM` polled from /proc.
pub(crate) fn measured(cmd: &mut Command) -> anyhow::Result<(Duration, u64)> {
    let gnu_time = Path::new("/usr/bin/time");
    let report = tempfile::NamedTempFile::new()?;
    let mut c = if gnu_time.exists() {
        let mut c = Command::new(gnu_time);
        c.arg("-v").arg("-o").arg(report.path());
        c.arg(cmd.get_program()).args(cmd.get_args());
        if let Some(dir) = cmd.get_current_dir() {
            c.current_dir(dir);
        }
        for (k, v) in cmd.get_envs() {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
        }
        c
    } else {
        std::mem::replace(cmd, Command::new("true"))
    };
    c.stdout(Stdio::null()).stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = c.spawn().with_context(|| format!("running {c:?}"))?;
    let mut peak = 0u64;
    let status = loop {
        if let Some(st) = child.try_wait()? {
            break st;
        }
        if let Some(kib) = vm_hwm_kib(child.id()) {
            peak = peak.max(kib * 1024);
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = start.elapsed();
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut err);
    }
    if !status.success() {
        bail!("{c:?} failed: {err}");
    }
    if gnu_time.exists() {
        let text = std::fs::read_to_string(report.path())?;
        if let Some(kib) = text
            .lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix("Maximum resident set size (kbytes): ")
            })
            .and_then(|v| v.trim().parse::<u64>().ok())
        {
            peak = kib * 1024;
        }
    }
    Ok((elapsed, peak))
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
