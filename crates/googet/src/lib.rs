//! googet packages (`.goo`) and their `.goospec` sources, natively: what
//! goopack does, with goopack's output format and without its faults.
//!
//! The steps, each a function:
//!
//! 1. [`render`] the goospec, a Go `text/template`, with string variables;
//! 2. [`parse_spec`] the rendered JSON into a [`Spec`] and check it;
//! 3. [`map_sources`] its `sources` to package paths over a [`FileTree`]
//!    ([`DiskTree`] is the real one) and [`check_files`] its `files`;
//! 4. [`pack`] the files and `<name>.pkgspec` ([`Spec::pkgspec_json`]) into
//!    `<name>.<arch>.<version>.goo`;
//! 5. [`read_package`] lists a package and checks its embedded spec.
//!
//! # Templating
//!
//! The whole file is a template executed before any JSON parsing, so real
//! specs compute values (the osconfig style):
//!
//! ```
//! use std::collections::BTreeMap;
//! let vars = BTreeMap::from([("version".to_string(), "20240101.00".to_string())]);
//! let text = "{{$version := printf \"%s.0+win@1\" .version -}}\n{\n  \"version\": \"{{$version}}\"\n}";
//! assert_eq!(googet::render(text, &vars).unwrap(), "{\n  \"version\": \"20240101.00.0+win@1\"\n}");
//! ```
//!
//! goopack renders an undefined variable as an empty string; here it is an
//! error naming it, with its line:
//!
//! ```
//! # use std::collections::BTreeMap;
//! let err = googet::render("{\n \"version\": \"{{.version}}@1\"}", &BTreeMap::new()).unwrap_err();
//! assert!(err.to_string().starts_with("line 2: undefined variable .version"));
//! ```
//!
//! # Fields
//!
//! One flat JSON object whose keys match case-insensitively (Go's rule);
//! unknown keys are kept in [`Spec::unknown_keys`] for a warning. `name`,
//! `version` (a googet version) and `arch` (`noarch x86_64 x86_32 arm
//! arm64`) are required; at most 10 tags; dependency versions must parse;
//! `install`/`uninstall` paths are cleaned; no path may be absolute or climb
//! out with `..` (name, files keys, script paths, roots, targets, includes).
//!
//! ```
//! let spec = googet::parse_spec(r#"{"NAME":"p","version":"1","arch":"noarch",
//!     "install":{"path":"./scripts/../install.ps1"}}"#).unwrap();
//! assert_eq!(spec.install.path, "install.ps1");
//! let e = googet::parse_spec(r#"{"name":"../evil","version":"1","arch":"noarch"}"#).unwrap_err();
//! assert!(e.to_string().contains("contains a path separator"));
//! ```
//!
//! # Versions
//!
//! `[semver-ish]@[release]`; missing numbers are filled on the left, leading
//! zeros dropped; order is semver's (build metadata ignored), then the
//! release:
//!
//! ```
//! use googet::Version;
//! let v = |s| Version::parse(s).unwrap();
//! assert!(v("20240101.00@1") > v("20231231.99@1"));
//! assert!(v("20240101.00@1") < v("20240101.00.0@1"));
//! assert_eq!(v("20240101.01.0@1"), v("20240101.1.0@1"));
//! assert_eq!(v("20240101.00.0+win@1"), v("20240101.00.0@1"));
//! assert!(v("1.2.3-rc1@5") < v("1.2.3@0"));
//! ```
//!
//! # Sources
//!
//! See [`map_sources`]: roots are normalised (`""`, `.`, `./stage`,
//! `stage/` all work), entries are deduplicated and sorted, two different
//! files at one path and payload files ending in `.pkgspec` are refused.
//!
//! ```
//! use googet::{map_sources, parse_spec, MemoryTree};
//! let spec = parse_spec(r#"{"name":"demo","version":"1","arch":"noarch","sources":[
//!   {"root":"./stage/","include":["**"],"exclude":["**.pdb"],"target":"bin"},
//!   {"include":["install.ps1"]}]}"#).unwrap();
//! let tree = MemoryTree::new(["stage/demo.exe", "stage/demo.pdb", "stage/sub/readme.txt", "install.ps1"]);
//! let paths: Vec<String> = map_sources(&spec, &tree).unwrap().into_iter().map(|e| e.path).collect();
//! assert_eq!(paths, ["bin/demo.exe", "bin/sub/readme.txt", "install.ps1"]);
//! ```
//!
//! # The package
//!
//! A gzip-compressed tar: payload files (regular files only, sorted, mode
//! 0644 or 0755, owner 0/0, no user names, mtime given) then
//! `<name>.pkgspec` last, the spec as Go's `json.MarshalIndent` writes it.
//! The gzip stream is one member (header: no name, mtime 0, OS 255) made
//! on all cores, pigz-style; see [`gzip`].

mod error;
/// Parallel gzip (the `pgzip` crate), re-exported for callers of [`pack`].
pub use pgzip as gzip;
mod json;
mod pack;
mod read;
mod sources;
mod spec;
mod tar;
mod template;
mod version;

pub use error::Error;
pub use pack::{PackOptions, Packed, pack, write_package};
pub use read::{GooPackage, MAX_ENTRIES, MAX_PKGSPEC_BYTES, read_package, read_package_from};
pub use sources::{
    DiskTree, FileTree, Glob, Kind, MemoryTree, PackageEntry, check_files, map_sources,
};
pub use spec::{ARCHES, Build, ExecFile, MAX_TAGS, Source, Spec, load_spec, parse_spec};
pub use tar::{EntryInfo, EntryKind};
pub use template::{MAX_RENDERED_BYTES, MAX_SPEC_BYTES, render};
pub use version::{Prerelease, Version, compare};
