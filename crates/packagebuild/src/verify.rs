use std::path::PathBuf;

use pkgread::PackageMeta;

use crate::{BuildError, Built, PackageBuilder, ReleaseRule};

/// Reads back every package of `built` and checks it against the
/// expectation. Returns the metadata in the same order.
pub fn verify_packages(
    builder: &dyn PackageBuilder,
    built: &Built,
) -> Result<Vec<(PathBuf, PackageMeta)>, BuildError> {
    let mut out = Vec::with_capacity(built.packages.len());
    for path in &built.packages {
        let want = &builder.expectation(path, built);
        let meta = builder.read_back(path).map_err(|e| BuildError::Verify {
            file: path.clone(),
            detail: format!("cannot read the package back: {e}"),
        })?;
        let fail = |detail: String| BuildError::Verify {
            file: path.clone(),
            detail,
        };
        if let Some(names) = &want.names {
            // A source package is named after the source, which the
            // packaging also declares.
            if !names.contains(&meta.name) {
                return Err(fail(format!(
                    "package name {:?} is none of those the packaging declares ({})",
                    meta.name,
                    names.join(", ")
                )));
            }
        }
        if meta.epoch != want.epoch {
            return Err(fail(format!(
                "epoch is {}, expected {}",
                meta.epoch.map_or("none".into(), |e| e.to_string()),
                want.epoch.map_or("none".into(), |e| e.to_string())
            )));
        }
        if meta.version != want.version {
            return Err(fail(format!(
                "version is {:?}, expected {:?}: does the packaging take its version from the build (Version: %{{_version}} / the regenerated changelog)?",
                meta.version, want.version
            )));
        }
        let release_ok = match &want.release {
            ReleaseRule::Exact(r) => meta.release == *r,
            ReleaseRule::Prefix(p) => meta.release.starts_with(p.as_str()),
        };
        if !release_ok {
            let (how, r) = match &want.release {
                ReleaseRule::Exact(r) => ("", r),
                ReleaseRule::Prefix(p) => ("starting with ", p),
            };
            return Err(fail(format!(
                "release is {:?}, expected {how}{r:?}",
                meta.release
            )));
        }
        out.push((path.clone(), meta));
    }
    Ok(out)
}
