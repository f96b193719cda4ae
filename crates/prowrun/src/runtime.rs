//! How a planned container is started: as a local process (runtime
//! `local`) or with a container engine (`buildah`, `podman`, `docker`).
//! Pure: builds the commands, runs nothing.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::pod::ContainerPlan;
use crate::rewrite::{PathMap, map_paths};

/// What runs the containers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    /// Each container's command is this workspace's binary, run as a local
    /// process; the pod's paths are rewritten to host folders.
    Local,
    /// `buildah from` + `buildah run --isolation chroot` (no daemon).
    Buildah,
    /// `podman run` with runc.
    Podman,
    /// `docker run`.
    Docker,
}

impl Runtime {
    /// The option's value.
    pub fn as_str(&self) -> &'static str {
        match self {
            Runtime::Local => "local",
            Runtime::Buildah => "buildah",
            Runtime::Podman => "podman",
            Runtime::Docker => "docker",
        }
    }
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Runtime {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "local" => Ok(Runtime::Local),
            "buildah" => Ok(Runtime::Buildah),
            "podman" => Ok(Runtime::Podman),
            "docker" => Ok(Runtime::Docker),
            _ => Err(format!(
                "unknown runtime {s:?}: use local, buildah, podman or docker"
            )),
        }
    }
}

/// One process to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cmd {
    /// The program.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// Its environment (the only variables it gets).
    pub env: Vec<(String, String)>,
    /// Its working directory.
    pub cwd: Option<PathBuf>,
}

impl Cmd {
    fn engine(program: &str, args: Vec<String>, host_env: &[(String, String)]) -> Cmd {
        Cmd {
            program: program.into(),
            args,
            env: host_env.to_vec(),
            cwd: None,
        }
    }

    /// The command line, for logs and tests.
    pub fn display(&self) -> String {
        std::iter::once(self.program.to_string_lossy().into_owned())
            .chain(self.args.iter().cloned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// How one container is started: `setup` in order, then `run` (at the same
/// time as the other containers' `run`), then `cleanup`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launch {
    /// Before (e.g. `buildah from`).
    pub setup: Vec<Cmd>,
    /// The container's process; its output is the container's log.
    pub run: Cmd,
    /// After it exits (e.g. `buildah rm`).
    pub cleanup: Vec<Cmd>,
}

/// What every launch of one run shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchContext {
    /// Names the engine containers: `<run_name>-<container>`.
    pub run_name: String,
    /// Runtime `local`: where the tool binaries are.
    pub bin_dir: PathBuf,
    /// Runtime `local`: the working directory when the pod sets none.
    pub default_cwd: PathBuf,
    /// Variables of this machine passed on (PATH, HOME...): to local
    /// processes, and to the engines themselves.
    pub host_env: Vec<(String, String)>,
    /// buildah's storage driver (default `vfs`).
    pub buildah_storage_driver: String,
}

/// Why a container cannot be launched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LaunchError {
    /// Runtime local needs a command to know which binary to run.
    #[error(
        "container {0} has no command: runtime local runs the binary the command names; give the container a command"
    )]
    NoCommand(String),
    /// The binary is not built.
    #[error(
        "container {container}: {} does not exist; build the tools first (cargo build --workspace --bins) or pass --bin-dir",
        path.display()
    )]
    MissingBinary {
        /// The container.
        container: String,
        /// The binary looked for.
        path: PathBuf,
    },
}

/// Builds the commands that start `plan` with `runtime`.
pub fn launch(
    runtime: Runtime,
    plan: &ContainerPlan,
    ctx: &LaunchContext,
) -> Result<Launch, LaunchError> {
    match runtime {
        Runtime::Local => local(plan, ctx),
        Runtime::Podman | Runtime::Docker => Ok(engine_run(runtime, plan, ctx)),
        Runtime::Buildah => Ok(buildah(plan, ctx)),
    }
}

/// The variable (and value) of `packagebuild-deb --allow-foreign-target`,
/// set for every process of runtime local.
pub const ALLOW_FOREIGN_TARGET: (&str, &str) = ("PACKAGEBUILD_ALLOW_FOREIGN_TARGET", "true");

fn local(plan: &ContainerPlan, ctx: &LaunchContext) -> Result<Launch, LaunchError> {
    let maps: Vec<PathMap> = plan
        .mounts
        .iter()
        .map(|m| PathMap {
            pod: m.pod.clone(),
            host: m.host.clone(),
        })
        .collect();
    let first = plan
        .command
        .first()
        .ok_or_else(|| LaunchError::NoCommand(plan.name.clone()))?;
    let binary = Path::new(first)
        .file_name()
        .map(|b| ctx.bin_dir.join(b))
        .ok_or_else(|| LaunchError::NoCommand(plan.name.clone()))?;
    if !binary.is_file() {
        return Err(LaunchError::MissingBinary {
            container: plan.name.clone(),
            path: binary,
        });
    }
    let args = plan.command[1..]
        .iter()
        .chain(&plan.args)
        .map(|a| map_paths(a, &maps))
        .collect();
    let mut env = ctx.host_env.clone();
    // Every image's command runs on this one host: a builder-deb11
    // container's build makes this host's Debian packages, which
    // packagebuild-deb refuses unless told (it records the host in its
    // result, so the emulation stays visible).
    env.push((ALLOW_FOREIGN_TARGET.0.into(), ALLOW_FOREIGN_TARGET.1.into()));
    for (k, v) in &plan.env {
        env.retain(|(x, _)| x != k);
        env.push((k.clone(), map_paths(v, &maps)));
    }
    let cwd = match &plan.working_dir {
        Some(w) => PathBuf::from(map_paths(w, &maps)),
        None => ctx.default_cwd.clone(),
    };
    Ok(Launch {
        setup: vec![],
        run: Cmd {
            program: binary,
            args,
            env,
            cwd: Some(cwd),
        },
        cleanup: vec![],
    })
}

fn volume_arg(m: &crate::pod::Mount) -> String {
    let ro = if m.read_only { ":ro" } else { "" };
    format!("{}:{}{ro}", m.host.display(), m.pod)
}

fn engine_run(runtime: Runtime, plan: &ContainerPlan, ctx: &LaunchContext) -> Launch {
    let name = format!("{}-{}", ctx.run_name, plan.name);
    let mut args: Vec<String> = vec![
        "run".into(),
        "--rm".into(),
        "--name".into(),
        name,
        "--pull=never".into(),
    ];
    if runtime == Runtime::Podman {
        // testing.md: the default runtime crun fails on this kernel's hybrid
        // cgroups; podman needs these limits with runc.
        args.extend(
            [
                "--runtime",
                "/usr/sbin/runc",
                "--ulimit",
                "nofile=1024:1024",
                "--ulimit",
                "nproc=1024:1024",
            ]
            .map(String::from),
        );
    }
    for m in &plan.mounts {
        args.push("-v".into());
        args.push(volume_arg(m));
    }
    if let Some(w) = &plan.working_dir {
        args.push("-w".into());
        args.push(w.clone());
    }
    for (k, v) in &plan.env {
        args.push("-e".into());
        args.push(format!("{k}={v}"));
    }
    if let Some(first) = plan.command.first() {
        args.push("--entrypoint".into());
        args.push(first.clone());
    }
    args.push(plan.image.clone());
    args.extend(plan.command.iter().skip(1).cloned());
    args.extend(plan.args.iter().cloned());
    Launch {
        setup: vec![],
        run: Cmd::engine(runtime.as_str(), args, &ctx.host_env),
        cleanup: vec![],
    }
}

fn buildah(plan: &ContainerPlan, ctx: &LaunchContext) -> Launch {
    let name = format!("{}-{}", ctx.run_name, plan.name);
    let driver = [
        "--storage-driver".to_owned(),
        ctx.buildah_storage_driver.clone(),
    ];
    let with_driver =
        |rest: Vec<String>| -> Vec<String> { driver.iter().cloned().chain(rest).collect() };
    let setup = Cmd::engine(
        "buildah",
        with_driver(vec![
            "from".into(),
            "--pull=never".into(),
            "--name".into(),
            name.clone(),
            plan.image.clone(),
        ]),
        &ctx.host_env,
    );
    let mut args = vec!["run".to_owned(), "--isolation".into(), "chroot".into()];
    for m in &plan.mounts {
        args.push("-v".into());
        args.push(volume_arg(m));
    }
    if let Some(w) = &plan.working_dir {
        args.push("--workingdir".into());
        args.push(w.clone());
    }
    for (k, v) in &plan.env {
        args.push("-e".into());
        args.push(format!("{k}={v}"));
    }
    args.push(name.clone());
    args.push("--".into());
    args.extend(plan.command.iter().cloned());
    args.extend(plan.args.iter().cloned());
    Launch {
        setup: vec![setup],
        run: Cmd::engine("buildah", with_driver(args), &ctx.host_env),
        cleanup: vec![Cmd::engine(
            "buildah",
            with_driver(vec!["rm".into(), name]),
            &ctx.host_env,
        )],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pod::Mount;

    fn plan() -> ContainerPlan {
        ContainerPlan {
            name: "build-deb12".into(),
            image: "us-docker.pkg.dev/gcp-guest/release/builder-deb12:v1".into(),
            command: vec!["packagebuild-deb".into()],
            args: vec![
                "--workspace".into(),
                "/workspace".into(),
                "--stage".into(),
                "/srv/bucket/staging/7/deb12".into(),
            ],
            env: vec![
                ("BUILD_ID".into(), "7".into()),
                ("ARTIFACTS".into(), "/logs/artifacts".into()),
            ],
            working_dir: Some("/home/prow/go/src/github.com/o/r".into()),
            mounts: vec![
                Mount {
                    pod: "/logs/artifacts".into(),
                    host: "/out/j/7/artifacts".into(),
                    read_only: false,
                },
                Mount {
                    pod: "/home/prow/go".into(),
                    host: "/tmp/s/go".into(),
                    read_only: false,
                },
                Mount {
                    pod: "/workspace".into(),
                    host: "/out/j/7/volumes/workspace".into(),
                    read_only: false,
                },
                Mount {
                    pod: "/etc/secret".into(),
                    host: "/home/me/secret".into(),
                    read_only: true,
                },
            ],
        }
    }

    fn ctx(bin_dir: &Path) -> LaunchContext {
        LaunchContext {
            run_name: "pj-7".into(),
            bin_dir: bin_dir.into(),
            default_cwd: "/tmp/s".into(),
            host_env: vec![("PATH".into(), "/usr/bin:/bin".into())],
            buildah_storage_driver: "vfs".into(),
        }
    }

    #[test]
    fn local_rewrites_pod_paths() {
        let bin = tempfile::tempdir().unwrap();
        std::fs::write(bin.path().join("packagebuild-deb"), "").unwrap();
        let l = launch(Runtime::Local, &plan(), &ctx(bin.path())).unwrap();
        assert_eq!(l.run.program, bin.path().join("packagebuild-deb"));
        assert_eq!(
            l.run.args,
            [
                "--workspace",
                "/out/j/7/volumes/workspace",
                "--stage",
                "/srv/bucket/staging/7/deb12"
            ]
        );
        assert_eq!(
            l.run.env,
            [
                ("PATH".to_string(), "/usr/bin:/bin".to_string()),
                ("PACKAGEBUILD_ALLOW_FOREIGN_TARGET".into(), "true".into()),
                ("BUILD_ID".into(), "7".into()),
                ("ARTIFACTS".into(), "/out/j/7/artifacts".into())
            ]
        );
        assert_eq!(l.run.cwd, Some("/tmp/s/go/src/github.com/o/r".into()));
    }

    #[test]
    fn local_needs_the_binary() {
        let bin = tempfile::tempdir().unwrap();
        let e = launch(Runtime::Local, &plan(), &ctx(bin.path())).unwrap_err();
        assert!(matches!(e, LaunchError::MissingBinary { .. }), "{e}");
        let mut p = plan();
        p.command.clear();
        let e = launch(Runtime::Local, &p, &ctx(bin.path())).unwrap_err();
        assert_eq!(e, LaunchError::NoCommand("build-deb12".into()));
    }

    #[test]
    fn engine_command_lines() {
        let c = ctx(Path::new("/nowhere"));
        let show = |r| {
            let l = launch(r, &plan(), &c).unwrap();
            l.setup
                .iter()
                .chain([&l.run])
                .chain(&l.cleanup)
                .map(Cmd::display)
                .collect::<Vec<_>>()
                .join("\n")
        };
        insta::assert_snapshot!(show(Runtime::Podman), @"podman run --rm --name pj-7-build-deb12 --pull=never --runtime /usr/sbin/runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 -v /out/j/7/artifacts:/logs/artifacts -v /tmp/s/go:/home/prow/go -v /out/j/7/volumes/workspace:/workspace -v /home/me/secret:/etc/secret:ro -w /home/prow/go/src/github.com/o/r -e BUILD_ID=7 -e ARTIFACTS=/logs/artifacts --entrypoint packagebuild-deb us-docker.pkg.dev/gcp-guest/release/builder-deb12:v1 --workspace /workspace --stage /srv/bucket/staging/7/deb12");
        insta::assert_snapshot!(show(Runtime::Docker), @"docker run --rm --name pj-7-build-deb12 --pull=never -v /out/j/7/artifacts:/logs/artifacts -v /tmp/s/go:/home/prow/go -v /out/j/7/volumes/workspace:/workspace -v /home/me/secret:/etc/secret:ro -w /home/prow/go/src/github.com/o/r -e BUILD_ID=7 -e ARTIFACTS=/logs/artifacts --entrypoint packagebuild-deb us-docker.pkg.dev/gcp-guest/release/builder-deb12:v1 --workspace /workspace --stage /srv/bucket/staging/7/deb12");
        insta::assert_snapshot!(show(Runtime::Buildah), @r"
        buildah --storage-driver vfs from --pull=never --name pj-7-build-deb12 us-docker.pkg.dev/gcp-guest/release/builder-deb12:v1
        buildah --storage-driver vfs run --isolation chroot -v /out/j/7/artifacts:/logs/artifacts -v /tmp/s/go:/home/prow/go -v /out/j/7/volumes/workspace:/workspace -v /home/me/secret:/etc/secret:ro --workingdir /home/prow/go/src/github.com/o/r -e BUILD_ID=7 -e ARTIFACTS=/logs/artifacts pj-7-build-deb12 -- packagebuild-deb --workspace /workspace --stage /srv/bucket/staging/7/deb12
        buildah --storage-driver vfs rm pj-7-build-deb12
        ");
    }

    #[test]
    fn runtime_names() {
        for r in [
            Runtime::Local,
            Runtime::Buildah,
            Runtime::Podman,
            Runtime::Docker,
        ] {
            assert_eq!(r.as_str().parse::<Runtime>(), Ok(r));
        }
        assert!("kind".parse::<Runtime>().is_err());
    }
}
