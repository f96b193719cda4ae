//! Starting every container at once, streaming their logs, waiting.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

use serde::Serialize;

use crate::Sink;
use crate::runtime::{Cmd, Launch};

/// How one container ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContainerResult {
    /// The container.
    pub name: String,
    /// Its exit code (`None`: it did not start, or a signal ended it).
    pub exit_code: Option<i32>,
    /// Whether it exited 0.
    pub passed: bool,
    /// Wall time.
    pub seconds: f64,
    /// Its build log.
    pub log: PathBuf,
}

/// Writes a line to the shared output, prefixed.
pub(crate) fn say(sink: &Sink, prefix: &str, line: &str) {
    if let Ok(mut w) = sink.lock() {
        let _ = writeln!(w, "[{prefix}] {line}");
        let _ = w.flush();
    }
}

fn command(c: &Cmd) -> Command {
    let mut cmd = Command::new(&c.program);
    cmd.args(&c.args).env_clear().envs(c.env.iter().cloned());
    if let Some(d) = &c.cwd {
        cmd.current_dir(d);
    }
    cmd.stdin(Stdio::null());
    cmd
}

struct Running {
    name: String,
    child: Option<std::process::Child>,
    reader: Option<JoinHandle<()>>,
    log: Arc<Mutex<std::fs::File>>,
    log_path: PathBuf,
    start: Instant,
    failed_early: bool,
}

fn log_line(log: &Arc<Mutex<std::fs::File>>, line: &str) {
    if let Ok(mut f) = log.lock() {
        let _ = writeln!(f, "{line}");
    }
}

/// Runs every container's setup, then starts all of them at once, streams
/// each one's output (stdout and stderr, merged as Prow's log does) to its
/// log file and to `sink` prefixed `[name] `, waits for all, and runs the
/// cleanups.
pub(crate) fn run_all(
    launches: &[(String, Launch)],
    log_path: impl Fn(&str) -> PathBuf,
    sink: &Sink,
) -> std::io::Result<Vec<ContainerResult>> {
    let mut running = Vec::new();
    for (name, launch) in launches {
        let path = log_path(name);
        let log = Arc::new(Mutex::new(std::fs::File::create(&path)?));
        let mut r = Running {
            name: name.clone(),
            child: None,
            reader: None,
            log,
            log_path: path,
            start: Instant::now(),
            failed_early: false,
        };
        for s in &launch.setup {
            match command(s).output() {
                Ok(o) if o.status.success() => {}
                Ok(o) => {
                    let msg = format!(
                        "setup failed ({}): {}",
                        s.display(),
                        String::from_utf8_lossy(&o.stderr).trim()
                    );
                    log_line(&r.log, &msg);
                    say(sink, name, &msg);
                    r.failed_early = true;
                    break;
                }
                Err(e) => {
                    let msg = format!("cannot run {}: {e}", s.program.display());
                    log_line(&r.log, &msg);
                    say(sink, name, &msg);
                    r.failed_early = true;
                    break;
                }
            }
        }
        running.push(r);
    }
    // Start them all before waiting for any.
    for (r, (_, launch)) in running.iter_mut().zip(launches) {
        if r.failed_early {
            continue;
        }
        r.start = Instant::now();
        match spawn(&launch.run, &r.name, &r.log, sink) {
            Ok((child, reader)) => {
                r.child = Some(child);
                r.reader = Some(reader);
            }
            Err(e) => {
                let msg = format!("cannot start {}: {e}", launch.run.program.display());
                log_line(&r.log, &msg);
                say(sink, &r.name, &msg);
                r.failed_early = true;
            }
        }
    }
    let mut results = Vec::new();
    for (r, (_, launch)) in running.into_iter().zip(launches) {
        let mut exit_code = None;
        if let Some(mut child) = r.child {
            match child.wait() {
                Ok(status) => exit_code = status.code(),
                Err(e) => say(sink, &r.name, &format!("cannot wait for it: {e}")),
            }
        }
        if let Some(reader) = r.reader {
            let _ = reader.join();
        }
        let seconds = r.start.elapsed().as_secs_f64();
        for c in &launch.cleanup {
            if let Ok(o) = command(c).output()
                && !o.status.success()
            {
                say(
                    sink,
                    &r.name,
                    &format!(
                        "cleanup failed ({}): {}",
                        c.display(),
                        String::from_utf8_lossy(&o.stderr).trim()
                    ),
                );
            }
        }
        results.push(ContainerResult {
            name: r.name,
            exit_code,
            passed: exit_code == Some(0) && !r.failed_early,
            seconds: (seconds * 1000.0).round() / 1000.0,
            log: r.log_path,
        });
    }
    Ok(results)
}

fn spawn(
    cmd: &Cmd,
    name: &str,
    log: &Arc<Mutex<std::fs::File>>,
    sink: &Sink,
) -> std::io::Result<(std::process::Child, JoinHandle<()>)> {
    let (reader, writer) = std::io::pipe()?;
    let child = {
        let mut c = command(cmd);
        c.stdout(writer.try_clone()?).stderr(writer);
        c.spawn()?
        // `c` (holding the write ends) is dropped here, so the reader sees
        // the end of the output when the child exits.
    };
    let (name, log, sink) = (name.to_owned(), log.clone(), sink.clone());
    let handle = std::thread::spawn(move || {
        let mut r = BufReader::new(reader);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match r.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let line = String::from_utf8_lossy(&buf);
                    let line = line.trim_end_matches(['\n', '\r']);
                    log_line(&log, line);
                    say(&sink, &name, line);
                }
            }
        }
    });
    Ok((child, handle))
}

/// The build log's file name: `build-log.txt` for a single container,
/// else `<name>-build-log.txt`.
pub fn log_file_name(name: &str, containers: usize) -> String {
    if containers == 1 {
        "build-log.txt".into()
    } else {
        format!("{name}-build-log.txt")
    }
}
