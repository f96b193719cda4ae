use std::path::Path;

use debian::parse_debian_version;
use packagebuild::BuildError;

/// The Debian major version of this host, from `/etc/debian_version`.
pub fn debian_major(path: &Path) -> Result<u32, BuildError> {
    let text = std::fs::read_to_string(path).map_err(|_| BuildError::Usage(format!(
        "cannot read {}: this is not a Debian host; build on Debian (or in a Debian builder image), or pass --target debN",
        path.display()
    )))?;
    parse_debian_version(&text).ok_or_else(|| {
        BuildError::Usage(format!(
            "{} says {:?}, which names no Debian release this builder knows; pass --target debN",
            path.display(),
            text.trim()
        ))
    })
}
