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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::{BuildContext, Expectation, ReadBackError};

    type Fail = fn() -> ReadBackError;

    /// A builder whose read-back fails with what its function returns.
    struct Failing(Fail);

    #[async_trait::async_trait]
    impl PackageBuilder for Failing {
        fn tool(&self) -> &'static str {
            "test"
        }
        fn default_target(&self) -> Result<String, BuildError> {
            Ok("t".into())
        }
        async fn plan(&self, _: &BuildContext<'_>) -> Result<Vec<String>, BuildError> {
            Ok(Vec::new())
        }
        async fn build(&self, _: &BuildContext<'_>) -> Result<Built, BuildError> {
            unreachable!()
        }
        fn read_back(&self, _: &Path) -> Result<PackageMeta, ReadBackError> {
            Err((self.0)())
        }
    }

    fn built(file: &str) -> Built {
        Built {
            packages: vec![PathBuf::from(file)],
            extra: Vec::new(),
            expect: Expectation {
                epoch: None,
                version: "1".into(),
                release: ReleaseRule::Exact(String::new()),
                names: None,
            },
        }
    }

    // The messages are those of the strings read_back returned before it
    // had a type.
    #[test]
    fn read_back_failures_name_the_file_and_say_why() {
        let cases: [(Fail, &str); 2] = [
            (
                || ReadBackError::Problems(vec!["a".into(), "b".into()]),
                "p.goo: cannot read the package back: a; b; nothing was uploaded",
            ),
            (
                || ReadBackError::FileName {
                    found: "p.goo".into(),
                    expected: "p.noarch.1.goo".into(),
                },
                "p.goo: cannot read the package back: the file is named p.goo, but its spec says p.noarch.1.goo; nothing was uploaded",
            ),
        ];
        for (fail, want) in cases {
            let e = verify_packages(&Failing(fail), &built("p.goo")).unwrap_err();
            assert_eq!(e.to_string(), want);
        }
    }

    #[test]
    fn the_default_read_back_passes_pkgread_s_message_on() {
        struct Default;
        #[async_trait::async_trait]
        impl PackageBuilder for Default {
            fn tool(&self) -> &'static str {
                "test"
            }
            fn default_target(&self) -> Result<String, BuildError> {
                Ok("t".into())
            }
            async fn plan(&self, _: &BuildContext<'_>) -> Result<Vec<String>, BuildError> {
                Ok(Vec::new())
            }
            async fn build(&self, _: &BuildContext<'_>) -> Result<Built, BuildError> {
                unreachable!()
            }
        }
        let e = verify_packages(&Default, &built("x.zip")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "x.zip: cannot read the package back: x.zip: unknown package kind: expected a file name ending in .deb, .rpm, .src.rpm or .dsc; nothing was uploaded"
        );
    }
}
