//! `gomodproxy SOURCES OUT`: writes a file module proxy; see the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Writes a Go module proxy as files from module sources, for builds without the network.
///
/// SOURCES holds one folder per module version, named <module path>@<version>
/// (e.g. SOURCES/example.org/textfmt@v1.2.0/ with its go.mod). OUT receives
/// the GOPROXY layout (<module>/@v/list, <version>.info, .mod, .zip). Then:
///
///   GOPROXY=file://OUT GOTOOLCHAIN=local packagebuild-deb ...
#[derive(Debug, Parser)]
#[command(version, verbatim_doc_comment)]
struct Args {
    /// The module sources.
    sources: PathBuf,
    /// The proxy folder to write (created; existing files of the same modules are replaced).
    out: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match gomodproxy::write_proxy(&args.sources, &args.out) {
        Ok(written) => {
            for m in &written {
                println!("{}@{} ({} files)", m.path, m.version, m.files);
            }
            let out = std::path::absolute(&args.out).unwrap_or(args.out);
            println!("GOPROXY=file://{}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gomodproxy: error: {e}");
            ExitCode::FAILURE
        }
    }
}
