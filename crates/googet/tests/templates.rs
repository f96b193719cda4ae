//! Rendering goospecs as Go templates.

use std::collections::BTreeMap;

use googet::{Error, parse_spec, render};

fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn ok(text: &str, pairs: &[(&str, &str)]) -> String {
    render(text, &vars(pairs)).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

/// The head of google-osconfig-agent's goospec, as goopack renders it.
const OSCONFIG: &str = r#"{{$version := printf "%s.0+win@1" .version -}}
{
  "name": "google-osconfig-agent",
  "version": "{{$version}}",
  "arch": "x86_64",
  "authors": "Google LLC",
  "license": "http://www.apache.org/licenses/LICENSE-2.0",
  "description": "Google OS Config agent",
  "source": "https://github.com/GoogleCloudPlatform/osconfig",
  "files": {
    "google_osconfig_agent.exe": "<ProgramFiles>/Google/OSConfig/google_osconfig_agent.exe"
  },
  "install": {
    "path": "install.ps1"
  },
  "uninstall": {
    "path": "uninstall.ps1"
  },
  "releaseNotes": [
    "{{$version}} - see https://github.com/GoogleCloudPlatform/osconfig/releases"
  ],
  "sources": [{
      "include": [
        "google_osconfig_agent.exe",
        "install.ps1",
        "uninstall.ps1"
      ]
  }],
  "build": {
    "linux": "/bin/bash",
    "linuxArgs": ["-c", "GOOS=windows /tmp/go/bin/go build -ldflags='-s -w -X main.version={{$version}}' -mod=readonly -o google_osconfig_agent.exe"]
  }
}"#;

#[test]
fn the_osconfig_style() {
    let out = ok(OSCONFIG, &[("version", "20240101.00")]);
    // `-}}` ate the newline after the declaration: the JSON starts the text.
    assert!(out.starts_with("{\n  \"name\""), "{out}");
    let spec = parse_spec(&out).unwrap();
    assert_eq!(spec.version, "20240101.00.0+win@1");
    assert_eq!(
        spec.file_name(),
        "google-osconfig-agent.x86_64.20240101.00.0+win@1.goo"
    );
    assert_eq!(
        spec.release_notes,
        ["20240101.00.0+win@1 - see https://github.com/GoogleCloudPlatform/osconfig/releases"]
    );
    assert!(spec.build.linux_args[1].contains("main.version=20240101.00.0+win@1"));
    assert_eq!(spec.install.path, "install.ps1");
}

#[test]
fn substitution_pipelines_printf_and_if() {
    assert_eq!(ok("{{.version}}@1", &[("version", "1.2")]), "1.2@1");
    assert_eq!(
        ok("{{.version | printf \"%s.0@1\"}}", &[("version", "7")]),
        "7.0@1"
    );
    assert_eq!(
        ok("{{printf \"%s-%s\" .a .b}}", &[("a", "x"), ("b", "y")]),
        "x-y"
    );
    assert_eq!(
        ok(
            "{{if eq .arch \"x86_64\"}}64{{else}}32{{end}}",
            &[("arch", "x86_64")]
        ),
        "64"
    );
    assert_eq!(ok("{{if .flag}}on{{end}}|", &[("flag", "")]), "|");
    assert_eq!(ok("{{len .v}}", &[("v", "abcd")]), "4");
    assert_eq!(ok("{{with .v}}[{{.}}]{{end}}", &[("v", "w")]), "[w]");
    // Values go in raw, as in goopack: quoting them is the template's job.
    assert_eq!(ok("\"{{.v}}\"", &[("v", "a\"b")]), "\"a\"b\"");
    assert_eq!(ok("{{printf \"%q\" .v}}", &[("v", "a\"b")]), "\"a\\\"b\"");
}

#[test]
fn trimming() {
    assert_eq!(ok("a  {{- .v -}}  \n b", &[("v", "X")]), "aXb");
    assert_eq!(ok("a {{- .v}} b", &[("v", "X")]), "aX b");
    assert_eq!(ok("a {{.v -}} b", &[("v", "X")]), "a Xb");
    assert_eq!(ok("{{/* a comment */ -}}\n{}", &[]), "{}");
    assert_eq!(ok("{{- $x := \"1\" -}}\n\n{{ $x }}", &[]), "1");
}

#[test]
fn an_undefined_variable_is_an_error_naming_it_with_its_line() {
    let text = "{\n  \"name\": \"p\",\n  \"version\": \"{{.version}}@1\",\n  \"description\": \"{{.descr}}\"\n}";
    let e = render(text, &vars(&[("version", "1")])).unwrap_err();
    match &e {
        Error::UndefinedVariable { name, line, .. } => {
            assert_eq!(name, ".descr");
            assert_eq!(*line, Some(4));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        e.to_string(),
        "line 4: undefined variable .descr: pass a value for it (packagebuild-googet --var descr=VALUE)"
    );
    // goopack would have rendered version "@1" here.
    let e = render("{\"version\": \"{{.version}}@1\"}", &vars(&[])).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("line 1: undefined variable .version"),
        "{e}"
    );
    // Inside a pipeline and a condition.
    let e = render(
        "x\n\n{{if .a}}{{printf \"%s\" .b}}{{end}}",
        &vars(&[("a", "1")]),
    )
    .unwrap_err();
    assert!(
        e.to_string().starts_with("line 3: undefined variable .b"),
        "{e}"
    );
    let e = render("{{$x := 1}}\n{{$y}}", &vars(&[])).unwrap_err();
    assert!(
        e.to_string().starts_with("line 2: undefined variable $y"),
        "{e}"
    );
}

#[test]
fn syntax_errors_give_line_and_column() {
    let e = render("{\n  \"a\": \"{{.v | }}\"\n}", &vars(&[("v", "1")])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 2, column 18: template syntax error: empty command"
    );
    let e = render("{\n  \"a\": \"{{.v\"\n}", &vars(&[("v", "1")])).unwrap_err();
    assert!(
        matches!(e, Error::TemplateSyntax { line: 3, ref message, .. } if message == "unterminated string"),
        "{e:?}"
    );
    let e = render("{{nosuchfunc .v}}", &vars(&[("v", "1")])).unwrap_err();
    assert!(e.to_string().contains("nosuchfunc"), "{e}");
}

#[test]
fn define_block_and_template_are_refused() {
    for text in [
        "{{define \"x\"}}a{{end}}{{template \"x\"}}",
        "\n{{block \"x\" .}}a{{end}}",
        "{{template \"x\"}}",
    ] {
        let e = render(text, &vars(&[])).unwrap_err();
        assert!(
            matches!(
                e,
                Error::TemplateUnsupported { .. } | Error::TemplateSyntax { .. }
            ),
            "{text}: {e:?}"
        );
    }
}

#[test]
fn nothing_runs_away() {
    // A string doubled on every line.
    let mut text = String::from("{{$x := \"abcdefgh\"}}");
    for _ in 0..40 {
        text.push_str("{{$x = printf \"%s%s\" $x $x}}\n");
    }
    let e = render(&text, &vars(&[])).unwrap_err();
    assert!(e.to_string().contains("could exceed"), "{e}");
    // Huge padding.
    let e = render(&"{{printf \"%65535d%65535d\" 1 2}}".repeat(200), &vars(&[])).unwrap_err();
    assert!(
        matches!(
            e,
            Error::TemplateExec { .. } | Error::RenderedTooLarge { .. }
        ),
        "{e:?}"
    );
    // Ranges are bounded.
    let e = render(
        "{{range 1000000}}{{range 1000000}}{{end}}{{end}}",
        &vars(&[]),
    )
    .unwrap_err();
    assert!(e.to_string().contains("range"), "{e}");
    // Output is bounded.
    let big = "x".repeat(900_000);
    let e = render("{{range 100}}{{$.big}}{{end}}", &vars(&[("big", &big)])).unwrap_err();
    assert!(matches!(e, Error::RenderedTooLarge { .. }), "{e:?}");
    // So is the input.
    let e = render(&" ".repeat(googet::MAX_SPEC_BYTES + 1), &vars(&[])).unwrap_err();
    assert!(matches!(e, Error::SpecTooLarge { .. }), "{e:?}");
}
