use std::path::Path;

use super::*;

const JOB: &str = r#"
presets:
- labels:
    preset-token: "true"
  env:
  - name: GITHUB_ACCESS_TOKEN
    value: /etc/github-access-token/token.txt
  volumes:
  - name: github-access-token
    secret:
      secretName: github-access-token
  volumeMounts:
  - name: github-access-token
    mountPath: /etc/github-access-token
    readOnly: true
postsubmits:
  o/r:
  - name: r-release
    labels:
      preset-token: "true"
    decorate: true
    max_concurrency: 1
    branches: [^master$]
    spec:
      containers:
      - name: version-gen
        image: us-docker.pkg.dev/gcp-guest/release/version-gen:v1
        command: [version-gen]
        args: [--workspace, /workspace]
        resources:
          requests: {cpu: 1, memory: 1Gi}
        volumeMounts:
        - name: workspace
          mountPath: /workspace
      volumes:
      - name: workspace
        emptyDir: {}
"#;

fn parse(text: &str) -> Result<Config, LoadError> {
    let mut c = Config::default();
    c.add_file(Path::new("jobs/r.yaml"), text)?;
    Ok(c)
}

#[test]
fn reads_jobs_and_merges_presets() {
    let c = parse(JOB).unwrap();
    let job = &c.jobs[0];
    assert_eq!(job.name(), "r-release");
    assert_eq!(job.org_repo(), Some(("o", "r")));
    assert_eq!(job.job_type(), JobType::Postsubmit);
    assert_eq!(job.context(), Some("r-release"));
    let spec = c.pod_spec(job).unwrap().unwrap();
    let vg = &spec.containers[0];
    assert_eq!(
        vg.env,
        [EnvVar {
            name: "GITHUB_ACCESS_TOKEN".into(),
            value: "/etc/github-access-token/token.txt".into()
        }]
    );
    assert_eq!(
        vg.volume_mounts
            .iter()
            .map(|m| m.name.as_str())
            .collect::<Vec<_>>(),
        ["workspace", "github-access-token"]
    );
    assert_eq!(spec.volumes.len(), 2);
    assert_eq!(
        vg.resources.as_ref().unwrap().requests["cpu"],
        Quantity("1".into())
    );
}

#[test]
fn presets_need_every_label() {
    let text = JOB.replace("    labels:\n      preset-token: \"true\"\n", "");
    let c = parse(&text).unwrap();
    let spec = c.pod_spec(&c.jobs[0]).unwrap().unwrap();
    assert!(spec.containers[0].env.is_empty());
    assert_eq!(spec.volumes.len(), 1);
}

#[test]
fn preset_conflicts_are_prow_errors() {
    let text = JOB.replace(
        "        args: [--workspace, /workspace]\n",
        "        args: [--workspace, /workspace]\n        env:\n        - {name: GITHUB_ACCESS_TOKEN, value: x}\n",
    );
    let c = parse(&text).unwrap();
    assert_eq!(
        c.pod_spec(&c.jobs[0]).unwrap_err(),
        PresetError::Env("GITHUB_ACCESS_TOKEN".into())
    );
}

#[test]
fn unknown_keys_name_file_line_and_key() {
    let text = JOB.replace("        volumeMounts:\n", "        volumemounts:\n");
    let e = parse(&text).unwrap_err();
    let LoadError::Parse {
        location, message, ..
    } = &e
    else {
        panic!("{e}")
    };
    assert_eq!(location.map(|l| l.0), Some(32));
    insta::assert_snapshot!(e.to_string(), @"jobs/r.yaml:32:9: postsubmits.o/r[0].spec.containers[0]: unknown field `volumemounts`, expected one of `name`, `image`, `command`, `args`, `workingDir`, `env`, `volumeMounts`, `resources`; fix the file (keys are case-sensitive here; Prow would silently ignore an unknown one)");
    assert!(message.contains("volumemounts"));
}

#[test]
fn a_key_of_another_job_kind_is_unknown() {
    let text = JOB.replace("    max_concurrency: 1\n", "    trigger: /packagebuild\n");
    let e = parse(&text).unwrap_err().to_string();
    assert!(e.contains("unknown field `trigger`"), "{e}");
}

#[test]
fn wrong_types_are_errors() {
    let text = JOB.replace("max_concurrency: 1", "max_concurrency: one");
    let e = parse(&text).unwrap_err().to_string();
    assert!(e.starts_with("jobs/r.yaml:22:22: postsubmits.o/r[0].max_concurrency: invalid type: string \"one\", expected i64"), "{e}");
}

#[test]
fn load_reads_a_tree_and_reports_every_bad_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
    std::fs::write(dir.path().join("a/b/good.yaml"), JOB).unwrap();
    std::fs::write(dir.path().join("a/bad1.yaml"), "postsubmits: [").unwrap();
    std::fs::write(
        dir.path().join("bad2.yml"),
        "periodics:\n- name: x\n  intervall: 1h\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not yaml: [").unwrap();
    let errors = Config::load(dir.path()).unwrap_err().0;
    let shown: Vec<String> = errors
        .iter()
        .map(|e| e.to_string().replace(dir.path().to_str().unwrap(), "[DIR]"))
        .collect();
    insta::assert_debug_snapshot!(shown, @r#"
    [
        "[DIR]/a/bad1.yaml:1:14: postsubmits: invalid type: sequence, expected a map; fix the file (keys are case-sensitive here; Prow would silently ignore an unknown one)",
        "[DIR]/bad2.yml:3:3: periodics[0]: unknown field `intervall`, expected one of `name`, `labels`, `annotations`, `max_concurrency`, `agent`, `cluster`, `namespace`, `spec`, `decorate`, `decoration_config`, `path_alias`, `clone_uri`, `clone_depth`, `skip_submodules`, `extra_refs`, `reporter_config`, `hidden`, `interval`, `minimum_interval`, `cron`; fix the file (keys are case-sensitive here; Prow would silently ignore an unknown one)",
    ]
    "#);
    std::fs::remove_file(dir.path().join("a/bad1.yaml")).unwrap();
    std::fs::remove_file(dir.path().join("bad2.yml")).unwrap();
    let c = Config::load(dir.path()).unwrap();
    assert_eq!(c.jobs.len(), 1);
    assert_eq!(c.jobs[0].file, dir.path().join("a/b/good.yaml"));
}

#[test]
fn a_missing_folder_says_what_to_pass() {
    let e = Config::load(Path::new("/nonexistent/prow/jobs"))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with(
            "/nonexistent/prow/jobs: cannot read the job config folder: No such file or directory"
        ),
        "{e}"
    );
    assert!(e.ends_with("(e.g. --config prow/jobs)"), "{e}");
}

#[test]
fn clone_paths_are_prows() {
    // clone.PathForRefs: path_alias, else repo_link without its scheme, else GitHub.
    assert_eq!(
        clone_path("o", "r", None, None),
        "src/github.com/o/r".to_owned()
    );
    assert_eq!(
        clone_path("o", "r", Some("x/y"), Some("https://h/o/r")),
        "src/x/y"
    );
    assert_eq!(
        clone_path("o", "r", Some(""), Some("https://git.example.com/o/r")),
        "src/git.example.com/o/r"
    );
    let text = JOB.replace(
        "    max_concurrency: 1\n",
        "    max_concurrency: 1\n    extra_refs:\n    - {org: o, repo: plugins, base_ref: main}\n    - {org: p, repo: tools, base_ref: dev, path_alias: tools}\n",
    );
    let c = parse(&text).unwrap();
    assert_eq!(
        c.jobs[0].cloned_repos(),
        [
            ("o/r".to_owned(), "src/github.com/o/r".to_owned()),
            (
                "o/plugins".to_owned(),
                "src/github.com/o/plugins".to_owned()
            ),
            ("p/tools".to_owned(), "src/tools".to_owned()),
        ]
    );
}

#[test]
fn host_path_volumes_are_read() {
    let text = JOB.replace(
        "      - name: workspace\n        emptyDir: {}\n",
        "      - name: workspace\n        emptyDir: {}\n      - name: go-mod-cache\n        hostPath: {path: /var/cache/go, type: DirectoryOrCreate}\n",
    );
    let c = parse(&text).unwrap();
    let spec = c.jobs[0].base.spec.as_ref().unwrap();
    let Some(VolumeSource::HostPath(h)) = spec.volumes[1].source() else {
        panic!("{:?}", spec.volumes[1])
    };
    assert_eq!(h.path, "/var/cache/go");
    assert_eq!(h.kind.as_deref(), Some("DirectoryOrCreate"));
    assert!(h.is_directory());
    let text = text.replace(
        "emptyDir: {}\n      - name: go-mod-cache",
        "emptyDir: {}\n        secret: {secretName: s}\n      - name: go-mod-cache",
    );
    let c = parse(&text).unwrap();
    assert!(
        c.jobs[0].base.spec.as_ref().unwrap().volumes[0]
            .source()
            .is_none()
    );
}
