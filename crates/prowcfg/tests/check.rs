//! Every rule of `check` against a broken copy of a valid config: one
//! mutation per rule, and the exact problems it gives (snapshot
//! `check__rules.snap`). The valid config gives none.

use std::path::Path;

use prowcfg::{Config, check};
use serde_yaml_ng::Value;

/// A production-shaped config: a preset (which the release job does not
/// use: its builders must not see the token), a release postsubmit whose
/// trusted steps mount the token themselves, and a presubmit build.
const BASE: &str = r#"
presets:
- labels:
    preset-token: "true"
  env:
  - {name: GITHUB_ACCESS_TOKEN, value: /etc/github-access-token/token.txt}
  volumes:
  - name: github-access-token
    secret: {secretName: github-access-token}
  volumeMounts:
  - {name: github-access-token, mountPath: /etc/github-access-token, readOnly: true}
postsubmits:
  o/r:
  - name: r-release
    decorate: true
    max_concurrency: 1
    branches: [^master$]
    labels:
      team: guest-os
    spec:
      containers:
      - name: version-gen
        image: us-docker.pkg.dev/gcp-guest/release/version-gen:v1
        command: [version-gen]
        args: [--forge, github, --workspace, /workspace]
        resources:
          requests: {cpu: 100m, memory: 128Mi}
        volumeMounts:
        - {name: workspace, mountPath: /workspace}
        - {name: github-access-token, mountPath: /etc/github-access-token, readOnly: true}
        env:
        - {name: GITHUB_ACCESS_TOKEN, value: /etc/github-access-token/token.txt}
      - name: build-deb12
        image: us-docker.pkg.dev/gcp-guest/release/builder-deb12:v1
        command: [packagebuild-deb]
        args: [--workspace, /workspace, --target, deb12, --stage, "gs://s/r/$(BUILD_ID)/deb12"]
        volumeMounts:
        - {name: workspace, mountPath: /workspace}
      - name: build-el9
        image: us-docker.pkg.dev/gcp-guest/release/builder-el9:v1
        command: [packagebuild-rpm]
        args: [--workspace, /workspace, --target, el9, --dist, el9, --stage, "gs://s/r/$(BUILD_ID)/el9"]
        volumeMounts:
        - {name: workspace, mountPath: /workspace}
      - name: repo-tagger
        image: us-docker.pkg.dev/gcp-guest/release/repo-tagger:v1
        command: [repo-tagger]
        args: [--forge, github, --workspace, /workspace, --expect, "deb12,el9", --publish, "gs://releases/r", --stage-root, "gs://s/r/$(BUILD_ID)"]
        volumeMounts:
        - {name: workspace, mountPath: /workspace}
        - {name: github-access-token, mountPath: /etc/github-access-token, readOnly: true}
        env:
        - {name: GITHUB_ACCESS_TOKEN, value: /etc/github-access-token/token.txt}
      volumes:
      - name: workspace
        emptyDir: {}
      - name: github-access-token
        secret: {secretName: github-access-token}
presubmits:
  o/r:
  - name: r-packagebuild
    decorate: true
    branches: [^master$]
    run_if_changed: ^packaging/
    trigger: '(?m)^/packagebuild\s*$'
    rerun_command: /packagebuild
    spec:
      containers:
      - name: version-gen
        image: us-docker.pkg.dev/gcp-guest/release/version-gen:v1
        command: [version-gen]
        args: [--dev, --workspace, /workspace]
        volumeMounts:
        - {name: workspace, mountPath: /workspace}
      - name: build-deb12
        image: us-docker.pkg.dev/gcp-guest/release/builder-deb12:v1
        command: [packagebuild-deb]
        args: [--workspace, /workspace, --target, deb12]
        volumeMounts:
        - {name: workspace, mountPath: /workspace}
      volumes:
      - name: workspace
        emptyDir: {}
"#;

const IMAGES: [&str; 4] = ["version-gen", "repo-tagger", "builder-deb12", "builder-el9"];

/// The config and `containers/` trees of one case.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new(files: &[(&str, String)]) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let p = dir.path().join("jobs").join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        for image in IMAGES {
            let d = dir.path().join("containers").join(image);
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join("Dockerfile"), "FROM scratch\n").unwrap();
        }
        Fixture { dir }
    }

    /// The problems, with paths relative to the fixture.
    fn problems(&self) -> Vec<String> {
        let config = Config::load(&self.dir.path().join("jobs")).unwrap_or_else(|e| panic!("{e}"));
        check(&config, &self.dir.path().join("containers"))
            .iter()
            .map(|p| {
                p.to_string()
                    .replace(&format!("{}/", self.dir.path().display()), "")
            })
            .collect()
    }
}

fn base() -> Value {
    serde_yaml_ng::from_str(BASE).unwrap()
}

/// The value at `path` (map keys, or sequence indexes as numbers).
fn at<'a>(v: &'a mut Value, path: &[&str]) -> &'a mut Value {
    let mut cur = v;
    for seg in path {
        cur = match cur {
            Value::Sequence(s) => &mut s[seg.parse::<usize>().unwrap()],
            Value::Mapping(m) => m
                .get_mut(*seg)
                .unwrap_or_else(|| panic!("no key {seg} in {path:?}")),
            _ => panic!("cannot go into {seg} of {path:?}"),
        };
    }
    cur
}

fn set(v: &mut Value, path: &[&str], yaml: &str) {
    let (last, parent) = path.split_last().unwrap();
    let new: Value = serde_yaml_ng::from_str(yaml).unwrap();
    match at(v, parent) {
        Value::Mapping(m) => {
            m.insert(Value::from(*last), new);
        }
        Value::Sequence(s) => s[last.parse::<usize>().unwrap()] = new,
        _ => panic!("cannot set {path:?}"),
    }
}

fn remove(v: &mut Value, path: &[&str]) {
    let (last, parent) = path.split_last().unwrap();
    match at(v, parent) {
        Value::Mapping(m) => {
            m.remove(*last).unwrap_or_else(|| panic!("no {path:?}"));
        }
        Value::Sequence(s) => {
            s.remove(last.parse::<usize>().unwrap());
        }
        _ => panic!("cannot remove {path:?}"),
    }
}

fn push(v: &mut Value, path: &[&str], yaml: &str) {
    let new: Value = serde_yaml_ng::from_str(yaml).unwrap();
    match at(v, path) {
        Value::Sequence(s) => s.push(new),
        _ => panic!("{path:?} is not a list"),
    }
}

const REL: [&str; 3] = ["postsubmits", "o/r", "0"];
const PRE: [&str; 3] = ["presubmits", "o/r", "0"];

fn rel<'a>(rest: &[&'a str]) -> Vec<&'a str> {
    REL.iter().chain(rest).copied().collect()
}

fn pre<'a>(rest: &[&'a str]) -> Vec<&'a str> {
    PRE.iter().chain(rest).copied().collect()
}

fn c<'a>(i: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    rel(&[&["spec", "containers", i][..], rest].concat())
}

const PERIODIC: &str = r#"
name: r-nightly
decorate: true
interval: 24h
spec:
  containers:
  - name: version-gen
    image: us-docker.pkg.dev/gcp-guest/release/version-gen:v1
    command: [version-gen]
    args: [--dev, --workspace, /workspace]
    volumeMounts:
    - {name: workspace, mountPath: /workspace}
  volumes:
  - name: workspace
    emptyDir: {}
"#;

type Mutation = Box<dyn Fn(&mut Value)>;

/// The release job's repo-tagger without the token it mounts, to copy into
/// a pod that has no such volume.
fn tagger_alone(v: &mut Value) -> Value {
    let mut t = at(v, &c("3", &[])).clone();
    remove(&mut t, &["env"]);
    remove(&mut t, &["volumeMounts", "1"]);
    t
}

fn cases() -> Vec<(&'static str, Mutation)> {
    vec![
        // --- Prow's load-time rules ---
        (
            "name not matching the pattern",
            Box::new(|v| set(v, &rel(&["name"]), "r release!")),
        ),
        (
            "name over 63 characters",
            Box::new(|v| set(v, &rel(&["name"]), &format!("r-{}", "x".repeat(62)))),
        ),
        (
            "negative max_concurrency",
            Box::new(|v| set(v, &rel(&["max_concurrency"]), "-1")),
        ),
        (
            "agent other than kubernetes",
            Box::new(|v| set(v, &rel(&["agent"]), "jenkins")),
        ),
        (
            "kubernetes job without spec",
            Box::new(|v| remove(v, &rel(&["spec"]))),
        ),
        (
            "spec without containers",
            Box::new(|v| set(v, &rel(&["spec", "containers"]), "[]")),
        ),
        (
            "undecorated job",
            Box::new(|v| set(v, &pre(&["decorate"]), "false")),
        ),
        (
            "duplicate container names",
            Box::new(|v| set(v, &c("2", &["name"]), "build-deb12")),
        ),
        (
            "reserved container name",
            Box::new(|v| set(v, &c("2", &["name"]), "sidecar")),
        ),
        (
            "decorated container without command",
            Box::new(|v| remove(v, &c("0", &["command"]))),
        ),
        (
            "env reserved in every job",
            Box::new(|v| set(v, &c("1", &["env"]), "[{name: BUILD_ID, value: '1'}]")),
        ),
        (
            "env reserved for the refs",
            Box::new(|v| {
                set(
                    v,
                    &pre(&["spec", "containers", "1", "env"]),
                    "[{name: PULL_BASE_SHA, value: x}]",
                )
            }),
        ),
        (
            "env reserved in presubmits, set in a postsubmit",
            Box::new(|v| set(v, &c("1", &["env"]), "[{name: PULL_NUMBER, value: '1'}]")),
        ),
        (
            "env reserved in decorated jobs",
            Box::new(|v| set(v, &c("1", &["env"]), "[{name: ARTIFACTS, value: /tmp}]")),
        ),
        (
            "invalid env name",
            Box::new(|v| set(v, &c("1", &["env"]), "[{name: '1X', value: a}]")),
        ),
        (
            "preset env also set by the job",
            Box::new(|v| {
                set(v, &rel(&["labels"]), "{preset-token: 'true'}");
                remove(v, &rel(&["spec", "volumes", "1"]));
                remove(v, &c("0", &["env"]));
                remove(v, &c("0", &["volumeMounts", "1"]));
                remove(v, &c("3", &["volumeMounts", "1"]));
                set(
                    v,
                    &c("3", &["env"]),
                    "[{name: GITHUB_ACCESS_TOKEN, value: /t}]",
                )
            }),
        ),
        // --- Ours: builders run the repository's code ---
        (
            "secret preset on a pod with builders",
            Box::new(|v| {
                set(v, &rel(&["labels"]), "{preset-token: 'true'}");
                remove(v, &rel(&["spec", "volumes", "1"]));
                for i in ["0", "3"] {
                    remove(v, &c(i, &["env"]));
                    remove(v, &c(i, &["volumeMounts", "1"]));
                }
            }),
        ),
        (
            "builder mounting the release key",
            Box::new(|v| {
                push(
                    v,
                    &rel(&["spec", "volumes"]),
                    "{name: release-key, secret: {secretName: release-service-account}}",
                );
                push(
                    v,
                    &c("1", &["volumeMounts"]),
                    "{name: release-key, mountPath: /etc/key}",
                );
            }),
        ),
        (
            "publish without --stage-root",
            Box::new(|v| {
                let args = at(v, &c("3", &["args"])).as_sequence_mut().unwrap();
                args.truncate(args.len() - 2);
            }),
        ),
        (
            "builder staging outside the stage root",
            Box::new(|v| {
                set(
                    v,
                    &c("2", &["args", "7"]),
                    "gs://elsewhere/r/$(BUILD_ID)/el9",
                )
            }),
        ),
        (
            "builder with the token in its env",
            Box::new(|v| set(v, &c("2", &["env"]), "[{name: GITHUB_TOKEN, value: x}]")),
        ),
        (
            "duplicate volume names",
            Box::new(|v| {
                push(
                    v,
                    &rel(&["spec", "volumes"]),
                    "{name: workspace, emptyDir: {}}",
                )
            }),
        ),
        (
            "reserved volume name",
            Box::new(|v| push(v, &rel(&["spec", "volumes"]), "{name: logs, emptyDir: {}}")),
        ),
        (
            "volume without a source",
            Box::new(|v| push(v, &rel(&["spec", "volumes"]), "{name: scratch}")),
        ),
        (
            "volumeMount naming no volume",
            Box::new(|v| {
                push(
                    v,
                    &c("1", &["volumeMounts"]),
                    "{name: cache, mountPath: /cache}",
                )
            }),
        ),
        (
            "mount path under a decoration path",
            Box::new(|v| {
                push(
                    v,
                    &rel(&["spec", "volumes"]),
                    "{name: scratch, emptyDir: {}}",
                );
                push(
                    v,
                    &c("1", &["volumeMounts"]),
                    "{name: scratch, mountPath: /home/prow/go/cache}",
                )
            }),
        ),
        (
            "mount path above a decoration path",
            Box::new(|v| {
                push(
                    v,
                    &rel(&["spec", "volumes"]),
                    "{name: scratch, emptyDir: {}}",
                );
                push(
                    v,
                    &c("1", &["volumeMounts"]),
                    "{name: scratch, mountPath: /home}",
                )
            }),
        ),
        (
            "resource that is not a quantity",
            Box::new(|v| set(v, &c("0", &["resources", "requests", "cpu"]), "lots")),
        ),
        (
            "invalid label key",
            Box::new(|v| set(v, &rel(&["labels", "bad key!"]), "x")),
        ),
        (
            "invalid label value",
            Box::new(|v| set(v, &rel(&["labels", "team"]), "guest os")),
        ),
        (
            "reserved label",
            Box::new(|v| set(v, &rel(&["labels", "created-by-prow"]), "'true'")),
        ),
        (
            "duplicate job on intersecting branches",
            Box::new(|v| {
                let j = at(v, &REL).clone();
                push(
                    v,
                    &["postsubmits", "o/r"],
                    &serde_yaml_ng::to_string(&j).unwrap(),
                )
            }),
        ),
        (
            "same name on disjoint branches is fine",
            Box::new(|v| {
                let mut j = at(v, &PRE).clone();
                set(&mut j, &["branches"], "[^release$]");
                push(
                    v,
                    &["presubmits", "o/r"],
                    &serde_yaml_ng::to_string(&j).unwrap(),
                )
            }),
        ),
        (
            "duplicate context on intersecting branches",
            Box::new(|v| {
                let mut j = at(v, &PRE).clone();
                set(&mut j, &["name"], "r-other");
                set(&mut j, &["context"], "r-packagebuild");
                push(
                    v,
                    &["presubmits", "o/r"],
                    &serde_yaml_ng::to_string(&j).unwrap(),
                )
            }),
        ),
        (
            "always_run with run_if_changed",
            Box::new(|v| set(v, &pre(&["always_run"]), "true")),
        ),
        (
            "run_if_changed with skip_if_only_changed",
            Box::new(|v| set(v, &pre(&["skip_if_only_changed"]), "^docs/")),
        ),
        (
            "trigger without rerun_command",
            Box::new(|v| remove(v, &pre(&["rerun_command"]))),
        ),
        (
            "rerun_command without trigger",
            Box::new(|v| remove(v, &pre(&["trigger"]))),
        ),
        (
            "rerun_command not matching the trigger",
            Box::new(|v| set(v, &pre(&["rerun_command"]), "/build")),
        ),
        (
            "branch regex that does not compile",
            Box::new(|v| set(v, &pre(&["branches"]), "['^master(']")),
        ),
        (
            "run_if_changed regex that does not compile",
            Box::new(|v| set(v, &pre(&["run_if_changed"]), "'packaging/['")),
        ),
        (
            "trigger regex that does not compile",
            Box::new(|v| set(v, &pre(&["trigger"]), "'(?m)^/packagebuild('")),
        ),
        (
            "periodic with two schedules",
            Box::new(|v| {
                set(v, &["periodics"], "[]");
                push(v, &["periodics"], PERIODIC);
                set(v, &["periodics", "0", "cron"], "'0 * * * *'")
            }),
        ),
        (
            "periodic without schedule",
            Box::new(|v| {
                set(v, &["periodics"], "[]");
                push(v, &["periodics"], PERIODIC);
                remove(v, &["periodics", "0", "interval"])
            }),
        ),
        (
            "duplicate periodic names",
            Box::new(|v| {
                set(v, &["periodics"], "[]");
                push(v, &["periodics"], PERIODIC);
                push(v, &["periodics"], PERIODIC)
            }),
        ),
        // --- extra_refs: Prow's and clonerefs' rules ---
        (
            "extra_ref without base_ref",
            Box::new(|v| set(v, &rel(&["extra_refs"]), "[{org: o, repo: plugins}]")),
        ),
        (
            "extra_ref without org and repo",
            Box::new(|v| set(v, &rel(&["extra_refs"]), "[{org: '', base_ref: main}]")),
        ),
        (
            "extra_ref repeating the job's own repository",
            Box::new(|v| {
                set(
                    v,
                    &rel(&["extra_refs"]),
                    "[{org: o, repo: r, base_ref: main}]",
                )
            }),
        ),
        (
            "two extra_refs of one repository",
            Box::new(|v| {
                set(
                    v,
                    &rel(&["extra_refs"]),
                    "[{org: o, repo: x, base_ref: main}, {org: o, repo: x, base_ref: dev, path_alias: x-dev}]",
                )
            }),
        ),
        (
            "two extra_refs cloning to one path",
            Box::new(|v| {
                set(
                    v,
                    &rel(&["extra_refs"]),
                    "[{org: o, repo: x, base_ref: main, path_alias: tools}, {org: p, repo: y, base_ref: main, path_alias: tools}]",
                )
            }),
        ),
        (
            "extra_ref cloning inside the job's own repository",
            Box::new(|v| {
                set(
                    v,
                    &rel(&["extra_refs"]),
                    "[{org: o, repo: x, base_ref: main, path_alias: github.com/o/r/x}]",
                )
            }),
        ),
        (
            "extra_ref whose repo_link moves its clone onto another's",
            Box::new(|v| {
                set(
                    v,
                    &rel(&["extra_refs"]),
                    "[{org: o, repo: x, base_ref: main, repo_link: 'https://github.com/o/r'}]",
                )
            }),
        ),
        (
            "builder --extra-repo where no extra_ref is cloned",
            Box::new(|v| {
                set(
                    v,
                    &rel(&["extra_refs"]),
                    "[{org: o, repo: plugins, base_ref: main}]",
                );
                push(v, &c("1", &["args"]), "--extra-repo");
                push(
                    v,
                    &c("1", &["args"]),
                    "/home/prow/go/src/github.com/o/plugin",
                );
            }),
        ),
        (
            "builder --extra-repo on a job without extra_refs",
            Box::new(|v| {
                push(
                    v,
                    &c("2", &["args"]),
                    "--extra-repo=/home/prow/go/src/github.com/o/plugins/",
                )
            }),
        ),
        (
            "builder --extra-repo at the job's own clone",
            Box::new(|v| {
                set(
                    v,
                    &rel(&["extra_refs"]),
                    "[{org: o, repo: plugins, base_ref: main}]",
                );
                push(v, &c("1", &["args"]), "--extra-repo");
                push(v, &c("1", &["args"]), "/home/prow/go/src/github.com/o/r");
            }),
        ),
        (
            "builder EXTRA_REPO under a path_alias no extra_ref has",
            Box::new(|v| {
                set(
                    v,
                    &rel(&["extra_refs"]),
                    "[{org: o, repo: plugins, base_ref: main, path_alias: plugins}]",
                );
                set(
                    v,
                    &c("1", &["env"]),
                    "[{name: EXTRA_REPO, value: /home/prow/go/src/tools}]",
                );
            }),
        ),
        (
            "builders' --extra-repo at an extra_ref's clone is fine",
            Box::new(|v| {
                set(
                    v,
                    &rel(&["extra_refs"]),
                    "[{org: o, repo: plugins, base_ref: main}, {org: p, repo: tools, base_ref: main, path_alias: tools}]",
                );
                push(v, &c("1", &["args"]), "--extra-repo");
                push(
                    v,
                    &c("1", &["args"]),
                    "/home/prow/go/src/github.com/o/plugins",
                );
                set(
                    v,
                    &c("2", &["env"]),
                    "[{name: EXTRA_REPO, value: /home/prow/go/src/tools/}]",
                );
            }),
        ),
        (
            "a builder without --extra-repo on a job with extra_refs is fine",
            Box::new(|v| {
                set(
                    v,
                    &rel(&["extra_refs"]),
                    "[{org: o, repo: plugins, base_ref: main}]",
                );
                push(v, &c("1", &["args"]), "--extra-repo");
                push(
                    v,
                    &c("1", &["args"]),
                    "/home/prow/go/src/github.com/o/plugins",
                );
            }),
        ),
        (
            "--extra-repo as a URL or a path outside the clones is fine",
            Box::new(|v| {
                push(v, &c("1", &["args"]), "--extra-repo");
                push(v, &c("1", &["args"]), "https://github.com/o/plugins.git");
                push(v, &c("2", &["args"]), "--extra-repo=/srv/plugins");
            }),
        ),
        // --- hostPath volumes and the Go module cache ---
        (
            "hostPath that is not absolute",
            Box::new(|v| {
                push(
                    v,
                    &rel(&["spec", "volumes"]),
                    "{name: cache, hostPath: {path: var/cache/go, type: DirectoryOrCreate}}",
                )
            }),
        ),
        (
            "hostPath of an unknown type",
            Box::new(|v| {
                push(
                    v,
                    &rel(&["spec", "volumes"]),
                    "{name: cache, hostPath: {path: /var/cache/go, type: Folder}}",
                )
            }),
        ),
        (
            "hostPath shared by a presubmit and the release",
            Box::new(|v| {
                push(
                    v,
                    &rel(&["spec", "volumes"]),
                    "{name: go-mod-cache, hostPath: {path: /var/cache/go, type: DirectoryOrCreate}}",
                );
                push(
                    v,
                    &pre(&["spec", "volumes"]),
                    "{name: cache, hostPath: {path: /var/cache/go/presubmit/, type: DirectoryOrCreate}}",
                );
            }),
        ),
        (
            "a hostPath of its own for presubmits is fine",
            Box::new(|v| {
                push(
                    v,
                    &rel(&["spec", "volumes"]),
                    "{name: go-mod-cache, hostPath: {path: /var/cache/go/release, type: DirectoryOrCreate}}",
                );
                push(
                    v,
                    &pre(&["spec", "volumes"]),
                    "{name: go-mod-cache, hostPath: {path: /var/cache/go/presubmit, type: DirectoryOrCreate}}",
                );
            }),
        ),
        (
            "--go-mod-cache on no volume",
            Box::new(|v| {
                push(v, &c("1", &["args"]), "--go-mod-cache");
                push(v, &c("1", &["args"]), "/go-mod-cache");
                set(
                    v,
                    &c("2", &["env"]),
                    "[{name: GOMODCACHE, value: /cache/go}]",
                );
            }),
        ),
        (
            "--go-mod-cache on a hostPath volume is fine",
            Box::new(|v| {
                push(
                    v,
                    &rel(&["spec", "volumes"]),
                    "{name: go-mod-cache, hostPath: {path: /var/cache/go, type: DirectoryOrCreate}}",
                );
                for i in ["1", "2"] {
                    push(
                        v,
                        &c(i, &["volumeMounts"]),
                        "{name: go-mod-cache, mountPath: /go-mod-cache}",
                    );
                }
                push(v, &c("1", &["args"]), "--go-mod-cache");
                push(v, &c("1", &["args"]), "/go-mod-cache");
                set(
                    v,
                    &c("2", &["env"]),
                    "[{name: GOMODCACHE, value: /go-mod-cache/mod}]",
                );
            }),
        ),
        // --- ours: images ---
        (
            "image of another registry",
            Box::new(|v| set(v, &c("0", &["image"]), "gcr.io/gcp-guest/daisy-builder:v1")),
        ),
        (
            "image not pinned",
            Box::new(|v| {
                set(
                    v,
                    &c("0", &["image"]),
                    "us-docker.pkg.dev/gcp-guest/release/version-gen:latest",
                )
            }),
        ),
        (
            "image without Dockerfile",
            Box::new(|v| {
                set(
                    v,
                    &c("0", &["image"]),
                    "us-docker.pkg.dev/gcp-guest/release/version-gen-ng:v1",
                )
            }),
        ),
        (
            "command that is not the image's tool",
            Box::new(|v| set(v, &c("1", &["command"]), "[packagebuild-rpm]")),
        ),
        (
            "builder target other than its image's",
            Box::new(|v| set(v, &c("1", &["args", "3"]), "deb11")),
        ),
        (
            "rpm builder --dist other than its image's",
            Box::new(|v| set(v, &c("2", &["args", "5"]), "el8")),
        ),
        // --- ours: the workspace ---
        (
            "no workspace volume",
            Box::new(|v| {
                set(
                    v,
                    &pre(&["spec", "volumes"]),
                    "[{name: scratch, emptyDir: {}}]",
                )
            }),
        ),
        (
            "workspace volume that is not an emptyDir",
            Box::new(|v| {
                set(
                    v,
                    &pre(&["spec", "volumes", "0"]),
                    "{name: workspace, secret: {secretName: w}}",
                )
            }),
        ),
        (
            "container without the workspace mount",
            Box::new(|v| set(v, &c("2", &["volumeMounts"]), "[]")),
        ),
        (
            "--workspace elsewhere than the mount",
            Box::new(|v| set(v, &c("0", &["args", "3"]), "/work")),
        ),
        (
            "tool without --workspace",
            Box::new(|v| {
                set(
                    v,
                    &c("3", &["args"]),
                    "[--forge, github, --expect, 'deb12,el9']",
                )
            }),
        ),
        // --- ours: the release chain ---
        (
            "tagger expecting other targets",
            Box::new(|v| set(v, &c("3", &["args", "5"]), "deb12,el8")),
        ),
        (
            "builder without --target",
            Box::new(|v| {
                set(
                    v,
                    &c("2", &["args"]),
                    "[--workspace, /workspace, --dist, el9, --stage, 'gs://s/r/$(BUILD_ID)/el9']",
                )
            }),
        ),
        (
            "two builders of one target",
            Box::new(|v| {
                let mut b = at(v, &c("1", &[])).clone();
                set(&mut b, &["name"], "build-deb12-again");
                push(
                    v,
                    &rel(&["spec", "containers"]),
                    &serde_yaml_ng::to_string(&b).unwrap(),
                )
            }),
        ),
        ("no version-gen", Box::new(|v| remove(v, &c("0", &[])))),
        (
            "release without max_concurrency 1",
            Box::new(|v| remove(v, &rel(&["max_concurrency"]))),
        ),
        (
            "release on every branch (its tag push restarts it)",
            Box::new(|v| remove(v, &rel(&["branches"]))),
        ),
        (
            "release on a branch regex that matches a version tag",
            Box::new(|v| set(v, &rel(&["branches"]), "['^master$', '^2026']")),
        ),
        (
            "staging not per run",
            Box::new(|v| set(v, &c("1", &["args", "5"]), "gs://s/r/deb12")),
        ),
        (
            "builder without --stage while the tagger publishes",
            Box::new(|v| {
                set(
                    v,
                    &c("1", &["args"]),
                    "[--workspace, /workspace, --target, deb12]",
                )
            }),
        ),
        (
            "presubmit running the tagger",
            Box::new(|v| {
                let t = tagger_alone(v);
                push(
                    v,
                    &pre(&["spec", "containers"]),
                    &serde_yaml_ng::to_string(&t).unwrap(),
                )
            }),
        ),
        (
            "presubmit version without --dev",
            Box::new(|v| {
                set(
                    v,
                    &pre(&["spec", "containers", "0", "args"]),
                    "[--workspace, /workspace]",
                )
            }),
        ),
        (
            "tagger in a periodic",
            Box::new(|v| {
                set(v, &["periodics"], "[]");
                push(v, &["periodics"], PERIODIC);
                let t = tagger_alone(v);
                push(
                    v,
                    &["periodics", "0", "spec", "containers"],
                    &serde_yaml_ng::to_string(&t).unwrap(),
                )
            }),
        ),
    ]
}

#[test]
fn the_valid_config_has_no_problem() {
    let f = Fixture::new(&[("o/r.yaml", BASE.to_owned())]);
    assert_eq!(f.problems(), Vec::<String>::new());
}

#[test]
fn each_rule_gives_its_problem() {
    let mut report = String::new();
    for (name, mutate) in cases() {
        let mut v = base();
        mutate(&mut v);
        let text = serde_yaml_ng::to_string(&v).unwrap();
        let problems = Fixture::new(&[("o/r.yaml", text)]).problems();
        let expect_none = name.ends_with("is fine");
        assert_eq!(problems.is_empty(), expect_none, "{name}: {problems:#?}");
        report.push_str(&format!("## {name}\n"));
        for p in problems {
            report.push_str(&format!("{p}\n"));
        }
        report.push('\n');
    }
    insta::assert_snapshot!("rules", report);
}

#[test]
fn file_names_are_unique_across_the_tree() {
    let mut other = base();
    set(&mut other, &rel(&["name"]), "r2-release");
    remove(&mut other, &["presubmits"]);
    remove(&mut other, &["presets"]);
    let f = Fixture::new(&[
        ("o/r.yaml", BASE.to_owned()),
        ("p/r.yaml", serde_yaml_ng::to_string(&other).unwrap()),
    ]);
    insta::assert_debug_snapshot!(f.problems(), @r#"
    [
        "jobs/p/r.yaml: the file name is also used by jobs/o/r.yaml: Prow needs job file names unique across the tree; rename one",
    ]
    "#);
}

#[test]
fn the_real_configs_pass() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let config = Config::load(&root.join("prow/jobs")).unwrap_or_else(|e| panic!("{e}"));
    let problems = check(&config, &root.join("containers"));
    assert!(problems.is_empty(), "{problems:#?}");
    let mut names: Vec<&str> = config.jobs.iter().map(|j| j.name()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "guest-agent-packagebuild",
            "guest-agent-release",
            "guest-logging-go-release",
            "guest-oslogin-packagebuild",
            "guest-oslogin-release",
            "osconfig-packagebuild",
            "osconfig-release"
        ]
    );
}

/// issue 13: guest-agent's jobs clone google-guest-agent beside it and give
/// it to every builder; the Go repositories' builders keep their module
/// cache on a hostPath of their job type.
#[test]
fn the_go_repositories_jobs_have_the_extra_repo_and_the_module_cache() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let config = Config::load(&root.join("prow/jobs")).unwrap_or_else(|e| panic!("{e}"));
    let gga = "/home/prow/go/src/github.com/GoogleCloudPlatform/google-guest-agent";
    for name in [
        "guest-agent-release",
        "guest-agent-packagebuild",
        "osconfig-release",
        "osconfig-packagebuild",
    ] {
        let job = config.jobs_named(name)[0];
        let guest_agent = name.starts_with("guest-agent");
        let refs: Vec<(String, String)> = job
            .base
            .extra_refs
            .iter()
            .map(|e| (e.name(), e.base_ref.clone()))
            .collect();
        if guest_agent {
            assert_eq!(
                refs,
                [(
                    "GoogleCloudPlatform/google-guest-agent".to_owned(),
                    "main".to_owned()
                )],
                "{name}"
            );
        } else {
            assert!(refs.is_empty(), "{name}: {refs:?}");
        }
        let spec = job.base.spec.as_ref().unwrap();
        let cache = spec
            .volumes
            .iter()
            .find(|v| v.name == "go-mod-cache")
            .and_then(|v| v.host_path.as_ref())
            .unwrap_or_else(|| panic!("{name}: no hostPath volume go-mod-cache"));
        assert_eq!(cache.kind.as_deref(), Some("DirectoryOrCreate"), "{name}");
        let kind = if name.ends_with("-release") {
            "release"
        } else {
            "presubmit"
        };
        assert_eq!(
            cache.path,
            format!("/var/cache/gcp-guest/go-mod-cache/{kind}")
        );
        let builders: Vec<_> = spec
            .containers
            .iter()
            .filter(|c| c.name.starts_with("build-"))
            .collect();
        assert_eq!(builders.len(), 7, "{name}");
        for b in builders {
            let value = |opt: &str| prowcfg::podargs::value(&b.args, opt);
            assert_eq!(
                value("--go-mod-cache"),
                Some("/go-mod-cache"),
                "{name} {}",
                b.name
            );
            assert!(
                b.volume_mounts
                    .iter()
                    .any(|m| m.name == "go-mod-cache" && m.mount_path == "/go-mod-cache"),
                "{name} {}",
                b.name
            );
            let extra = value("--extra-repo");
            assert_eq!(extra, guest_agent.then_some(gga), "{name} {}", b.name);
        }
    }
}
