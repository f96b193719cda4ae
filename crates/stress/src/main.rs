//! `release-stress`: concurrent release runs with injected faults, checked
//! against the invariants of the release transaction (design.md):
//!
//! 1. no two commits ever get the same version (each commit ends with
//!    exactly one version tag, and versions are distinct);
//! 2. no published object is ever overwritten or deleted (every object seen
//!    after a round has the same bytes in every later round);
//! 3. a version is published only when its tag points at the commit its
//!    packages were built from, and then completely (every manifest entry
//!    present with its sha256);
//! 4. re-running after any failure converges (at the end every run is
//!    tagged and published, and the release path holds only complete
//!    versions; staging leftovers are allowed).
//!
//! The steps are the real binaries, started at once per run as in a Prow
//! pod, chained through a workspace folder.

mod world;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Parser, ValueEnum};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use world::{Outcome, RunFaults, World};

/// Which forge and store a pass uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    /// The fake GitHub and the fake GCS (XML API).
    GithubGcs,
    /// A bare git remote and a local folder.
    GitFile,
    /// Both, one after the other.
    Both,
}

/// Where each run's workspace is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Workspaces {
    /// A folder per attempt (a pod's emptyDir); a tagger that died after
    /// its tag is re-run alone with it.
    Folder,
    /// One store workspace per commit shared by all its runs; two jobs per
    /// commit at once, and a failed attempt re-run whole from a fresh pod.
    PerCommit,
    /// Both, side by side.
    Both,
}

/// Stresses the release transaction and counts invariant violations.
#[derive(Debug, Parser)]
#[command(name = "release-stress")]
struct Cli {
    /// Rounds per mode.
    #[arg(long, default_value_t = 20)]
    rounds: usize,
    /// Concurrent release runs per round (different commits).
    #[arg(long, default_value_t = 8)]
    runs: usize,
    /// Which forge and store.
    #[arg(long, value_enum, default_value_t = Mode::Both)]
    mode: Mode,
    /// Which workspaces.
    #[arg(long, value_enum, default_value_t = Workspaces::Both)]
    workspaces: Workspaces,
    /// Rounds of the per-commit passes (two jobs per run, and a remote
    /// store's waits back off: slower per round) [default: a quarter of --rounds, at least 1].
    #[arg(long)]
    per_commit_rounds: Option<usize>,
    /// Probability of each kind of fault per run.
    #[arg(long, default_value_t = 0.2)]
    fault_rate: f64,
    /// Seed of the fault choices.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where the release binaries are [default: beside this one].
    #[arg(long)]
    bin_dir: Option<PathBuf>,
    /// Attempts per run before giving up on convergence.
    #[arg(long, default_value_t = 40)]
    max_attempts: usize,
}

impl Cli {
    /// The rounds of a pass.
    fn rounds_of(&self, per_commit: bool) -> usize {
        match per_commit {
            true => self.per_commit_rounds.unwrap_or((self.rounds / 4).max(1)),
            false => self.rounds,
        }
    }
}

#[derive(Debug, Default)]
struct Figures {
    runs: usize,
    attempts: usize,
    conflicts: usize,
    failures: usize,
    failure_samples: Vec<String>,
    faults: BTreeMap<&'static str, usize>,
    violations: Vec<String>,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let bin_dir = match &cli.bin_dir {
        Some(d) => d.clone(),
        None => std::env::current_exe()?
            .parent()
            .context("binary folder")?
            .to_owned(),
    };
    for b in ["version-gen", "repo-tagger", "packagebuild-googet"] {
        if !bin_dir.join(b).exists() {
            bail!(
                "{} is missing: build the tools first (cargo build --workspace --bins)",
                bin_dir.join(b).display()
            );
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let modes = match cli.mode {
        Mode::Both => vec![Mode::GithubGcs, Mode::GitFile],
        m => vec![m],
    };
    let kinds = match cli.workspaces {
        Workspaces::Both => vec![false, true],
        Workspaces::Folder => vec![false],
        Workspaces::PerCommit => vec![true],
    };
    let passes_of: Vec<(Mode, bool)> = modes
        .iter()
        .flat_map(|&m| kinds.iter().map(move |&k| (m, k)))
        .collect();
    // The passes run side by side: they share nothing but the machine.
    let passes = runtime.block_on(async {
        let tasks: Vec<_> = passes_of
            .iter()
            .map(|&(mode, per_commit)| {
                let cli = &cli;
                let bin_dir = &bin_dir;
                async move {
                    let start = Instant::now();
                    let figures = stress(cli, mode, per_commit, bin_dir).await;
                    ((mode, per_commit), figures, start.elapsed())
                }
            })
            .collect();
        futures::future::join_all(tasks).await
    });
    let mut total_violations = 0;
    for (mode, figures, took) in passes {
        let figures = figures?;
        print_figures(mode, &cli, &figures, took);
        total_violations += figures.violations.len();
    }
    if total_violations > 0 {
        bail!("{total_violations} invariant violation(s)");
    }
    Ok(())
}

async fn stress(
    cli: &Cli,
    mode: Mode,
    per_commit: bool,
    bin_dir: &std::path::Path,
) -> anyhow::Result<Figures> {
    let mut rng = StdRng::seed_from_u64(cli.seed);
    let rounds = cli.rounds_of(per_commit);
    let world = World::new(
        mode == Mode::GithubGcs,
        rounds * cli.runs,
        bin_dir.to_owned(),
        cli.seed,
        per_commit,
    )
    .await?;
    let mut figures = Figures::default();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for round in 0..rounds {
        let mut pending: Vec<usize> = (0..cli.runs).map(|k| round * cli.runs + k).collect();
        let mut attempt = 0;
        while !pending.is_empty() {
            attempt += 1;
            if attempt > cli.max_attempts {
                figures.violations.push(format!(
                    "round {round}: runs {pending:?} did not converge after {} attempts",
                    cli.max_attempts
                ));
                break;
            }
            // The last attempts run without faults: convergence is what is
            // checked, not luck.
            let faulty = attempt + 2 < cli.max_attempts;
            let tasks: Vec<_> = pending
                .iter()
                .map(|&run| {
                    let faults = if faulty {
                        RunFaults::draw(&mut rng, cli.fault_rate)
                    } else {
                        RunFaults::default()
                    };
                    let world = world.clone();
                    tokio::spawn(async move { (run, faults, world.release(run, faults).await) })
                })
                .collect();
            let queued = if faulty {
                world.inject_service_faults(&mut rng, cli.fault_rate, pending.len())
            } else {
                (0, 0)
            };
            let mut next = Vec::new();
            for t in tasks {
                let (run, faults, outcome) = t.await?;
                figures.attempts += 1;
                faults.count(&mut figures.faults);
                match outcome? {
                    Outcome::Published => {}
                    Outcome::Conflict => {
                        figures.conflicts += 1;
                        next.push(run);
                    }
                    Outcome::Failed(why) => {
                        figures.failures += 1;
                        if figures.failure_samples.len() < 3 {
                            figures.failure_samples.push(why);
                        }
                        next.push(run);
                    }
                }
            }
            // Only the faults a request actually received count.
            let left = world.clear_service_faults();
            *figures.faults.entry("GitHub 5xx/429").or_default() += queued.0 - left.0;
            *figures.faults.entry("GCS 503").or_default() += queued.1 - left.1;
            pending = next;
        }
        figures.runs += cli.runs;
        // Invariant 2 after every round: nothing published changes.
        for (name, sha) in world.release_objects().await? {
            match seen.get(&name) {
                Some(old) if *old != sha => figures
                    .violations
                    .push(format!("{name} changed after publication")),
                _ => {
                    seen.insert(name, sha);
                }
            }
        }
    }
    let last: std::collections::BTreeSet<String> = world
        .release_objects()
        .await?
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    for name in seen.keys() {
        if !last.contains(name) {
            figures
                .violations
                .push(format!("{name} was deleted after publication"));
        }
    }
    figures
        .violations
        .extend(world.check_final(rounds * cli.runs).await?);
    Ok(figures)
}

fn print_figures((mode, per_commit): (Mode, bool), cli: &Cli, f: &Figures, took: Duration) {
    let name = match mode {
        Mode::GithubGcs => "fake GitHub + fake GCS",
        Mode::GitFile => "git remote + file store",
        Mode::Both => "both",
    };
    let ws = match per_commit {
        true => "one store workspace per commit, two jobs per commit, whole-job re-runs",
        false => "a workspace folder per attempt, tagger-only re-runs",
    };
    println!(
        "== {name}, {ws}: {} rounds of {} concurrent runs, fault rate {}",
        cli.rounds_of(per_commit),
        cli.runs,
        cli.fault_rate
    );
    println!(
        "runs: {} released, {} attempts ({} lost the version race, {} failed and were re-run)",
        f.runs, f.attempts, f.conflicts, f.failures
    );
    for s in &f.failure_samples {
        println!("  e.g. {s}");
    }
    let faults: Vec<String> = f.faults.iter().map(|(k, v)| format!("{k} {v}")).collect();
    println!(
        "faults injected: {} ({})",
        f.faults.values().sum::<usize>(),
        faults.join(", ")
    );
    println!("invariant violations: {}", f.violations.len());
    for v in &f.violations {
        println!("  VIOLATION: {v}");
    }
    println!("took {:.1}s\n", took.as_secs_f64());
}

impl RunFaults {
    fn draw(rng: &mut StdRng, rate: f64) -> RunFaults {
        let kill_builder = rng
            .random_bool(rate / 2.0)
            .then(|| Duration::from_millis(rng.random_range(0..400)));
        RunFaults {
            kill_builder,
            kill_tagger_after_tag: kill_builder.is_none() && rng.random_bool(rate / 2.0),
        }
    }

    fn count(&self, into: &mut BTreeMap<&'static str, usize>) {
        if self.kill_builder.is_some() {
            *into.entry("builder killed midway").or_default() += 1;
        }
        if self.kill_tagger_after_tag {
            *into
                .entry("tagger killed between tag and manifest")
                .or_default() += 1;
        }
    }
}
