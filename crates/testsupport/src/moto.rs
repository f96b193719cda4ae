//! The real S3 emulator for tests: moto's server (`moto[server]` from PyPI),
//! started on a free port of 127.0.0.1 and killed on drop.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// Access key moto accepts (it accepts any).
pub const ACCESS_KEY_ID: &str = "test";
/// Secret key paired with [`ACCESS_KEY_ID`].
pub const SECRET_ACCESS_KEY: &str = "test";
/// Region the tests use.
pub const REGION: &str = "us-east-1";

/// How long moto may take to answer after it is started.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// A running `moto_server`. Dropping it kills the process.
pub struct MotoServer {
    child: Child,
    port: u16,
    // Holds moto's log (it logs every request; a pipe nobody reads would
    // fill up and block it) until the server is dropped.
    _log_dir: tempfile::TempDir,
}

impl std::fmt::Debug for MotoServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MotoServer")
            .field("endpoint", &self.endpoint())
            .finish()
    }
}

impl MotoServer {
    /// Finds `moto_server` (env `MOTO_SERVER`, else the workspace's
    /// `.venv/bin/moto_server`, else `PATH`), starts it and waits until it
    /// answers HTTP.
    pub fn start() -> anyhow::Result<MotoServer> {
        let program = find_moto_server()?;
        // The free port is found by binding and releasing it, so another
        // process can take it in between: then moto exits and we try again.
        let mut last_err = None;
        for _ in 0..3 {
            match start_on_free_port(&program) {
                Ok(server) => return Ok(server),
                Err(e) => last_err = Some(e),
            }
        }
        Err(last_err.unwrap_or_else(|| anyhow::anyhow!("moto_server did not start")))
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Environment for a subprocess that should use this server through the
    /// usual AWS variables (object_store's `AmazonS3Builder::from_env`).
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID.to_string()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY.to_string()),
            ("AWS_REGION", REGION.to_string()),
            ("AWS_ALLOW_HTTP", "true".to_string()),
        ]
    }

    /// Creates a bucket (plain `PUT /<bucket>`). Panics with moto's answer if
    /// it is refused: this is test setup, and the test cannot go on without it.
    pub fn create_bucket(&self, name: &str) {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let request = format!(
            "PUT /{name} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        );
        let answer = http_exchange(addr, &request, Duration::from_secs(10))
            .unwrap_or_else(|e| panic!("creating bucket {name} on moto: {e:#}"));
        let status_ok = answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200");
        assert!(status_ok, "moto refused to create bucket {name}: {answer}");
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find_moto_server() -> anyhow::Result<PathBuf> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/moto_server");
    find_in(
        std::env::var_os("MOTO_SERVER"),
        &venv,
        std::env::var_os("PATH"),
    )
}

/// The lookup of [`find_moto_server`], with its inputs as arguments.
fn find_in(
    explicit: Option<std::ffi::OsString>,
    venv: &Path,
    path: Option<std::ffi::OsString>,
) -> anyhow::Result<PathBuf> {
    if let Some(p) = explicit.filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        if !is_executable(&p) {
            bail!(
                "MOTO_SERVER is {}, which is not an executable file; point it at moto_server or unset it",
                p.display()
            );
        }
        return Ok(p);
    }
    if is_executable(venv) {
        return Ok(venv.to_path_buf());
    }
    if let Some(path) = path {
        for dir in std::env::split_paths(&path) {
            let p = dir.join("moto_server");
            if is_executable(&p) {
                return Ok(p);
            }
        }
    }
    bail!(
        "moto_server not found (looked at $MOTO_SERVER, {}, and PATH): run `make deps` \
         (installs a Python venv with moto[server]) or `.ci/moto-venv.sh`",
        venv.display()
    )
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn start_on_free_port(program: &Path) -> anyhow::Result<MotoServer> {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .context("finding a free port on 127.0.0.1")?
        .port();
    let log_dir = tempfile::tempdir().context("creating a folder for moto's log")?;
    let log_path = log_dir.path().join("moto.log");
    let log = std::fs::File::create(&log_path).context("creating moto's log file")?;
    let child = Command::new(program)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(log.try_clone().context("sharing moto's log file")?)
        .stderr(log)
        .spawn()
        .with_context(|| format!("starting {}", program.display()))?;
    let mut server = MotoServer {
        child,
        port,
        _log_dir: log_dir,
    };
    wait_ready(&mut server, &log_path)?;
    Ok(server)
}

/// Polls (bounded) until moto answers an HTTP request.
fn wait_ready(server: &mut MotoServer, log_path: &Path) -> anyhow::Result<()> {
    let addr = SocketAddr::from(([127, 0, 0, 1], server.port));
    let deadline = Instant::now() + READY_TIMEOUT;
    let request = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    loop {
        if let Some(status) = server.child.try_wait().context("checking on moto_server")? {
            let log = std::fs::read_to_string(log_path).unwrap_or_default();
            bail!("moto_server exited ({status}) before answering; its output:\n{log}");
        }
        if let Ok(answer) = http_exchange(addr, request, Duration::from_secs(2))
            && answer.starts_with("HTTP/")
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(log_path).unwrap_or_default();
            bail!(
                "moto_server did not answer on {addr} within {}s; its output:\n{log}",
                READY_TIMEOUT.as_secs()
            );
        }
        // Readiness polling of a port (not synchronisation of test logic).
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sends one raw HTTP/1.1 request and returns the whole answer as text.
fn http_exchange(addr: SocketAddr, request: &str, timeout: Duration) -> anyhow::Result<String> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    stream.write_all(request.as_bytes())?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn lookup_order_and_the_not_found_message() {
        let dir = tempfile::tempdir().unwrap();
        let venv = dir.path().join("venv/bin/moto_server");
        let on_path = dir.path().join("bin");
        std::fs::create_dir_all(&on_path).unwrap();

        let e = find_in(None, &venv, Some(on_path.clone().into_os_string())).unwrap_err();
        let msg = format!("{e:#}");
        assert!(
            msg.contains("make deps") && msg.contains("moto[server]"),
            "{msg}"
        );

        let exe = |p: &Path| {
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "#!/bin/sh\n").unwrap();
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
        };
        exe(&on_path.join("moto_server"));
        let found = find_in(None, &venv, Some(on_path.clone().into_os_string())).unwrap();
        assert_eq!(found, on_path.join("moto_server"));
        exe(&venv);
        let found = find_in(None, &venv, Some(on_path.clone().into_os_string())).unwrap();
        assert_eq!(found, venv);
        let explicit = dir.path().join("explicit");
        exe(&explicit);
        let found = find_in(Some(explicit.clone().into_os_string()), &venv, None).unwrap();
        assert_eq!(found, explicit);

        let e = find_in(Some(dir.path().join("nope").into_os_string()), &venv, None).unwrap_err();
        assert!(e.to_string().contains("MOTO_SERVER"), "{e}");
    }

    #[test]
    fn a_started_server_answers_and_creates_buckets() {
        let moto = MotoServer::start().expect("moto_server (run .ci/moto-venv.sh)");
        assert!(moto.endpoint().starts_with("http://127.0.0.1:"));
        moto.create_bucket("some-bucket");
        let port = moto.port;
        drop(moto);
        // Killed on drop: the port stops answering.
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        assert!(TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err());
    }
}
