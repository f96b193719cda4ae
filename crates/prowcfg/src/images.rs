//! The project's images and the tool each one runs.
//!
//! Every image is `us-docker.pkg.dev/gcp-guest/release/<name>:<tag>`, built
//! from `containers/<name>/Dockerfile`, with a pinned tag. The tool images are
//! named after their binary (`version-gen`, `repo-tagger`); the builders are
//! `builder-deb<N>` (runs `packagebuild-deb`), `builder-el<N>` (runs
//! `packagebuild-rpm --dist el<N>`) and `builder-goo` (runs
//! `packagebuild-googet`), and build the target named after the image.

use std::fmt;

/// Where the project's images live.
pub const IMAGE_REPOSITORY: &str = "us-docker.pkg.dev/gcp-guest/release";

/// A parsed image reference of this project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// The image name, also the folder `containers/<name>/`.
    pub name: String,
    /// The pinned tag.
    pub tag: String,
}

/// Why an image reference is not one of ours, or not pinned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    /// Another registry or path.
    #[error(
        "image {0:?} is not {IMAGE_REPOSITORY}/<name>:<tag>; the images are built from containers/<name>/Dockerfile and pushed there"
    )]
    Foreign(String),
    /// No tag, or `latest`.
    #[error(
        "image {0:?} is not pinned: give a release tag (e.g. :v20261127-1), not latest or none"
    )]
    NotPinned(String),
}

impl ImageRef {
    /// Parses `us-docker.pkg.dev/gcp-guest/release/<name>:<tag>`.
    pub fn parse(image: &str) -> Result<ImageRef, ImageError> {
        let rest = image
            .strip_prefix(IMAGE_REPOSITORY)
            .and_then(|r| r.strip_prefix('/'))
            .ok_or_else(|| ImageError::Foreign(image.to_owned()))?;
        let rest = rest.split('@').next().unwrap_or(rest);
        let (name, tag) = rest.split_once(':').unwrap_or((rest, ""));
        let name_ok = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b));
        if !name_ok {
            return Err(ImageError::Foreign(image.to_owned()));
        }
        if tag.is_empty() || tag == "latest" {
            return Err(ImageError::NotPinned(image.to_owned()));
        }
        Ok(ImageRef {
            name: name.to_owned(),
            tag: tag.to_owned(),
        })
    }

    /// The tool this image runs, if it is one of the known images.
    pub fn tool(&self) -> Option<(Tool, Option<String>)> {
        image_tool(&self.name)
    }
}

/// A tool binary of this project that a container can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// `version-gen`.
    VersionGen,
    /// `packagebuild-deb`.
    PackagebuildDeb,
    /// `packagebuild-rpm`.
    PackagebuildRpm,
    /// `packagebuild-googet`.
    PackagebuildGooget,
    /// `repo-tagger`.
    RepoTagger,
}

impl Tool {
    /// Every tool.
    pub const ALL: [Tool; 5] = [
        Tool::VersionGen,
        Tool::PackagebuildDeb,
        Tool::PackagebuildRpm,
        Tool::PackagebuildGooget,
        Tool::RepoTagger,
    ];

    /// The binary's name (and the container's `command`).
    pub fn binary(&self) -> &'static str {
        match self {
            Tool::VersionGen => "version-gen",
            Tool::PackagebuildDeb => "packagebuild-deb",
            Tool::PackagebuildRpm => "packagebuild-rpm",
            Tool::PackagebuildGooget => "packagebuild-googet",
            Tool::RepoTagger => "repo-tagger",
        }
    }

    /// The tool a command runs (by the file name of `command[0]`).
    pub fn from_command(command: &[String]) -> Option<Tool> {
        let first = command.first()?;
        let base = first.rsplit('/').next().unwrap_or(first);
        Tool::ALL.into_iter().find(|t| t.binary() == base)
    }

    /// Whether it builds packages (writes `results/<target>.json`).
    pub fn is_builder(&self) -> bool {
        matches!(
            self,
            Tool::PackagebuildDeb | Tool::PackagebuildRpm | Tool::PackagebuildGooget
        )
    }
}

impl fmt::Display for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.binary())
    }
}

/// The tool an image name runs and, for builders, the target it builds.
pub fn image_tool(name: &str) -> Option<(Tool, Option<String>)> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match name {
        "version-gen" => Some((Tool::VersionGen, None)),
        "repo-tagger" => Some((Tool::RepoTagger, None)),
        "builder-goo" => Some((Tool::PackagebuildGooget, Some("goo".into()))),
        _ => {
            let target = name.strip_prefix("builder-")?;
            if target.strip_prefix("deb").is_some_and(digits) {
                Some((Tool::PackagebuildDeb, Some(target.to_owned())))
            } else if target.strip_prefix("el").is_some_and(digits) {
                Some((Tool::PackagebuildRpm, Some(target.to_owned())))
            } else {
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_images() {
        let r = ImageRef::parse("us-docker.pkg.dev/gcp-guest/release/builder-deb12:v20261127-1")
            .unwrap();
        assert_eq!(
            (r.name.as_str(), r.tag.as_str()),
            ("builder-deb12", "v20261127-1")
        );
        assert_eq!(
            r.tool(),
            Some((Tool::PackagebuildDeb, Some("deb12".into())))
        );
        assert!(matches!(
            ImageRef::parse("us-docker.pkg.dev/gcp-guest/release/version-gen"),
            Err(ImageError::NotPinned(_))
        ));
        assert!(matches!(
            ImageRef::parse("us-docker.pkg.dev/gcp-guest/release/version-gen:latest"),
            Err(ImageError::NotPinned(_))
        ));
        assert!(matches!(
            ImageRef::parse("gcr.io/gcp-guest/daisy-builder:latest"),
            Err(ImageError::Foreign(_))
        ));
        assert!(matches!(
            ImageRef::parse("us-docker.pkg.dev/gcp-guest/release/a/b:v1"),
            Err(ImageError::Foreign(_))
        ));
    }

    #[test]
    fn tools_of_images() {
        assert_eq!(
            image_tool("builder-el10"),
            Some((Tool::PackagebuildRpm, Some("el10".into())))
        );
        assert_eq!(
            image_tool("builder-goo"),
            Some((Tool::PackagebuildGooget, Some("goo".into())))
        );
        assert_eq!(image_tool("repo-tagger"), Some((Tool::RepoTagger, None)));
        assert_eq!(image_tool("builder-arch"), None);
        assert_eq!(image_tool("builder-deb"), None);
        assert_eq!(
            Tool::from_command(&["/usr/local/bin/repo-tagger".into()]),
            Some(Tool::RepoTagger)
        );
    }
}
