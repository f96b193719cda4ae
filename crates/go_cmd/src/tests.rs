use std::os::unix::fs::PermissionsExt;

use super::*;

/// A `go` program that answers `go env GOROOT GOVERSION` for `goroot`.
fn fake_go(dir: &Path, goroot: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let go = bin.join("go");
    std::fs::write(
        &go,
        format!(
            "#!/bin/sh\n[ \"$1 $2 $3 $4\" = 'env GOROOT GOVERSION GOPATH' ] || exit 9\necho {}\necho go1.99.1\necho /home/x/go\n",
            goroot.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&go, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

#[tokio::test]
async fn without_the_link_the_go_on_path_is_linked_there() {
    let tmp = tempfile::tempdir().unwrap();
    let goroot = tmp.path().join("goroot");
    let path = fake_go(&goroot, &goroot);
    let link = tmp.path().join("tmp-go");
    let tc = Toolchain::locate(&link, Some(path.into_os_string()), "x")
        .await
        .unwrap();
    let goroot = goroot.canonicalize().unwrap();
    assert_eq!(tc.go, link.join("bin/go"));
    assert_eq!(tc.goroot, goroot);
    assert_eq!(tc.version, "go1.99.1");
    assert_eq!(tc.gopath.as_deref(), Some(Path::new("/home/x/go")));
    assert_eq!(tc.linked.as_deref(), Some(goroot.as_path()));
    assert_eq!(std::fs::read_link(&link).unwrap(), goroot);

    // The second time the link is there: used as it is, nothing made.
    let again = Toolchain::locate(&link, None, "x").await.unwrap();
    assert_eq!(again.go, link.join("bin/go"));
    assert_eq!(again.linked, None);
}

#[tokio::test]
async fn no_go_anywhere_names_what_needs_it_and_the_install_command() {
    let tmp = tempfile::tempdir().unwrap();
    let link = tmp.path().join("tmp-go");
    let e = Toolchain::locate(
        &link,
        Some(tmp.path().as_os_str().to_owned()),
        "packaging/debian/rules calls Go",
    )
    .await
    .unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, GoError::Missing { .. }), "{e:?}");
    assert!(
        msg.starts_with("packaging/debian/rules calls Go, but Go is not installed (no "),
        "{msg}"
    );
    assert!(
        msg.contains("apt-get install -y -t bookworm-backports golang-1.23-go golang-go"),
        "{msg}"
    );
    assert!(!link.exists(), "nothing is made when there is no Go");
}

#[tokio::test]
async fn a_link_without_go_is_refused_and_a_dangling_one_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let goroot = tmp.path().join("goroot");
    let path = fake_go(&goroot, &goroot).into_os_string();
    let link = tmp.path().join("tmp-go");
    std::fs::create_dir(&link).unwrap();
    let e = Toolchain::locate(&link, Some(path.clone()), "x")
        .await
        .unwrap_err();
    assert!(matches!(e, GoError::BadLink { .. }), "{e:?}");
    assert!(e.to_string().contains("/bin/go is not a program"), "{e}");

    std::fs::remove_dir(&link).unwrap();
    std::os::unix::fs::symlink(tmp.path().join("gone"), &link).unwrap();
    let tc = Toolchain::locate(&link, Some(path), "x").await.unwrap();
    assert!(tc.linked.is_some());
    assert!(link.join("bin/go").is_file());
}

#[test]
fn download_output_is_a_stream_of_objects() {
    let out = br#"{
	"Path": "example.org/textfmt",
	"Version": "v1.2.0",
	"Sum": "h1:abc="
}
{
	"Path": "example.org/gone",
	"Version": "v0.1.0",
	"Error": "example.org/gone@v0.1.0: reading file:///p/example.org/gone/@v/v0.1.0.zip: no such file or directory"
}
"#;
    let m = parse_download(out);
    assert_eq!(m.len(), 2);
    assert_eq!(m[0].path, "example.org/textfmt");
    assert_eq!(m[0].error, None);
    assert!(m[1].error.as_deref().unwrap().contains("no such file"));
    assert!(parse_download(b"").is_empty());
}

#[test]
fn the_module_go_could_not_load_is_read_from_stderr() {
    let stderr = "go: example.org/textfmt@v1.2.0: reading file:///tmp/p/example.org/textfmt/@v/v1.2.0.mod: no such file or directory\n";
    assert_eq!(
        module_error(stderr),
        Some((
            "example.org/textfmt".into(),
            "v1.2.0".into(),
            "reading file:///tmp/p/example.org/textfmt/@v/v1.2.0.mod: no such file or directory"
                .into()
        ))
    );
    assert_eq!(
        module_error("go: go.mod file not found in current directory"),
        None
    );
    assert_eq!(module_error("go: errors parsing go.mod: x@y: bad"), None);
}

#[test]
fn the_build_env_adds_its_flags_once_to_the_inherited_ones() {
    let env = build_env(Path::new("/cache"), Some("-mod=mod -modcacherw"));
    assert_eq!(
        env,
        vec![
            ("GOMODCACHE".to_string(), "/cache".to_string()),
            (
                "GOFLAGS".to_string(),
                "-mod=mod -modcacherw -trimpath".to_string()
            ),
        ]
    );
    assert_eq!(
        build_env(Path::new("/c"), None)[1].1,
        "-modcacherw -trimpath"
    );
}

#[test]
fn the_proxy_is_shown_without_credentials() {
    assert_eq!(
        proxy_shown(Some("https://user:s3cret@proxy.example.com")),
        "https://***@proxy.example.com"
    );
    assert!(proxy_shown(None).contains("Go's default"));
    assert_eq!(proxy_shown(Some("file:///p")), "file:///p");
}

#[test]
fn go_is_needed_for_a_go_mod_or_packaging_that_calls_it() {
    let tmp = tempfile::tempdir().unwrap();
    let packaging = tmp.path().join("packaging");
    std::fs::create_dir_all(packaging.join("debian")).unwrap();
    std::fs::write(packaging.join("debian/rules"), "%:\n\tdh $@\n").unwrap();
    assert_eq!(needs_go(tmp.path(), &packaging), None);
    std::fs::write(
        packaging.join("debian/control"),
        "Build-Depends: debhelper, dh-golang, golang-go\n",
    )
    .unwrap();
    let why = needs_go(tmp.path(), &packaging).unwrap();
    assert!(why.ends_with("packaging/debian/control calls Go"), "{why}");
    std::fs::write(tmp.path().join("go.mod"), "module x\n").unwrap();
    assert!(
        needs_go(tmp.path(), &packaging)
            .unwrap()
            .ends_with("has a go.mod")
    );

    assert!(needs_prefetch(tmp.path()));
    std::fs::create_dir(tmp.path().join("vendor")).unwrap();
    assert!(!needs_prefetch(tmp.path()));
}
